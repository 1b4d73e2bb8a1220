/**
 * Train / val / test assignment: the manifest's `split` column when it has one, otherwise a seeded
 * split that does not depend on row order (rows are ranked by a hash of their id and the seed).
 */
import { problem, type DataProblem } from './problems';
import { hashString } from './rng';

export type Split = 'train' | 'val' | 'test';
export const SPLITS: readonly Split[] = ['train', 'val', 'test'];

export interface SplitOptions {
  /** Seed of the split when the manifest has no split column. */
  seed: number;
  /** Fraction of rows for validation when the split is seeded. */
  valFraction: number;
  /** Fraction of rows for test when the split is seeded. */
  testFraction: number;
}

export const DEFAULT_SPLIT: SplitOptions = { seed: 42, valFraction: 0.2, testFraction: 0 };

/** Read a split cell: train / val / test, with common spellings; '' → null (seeded); else undefined. */
export function parseSplitCell(cell: string): Split | null | undefined {
  const s = cell.trim().toLowerCase();
  if (s === '') return null;
  if (s === 'train' || s === 'training') return 'train';
  if (s === 'val' || s === 'valid' || s === 'validation' || s === 'dev') return 'val';
  if (s === 'test' || s === 'testing') return 'test';
  return undefined;
}

export interface SplitRow {
  row: number;
  line: number;
  /** The id that keys the seeded split (the id cell, else the row number). */
  key: string;
  /** The split cell, or undefined when the manifest has no split column. */
  cell?: string;
}

/**
 * Assign a split to every row. Rows whose split cell is empty (or all rows when there is no split
 * column) are split by seed: ranked by hash(key, seed), the first ⌊n·val⌉ go to val, the next
 * ⌊n·test⌉ to test, the rest to train. A bad cell is a problem and the row gets no split.
 */
export function assignSplits(rows: SplitRow[], opts: Partial<SplitOptions> = {}): { splits: (Split | null)[]; problems: DataProblem[]; seeded: number } {
  const o = { ...DEFAULT_SPLIT, ...opts };
  const splits: (Split | null)[] = new Array(rows.length).fill(null);
  const problems: DataProblem[] = [];
  const pending: number[] = [];
  rows.forEach((r, i) => {
    if (r.cell === undefined) {
      pending.push(i);
      return;
    }
    const s = parseSplitCell(r.cell);
    if (s === undefined) problems.push(problem('bad-split', `Row ${r.row}: split is "${r.cell.slice(0, 40)}"; use train, val or test (or leave it empty for a seeded split). The row is skipped.`, { row: r.row, line: r.line, column: 'split' }));
    else if (s === null) pending.push(i);
    else splits[i] = s;
  });
  const ranked = pending.map((i) => ({ i, h: hashString(rows[i].key, o.seed) })).sort((a, b) => a.h - b.h || a.i - b.i);
  const nVal = Math.round(ranked.length * o.valFraction);
  const nTest = Math.round(ranked.length * o.testFraction);
  ranked.forEach(({ i }, k) => {
    splits[i] = k < nVal ? 'val' : k < nVal + nTest ? 'test' : 'train';
  });
  return { splits, problems, seeded: pending.length };
}
