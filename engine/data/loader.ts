/**
 * The dataset loader: reads a manifest and its files through a {@link FileSource}, binds columns to
 * a graph's input nodes and heads, decodes through a {@link PlatformAdapter}, fits featurisation
 * state on the train split, and returns flat Float32 tensors per split (plain typed arrays, so the
 * work can run in a Web Worker and the results be transferred). Never throws for bad input: every
 * problem is a {@link DataProblem} with its row, column and reason; that row is skipped and counted.
 */
import type { GraphDoc } from '../graph';
import type { HeadLoss, NodeRegistry } from '../spec';
import { sizeOf } from '../spec';
import type { PlatformAdapter } from './adapter';
import { countNonFinite } from './inputs/row';
import { inputData, type FittedInput, type InputBinding, type Prepared, type RawInput, type RowCtx } from './inputs';
import { fitClasses, splitMultiLabel } from './labels';
import { absentFill, fillSample, fitMissing, hasPresence, withoutPresence, writeWithPresence } from './missing';
import { matchedByNameProblem, openDataset, shownName, sourceLocator } from './layout';
import { isInputKind, type InputKind, type InputParamsByKind } from './params';
import { DEFAULT_LIMITS, problem, type DataLimits, type DataProblem } from './problems';
import type { FileSource } from './source';
import { assignSplits, SPLITS, type Split, type SplitOptions } from './split';
import { parseNumber } from './tabular';

// ---------------------------------------------------------------------------------------------
// Types

export type { FittedInput, InputBinding, RawInput } from './inputs';

export type HeadTask = 'classify' | 'multilabel' | 'regress';

/** A head bound to its label column. */
export interface HeadBinding {
  nodeId: string;
  kind: string;
  task: HeadTask;
  column: string;
  /** The head's `classes` param when it has one. */
  expectedClasses?: number;
  /** Multilabel: the head's `separator` param (default: `;` or `|`). */
  separator?: string;
  /** Regress: numbers per sample (the head's `outputs` param, default 1). */
  outputs: number;
}

/** Fitted label state of one head. */
export type FittedHead =
  | { task: 'classify'; column: string; classes: string[] }
  | { task: 'multilabel'; column: string; classes: string[] }
  /** Regress: `mean`/`std` are pooled over every target value of the train split (all outputs). */
  | { task: 'regress'; column: string; /** Numbers per sample (absent = 1). */ outputs?: number; mean: number; std: number };

/** Everything learnt from the train split, keyed by node id. JSON-serialisable. */
export interface FittedState {
  format: 'fusionlab/fitted';
  version: 1;
  inputs: Record<string, FittedInput>;
  heads: Record<string, FittedHead>;
}

/** One split's tensors: row-major, `count` samples. */
export interface SplitTensors {
  count: number;
  /** Manifest row numbers of the loaded samples, in order. */
  rows: number[];
  /** Sample ids (the id column, else the row number). */
  ids: string[];
  /** Input node id → `count × size(shape)` values. */
  inputs: Record<string, Float32Array>;
  /** Head node id → `count × width` targets: one-hot (classify), multi-hot (multilabel) or the value (regress). */
  labels: Record<string, Float32Array>;
  /** Classify heads: head node id → class index per sample. */
  classIndex: Record<string, Int32Array>;
}

export interface LoadSummary {
  /** Records in the manifest, broken lines included. */
  rows: number;
  loaded: number;
  skipped: number;
  bySplit: Record<Split, number>;
  /** Classify and multilabel heads: head id → split → count per class (order of `classes`). */
  classCounts: Record<string, Record<Split, number[]>>;
  problemsByCode: Record<string, number>;
  /** True when the split came from the seed rather than a split column (or partly so). */
  seededRows: number;
}

export interface LoadedDataset {
  /** False when nothing could be loaded (no manifest, a missing column, a graph that does not bind). */
  ok: boolean;
  manifestPath: string | null;
  columns: string[];
  inputs: { nodeId: string; kind: InputKind; columns: string[]; shape: number[] }[];
  heads: { nodeId: string; kind: string; task: HeadTask; column: string; classes: string[]; shape: number[] }[];
  splits: Record<Split, SplitTensors>;
  fitted: FittedState;
  problems: DataProblem[];
  summary: LoadSummary;
}

export interface LoadProgress {
  stage: 'read' | 'decode' | 'encode';
  done: number;
  total: number;
}

export interface LoadOptions {
  graph: GraphDoc;
  registry: NodeRegistry;
  adapter: PlatformAdapter;
  split?: Partial<SplitOptions>;
  limits?: Partial<DataLimits>;
  /** Column with sample ids (default `id`; used when present). */
  idColumn?: string;
  /** Column with the split (default `split`; used when present). */
  splitColumn?: string;
  /** The table to read when the dataset's top level holds several (see layout.ts). */
  manifest?: string;
  onProgress?: (p: LoadProgress) => void;
  signal?: AbortSignal;
  /**
   * Encode with this state instead of fitting one (a saved model's): vocabularies, scaling, class
   * lists and missing fills stay as the model learnt them, so that scores on new data are the
   * saved model's. Rows whose label is not one of its classes are skipped as unknown labels.
   */
  fitted?: FittedState;
}

// ---------------------------------------------------------------------------------------------
// Binding

function taskOfLoss(loss: HeadLoss): HeadTask {
  switch (loss) {
    case 'categoricalCrossentropy':
      return 'classify';
    case 'binaryCrossentropy':
      return 'multilabel';
    case 'meanSquaredError':
      return 'regress';
    default: {
      const _x: never = loss;
      return _x;
    }
  }
}

/** Bind a graph's input nodes and heads to columns (no data needed). Never throws. */
export function bindGraph(graph: GraphDoc, registry: NodeRegistry): { inputs: InputBinding[]; heads: HeadBinding[]; problems: DataProblem[] } {
  const inputs: InputBinding[] = [];
  const heads: HeadBinding[] = [];
  const problems: DataProblem[] = [];
  for (const node of graph.nodes) {
    const spec = registry.get(node.kind);
    if (!spec) {
      if (node.kind.startsWith('input.') || node.kind.startsWith('head.')) problems.push(problem('bad-graph', `Node "${node.id}" has the unknown kind ${node.kind}.`, { nodeId: node.id }));
      continue;
    }
    if (spec.category !== 'input' && spec.category !== 'head') continue;
    const parsed = spec.params.safeParse(node.params);
    if (!parsed.success) {
      problems.push(problem('bad-graph', `Node "${node.id}" has bad params: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, { nodeId: node.id }));
      continue;
    }
    const p = parsed.data;
    try {
      if (spec.category === 'input') {
        if (!isInputKind(spec.kind) || !spec.input) {
          problems.push(problem('bad-graph', `Input node "${node.id}" (${spec.kind}) cannot be fed from a dataset by this version.`, { nodeId: node.id }));
          continue;
        }
        const inf = spec.infer({}, p);
        if (!inf.ok) {
          problems.push(problem('bad-graph', `Input node "${node.id}": ${inf.diagnostics.map((d) => d.message).join(' ')}`, { nodeId: node.id }));
          continue;
        }
        const out = Object.values(inf.outputs)[0];
        // The params were parsed by the node's own schema, which mirrors InputParamsByKind.
        inputs.push({ nodeId: node.id, kind: spec.kind, columns: spec.input.columns(p), params: p as unknown as InputParamsByKind[InputKind], shape: out.shape });
      } else {
        if (!spec.head) {
          problems.push(problem('bad-graph', `Head "${node.id}" (${spec.kind}) does not name a label column.`, { nodeId: node.id }));
          continue;
        }
        const rec = p as Record<string, unknown>;
        const classes = rec.classes;
        const outputs = rec.outputs;
        heads.push({
          nodeId: node.id,
          kind: spec.kind,
          task: taskOfLoss(spec.head.loss(p)),
          column: spec.head.labelColumn(p),
          expectedClasses: typeof classes === 'number' && Number.isInteger(classes) && classes > 0 ? classes : undefined,
          separator: typeof rec.separator === 'string' && rec.separator !== '' ? rec.separator : undefined,
          outputs: typeof outputs === 'number' && Number.isInteger(outputs) && outputs > 0 ? outputs : 1,
        });
      }
    } catch (e) {
      problems.push(problem('bad-graph', `Node "${node.id}" could not be bound: ${e instanceof Error ? e.message : String(e)}`, { nodeId: node.id }));
    }
  }
  return { inputs, heads, problems };
}

// ---------------------------------------------------------------------------------------------
// Per-row preparation (decode and featurise what needs no fitting)

type RawLabel = string | string[] | number[];

interface LabelCtx {
  row: number;
  line: number;
  id?: string;
}

function prepareLabel(h: HeadBinding, cell: string, ctx: LabelCtx): Prepared<RawLabel> {
  const where = { row: ctx.row, line: ctx.line, id: ctx.id, column: h.column, nodeId: h.nodeId };
  const s = cell.trim();
  if (s === '') return { ok: false, problem: problem('missing-label', `Row ${ctx.row}: the label "${h.column}" is empty.`, where) };
  switch (h.task) {
    case 'classify':
      return { ok: true, value: s };
    case 'multilabel':
      return { ok: true, value: splitMultiLabel(s, h.separator) };
    case 'regress': {
      // Several outputs: numbers separated by spaces, commas or semicolons.
      const parts = h.outputs > 1 ? s.split(/[\s,;]+/).filter((x) => x !== '') : [s];
      const vals = parts.map(parseNumber);
      if (vals.some((v) => v === null)) return { ok: false, problem: problem('wrong-type', `Row ${ctx.row}: the target "${h.column}" is "${s.slice(0, 40)}", not ${h.outputs > 1 ? `${h.outputs} numbers` : 'a number'}.`, where) };
      if (vals.length !== h.outputs) return { ok: false, problem: problem('wrong-type', `Row ${ctx.row}: the target "${h.column}" holds ${vals.length} numbers; the head predicts ${h.outputs}.`, where) };
      return { ok: true, value: vals as number[] };
    }
    default: {
      const _x: never = h.task;
      return _x;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Fitting and encoding

function headWidth(h: FittedHead): number {
  return h.task === 'regress' ? (h.outputs ?? 1) : h.classes.length;
}

function emptySplit(): SplitTensors {
  return { count: 0, rows: [], ids: [], inputs: {}, labels: {}, classIndex: {} };
}

function emptyFitted(): FittedState {
  return { format: 'fusionlab/fitted', version: 1, inputs: {}, heads: {} };
}

function failed(problems: DataProblem[], manifestPath: string | null, columns: string[], rows: number): LoadedDataset {
  return {
    ok: false,
    manifestPath,
    columns,
    inputs: [],
    heads: [],
    splits: { train: emptySplit(), val: emptySplit(), test: emptySplit() },
    fitted: emptyFitted(),
    problems,
    summary: { rows, loaded: 0, skipped: rows, bySplit: { train: 0, val: 0, test: 0 }, classCounts: {}, problemsByCode: countCodes(problems), seededRows: 0 },
  };
}

function countCodes(problems: DataProblem[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of problems) out[p.code] = (out[p.code] ?? 0) + 1;
  return out;
}

// ---------------------------------------------------------------------------------------------
// The loader

/**
 * Load a dataset for a graph. Never throws on bad input: the result holds every problem; `ok` is
 * false only when nothing could be loaded at all.
 */
export async function loadDataset(source: FileSource, opts: LoadOptions): Promise<LoadedDataset> {
  try {
    return await loadDatasetUnsafe(source, opts);
  } catch (e) {
    if (opts.signal?.aborted) throw e; // cancellation is the caller's own request
    return failed([problem('no-manifest', `Loading stopped on an unexpected error: ${e instanceof Error ? e.message : String(e)}`)], null, [], 0);
  }
}

async function loadDatasetUnsafe(source: FileSource, opts: LoadOptions): Promise<LoadedDataset> {
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const problems: DataProblem[] = [];
  const opened = await openDataset(source, { limits, manifest: opts.manifest });
  problems.push(...opened.problems);
  const m = opened.manifest;
  const shownAs = shownName(opened);
  if (!m) return failed(problems, shownAs, [], 0);
  const brokenRows = m.problems.filter((p) => p.code === 'broken-line').length;
  const totalRows = m.rows.length + brokenRows;

  const bound = bindGraph(opts.graph, opts.registry);
  problems.push(...bound.problems);
  if (bound.inputs.length === 0) problems.push(problem('bad-graph', 'The graph has no input node the dataset can feed.'));
  if (bound.heads.length === 0) problems.push(problem('bad-graph', 'The graph has no head, so there is no label column to read.'));
  const colIdx = new Map(m.columns.map((c, i) => [c, i]));
  const need = (column: string, nodeId: string, what: string) => {
    if (!colIdx.has(column)) problems.push(problem('missing-column', `${what} "${nodeId}" reads the column "${column}", which ${shownAs} does not have (it has ${m.columns.map((c) => `"${c}"`).join(', ')}).`, { column, nodeId }));
  };
  for (const b of bound.inputs) for (const c of b.columns) need(c, b.nodeId, 'Input node');
  for (const h of bound.heads) need(h.column, h.nodeId, 'Head');
  if (bound.problems.some((p) => p.severity === 'error') || problems.some((p) => p.code === 'missing-column' || p.code === 'bad-graph')) {
    return failed(problems, shownAs, m.columns, totalRows);
  }

  // Ids and splits.
  const idCol = colIdx.get(opts.idColumn ?? 'id');
  const splitCol = colIdx.get(opts.splitColumn ?? 'split');
  const keys = m.rows.map((r) => (idCol !== undefined && r.values[idCol].trim() !== '' ? r.values[idCol].trim() : `#${r.row}`));
  const sp = assignSplits(
    m.rows.map((r, i) => ({ row: r.row, line: r.line, key: keys[i], cell: splitCol === undefined ? undefined : r.values[splitCol] })),
    opts.split,
  );
  problems.push(...sp.problems);
  const skip = new Set<number>(); // indices into m.rows
  m.rows.forEach((_, i) => {
    if (sp.splits[i] === null) skip.add(i);
  });
  if (idCol !== undefined) {
    const seen = new Map<string, number>();
    m.rows.forEach((r, i) => {
      const id = r.values[idCol].trim();
      if (id === '') return;
      const first = seen.get(id);
      if (first !== undefined) {
        problems.push(problem('duplicate-id', `Row ${r.row}: the id "${id.slice(0, 60)}" is already used by row ${m.rows[first].row}; this row is skipped.`, { row: r.row, line: r.line, id, column: opts.idColumn ?? 'id' }));
        skip.add(i);
      } else seen.set(id, i);
    });
  }

  // Decode and prepare every row.
  const rawInputs: (RawInput | null)[][] = bound.inputs.map(() => new Array<RawInput | null>(m.rows.length).fill(null));
  const rawLabels: (RawLabel | null)[][] = bound.heads.map(() => new Array<RawLabel | null>(m.rows.length).fill(null));
  // Kept-missing cells (an input with missing = keep whose every cell is empty), per input and row.
  const absent: Uint8Array[] = bound.inputs.map(() => new Uint8Array(m.rows.length));
  const total = m.rows.length;
  // The shape each kind featurises to (a kept-missing input's presence channel is added when encoding).
  const presence = bound.inputs.map((b) => hasPresence(b.kind, b.params));
  const baseShapes = bound.inputs.map((b, k) => (presence[k] ? withoutPresence(b.shape) : b.shape));
  const rowProblems: DataProblem[][] = new Array(total);
  const prepareRow = async (i: number): Promise<void> => {
    const r = m.rows[i];
    const found: DataProblem[] = [];
    rowProblems[i] = found;
    if (skip.has(i)) return;
    const ctx: RowCtx = { adapter: opts.adapter, locate: opened.locate, read: (p) => source.read(p), base: r.base, limits, row: r.row, line: r.line, id: idCol !== undefined ? keys[i] : undefined };
    for (let k = 0; k < bound.inputs.length; k++) {
      const b = bound.inputs[k];
      const cells = b.columns.map((c) => r.values[colIdx.get(c) as number]);
      if (b.params.missing === 'keep' && cells.every((c) => c.trim() === '')) {
        absent[k][i] = 1;
        continue;
      }
      let results: Prepared<RawInput>[];
      try {
        results = await inputData(b.kind).prepare(b, cells, ctx);
      } catch (e) {
        results = [{ ok: false, problem: problem('undecodable', `Row ${r.row}: ${e instanceof Error ? e.message : String(e)}`, { row: r.row, line: r.line, column: b.columns[0], nodeId: b.nodeId }) }];
      }
      for (const res of results) {
        if (!res.ok) found.push(res.problem);
        else if (res.value instanceof Float32Array && countNonFinite(res.value) > 0) {
          // A safety net behind the decoders: one NaN would poison the fitted mean of every row.
          found.push(problem('non-finite', `Row ${r.row}: "${b.nodeId}" produced ${countNonFinite(res.value)} NaN or infinite value(s) from "${cells[0].slice(0, 80)}"; the row is skipped.`, { row: r.row, line: r.line, nodeId: b.nodeId, column: b.columns[0] }));
        } else if (inputData(b.kind).rawLength(res.value, baseShapes[k]) !== sizeOf(baseShapes[k])) {
          found.push(problem('shape-mismatch', `Row ${r.row}: "${b.nodeId}" produced ${inputData(b.kind).rawLength(res.value, baseShapes[k])} values but its shape [${baseShapes[k].join(', ')}] needs ${sizeOf(baseShapes[k])}.`, { row: r.row, line: r.line, nodeId: b.nodeId, column: b.columns[0] }));
        } else rawInputs[k][i] = res.value;
      }
    }
    for (let k = 0; k < bound.heads.length; k++) {
      const h = bound.heads[k];
      const res = prepareLabel(h, r.values[colIdx.get(h.column) as number], ctx);
      if (res.ok) rawLabels[k][i] = res.value;
      else found.push(res.problem);
    }
  };
  // A few rows in flight at once so that file reads overlap decoding; results stay in row order.
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < total) {
      if (opts.signal?.aborted) throw new Error('aborted');
      const i = next++;
      await prepareRow(i);
      done++;
      if (opts.onProgress && (done % 50 === 0 || done === total)) opts.onProgress({ stage: 'decode', done, total });
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, Math.max(1, total)) }, worker));
  const byName = matchedByNameProblem(opened);
  if (byName) problems.push(byName);
  for (let i = 0; i < total; i++) {
    if (rowProblems[i].length) {
      problems.push(...rowProblems[i]);
      if (rowProblems[i].some((p) => p.severity === 'error')) skip.add(i);
    }
  }

  // Fit on the train rows that survived.
  const trainIdx: number[] = [];
  m.rows.forEach((_, i) => {
    if (!skip.has(i) && sp.splits[i] === 'train') trainIdx.push(i);
  });
  const fitted = emptyFitted();
  const given = opts.fitted;
  // Inputs encoded with the saved model's state (copied: the caller's object is never changed).
  const fromSaved = new Set<string>();
  bound.inputs.forEach((b, k) => {
    const saved = given?.inputs[b.nodeId];
    if (saved && saved.kind === b.kind && saved.shape.join() === b.shape.join()) {
      fitted.inputs[b.nodeId] = structuredClone(saved);
      fromSaved.add(b.nodeId);
      return;
    }
    if (given) problems.push(problem('bad-graph', `Input "${b.nodeId}" has no fitted state of its kind and shape in the saved model; it is fitted on this data's train split instead.`, { nodeId: b.nodeId }, 'warning'));
    // Fitted on the train rows that have this input (a kept-missing row has none to learn from).
    fitted.inputs[b.nodeId] = inputData(b.kind).fit(b, trainIdx.filter((i) => !absent[k][i]).map((i) => rawInputs[k][i] as RawInput), problems);
  });
  bound.inputs.forEach((b, k) => {
    let n = 0;
    m.rows.forEach((_, i) => {
      if (absent[k][i] && !skip.has(i)) n++;
    });
    if (n > 0) problems.push(problem('kept-missing', `Input "${b.nodeId}": ${n} row(s) have no value in ${b.columns.map((c) => `"${c}"`).join(', ')}; they are kept with this input missing (${b.kind === 'input.text' ? 'an empty text' : 'the train mean, presence channel 0'}).`, { nodeId: b.nodeId, column: b.columns[0] }, 'warning'));
  });
  bound.heads.forEach((h, k) => {
    const saved = given?.heads[h.nodeId];
    if (saved && saved.task === h.task) {
      fitted.heads[h.nodeId] = structuredClone(saved);
      return;
    }
    if (given) problems.push(problem('bad-graph', `Head "${h.nodeId}" has no fitted ${h.task} state in the saved model; its labels are fitted on this data's train split instead.`, { nodeId: h.nodeId }, 'warning'));
    const train = trainIdx.map((i) => rawLabels[k][i] as RawLabel);
    switch (h.task) {
      case 'classify': {
        const { classes, dropped } = fitClasses(train as string[], h.expectedClasses);
        // Rows with a label outside the kept classes (`dropped`) are reported below as unknown labels.
        void dropped;
        if (h.expectedClasses !== undefined && classes.length !== h.expectedClasses && trainIdx.length > 0) {
          problems.push(problem('classes-mismatch', `Head "${h.nodeId}" expects ${h.expectedClasses} classes but the train split of "${h.column}" has ${classes.length} (${classes.slice(0, 12).join(', ')}${classes.length > 12 ? ', …' : ''}). Set its classes param to ${classes.length}.`, { column: h.column, nodeId: h.nodeId }));
        }
        fitted.heads[h.nodeId] = { task: 'classify', column: h.column, classes };
        return;
      }
      case 'multilabel': {
        const all = (train as string[][]).flat();
        const { classes } = fitClasses(all, h.expectedClasses);
        if (h.expectedClasses !== undefined && classes.length !== h.expectedClasses && trainIdx.length > 0) {
          problems.push(problem('classes-mismatch', `Head "${h.nodeId}" expects ${h.expectedClasses} labels but the train split of "${h.column}" has ${classes.length} (${classes.slice(0, 12).join(', ')}${classes.length > 12 ? ', …' : ''}). Set its classes param to ${classes.length}.`, { column: h.column, nodeId: h.nodeId }));
        }
        fitted.heads[h.nodeId] = { task: 'multilabel', column: h.column, classes };
        return;
      }
      case 'regress': {
        const v = (train as number[][]).flat();
        const mean = v.length ? v.reduce((a, b) => a + b, 0) / v.length : 0;
        const std = v.length ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length) || 1 : 1;
        fitted.heads[h.nodeId] = { task: 'regress', column: h.column, outputs: h.outputs, mean, std };
        return;
      }
      default: {
        const _x: never = h.task;
        return _x;
      }
    }
  });

  // Labels outside the fitted classes (val/test rows, or train rows of dropped rare classes).
  const classMaps = bound.heads.map((h) => {
    const f = fitted.heads[h.nodeId];
    return f.task === 'regress' ? null : new Map(f.classes.map((c, j) => [c, j]));
  });
  m.rows.forEach((r, i) => {
    if (skip.has(i)) return;
    bound.heads.forEach((h, k) => {
      const map = classMaps[k];
      if (!map) return;
      const raw = rawLabels[k][i];
      const names = typeof raw === 'string' ? [raw] : (raw as string[]);
      const unknown = names.filter((n) => !map.has(n));
      if (unknown.length) {
        const known = [...map.keys()];
        problems.push(
          problem('unknown-label', `Row ${r.row}: the label "${unknown[0].slice(0, 40)}" in "${h.column}" is not one of the classes learnt ${given?.heads[h.nodeId] ? 'by the model' : 'from the train split'} (${known.slice(0, 12).join(', ')}${known.length > 12 ? ', …' : ''}); the row is skipped.`, { row: r.row, line: r.line, id: idCol !== undefined ? keys[i] : undefined, column: h.column, nodeId: h.nodeId }),
        );
        skip.add(i);
      }
    });
  });

  // Encode.
  const encoders = new Map(bound.inputs.map((b) => [b.nodeId, inputData(b.kind).encoder(fitted.inputs[b.nodeId])]));
  const splits: Record<Split, SplitTensors> = { train: emptySplit(), val: emptySplit(), test: emptySplit() };
  const bySplit: Record<Split, number[]> = { train: [], val: [], test: [] };
  m.rows.forEach((_, i) => {
    const s = sp.splits[i];
    if (!skip.has(i) && s) bySplit[s].push(i);
  });
  const classCounts: LoadSummary['classCounts'] = {};
  for (const s of SPLITS) {
    const idx = bySplit[s];
    const st = splits[s];
    st.count = idx.length;
    st.rows = idx.map((i) => m.rows[i].row);
    st.ids = idx.map((i) => keys[i]);
    bound.inputs.forEach((b, k) => {
      const size = sizeOf(b.shape);
      const out = new Float32Array(idx.length * size);
      const encode = encoders.get(b.nodeId) as (raw: RawInput, out: Float32Array, offset: number) => void;
      if (presence[k]) {
        const c = baseShapes[k][baseShapes[k].length - 1];
        const base = new Float32Array(sizeOf(baseShapes[k]));
        idx.forEach((i, n) => {
          if (absent[k][i]) return; // filled below, once the train mean is known
          base.fill(0);
          encode(rawInputs[k][i] as RawInput, base, 0);
          writeWithPresence(base, c, 1, out, n * size);
        });
      } else idx.forEach((i, n) => !absent[k][i] && encode(rawInputs[k][i] as RawInput, out, n * size)); // absent text: all padding
      st.inputs[b.nodeId] = out;
    });
    bound.heads.forEach((h, k) => {
      const f = fitted.heads[h.nodeId];
      const w = headWidth(f);
      const out = new Float32Array(idx.length * w);
      const map = classMaps[k];
      if (f.task === 'classify' && map) {
        const ci = new Int32Array(idx.length);
        const counts = new Array<number>(f.classes.length).fill(0);
        idx.forEach((i, n) => {
          const j = map.get(rawLabels[k][i] as string) as number;
          ci[n] = j;
          out[n * w + j] = 1;
          counts[j]++;
        });
        st.classIndex[h.nodeId] = ci;
        (classCounts[h.nodeId] ??= { train: [], val: [], test: [] })[s] = counts;
      } else if (f.task === 'multilabel' && map) {
        const counts = new Array<number>(f.classes.length).fill(0);
        idx.forEach((i, n) => {
          for (const name of rawLabels[k][i] as string[]) {
            const j = map.get(name) as number;
            out[n * w + j] = 1;
            counts[j]++;
          }
        });
        (classCounts[h.nodeId] ??= { train: [], val: [], test: [] })[s] = counts;
      } else {
        idx.forEach((i, n) => out.set(rawLabels[k][i] as number[], n * w));
      }
      st.labels[h.nodeId] = out;
    });
    if (opts.onProgress) opts.onProgress({ stage: 'encode', done: SPLITS.indexOf(s) + 1, total: 3 });
  }
  // What each input is when missing: its train mean sample, kept for prediction (missing.ts). A
  // kept-missing input's is the mean of the train rows that have it, with presence 0, and it
  // fills the rows without it in every split.
  bound.inputs.forEach((b, k) => {
    const train = splits.train.inputs[b.nodeId];
    const savedFill = fromSaved.has(b.nodeId) ? fitted.inputs[b.nodeId].missing : undefined;
    if (savedFill && !presence[k]) return; // the saved model's own fill stays
    if (savedFill) {
      const sample = fillSample({ shape: b.shape, missing: savedFill });
      const size = sizeOf(b.shape);
      for (const s of SPLITS) bySplit[s].forEach((i, n) => absent[k][i] && splits[s].inputs[b.nodeId].set(sample, n * size));
      return;
    }
    if (!presence[k]) {
      const fill = fitMissing(b.kind, train, splits.train.count, b.shape);
      if (fill) fitted.inputs[b.nodeId].missing = fill;
      return;
    }
    const size = sizeOf(b.shape);
    const present = bySplit.train.map((i, n) => (absent[k][i] ? -1 : n)).filter((n) => n >= 0);
    const kept = new Float32Array(present.length * size);
    present.forEach((n, j) => kept.set(train.subarray(n * size, (n + 1) * size), j * size));
    const fill = absentFill(fitMissing(b.kind, kept, present.length, b.shape), b.shape);
    fitted.inputs[b.nodeId].missing = fill;
    const sample = fillSample({ shape: b.shape, missing: fill });
    for (const s of SPLITS) bySplit[s].forEach((i, n) => absent[k][i] && splits[s].inputs[b.nodeId].set(sample, n * size));
  });
  if (splits.train.count === 0) problems.push(problem('no-rows', 'No train row could be loaded, so nothing can be learnt; see the problems above.'));

  const loaded = splits.train.count + splits.val.count + splits.test.count;
  return {
    ok: loaded > 0,
    manifestPath: shownAs,
    columns: m.columns,
    inputs: bound.inputs.map((b) => ({ nodeId: b.nodeId, kind: b.kind, columns: b.columns, shape: b.shape })),
    heads: bound.heads.map((h) => {
      const f = fitted.heads[h.nodeId];
      return { nodeId: h.nodeId, kind: h.kind, task: h.task, column: h.column, classes: f.task === 'regress' ? [] : f.classes, shape: [headWidth(f)] };
    }),
    splits,
    fitted,
    problems,
    summary: {
      rows: totalRows,
      loaded,
      skipped: totalRows - loaded,
      bySplit: { train: splits.train.count, val: splits.val.count, test: splits.test.count },
      classCounts,
      problemsByCode: countCodes(problems),
      seededRows: sp.seeded,
    },
  };
}

/**
 * Featurise one sample for prediction with the state fitted in training: `cells` maps column →
 * cell (a path for file columns, resolved in `source`). Returns each input's tensor data, or the
 * problems that stop it. Never throws.
 */
export async function featuriseSample(
  fitted: FittedState,
  cells: Record<string, string>,
  source: FileSource,
  adapter: PlatformAdapter,
  limits: Partial<DataLimits> = {},
): Promise<{ ok: true; inputs: Record<string, Float32Array>; warnings: DataProblem[] } | { ok: false; problems: DataProblem[] }> {
  const problems: DataProblem[] = [];
  const warnings: DataProblem[] = [];
  const inputs: Record<string, Float32Array> = {};
  const ctx: RowCtx = { adapter, locate: sourceLocator(source), read: (p) => source.read(p), limits: { ...DEFAULT_LIMITS, ...limits }, row: 1, line: 1 };
  for (const [nodeId, f] of Object.entries(fitted.inputs)) {
    const missing = f.columns.filter((c) => cells[c] === undefined);
    if (missing.length) {
      problems.push(problem('missing-column', `Input "${nodeId}" needs ${missing.map((c) => `"${c}"`).join(', ')}.`, { nodeId, column: missing[0] }));
      continue;
    }
    const presence = hasPresence(f.kind, f.params);
    if (f.params.missing === 'keep' && f.columns.every((c) => cells[c].trim() === '')) {
      // Kept-missing: the input is missing, as in training (the train mean, presence 0; text: all padding).
      inputs[nodeId] = f.kind === 'input.text' ? new Float32Array(sizeOf(f.shape)) : fillSample(f);
      continue;
    }
    const baseShape = presence ? withoutPresence(f.shape) : f.shape;
    const b = { nodeId, kind: f.kind, columns: f.columns, params: f.params, shape: f.shape } as InputBinding;
    try {
      const handler = inputData(f.kind);
      const res = await handler.prepare(b, f.columns.map((c) => cells[c]), ctx);
      const bad = res.filter((r): r is { ok: false; problem: DataProblem } => !r.ok);
      if (bad.length) {
        problems.push(...bad.map((r) => r.problem));
        continue;
      }
      const raw = (res[0] as { ok: true; value: RawInput }).value;
      warnings.push(...(handler.sampleWarnings?.(f, raw) ?? []).map((w) => ({ ...w, nodeId })));
      const out = new Float32Array(sizeOf(f.shape));
      if (presence) {
        const base = new Float32Array(sizeOf(baseShape));
        handler.encoder(f)(raw, base, 0);
        writeWithPresence(base, baseShape[baseShape.length - 1], 1, out, 0);
      } else handler.encoder(f)(raw, out, 0);
      inputs[nodeId] = out;
    } catch (e) {
      problems.push(problem('undecodable', `Input "${nodeId}": ${e instanceof Error ? e.message : String(e)}`, { nodeId }));
    }
  }
  return problems.length ? { ok: false, problems } : { ok: true, inputs, warnings };
}
