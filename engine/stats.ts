/**
 * Small statistics for comparisons over seeds: the mean of a few runs and its 95 % confidence
 * interval from Student's t distribution (the few-sample interval MultiBench-style reports use),
 * and whether two such intervals say the difference is real.
 */

/** Two-sided 95 % quantiles t₀.₉₇₅(df) for df = 1…30 (standard tables). */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069,
  2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/**
 * t₀.₉₇₅ with `df` degrees of freedom: the table up to 30, then the Cornish–Fisher expansion
 * around the normal quantile 1.96 (within 1e-3 of the exact value from df = 31 on).
 */
export function tQuantile975(df: number): number {
  if (!Number.isFinite(df) || df < 1) return Infinity;
  const d = Math.floor(df);
  if (d <= T975.length) return T975[d - 1];
  const z = 1.959964;
  return z + (z ** 3 + z) / (4 * d) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * d * d);
}

/** Mean of a few runs with its 95 % interval; with one run the interval is that run alone (nothing to say about spread). */
export interface MeanInterval {
  mean: number;
  /** [lo, hi]: mean ± t₀.₉₇₅(n − 1) · s / √n. */
  ci95: [number, number];
  /** Sample standard deviation (n − 1 in the denominator); 0 for one run. */
  sd: number;
  n: number;
}

/** The mean and 95 % Student-t interval of `values` (non-finite values are left out); null when none is left. */
export function meanInterval(values: readonly number[]): MeanInterval | null {
  const xs = values.filter(Number.isFinite);
  const n = xs.length;
  if (n === 0) return null;
  const mean = xs.reduce((a, x) => a + x, 0) / n;
  if (n === 1) return { mean, ci95: [mean, mean], sd: 0, n };
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
  const half = (tQuantile975(n - 1) * sd) / Math.sqrt(n);
  return { mean, ci95: [mean - half, mean + half], sd, n };
}

/**
 * Whether `a` is better than `b` by their intervals: higher (accuracy) or lower (RMSE) with no
 * overlap. A conservative reading (non-overlapping 95 % intervals): when it says yes, the
 * difference is real; when it says no, the runs do not show one. Needs two or more runs each.
 */
export function clearlyBetter(a: MeanInterval, b: MeanInterval, higherIsBetter: boolean): boolean {
  if (a.n < 2 || b.n < 2) return false;
  return higherIsBetter ? a.ci95[0] > b.ci95[1] : a.ci95[1] < b.ci95[0];
}
