/**
 * A project: everything a person builds around one graph, kept so that nothing is lost on a
 * reload, a share link or a crash, and handed out as a `.fusionlab` file (project-file.ts).
 *
 * The app keeps projects in IndexedDB (components/project/db.ts); the CLI reads project files.
 * Both go through {@link parseProject}, because a project may come from anyone: every field is
 * checked and bounded before it is used, and anything unreadable is a diagnostic, never a throw.
 */
import { parseGraph, type GraphDoc } from '../graph';
import { MAX_MODALITY_DROPOUT, OPTIMIZERS, type OptimizerName, type TrainConfig } from '../train/types';

export const PROJECT_FORMAT = 'fusionlab/project';
export const PROJECT_VERSION = 1;

/** Bounds on what a project may declare (it may come from anyone). */
export const PROJECT_LIMITS = {
  /** Undo and redo steps kept with the graph (the editor keeps 200 in memory; 50 survive a reload). */
  historySteps: 50,
  /** Named versions of the graph. */
  versions: 100,
  /** Characters of a project or version name. */
  nameLength: 120,
} as const;

/** A named copy of the graph that can be restored. */
export interface GraphVersion {
  name: string;
  /** ISO time. */
  savedAt: string;
  graph: GraphDoc;
}

/** The Train panel's settings, as the CLI flags name them. */
export type ProjectTrainSettings = Partial<Pick<TrainConfig, 'optimizer' | 'learningRate' | 'momentum' | 'batchSize' | 'epochs' | 'patience' | 'seed' | 'modalityDropout'>>;

/** Where the project's trained model stands. */
export interface ProjectModelInfo {
  /** Epochs the saved weights have been trained for. */
  epoch: number;
  /** False while the run that wrote it was still going (a checkpoint: the last completed epoch). */
  complete: boolean;
  savedAt: string;
}

/** What dataset the project keeps (its files are stored beside it, not in this record). */
export interface ProjectDatasetInfo {
  /** The name the Data panel shows (a folder or zip name, or the demo). */
  name: string;
  kind: 'files' | 'zip' | 'demo';
  /** Bytes of its files (0 for the demo, which is generated again). */
  bytes: number;
  files: number;
  /** The generated demo's settings. */
  demo?: { seed: number; rows: number };
  /** The table chosen when the dataset's top level holds several. */
  manifest?: string;
}

/** `project.json`, and the record the app keeps per project. */
export interface ProjectDoc {
  format: typeof PROJECT_FORMAT;
  version: number;
  id: string;
  name: string;
  createdAt: string;
  updatedAt: string;
  graph: GraphDoc;
  /** Undo steps, oldest first, and redo steps, next first. */
  undo: GraphDoc[];
  redo: GraphDoc[];
  versions: GraphVersion[];
  train: ProjectTrainSettings;
  model?: ProjectModelInfo;
  dataset?: ProjectDatasetInfo;
}

export type ParseProjectResult = { ok: true; project: ProjectDoc; warnings: string[] } | { ok: false; message: string };

/** A new id: time-ordered and random enough that two tabs never collide. */
export function newProjectId(now = Date.now(), random: () => number = Math.random): string {
  const r = Array.from({ length: 8 }, () => Math.floor(random() * 36).toString(36)).join('');
  return `p${now.toString(36)}${r}`;
}

/** A fresh project around `graph`. */
export function newProject(graph: GraphDoc, opts: { name?: string; id?: string; now?: Date } = {}): ProjectDoc {
  const at = (opts.now ?? new Date()).toISOString();
  return {
    format: PROJECT_FORMAT,
    version: PROJECT_VERSION,
    id: opts.id ?? newProjectId(),
    name: cleanName(opts.name ?? graph.name) || 'Untitled project',
    createdAt: at,
    updatedAt: at,
    graph,
    undo: [],
    redo: [],
    versions: [],
    train: {},
  };
}

/** A name as kept: control characters gone, spaces collapsed, bounded. */
export function cleanName(name: string): string {
  // eslint-disable-next-line no-control-regex
  return name.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').replace(/\s+/g, ' ').trim().slice(0, PROJECT_LIMITS.nameLength);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isoOr(v: unknown, fallback: string): string {
  return typeof v === 'string' && v.length <= 40 && !Number.isNaN(Date.parse(v)) ? v : fallback;
}

/** The settings that pass the same range checks as the CLI's flags; the rest are dropped. */
export function parseTrainSettings(v: unknown): ProjectTrainSettings {
  if (!isRecord(v)) return {};
  const out: ProjectTrainSettings = {};
  const num = (k: string) => (typeof v[k] === 'number' && Number.isFinite(v[k]) ? (v[k] as number) : undefined);
  const int = (k: string, lo: number, hi: number) => {
    const x = num(k);
    return x !== undefined && Number.isInteger(x) && x >= lo && x <= hi ? x : undefined;
  };
  if (typeof v.optimizer === 'string' && (OPTIMIZERS as readonly string[]).includes(v.optimizer)) out.optimizer = v.optimizer as OptimizerName;
  const lr = num('learningRate');
  if (lr !== undefined && lr > 0 && lr <= 10) out.learningRate = lr;
  const m = num('momentum');
  if (m !== undefined && m >= 0 && m < 1) out.momentum = m;
  const bs = int('batchSize', 1, 4096);
  if (bs !== undefined) out.batchSize = bs;
  const ep = int('epochs', 1, 10_000);
  if (ep !== undefined) out.epochs = ep;
  const pa = int('patience', 0, 10_000);
  if (pa !== undefined) out.patience = pa;
  const seed = int('seed', -(2 ** 31), 2 ** 31 - 1);
  if (seed !== undefined) out.seed = seed;
  const md = num('modalityDropout');
  if (md !== undefined && md >= 0 && md <= MAX_MODALITY_DROPOUT) out.modalityDropout = md;
  return out;
}

function parseGraphList(v: unknown, limit: number, what: string, warnings: string[]): GraphDoc[] {
  if (!Array.isArray(v)) return [];
  const out: GraphDoc[] = [];
  let bad = 0;
  for (const g of v.slice(-limit)) {
    const r = parseGraph(g);
    if (r.ok) out.push(r.graph);
    else bad++;
  }
  if (bad) warnings.push(`${bad} ${what} could not be read and ${bad === 1 ? 'was' : 'were'} left out.`);
  return out;
}

function parseDataset(v: unknown): ProjectDatasetInfo | undefined {
  if (!isRecord(v) || typeof v.name !== 'string') return undefined;
  const kind = v.kind === 'files' || v.kind === 'zip' || v.kind === 'demo' ? v.kind : null;
  if (!kind) return undefined;
  const count = (x: unknown) => (typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= Number.MAX_SAFE_INTEGER ? x : 0);
  const out: ProjectDatasetInfo = { name: cleanName(v.name), kind, bytes: count(v.bytes), files: count(v.files) };
  if (kind === 'demo' && isRecord(v.demo)) {
    const seed = v.demo.seed;
    const rows = v.demo.rows;
    if (typeof seed === 'number' && Number.isInteger(seed) && typeof rows === 'number' && Number.isInteger(rows) && rows >= 1 && rows <= 100_000) out.demo = { seed, rows };
  }
  if (typeof v.manifest === 'string' && v.manifest.length <= 500) out.manifest = v.manifest;
  return out;
}

/** A value as a message shows it (short; never "undefined" or "[object Object]"). */
function showValue(v: unknown): string {
  if (v === undefined) return 'missing';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object' && v !== null) return 'an object';
  return String(v).slice(0, 20);
}

/**
 * Read a project record or `project.json` (already parsed from JSON). The graph must be valid;
 * history steps and versions that are not are dropped with a warning, and every count is bounded.
 */
export function parseProject(input: unknown): ParseProjectResult {
  if (!isRecord(input)) return { ok: false, message: 'project.json is not a JSON object.' };
  if (input.format !== PROJECT_FORMAT) {
    return { ok: false, message: input.format === undefined ? `project.json has no format (it must be ${PROJECT_FORMAT}).` : `project.json has format ${showValue(input.format)}, not ${PROJECT_FORMAT}.` };
  }
  const version = input.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    return { ok: false, message: `project.json: version must be a whole number of at least 1 (it is ${showValue(version)}).` };
  }
  if (version > PROJECT_VERSION) {
    return { ok: false, message: `This project has version ${version}, newer than this FusionLab reads (${PROJECT_VERSION}). Update FusionLab.` };
  }
  const g = parseGraph(input.graph);
  // zod says "received undefined" of a missing field; the message says it is missing.
  if (!g.ok) return { ok: false, message: `The project's graph is not valid: ${g.diagnostics.map((d) => d.message.replace(/, received undefined/g, ', but it is missing')).slice(0, 3).join(' ')}` };
  const warnings: string[] = [];
  const now = new Date().toISOString();
  const versions: GraphVersion[] = [];
  if (Array.isArray(input.versions)) {
    let bad = 0;
    for (const v of input.versions.slice(-PROJECT_LIMITS.versions)) {
      const r = isRecord(v) ? parseGraph(v.graph) : null;
      if (r?.ok && isRecord(v) && typeof v.name === 'string') versions.push({ name: cleanName(v.name) || 'Version', savedAt: isoOr(v.savedAt, now), graph: r.graph });
      else bad++;
    }
    if (bad) warnings.push(`${bad} saved version${bad === 1 ? '' : 's'} could not be read and ${bad === 1 ? 'was' : 'were'} left out.`);
  }
  const id = typeof input.id === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(input.id) ? input.id : newProjectId();
  const model = isRecord(input.model) && typeof input.model.epoch === 'number' && Number.isInteger(input.model.epoch) && input.model.epoch >= 0
    ? { epoch: input.model.epoch, complete: input.model.complete === true, savedAt: isoOr(input.model.savedAt, now) }
    : undefined;
  const project: ProjectDoc = {
    format: PROJECT_FORMAT,
    version: PROJECT_VERSION,
    id,
    name: (typeof input.name === 'string' ? cleanName(input.name) : '') || cleanName(g.graph.name) || 'Untitled project',
    createdAt: isoOr(input.createdAt, now),
    updatedAt: isoOr(input.updatedAt, now),
    graph: g.graph,
    undo: parseGraphList(input.undo, PROJECT_LIMITS.historySteps, 'undo steps', warnings),
    redo: parseGraphList(input.redo, PROJECT_LIMITS.historySteps, 'redo steps', warnings),
    versions,
    train: parseTrainSettings(input.train),
    model,
    dataset: parseDataset(input.dataset),
  };
  return { ok: true, project, warnings };
}

/** "2.4 MB" for the project list. */
export function formatStorage(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 / 1024).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
}
