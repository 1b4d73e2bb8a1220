/**
 * Dataset inspection for `fusionlab data inspect` and the app's dataset panel: rows, each column's
 * inferred type and statistics, splits, label classes and balance, and every problem found.
 */
import type { GraphDoc } from '../graph';
import type { NodeRegistry } from '../spec';
import { AUDIO_EXTENSIONS, DecodeError, extensionOf, IMAGE_EXTENSIONS, VIDEO_EXTENSIONS, type PlatformAdapter } from './adapter';
import { sortClassNames } from './labels';
import { loadDataset, type LoadedDataset } from './loader';
import { DEFAULT_LIMITS, formatBytes, problem, type DataLimits, type DataProblem } from './problems';
import { matchedByNameProblem, openDataset, shownName, type LayoutKind } from './layout';
import type { FileSource } from './source';
import { assignSplits, SPLITS, type Split, type SplitOptions } from './split';
import { parseNumber } from './tabular';

export type ColumnType = 'id' | 'split' | 'image' | 'audio' | 'video' | 'number' | 'category' | 'text' | 'empty';

export interface ColumnInfo {
  name: string;
  type: ColumnType;
  /** Non-empty cells. */
  filled: number;
  /** Empty cells. */
  missing: number;
  distinct: number;
  /** Numbers: min, max, mean, standard deviation. */
  numeric?: { min: number; max: number; mean: number; std: number };
  /** Categories, labels: the most frequent values. */
  top?: { value: string; count: number }[];
  /**
   * A number column with some cells that are not numbers ("N/A", "unknown"): how many, and a few
   * of them. Those rows are skipped by a table input (`wrong-type`); fix or empty the cells.
   */
  nonNumeric?: { count: number; examples: string[] };
  /** Text: mean length in characters. */
  meanLength?: number;
  /** Audio columns (when the adapter can probe files): clip lengths in seconds. */
  seconds?: { min: number; max: number; mean: number };
  /** Up to three example cells. */
  examples: string[];
}

export interface LabelInfo {
  column: string;
  /** Classes sorted as a classify head sorts them, with counts per split. */
  classes: { name: string; count: number; bySplit: Record<Split, number> }[];
  /** Largest class count divided by the smallest (1 = balanced). */
  imbalance: number;
}

export interface InspectReport {
  source: string;
  /** The table read (`labels.csv`), or what was found ("class folders: 3 classes…"); null: nothing. */
  manifest: string | null;
  format: 'csv' | 'tsv' | 'jsonl' | 'folders' | null;
  layout: LayoutKind | null;
  /** With a `several-tables` problem: the tables to choose from. */
  tables: string[];
  /** Records in the manifest, broken lines included. */
  rows: number;
  columns: ColumnInfo[];
  splits: Record<Split, number> & { seeded: number };
  labels: LabelInfo[];
  /** With a graph: what the loader produced for it. */
  load?: Pick<LoadedDataset, 'ok' | 'inputs' | 'heads' | 'summary'>;
  problems: DataProblem[];
  problemCounts: Record<string, number>;
}

export interface InspectOptions {
  /** Decode every file in image/audio/video columns to find broken ones (needs `adapter`). */
  adapter?: PlatformAdapter;
  /** With a graph (and registry), the report includes a full load for it. */
  graph?: GraphDoc;
  registry?: NodeRegistry;
  split?: Partial<SplitOptions>;
  limits?: Partial<DataLimits>;
  /** The table to read when the top level holds several. */
  manifest?: string;
  /** Label column(s) to describe when there is no graph (default: the first of label/class/target/y). */
  labelColumns?: string[];
  onProgress?: (done: number, total: number) => void;
}

const LABEL_GUESSES = ['label', 'labels', 'class', 'target', 'y', 'category'];

function inferType(name: string, values: string[], rows: number): ColumnType {
  if (name === 'id') return 'id';
  if (name === 'split') return 'split';
  const filled = values.filter((v) => v.trim() !== '');
  if (filled.length === 0) return 'empty';
  const share = (exts: readonly string[]) => filled.filter((v) => (exts as readonly string[]).includes(extensionOf(v.trim()))).length / filled.length;
  if (share(IMAGE_EXTENSIONS) >= 0.8) return 'image';
  if (share(AUDIO_EXTENSIONS) >= 0.8) return 'audio';
  if (share(VIDEO_EXTENSIONS) >= 0.8) return 'video';
  // Numbers, also when a few cells are not (a mixed column: "N/A" among prices).
  const numbers = filled.filter((v) => parseNumber(v) !== null).length;
  if (numbers === filled.length || numbers >= 0.9 * filled.length) return 'number';
  const distinct = new Set(filled.map((v) => v.trim())).size;
  if (distinct <= Math.max(20, rows * 0.05) && distinct < filled.length / 2) return 'category';
  return 'text';
}

function describeColumn(name: string, values: string[], rows: number): ColumnInfo {
  const type = inferType(name, values, rows);
  const filledVals = values.filter((v) => v.trim() !== '');
  const counts = new Map<string, number>();
  for (const v of filledVals) counts.set(v.trim(), (counts.get(v.trim()) ?? 0) + 1);
  const info: ColumnInfo = { name, type, filled: filledVals.length, missing: values.length - filledVals.length, distinct: counts.size, examples: filledVals.slice(0, 3).map((v) => (v.length > 60 ? v.slice(0, 57) + '…' : v)) };
  if (type === 'number') {
    const bad = filledVals.filter((v) => parseNumber(v) === null);
    if (bad.length) info.nonNumeric = { count: bad.length, examples: [...new Set(bad.map((v) => v.trim()))].slice(0, 3).map((v) => v.slice(0, 30)) };
    const nums = filledVals.map((v) => parseNumber(v)).filter((v): v is number => v !== null);
    const mean = nums.reduce((a, b) => a + b, 0) / nums.length;
    info.numeric = {
      min: nums.reduce((a, b) => Math.min(a, b), Infinity),
      max: nums.reduce((a, b) => Math.max(a, b), -Infinity),
      mean,
      std: Math.sqrt(nums.reduce((a, b) => a + (b - mean) ** 2, 0) / nums.length),
    };
  }
  if (type === 'category' || type === 'split' || (type === 'number' && counts.size <= 20)) {
    info.top = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 20).map(([value, count]) => ({ value, count }));
  }
  if (type === 'text') info.meanLength = filledVals.reduce((a, v) => a + v.length, 0) / (filledVals.length || 1);
  return info;
}

function countCodes(problems: DataProblem[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of problems) out[p.code] = (out[p.code] ?? 0) + 1;
  return out;
}

/** Inspect a dataset. Never throws for bad input. */
export async function inspectDataset(source: FileSource, opts: InspectOptions = {}): Promise<InspectReport> {
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const opened = await openDataset(source, { limits, manifest: opts.manifest });
  const m = opened.manifest;
  const shownAs = shownName(opened);
  const empty: InspectReport = { source: source.name, manifest: shownAs, format: null, layout: opened.layout, tables: opened.tables, rows: 0, columns: [], splits: { train: 0, val: 0, test: 0, seeded: 0 }, labels: [], problems: opened.problems, problemCounts: countCodes(opened.problems) };
  if (!m) return empty;
  const problems: DataProblem[] = [...m.problems];
  const broken = m.problems.filter((p) => p.code === 'broken-line').length;
  const columns = m.columns.map((c, j) =>
    describeColumn(
      c,
      m.rows.map((r) => r.values[j]),
      m.rows.length,
    ),
  );
  const idCol = m.columns.indexOf('id');
  const splitCol = m.columns.indexOf('split');
  const keys = m.rows.map((r) => (idCol >= 0 && r.values[idCol].trim() !== '' ? r.values[idCol].trim() : `#${r.row}`));
  const sp = assignSplits(
    m.rows.map((r, i) => ({ row: r.row, line: r.line, key: keys[i], cell: splitCol >= 0 ? r.values[splitCol] : undefined })),
    opts.split,
  );
  const splits = { train: 0, val: 0, test: 0, seeded: sp.seeded };
  for (const s of sp.splits) if (s) splits[s]++;

  // Label columns: the graph's heads, else a guess.
  let labelCols: string[] = opts.labelColumns ?? [];
  let load: InspectReport['load'];
  if (opts.graph && opts.registry && opts.adapter) {
    const ds = await loadDataset(source, { graph: opts.graph, registry: opts.registry, adapter: opts.adapter, split: opts.split, limits, manifest: opts.manifest, onProgress: opts.onProgress ? (p) => p.stage === 'decode' && opts.onProgress?.(p.done, p.total) : undefined });
    load = { ok: ds.ok, inputs: ds.inputs, heads: ds.heads, summary: ds.summary };
    labelCols = ds.heads.map((h) => h.column);
    // The loader re-reports the manifest's own problems; keep one copy.
    problems.length = 0;
    problems.push(...ds.problems);
  } else {
    problems.push(...sp.problems);
    if (labelCols.length === 0) {
      const g = LABEL_GUESSES.find((c) => m.columns.includes(c));
      if (g) labelCols = [g];
    }
    if (idCol >= 0) {
      const seen = new Map<string, number>();
      m.rows.forEach((r) => {
        const id = r.values[idCol].trim();
        if (id === '') return;
        const first = seen.get(id);
        if (first !== undefined) problems.push(problem('duplicate-id', `Row ${r.row}: the id "${id.slice(0, 60)}" is already used by row ${first}.`, { row: r.row, line: r.line, id, column: 'id' }));
        else seen.set(id, r.row);
      });
    }
    for (const lc of labelCols) {
      const j = m.columns.indexOf(lc);
      if (j < 0) continue;
      for (const r of m.rows) if (r.values[j].trim() === '') problems.push(problem('missing-label', `Row ${r.row}: the label "${lc}" is empty.`, { row: r.row, line: r.line, column: lc }));
    }
    // Every file in a file column: exists, within limits, decodes.
    const fileCols = columns.map((c, j) => ({ c, j })).filter(({ c }) => c.type === 'image' || c.type === 'audio' || c.type === 'video');
    const total = m.rows.length * fileCols.length;
    const durations = new Map<string, number[]>();
    const tasks: { c: ColumnInfo; j: number; i: number }[] = [];
    for (const { c, j } of fileCols) for (let i = 0; i < m.rows.length; i++) tasks.push({ c, j, i });
    const found: DataProblem[][] = new Array(tasks.length);
    const check = async ({ c, j, i }: { c: ColumnInfo; j: number; i: number }): Promise<DataProblem | null> => {
      const r = m.rows[i];
      const cell = r.values[j];
      const where = { row: r.row, line: r.line, column: c.name, id: idCol >= 0 ? keys[i] : undefined };
      if (cell.trim() === '') return problem('empty-value', `Row ${r.row}: "${c.name}" is empty; it should name a file.`, where);
      const found = await opened.locate(cell, r);
      if (!found.ok) return problem(found.code, `Row ${r.row}: "${c.name}" ${found.code === 'bad-path' ? `is "${cell.slice(0, 80)}", which ${found.detail}` : found.detail}.`, where);
      const { path, size } = found;
      if (size > limits.maxFileBytes) return problem('file-too-large', `Row ${r.row}: ${path} is ${formatBytes(size)}, over the limit maxFileBytes = ${formatBytes(limits.maxFileBytes)}.`, where);
      if (!opts.adapter || c.type === 'video') return null;
      const bytes = await source.read(path);
      try {
        if (!bytes) throw new DecodeError('unreadable');
        if (c.type === 'image') await opts.adapter.decodeImage(bytes, path, { width: 32, height: 32 }); // shrink-on-load: a check, not features
        else if (opts.adapter.probeAudio) {
          const info = await opts.adapter.probeAudio(bytes, path);
          (durations.get(c.name) ?? durations.set(c.name, []).get(c.name)!).push(info.seconds);
        } else await opts.adapter.decodeAudio(bytes, 16000, path);
      } catch (e) {
        return problem(e instanceof DecodeError ? e.code : 'undecodable', `Row ${r.row}: ${path} could not be decoded: ${e instanceof Error ? e.message : String(e)}`, where);
      }
      return null;
    };
    // A few files in flight so that reads overlap decoding; problems keep row order per column.
    let next = 0;
    let done = 0;
    const worker = async () => {
      while (next < tasks.length) {
        const k = next++;
        const p = await check(tasks[k]);
        found[k] = p ? [p] : [];
        done++;
        if (opts.onProgress && (done % 100 === 0 || done === total)) opts.onProgress(done, total);
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, Math.max(1, tasks.length)) }, worker));
    for (const f of found) problems.push(...f);
    const byName = matchedByNameProblem(opened);
    if (byName) problems.push(byName);
    for (const [name, secs] of durations) {
      const info = columns.find((c) => c.name === name);
      if (info && secs.length) {
        const mean = secs.reduce((a, b) => a + b, 0) / secs.length;
        info.seconds = { min: Math.min(...secs), max: Math.max(...secs), mean };
      }
    }
  }
  const labels: LabelInfo[] = [];
  for (const lc of labelCols) {
    const j = m.columns.indexOf(lc);
    if (j < 0) continue;
    const by = new Map<string, Record<Split, number>>();
    m.rows.forEach((r, i) => {
      const v = r.values[j].trim();
      const s = sp.splits[i];
      if (v === '' || !s) return;
      const rec = by.get(v) ?? { train: 0, val: 0, test: 0 };
      rec[s]++;
      by.set(v, rec);
    });
    const classes = sortClassNames(by.keys()).map((name) => {
      const bySplit = by.get(name) as Record<Split, number>;
      return { name, count: SPLITS.reduce((a, s) => a + bySplit[s], 0), bySplit };
    });
    const counts = classes.map((c) => c.count);
    labels.push({ column: lc, classes, imbalance: counts.length ? Math.max(...counts) / Math.max(1, Math.min(...counts)) : 1 });
  }
  return { source: source.name, manifest: shownAs, format: m.format, layout: opened.layout, tables: opened.tables, rows: m.rows.length + broken, columns, splits, labels, load, problems, problemCounts: countCodes(problems) };
}
