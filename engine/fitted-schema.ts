/**
 * `fitted.json` from a bundle, checked before prediction uses it: every count, length and number
 * bounded (a `clipSeconds` of 100,000 would make every prediction decode and featurise a day of
 * audio), every key a node of the bundle's graph of the right kind (tables are built with no
 * prototype, so a key such as `__proto__` reaches nothing), and each input's columns and tensor
 * shape the ones its params give. The bounds of the params are those of the input nodes' own
 * schemas (nodes/input/*.ts; test/bundle-limits.test.ts checks that they agree).
 *
 * Also the message helper for zod issues shared with `bundle.json` (engine/bundle.ts): the file,
 * the field path and what is wrong, with the value found, e.g.
 * `fitted.json: inputs.audio.params.clipSeconds must be at most 60 (it is 100000)`.
 */
import { z } from 'zod';
import { audioFeatureShape } from './data/audio';
import type { FittedHead, FittedInput, FittedState } from './data/loader';
import { MAX_FILL_CHANNELS, MAX_FILL_VALUES, presenceShape } from './data/missing';
import { INPUT_KINDS, isInputKind, type InputKind } from './data/params';
import { tabularWidth } from './data/tabular';
import { RESERVED_IDS, type GraphDoc } from './graph';

/** Bounds of `fitted.json` beyond the params' own (README, "Limits"). */
export const FITTED_LIMITS = {
  /** Longest column name, class name or category. */
  maxNameLength: 1_000,
  /** Longest vocabulary token. */
  maxTokenLength: 10_000,
  /** Most vocabulary entries (also at most the input's vocabSize). */
  maxVocab: 1_000_000,
  /** Most classes of a classify or multilabel head (the heads' own limit). */
  maxClasses: 10_000,
} as const;

// ---------------------------------------------------------------------------------------------
// Messages

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A value as a message shows it: short, quoted when text, never "[object Object]". */
export function showValue(v: unknown): string {
  if (v === undefined) return 'missing';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);
  if (Array.isArray(v)) return `a list of ${v.length} item${v.length === 1 ? '' : 's'}`;
  if (isObject(v)) return 'an object';
  return String(v);
}

/** A path segment as a message shows it (a hostile key is quoted, control characters escaped). */
function segment(p: PropertyKey): string {
  if (typeof p === 'number') return String(p);
  const s = String(p);
  return /^[A-Za-z0-9_-]{1,64}$/.test(s) ? s : JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const p of path) {
    if (typeof v !== 'object' || v === null || typeof p === 'symbol' || !Object.prototype.hasOwnProperty.call(v, p)) return undefined;
    v = (v as Record<string | number, unknown>)[p];
  }
  return v;
}

const EXPECTED: Record<string, string> = {
  int: 'a whole number',
  number: 'a number',
  string: 'text',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  record: 'an object',
};

/**
 * One zod issue as a sentence: `file: path what` (`prefix` is prepended to the issue's path;
 * `input` is what was parsed, to show the value found).
 */
export function issueMessage(file: string, issue: z.core.$ZodIssue, input: unknown, prefix: readonly PropertyKey[] = []): string {
  const path = [...prefix, ...issue.path];
  const where = path.length ? `${file}: ${path.map(segment).join('.')}` : file;
  const v = valueAt(input, issue.path);
  const it = `(it is ${showValue(v)})`;
  switch (issue.code) {
    case 'invalid_type':
      if (v === undefined) return `${where} is missing.`;
      return `${where} must be ${EXPECTED[issue.expected] ?? issue.expected} ${it}.`;
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'number' || issue.origin === 'int') return `${where} must be ${issue.inclusive ? 'at most' : 'less than'} ${max} ${it}.`;
      if (issue.origin === 'string') return `${where} must be at most ${max} characters long (it is ${typeof v === 'string' ? v.length : '?'}).`;
      return `${where} must hold at most ${max} items (it holds ${Array.isArray(v) ? v.length : isObject(v) ? Object.keys(v).length : '?'}).`;
    }
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'number' || issue.origin === 'int') return `${where} must be ${issue.inclusive ? 'at least' : 'more than'} ${min} ${it}.`;
      if (issue.origin === 'string') return `${where} must not be empty.`;
      return `${where} must hold at least ${min} item${min === 1 ? '' : 's'} (it holds ${Array.isArray(v) ? v.length : '?'}).`;
    }
    case 'invalid_value':
      return `${where} must be ${issue.values.map((x) => JSON.stringify(x)).join(' or ')} ${it}.`;
    case 'unrecognized_keys':
      return `${where} has the unknown field ${segment(issue.keys[0] ?? '')}.`;
    default:
      return `${where} ${issue.message.replace(/\.$/, '')}.`;
  }
}

/** The first issue of a failed parse as a message. */
export function schemaMessage(file: string, error: z.ZodError, input: unknown, prefix: readonly PropertyKey[] = []): string {
  const first = error.issues[0];
  const more = error.issues.length - 1;
  if (!first) return `${file} is not valid.`;
  return issueMessage(file, first, input, prefix) + (more > 0 ? ` (${more} more problem${more === 1 ? '' : 's'} after it)` : '');
}

// ---------------------------------------------------------------------------------------------
// Schemas: the input nodes' params (nodes/input/*.ts), bounds and defaults alike

/** Property names of every object: a column so named would be found in any plain record of cells. */
const RESERVED_NAMES = RESERVED_IDS;
const columnName = z
  .string()
  .min(1)
  .max(FITTED_LIMITS.maxNameLength)
  .refine((c) => !RESERVED_NAMES.has(c), { message: 'is a reserved name (a property of every JavaScript object)' });
const channels = z.union([z.literal(1), z.literal(3)]);
const missing = z.enum(['skip', 'keep']).default('skip');

export const FITTED_PARAMS = {
  'input.image': z.object({
    column: columnName.default('image'),
    height: z.number().int().min(4).max(1024).default(28),
    width: z.number().int().min(4).max(1024).default(28),
    channels: channels.default(1),
    resize: z.enum(['stretch', 'crop', 'pad']).default('stretch'),
    normalise: z.enum(['unit', 'signed', 'per-image', 'none']).default('unit'),
    flip: z.boolean().default(false),
    shift: z.number().min(0).max(0.5).default(0),
    brightness: z.number().min(0).max(1).default(0),
    missing,
  }),
  'input.text': z.object({
    column: columnName.default('text'),
    tokenizer: z.enum(['word', 'char']).default('word'),
    vocabSize: z.number().int().min(3).max(100_000).default(1000),
    seqLength: z.number().int().min(1).max(4096).default(32),
    lowercase: z.boolean().default(true),
    tokenDropout: z.number().min(0).max(0.5).default(0),
    missing,
  }),
  'input.audio': z.object({
    column: columnName.default('audio'),
    sampleRate: z.number().int().min(1000).max(96_000).default(8000),
    clipSeconds: z.number().min(0.05).max(60).default(1),
    representation: z.enum(['logmel', 'waveform']).default('logmel'),
    melBins: z.number().int().min(4).max(256).default(40),
    frameLength: z.number().int().min(16).max(8192).default(256),
    hop: z.number().int().min(1).max(8192).default(128),
    window: z.enum(['hann', 'hamming']).default('hann'),
    standardise: z.boolean().default(true),
    timeShift: z.number().min(0).max(0.5).default(0),
    gainDb: z.number().min(0).max(24).default(0),
    noise: z.number().min(0).max(1).default(0),
    missing,
  }),
  'input.tabular': z.object({
    columns: z.array(columnName).max(1000).default(['value']),
    categorical: z.array(z.object({ column: columnName, cardinality: z.number().int().min(1).max(1000) })).max(100).default([]),
    standardise: z.boolean().default(true),
    missing,
  }),
  'input.video': z.object({
    column: columnName.default('video'),
    frames: z.number().int().min(1).max(64).default(8),
    height: z.number().int().min(4).max(512).default(64),
    width: z.number().int().min(4).max(512).default(64),
    channels: channels.default(3),
    missing,
  }),
} as const satisfies Record<InputKind, z.ZodObject>;

/** A finite number (zod refuses NaN and ±Infinity). */
const finite = z.number();
const positive = z.number().positive();

function fittedInputSchema<K extends InputKind>(kind: K) {
  const base = {
    kind: z.literal(kind),
    columns: z.array(columnName).max(1100),
    shape: z.array(z.number().int().min(1).max(2 ** 31 - 1)).min(1).max(8),
    params: FITTED_PARAMS[kind],
    missing: z.union([z.object({ values: z.array(finite).max(MAX_FILL_VALUES) }).strict(), z.object({ channels: z.array(finite).max(MAX_FILL_CHANNELS) }).strict()]).optional(),
  };
  switch (kind) {
    case 'input.text':
      return z.object({ ...base, vocab: z.array(z.string().max(FITTED_LIMITS.maxTokenLength)).max(FITTED_LIMITS.maxVocab) });
    case 'input.audio':
      return z.object({ ...base, mean: finite, std: positive });
    case 'input.tabular':
      return z.object({
        ...base,
        fitted: z.object({
          means: z.array(finite).max(1000),
          stds: z.array(positive).max(1000),
          categories: z.array(z.array(z.string().max(FITTED_LIMITS.maxNameLength)).max(1000)).max(100),
        }),
      });
    default:
      return z.object(base);
  }
}

const INPUT_SCHEMAS = Object.fromEntries(INPUT_KINDS.map((k) => [k, fittedInputSchema(k)])) as unknown as Record<InputKind, z.ZodObject>;

const classes = z.array(z.string().max(FITTED_LIMITS.maxNameLength)).max(FITTED_LIMITS.maxClasses);
const HEAD_SCHEMAS = {
  classify: z.object({ task: z.literal('classify'), column: columnName, classes }),
  multilabel: z.object({ task: z.literal('multilabel'), column: columnName, classes }),
  regress: z.object({ task: z.literal('regress'), column: columnName, outputs: z.number().int().min(1).max(1024).optional(), mean: finite, std: positive }),
} as const;

// ---------------------------------------------------------------------------------------------
// Parsing

export type ParseFittedResult = { ok: true; fitted: FittedState } | { ok: false; message: string };

const FILE = 'fitted.json';

function sameList(a: readonly (string | number)[], b: readonly (string | number)[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** What an input's params give: its columns and its tensor shape (with the presence channel of a kept-missing input). */
function expected(f: FittedInput): { columns: string[]; shape: number[] } {
  const e = expectedBase(f);
  return { columns: e.columns, shape: presenceShape(f.kind, e.shape, f.params) };
}

function expectedBase(f: FittedInput): { columns: string[]; shape: number[] } {
  switch (f.kind) {
    case 'input.image':
      return { columns: [f.params.column], shape: [f.params.height, f.params.width, f.params.channels] };
    case 'input.text':
      return { columns: [f.params.column], shape: [f.params.seqLength] };
    case 'input.audio':
      return { columns: [f.params.column], shape: audioFeatureShape(f.params) };
    case 'input.tabular':
      return { columns: [...f.params.columns, ...f.params.categorical.map((c) => c.column)], shape: [tabularWidth(f.params)] };
    case 'input.video':
      return { columns: [f.params.column], shape: [f.params.frames, f.params.height, f.params.width, f.params.channels] };
    default: {
      const _x: never = f;
      return _x;
    }
  }
}

/** Checks that need more than one field of an input. */
function consistency(f: FittedInput): { path: (string | number)[]; message: string } | null {
  const want = expected(f);
  if (!sameList(f.columns, want.columns)) return { path: ['columns'], message: `must be the params' columns (${want.columns.map((c) => JSON.stringify(c)).join(', ')})` };
  if (!sameList(f.shape, want.shape)) return { path: ['shape'], message: `must be [${want.shape.join(', ')}], the shape its params give (it is [${f.shape.join(', ')}])` };
  const m = f.missing;
  if (m && 'values' in m && m.values.length !== f.shape.reduce((a, b) => a * b, 1)) return { path: ['missing', 'values'], message: `must hold one value per value of the input (${f.shape.reduce((a, b) => a * b, 1)}; it holds ${m.values.length})` };
  if (m && 'channels' in m && m.channels.length !== f.shape[f.shape.length - 1]) return { path: ['missing', 'channels'], message: `must hold one value per channel (${f.shape[f.shape.length - 1]}; it holds ${m.channels.length})` };
  if (f.kind === 'input.text' && f.vocab.length > f.params.vocabSize) return { path: ['vocab'], message: `holds ${f.vocab.length} tokens, more than params.vocabSize = ${f.params.vocabSize}` };
  if (f.kind === 'input.tabular') {
    const p = f.params;
    const t = f.fitted;
    if (t.means.length !== p.columns.length) return { path: ['fitted', 'means'], message: `must hold one value per numeric column (${p.columns.length}; it holds ${t.means.length})` };
    if (t.stds.length !== p.columns.length) return { path: ['fitted', 'stds'], message: `must hold one value per numeric column (${p.columns.length}; it holds ${t.stds.length})` };
    if (t.categories.length !== p.categorical.length) return { path: ['fitted', 'categories'], message: `must hold one list per categorical column (${p.categorical.length}; it holds ${t.categories.length})` };
    const over = t.categories.findIndex((c, j) => c.length > p.categorical[j].cardinality);
    if (over >= 0) return { path: ['fitted', 'categories', over], message: `holds ${t.categories[over].length} categories, more than its cardinality ${p.categorical[over].cardinality}` };
  }
  return null;
}

function fail(path: readonly PropertyKey[], message: string): { ok: false; message: string } {
  return { ok: false, message: `${FILE}: ${path.map(segment).join('.')} ${message}.` };
}

/**
 * Parse `fitted.json` against the bundle's graph. Never throws. The tables of the result have no
 * prototype; their keys are node ids of `graph`.
 */
export function parseFitted(value: unknown, graph: Pick<GraphDoc, 'nodes'>): ParseFittedResult {
  if (!isObject(value)) return { ok: false, message: `${FILE} must be a JSON object (it is ${showValue(value)}).` };
  if (value.format !== 'fusionlab/fitted') return { ok: false, message: `${FILE} is not FusionLab preprocessing state (format is ${showValue(value.format)}, not "fusionlab/fitted").` };
  const version = value.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) return fail(['version'], `must be a whole number (it is ${showValue(version)})`);
  if (version > 1) return { ok: false, message: `${FILE} has version ${version}, newer than this FusionLab reads (1). Update FusionLab.` };
  const nodes = new Map(graph.nodes.map((n) => [n.id, n]));
  const inputs = Object.create(null) as Record<string, FittedInput>;
  const heads = Object.create(null) as Record<string, FittedHead>;
  for (const table of ['inputs', 'heads'] as const) {
    const raw = value[table];
    if (!isObject(raw)) return fail([table], `must be an object (it is ${showValue(raw)})`);
    const keys = Object.keys(raw);
    if (keys.length > nodes.size) return fail([table], `holds ${keys.length} entries, more than the graph has nodes (${nodes.size})`);
    for (const key of keys) {
      const node = nodes.get(key);
      if (!node) return fail([table, key], 'names no node of graph.json');
      const entry = raw[key];
      if (table === 'inputs') {
        if (!isObject(entry)) return fail([table, key], `must be an object (it is ${showValue(entry)})`);
        const kind = entry.kind;
        if (typeof kind !== 'string' || !isInputKind(kind)) return fail([table, key, 'kind'], `must be an input kind (${INPUT_KINDS.join(', ')}; it is ${showValue(kind)})`);
        if (node.kind !== kind) return fail([table, key, 'kind'], `is ${kind}, but the graph's node "${key}" is ${node.kind}`);
        const r = INPUT_SCHEMAS[kind].safeParse(entry);
        if (!r.success) return { ok: false, message: schemaMessage(FILE, r.error, entry, [table, key]) };
        const f = r.data as unknown as FittedInput;
        const bad = consistency(f);
        if (bad) return fail([table, key, ...bad.path], bad.message);
        inputs[key] = f;
      } else {
        if (!node.kind.startsWith('head.')) return fail([table, key], `names the node "${key}", which is ${node.kind}, not a head`);
        if (!isObject(entry)) return fail([table, key], `must be an object (it is ${showValue(entry)})`);
        const task = entry.task;
        if (task !== 'classify' && task !== 'multilabel' && task !== 'regress') return fail([table, key, 'task'], `must be "classify", "multilabel" or "regress" (it is ${showValue(task)})`);
        const r = HEAD_SCHEMAS[task].safeParse(entry);
        if (!r.success) return { ok: false, message: schemaMessage(FILE, r.error, entry, [table, key]) };
        heads[key] = r.data as FittedHead;
      }
    }
  }
  return { ok: true, fitted: { format: 'fusionlab/fitted', version: 1, inputs, heads } };
}
