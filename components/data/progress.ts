/**
 * Pure helpers of the Data panel (unit tested in test/data-browser-logic.test.ts): progress
 * figures, class-count mismatches between the data and the graph's heads, and number formats.
 */
import { INPUT_DATA, isInputKind, type ColumnInfo } from '@/engine/data';

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


/**
 * Column types as the graph reads them: a column an image, audio or video input names is that kind
 * of file column, whatever its extensions suggest. The guess from extensions alone is ambiguous
 * (`.webm` is what browsers record audio as, and it is also a video extension) and misses
 * extensions it does not list; the types decide which previews (spectrogram, filmstrip) are made.
 */
export function columnTypesFromGraph(columns: ColumnInfo[], inputs: { kind: string; columns: string[] }[]): ColumnInfo[] {
  const byColumn = new Map<string, ColumnInfo['type']>();
  for (const i of inputs) {
    const t = isInputKind(i.kind) ? INPUT_DATA[i.kind].file?.type : undefined;
    if (t) for (const c of i.columns) byColumn.set(c, t);
  }
  return columns.map((c) => {
    const t = byColumn.get(c.name);
    return t && c.type !== t && c.type !== 'empty' ? { ...c, type: t } : c;
  });
}
