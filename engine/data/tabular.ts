/**
 * Tabular featurisation: numeric columns (optionally standardised with train statistics) and
 * categorical columns one-hot encoded into a fixed number of slots.
 */

export interface CategoricalColumn {
  column: string;
  cardinality: number;
}

export interface TabularFeatureParams {
  columns: string[];
  categorical: CategoricalColumn[];
  standardise: boolean;
}

/** Fitted on the train split. */
export interface TabularFitted {
  means: number[];
  stds: number[];
  /** Per categorical column, the categories that own a slot (most frequent first). */
  categories: string[][];
}

/** Width of the tabular vector: one per numeric column plus `cardinality` per categorical one. */
export function tabularWidth(p: TabularFeatureParams): number {
  return p.columns.length + p.categorical.reduce((a, c) => a + c.cardinality, 0);
}

/** Parse a numeric cell (accepts `1e3`, ` 2.5 `; not '', 'NaN' or 'Infinity'). */
export function parseNumber(cell: string): number | null {
  const s = cell.trim();
  if (s === '' || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return null;
  const v = Number(s);
  return Number.isFinite(v) ? v : null;
}

/** Raw tabular values of one row. */
export interface TabularRaw {
  numbers: number[];
  categories: string[];
}

/** Fit means, standard deviations and category slots on train rows. */
export function fitTabular(rows: TabularRaw[], p: TabularFeatureParams): { fitted: TabularFitted; overflow: { column: string; dropped: string[] }[] } {
  const means = p.columns.map(() => 0);
  const stds = p.columns.map(() => 1);
  const n = rows.length;
  if (n > 0) {
    for (let j = 0; j < p.columns.length; j++) {
      let m = 0;
      for (const r of rows) m += r.numbers[j];
      m /= n;
      let v = 0;
      for (const r of rows) v += (r.numbers[j] - m) ** 2;
      if (!Number.isFinite(m) || !Number.isFinite(v)) {
        // Finite values near ±1.8e308 (any strict number parses) overflow the sum or the squares:
        // the mean became ±Infinity or NaN and the column encoded as NaN/zeros without a word.
        // They are legitimate doubles, so rather than refusing them at some arbitrary magnitude the
        // statistics are computed on values scaled by the column's largest magnitude (|x/s| ≤ 1:
        // nothing overflows) and scaled back: the mean lies within ±s and the std is at most s,
        // so both are finite. Ordinary columns never take this path and keep their exact values.
        ({ mean: m, std: v } = scaledMeanStd(rows, j));
        means[j] = m;
        stds[j] = v || 1;
        continue;
      }
      means[j] = m;
      stds[j] = Math.sqrt(v / n) || 1;
    }
  }
  const overflow: { column: string; dropped: string[] }[] = [];
  const categories = p.categorical.map((c, j) => {
    const counts = new Map<string, number>();
    for (const r of rows) counts.set(r.categories[j], (counts.get(r.categories[j]) ?? 0) + 1);
    const sorted = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([k]) => k);
    if (sorted.length > c.cardinality) overflow.push({ column: c.column, dropped: sorted.slice(c.cardinality) });
    return sorted.slice(0, c.cardinality);
  });
  return { fitted: { means, stds, categories }, overflow };
}

/** Mean and population std of column `j`, computed on values scaled to [-1, 1] (no overflow). */
function scaledMeanStd(rows: TabularRaw[], j: number): { mean: number; std: number } {
  let scale = 0;
  for (const r of rows) scale = Math.max(scale, Math.abs(r.numbers[j]));
  if (scale === 0 || !Number.isFinite(scale)) return { mean: 0, std: 1 };
  let m = 0;
  for (const r of rows) m += r.numbers[j] / scale;
  m /= rows.length;
  let v = 0;
  for (const r of rows) v += (r.numbers[j] / scale - m) ** 2;
  return { mean: m * scale, std: Math.sqrt(v / rows.length) * scale };
}

/**
 * (x − mean) / std without overflow: x and the mean may each be near ±1.8e308, so their
 * difference can overflow when the quotient would not; then (x / std) − (mean / std).
 */
export function standardiseValue(x: number, mean: number, std: number): number {
  const d = x - mean;
  return Number.isFinite(d) ? d / std : x / std - mean / std;
}

/** Largest magnitude a 32-bit float holds: unstandardised values beyond it would encode as ±Infinity. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/** Encode one row into `out[offset..offset+width)`. A category without a slot encodes as all zeros. */
export function encodeTabular(raw: TabularRaw, p: TabularFeatureParams, f: TabularFitted, out: Float32Array, offset: number): void {
  let o = offset;
  for (let j = 0; j < p.columns.length; j++) out[o++] = p.standardise ? standardiseValue(raw.numbers[j], f.means[j], f.stds[j]) : raw.numbers[j];
  for (let j = 0; j < p.categorical.length; j++) {
    const card = p.categorical[j].cardinality;
    const k = f.categories[j].indexOf(raw.categories[j]);
    for (let s = 0; s < card; s++) out[o + s] = s === k ? 1 : 0;
    o += card;
  }
}
