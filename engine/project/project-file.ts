/**
 * The project file (`.fusionlab`, a zip): the classroom handout. It holds
 *
 * ```
 * project.json                  the project (project.ts): graph, undo steps, versions, train settings
 * results.json                  the app's Train panel results (charts, metrics, ablation, Compare,
 *                               worst samples), typed arrays tagged (typed-json.ts); optional
 * model.json, weights.bin,      the trained model exactly as a bundle holds it (engine/bundle.ts),
 * graph.json, fitted.json,      so every command that reads a bundle reads a project file too;
 * bundle.json                   absent when nothing was trained
 * dataset.zip | dataset/…       the dataset, when included: the zip as opened, or its files
 * ```
 *
 * Reading never throws and bounds every size before expanding anything (the file may come from
 * anyone): the zip's directory is checked against the dataset limits (entries, expanded total)
 * and each entry against its own limit before it is inflated (engine/zip-limits.ts); the model's
 * files are then read as a bundle is (engine/bundle.ts `readBundle`, by {@link readModelFile}).
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { strFromU8, strToU8, unzipSync, zipSync, type Zippable } from 'fflate';
import { BUNDLE_ENTRIES, bundleEntryRule, DEFAULT_BUNDLE_LIMITS, readBundle, type BundleLimits, type LoadedBundle } from '../bundle';
import { generateDemoDataset } from '../data/demo';
import { DEFAULT_LIMITS, formatBytes, type DataLimits, type DataProblem } from '../data/problems';
import { memorySource, normalisePath, zipSource, type FileSource } from '../data/source';
import { listZip, parseJsonEntry, quoteName, scanJson, unzipWithinLimits, type EntryRule } from '../zip-limits';
import { parseProject, type ProjectDoc } from './project';
import { parseTypedJson, stringifyTyped } from './typed-json';

/** The bundle's files, copied into a project file as they are. */
export const BUNDLE_FILES = BUNDLE_ENTRIES;

/** A dataset as a project file carries it. */
export type ProjectDataset =
  | { kind: 'zip'; name: string; bytes: Uint8Array }
  | { kind: 'files'; name: string; files: { path: string; bytes: Uint8Array }[] }
  | { kind: 'demo'; seed: number; rows: number };

export interface ProjectFileContents {
  project: ProjectDoc;
  /** A bundle zip (engine/bundle.ts writeBundle), when a model was trained. */
  bundle?: Uint8Array;
  /** The app's results (plain data; typed arrays allowed). */
  results?: unknown;
  dataset?: ProjectDataset;
}

/** Write a project file. Entries that are already compressed (weights, images, zips) are stored. */
export function writeProjectFile(c: ProjectFileContents): Uint8Array {
  const files: Zippable = { 'project.json': strToU8(JSON.stringify(c.project, null, 2)) };
  if (c.results !== undefined) files['results.json'] = strToU8(stringifyTyped(c.results));
  if (c.bundle) {
    const b = unzipSync(c.bundle);
    for (const name of BUNDLE_FILES) if (b[name]) files[name] = name === 'weights.bin' ? [b[name], { level: 0 }] : b[name];
  }
  const d = c.dataset;
  if (d?.kind === 'zip') files['dataset.zip'] = [d.bytes, { level: 0 }];
  else if (d?.kind === 'files') for (const f of d.files) files[`dataset/${normalisePath(f.path)}`] = [f.bytes, { level: /\.(csv|tsv|jsonl|json|txt|wav)$/i.test(f.path) ? 6 : 0 }];
  return zipSync(files);
}

export type ReadProjectFileResult =
  | { ok: true; project: ProjectDoc; warnings: string[]; bundle?: Uint8Array; results?: unknown; dataset?: ProjectDataset }
  | { ok: false; message: string };

/** True when the zip's entries look like a project file (has project.json). Reads the directory only, at most `maxArchiveEntries` of it. */
export function isProjectFile(bytes: Uint8Array): boolean {
  try {
    return listZip(bytes, DEFAULT_LIMITS.maxArchiveEntries).entries.some((e) => e.name === 'project.json');
  } catch {
    return false;
  }
}

/** A file of an included dataset over its limit: left out, as a dataset zip leaves it out. */
function datasetRule(name: string, lim: BundleLimits): EntryRule {
  // A table may be the manifest, which has its own limit (as in engine/data/source.ts zipSource).
  const table = /\.(csv|tsv|jsonl)$/i.test(name);
  return table && lim.maxManifestBytes > lim.maxFileBytes
    ? { maxBytes: lim.maxManifestBytes, limitName: 'maxManifestBytes', over: 'skip' }
    : { maxBytes: lim.maxFileBytes, limitName: 'maxFileBytes', over: 'skip' };
}

/**
 * How each entry of a project file is held to the limits before it is expanded: project.json
 * refuses the file when over `maxManifestBytes`; results.json and the model's files are left out
 * with a warning (the project still opens); dataset files over `maxFileBytes` are left out like a
 * dataset zip's; dataset.zip counts in the total. Anything else is not expanded.
 */
function projectEntryRule(name: string, lim: BundleLimits): EntryRule | null {
  if (name === 'project.json') return { maxBytes: lim.maxManifestBytes, limitName: 'maxManifestBytes', over: 'refuse' };
  if (name === 'results.json') return { maxBytes: lim.maxManifestBytes, limitName: 'maxManifestBytes', over: 'skip' };
  if ((BUNDLE_FILES as readonly string[]).includes(name)) return bundleEntryRule(name, lim, 'skip');
  if (name === 'dataset.zip') return { maxBytes: lim.maxArchiveExpandedBytes, limitName: 'maxArchiveExpandedBytes', over: 'refuse' };
  if (name.startsWith('dataset/') && !name.endsWith('/')) return datasetRule(name, lim);
  return null;
}

/**
 * Read a project file. `limits` bounds the expanded size, the entry count and each entry (the
 * dataset limits and, for the model's files, the bundle's: see {@link projectEntryRule}); the
 * project record is checked by {@link parseProject}. The model's files are only collected here:
 * {@link readModelFile} reads them as a bundle.
 */
export function readProjectFile(bytes: Uint8Array, limits: Partial<BundleLimits> = {}): ReadProjectFileResult {
  const lim: BundleLimits = { ...DEFAULT_BUNDLE_LIMITS, ...limits };
  const z = unzipWithinLimits(bytes, 'The project file', lim, (name) => projectEntryRule(name, lim));
  if (!z.ok) {
    return { ok: false, message: z.unreadable ? `This is not a FusionLab project file (not a readable zip: ${z.message}).` : z.message };
  }
  const files = z.files;
  const pj = files.get('project.json');
  if (!pj) return { ok: false, message: 'This is not a FusionLab project file: project.json is missing.' };
  const parsed = parseJsonEntry('project.json', pj, lim.maxJsonDepth, lim.maxJsonValues);
  if (!parsed.ok) return parsed;
  const p = parseProject(parsed.value);
  if (!p.ok) return p;
  const warnings = [...p.warnings];
  for (const s of z.skipped) {
    warnings.push(`${quoteName(s.name)} is ${formatBytes(s.bytes)}, over the limit ${s.limitName} = ${formatBytes(s.maxBytes)}; it was left out.`);
  }
  let results: unknown;
  const rj = files.get('results.json');
  if (rj) {
    const refused = scanJson('results.json', rj, lim.maxJsonDepth, lim.maxJsonValues);
    const r = refused ? { ok: false as const, message: refused.replace(/^results\.json /, '').replace(/\.$/, '') } : parseTypedJson(strFromU8(rj));
    if (r.ok) results = r.value;
    else warnings.push(`results.json could not be read (${r.message}); the results were left out.`);
  }
  const present = BUNDLE_FILES.filter((n) => files.has(n));
  let bundle: Uint8Array | undefined;
  if (present.length === BUNDLE_FILES.length) bundle = zipSync(Object.fromEntries(BUNDLE_FILES.map((n) => [n, [files.get(n), { level: 0 }]])) as Zippable);
  else if (present.length) warnings.push(`The trained model is incomplete (${BUNDLE_FILES.filter((n) => !files.has(n)).join(', ')} missing); it was left out.`);
  let dataset: ProjectDataset | undefined;
  const name = p.project.dataset?.name ?? 'dataset';
  const dz = files.get('dataset.zip');
  if (dz) dataset = { kind: 'zip', name, bytes: dz };
  else {
    const inside = [...files.keys()].filter((k) => k.startsWith('dataset/'));
    const safe = inside
      .map((k) => ({ path: normalisePath(k.slice('dataset/'.length)), bytes: files.get(k) as Uint8Array }))
      .filter((f) => f.path && !f.path.split('/').includes('..') && !f.path.startsWith('/'));
    if (safe.length) dataset = { kind: 'files', name, files: safe };
    else if (p.project.dataset?.kind === 'demo' && p.project.dataset.demo) dataset = { kind: 'demo', ...p.project.dataset.demo };
  }
  return { ok: true, project: p.project, warnings, bundle, results, dataset };
}


/** What {@link readModelFile} says of a project file that holds no trained model. */
export const NO_MODEL_MESSAGE =
  'This project file holds no trained model yet: train it first (`fusionlab train project.fusionlab --data …` or Train in the app), then save it again.';

/** A project file as read, when it was read without problems. */
export type ProjectFileRead = Extract<ReadProjectFileResult, { ok: true }>;

/**
 * {@link readBundle}'s result, plus the project when the file was a project file (its dataset,
 * settings and warnings).
 */
export type ReadModelFileResult = { ok: true; bundle: LoadedBundle; project?: ProjectFileRead } | { ok: false; message: string };

/**
 * Read a trained model from a bundle zip or a project file, whichever `bytes` is. A project file
 * without a (complete) trained model is a plain message, never a throw; so is anything else
 * {@link readBundle} or {@link readProjectFile} refuses.
 */
export async function readModelFile(
  tf: typeof tfTypes,
  bytes: Uint8Array,
  registerLayers?: (tf: typeof tfTypes) => unknown,
  limits: Partial<BundleLimits> = {},
): Promise<ReadModelFileResult> {
  if (!isProjectFile(bytes)) return readBundle(tf, bytes, registerLayers, limits);
  const p = readProjectFile(bytes, limits);
  if (!p.ok) return p;
  if (!p.bundle) {
    const incomplete = p.warnings.find((w) => w.startsWith('The trained model is incomplete'));
    return { ok: false, message: incomplete ? `${incomplete} ${NO_MODEL_MESSAGE}` : NO_MODEL_MESSAGE };
  }
  const b = await readBundle(tf, p.bundle, registerLayers, limits);
  return b.ok ? { ok: true, bundle: b.bundle, project: p } : b;
}

/**
 * The dataset a project file carries, as a file source the loader reads like any other: the zip
 * through {@link zipSource} (its limits checked), files and the generated demo from memory.
 */
export function projectDatasetSource(dataset: ProjectDataset, limits: Partial<DataLimits> = {}): { source: FileSource | null; problems: DataProblem[] } {
  if (dataset.kind === 'zip') return zipSource(dataset.name, dataset.bytes, limits);
  if (dataset.kind === 'files') return { source: memorySource(dataset.name, new Map(dataset.files.map((f) => [f.path, f.bytes]))), problems: [] };
  return { source: memorySource('demo', generateDemoDataset({ seed: dataset.seed, rows: dataset.rows }).files), problems: [] };
}
