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

/** Encode one row into `out[offset..offset+width)`. A category without a slot encodes as all zeros. */
export function encodeTabular(raw: TabularRaw, p: TabularFeatureParams, f: TabularFitted, out: Float32Array, offset: number): void {
  let o = offset;
  for (let j = 0; j < p.columns.length; j++) out[o++] = p.standardise ? (raw.numbers[j] - f.means[j]) / f.stds[j] : raw.numbers[j];
  for (let j = 0; j < p.categorical.length; j++) {
    const card = p.categorical[j].cardinality;
    const k = f.categories[j].indexOf(raw.categories[j]);
    for (let s = 0; s < card; s++) out[o + s] = s === k ? 1 : 0;
    o += card;
  }
}
