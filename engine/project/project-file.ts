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
 * anyone): the same two-pass directory check as dataset zips (engine/data/source.ts).
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { strFromU8, strToU8, unzipSync, zipSync, type Zippable } from 'fflate';
import { readBundle, type LoadedBundle } from '../bundle';
import { generateDemoDataset } from '../data/demo';
import { DEFAULT_LIMITS, formatBytes, type DataLimits, type DataProblem } from '../data/problems';
import { memorySource, normalisePath, zipDirectory, zipSource, type FileSource } from '../data/source';
import { parseProject, type ProjectDoc } from './project';
import { parseTypedJson, stringifyTyped } from './typed-json';

/** The bundle's files, copied into a project file as they are. */
export const BUNDLE_FILES = ['model.json', 'weights.bin', 'graph.json', 'fitted.json', 'bundle.json'] as const;

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

/** True when the zip's entries look like a project file (has project.json). */
export function isProjectFile(bytes: Uint8Array): boolean {
  let found = false;
  try {
    unzipSync(bytes, {
      filter: (f) => {
        if (f.name === 'project.json') found = true;
        return false;
      },
    });
  } catch {
    return false;
  }
  return found;
}

/**
 * Read a project file. `limits` bounds the expanded size and the entry count (the dataset limits
 * by default); the project record is checked by {@link parseProject}.
 */
export function readProjectFile(bytes: Uint8Array, limits: Partial<DataLimits> = {}): ReadProjectFileResult {
  const lim = { ...DEFAULT_LIMITS, ...limits };
  let entries: number;
  let total: number;
  try {
    ({ entries, total } = zipDirectory(bytes));
  } catch (e) {
    return { ok: false, message: `This is not a FusionLab project file (not a readable zip: ${e instanceof Error ? e.message : String(e)}).` };
  }
  if (entries > lim.maxArchiveEntries) return { ok: false, message: `The project file holds ${entries} files, over the limit maxArchiveEntries = ${lim.maxArchiveEntries}.` };
  if (total > lim.maxArchiveExpandedBytes) return { ok: false, message: `The project file expands to ${formatBytes(total)}, over the limit maxArchiveExpandedBytes = ${formatBytes(lim.maxArchiveExpandedBytes)}.` };
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, { filter: (f) => !f.name.endsWith('/') });
  } catch (e) {
    return { ok: false, message: `The project file could not be expanded: ${e instanceof Error ? e.message : String(e)}.` };
  }
  const pj = files['project.json'];
  if (!pj) return { ok: false, message: 'This is not a FusionLab project file: project.json is missing.' };
  if (pj.length > lim.maxManifestBytes) return { ok: false, message: `project.json is ${formatBytes(pj.length)}, over the limit maxManifestBytes = ${formatBytes(lim.maxManifestBytes)}.` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(strFromU8(pj));
  } catch (e) {
    return { ok: false, message: `project.json is not valid JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  const p = parseProject(parsed);
  if (!p.ok) return p;
  const warnings = [...p.warnings];
  let results: unknown;
  if (files['results.json']) {
    const r = parseTypedJson(strFromU8(files['results.json']));
    if (r.ok) results = r.value;
    else warnings.push(`results.json could not be read (${r.message}); the results were left out.`);
  }
  const present = BUNDLE_FILES.filter((n) => files[n]);
  let bundle: Uint8Array | undefined;
  if (present.length === BUNDLE_FILES.length) bundle = zipSync(Object.fromEntries(BUNDLE_FILES.map((n) => [n, [files[n], { level: 0 }]])) as Zippable);
  else if (present.length) warnings.push(`The trained model is incomplete (${BUNDLE_FILES.filter((n) => !files[n]).join(', ')} missing); it was left out.`);
  let dataset: ProjectDataset | undefined;
  const name = p.project.dataset?.name ?? 'dataset';
  if (files['dataset.zip']) dataset = { kind: 'zip', name, bytes: files['dataset.zip'] };
  else {
    const inside = Object.keys(files).filter((k) => k.startsWith('dataset/'));
    const safe = inside.map((k) => ({ path: normalisePath(k.slice('dataset/'.length)), bytes: files[k] })).filter((f) => f.path && !f.path.split('/').includes('..') && !f.path.startsWith('/'));
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
export async function readModelFile(tf: typeof tfTypes, bytes: Uint8Array, registerLayers?: (tf: typeof tfTypes) => void): Promise<ReadModelFileResult> {
  if (!isProjectFile(bytes)) return readBundle(tf, bytes, registerLayers);
  const p = readProjectFile(bytes);
  if (!p.ok) return p;
  if (!p.bundle) {
    const incomplete = p.warnings.find((w) => w.startsWith('The trained model is incomplete'));
    return { ok: false, message: incomplete ? `${incomplete} ${NO_MODEL_MESSAGE}` : NO_MODEL_MESSAGE };
  }
  const b = await readBundle(tf, p.bundle, registerLayers);
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
