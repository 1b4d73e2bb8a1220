/**
 * Pure helpers of the Data panel (unit tested in test/data-browser-logic.test.ts): progress
 * figures, class-count mismatches between the data and the graph's heads, and number formats.
 */
import type { ColumnInfo, LoadedDataset } from '@/engine/data';
import type { GraphDoc } from '@/engine/graph';

export interface ProgressStats {
  stage: 'open' | 'read' | 'decode' | 'encode';
  done: number;
  total: number;
  /** 0..1 of the whole job (decoding is most of it). */
  fraction: number;
  /** Samples per second so far (decode stage), or 0 when not known yet. */
  rate: number;
  /** Estimated milliseconds left, or null when not known yet. */
  etaMs: number | null;
  elapsedMs: number;
}

/** Progress figures from a loader progress event and the job's start time. */
export function progressStats(stage: ProgressStats['stage'], done: number, total: number, started: number, now: number): ProgressStats {
  const elapsedMs = Math.max(0, now - started);
  const f = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  let fraction: number;
  switch (stage) {
    case 'open':
    case 'read':
      fraction = 0.02 * f;
      break;
    case 'decode':
      fraction = 0.02 + 0.93 * f;
      break;
    case 'encode':
      fraction = 0.95 + 0.05 * f;
      break;
    default: {
      const _x: never = stage;
      return _x;
    }
  }
  const secs = elapsedMs / 1000;
  const rate = stage === 'decode' && done > 0 && secs > 0 ? done / secs : 0;
  const etaMs = stage === 'decode' && rate > 0 ? ((total - done) / rate) * 1000 : stage === 'encode' ? 0 : null;
  return { stage, done, total, fraction, rate, etaMs, elapsedMs };
}

/** "12 s", "3 min 05 s". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/** A head whose `classes` param differs from the number of classes in the data. */
export interface ClassMismatch {
  nodeId: string;
  label: string;
  column: string;
  expected: number;
  found: number;
  classes: string[];
}

/**
 * Heads whose `classes` param does not match the classes found in the data. `found` is the number
 * of distinct labels in the inspected label column (train, val and test), which is what the head
 * should be set to; the loader's fitted classes are capped by the param, so they are not used.
 */
export function classMismatches(graph: GraphDoc, ds: Pick<LoadedDataset, 'heads'> | null, labels: { column: string; classes: { name: string; bySplit: { train: number; val?: number; test?: number } }[] }[]): ClassMismatch[] {
  if (!ds) return [];
  const out: ClassMismatch[] = [];
  for (const h of ds.heads) {
    if (h.task === 'regress') continue;
    const node = graph.nodes.find((n) => n.id === h.nodeId);
    const expected = node?.params.classes;
    if (typeof expected !== 'number') continue;
    const info = labels.find((l) => l.column === h.column);
    // Classes the train split has (the loader learns classes from train rows only), leaving out
    // stray labels — a typo in one row is a bad row, not a class: a label seen in train only and
    // either (a) once, and not numeric where the other labels are (or the reverse): "banana"
    // among digits; or (b) with under 5 % of the mean count when classes average 10+ rows.
    const train = info ? info.classes.filter((c) => c.bySplit.train > 0) : [];
    const mean = train.length ? train.reduce((a, c) => a + c.bySplit.train, 0) / train.length : 0;
    const numeric = (name: string) => /^[-+]?\d+(\.\d+)?$/.test(name.trim());
    const numericShare = train.length ? train.filter((c) => numeric(c.name)).length / train.length : 0;
    const stray = (c: { name: string; bySplit: { train: number; val?: number; test?: number } }) => {
      if ((c.bySplit.val ?? 0) + (c.bySplit.test ?? 0) > 0) return false;
      const odd = numeric(c.name) ? numericShare < 0.2 : numericShare > 0.8;
      return (c.bySplit.train === 1 && odd) || (mean >= 10 && c.bySplit.train < 0.05 * mean);
    };
    const trainClasses = info ? train.filter((c) => !stray(c)).map((c) => c.name) : h.classes;
    if (trainClasses.length > 0 && trainClasses.length !== expected) {
      out.push({ nodeId: h.nodeId, label: node?.label ?? h.nodeId, column: h.column, expected, found: trainClasses.length, classes: trainClasses });
    }
  }
  return out;
}

/** 1234567 → "1,234,567". */
export function formatInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** A compact number for statistics: 3 significant digits, no exponent for ordinary sizes. */
export function formatStat(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return x.toExponential(2);
  return Number(x.toPrecision(3)).toString();
}

/** Columns of the built-in demo dataset (engine/data/demo.ts). */
const DEMO_COLUMN_SET = new Set(['id', 'image', 'caption', 'audio', 'temperature', 'count', 'label', 'split']);

/**
 * True when every column the graph's inputs and heads read is a demo dataset column, one of them
 * is the demo's own (caption, temperature, count), and it has at least one input and one head: the demo template (or a variant of it) is on the canvas, so the
 * demo dataset is what it is meant to train on.
 */
export function readsDemoColumns(bound: { inputs: { columns: string[] }[]; heads: { column: string }[] }): boolean {
  if (bound.inputs.length === 0 || bound.heads.length === 0) return false;
  // The picture, audio and label columns are common names (AV-MNIST has them too): the demo
  // graph must also read one of the demo's own columns.
  const own = ['caption', 'temperature', 'count'];
  if (!bound.inputs.some((i) => i.columns.some((c) => own.includes(c)))) return false;
  return bound.inputs.every((i) => i.columns.every((c) => DEMO_COLUMN_SET.has(c))) && bound.heads.every((h) => DEMO_COLUMN_SET.has(h.column));
}

const FILE_KIND: Record<string, ColumnInfo['type'] | undefined> = { 'input.image': 'image', 'input.audio': 'audio', 'input.video': 'video' };

/**
 * Column types as the graph reads them: a column an image, audio or video input names is that kind
 * of file column, whatever its extensions suggest. The guess from extensions alone is ambiguous
 * (`.webm` is what browsers record audio as, and it is also a video extension) and misses
 * extensions it does not list; the types decide which previews (spectrogram, filmstrip) are made.
 */
export function columnTypesFromGraph(columns: ColumnInfo[], inputs: { kind: string; columns: string[] }[]): ColumnInfo[] {
  const byColumn = new Map<string, ColumnInfo['type']>();
  for (const i of inputs) {
    const t = FILE_KIND[i.kind];
    if (t) for (const c of i.columns) byColumn.set(c, t);
  }
  return columns.map((c) => {
    const t = byColumn.get(c.name);
    return t && c.type !== t && c.type !== 'empty' ? { ...c, type: t } : c;
  });
}
