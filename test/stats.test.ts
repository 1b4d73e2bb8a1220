/** engine/stats.ts: Student-t intervals over seeds and the "clearly better" reading of two of them. */
import { describe, expect, it } from 'vitest';
import { clearlyBetter, meanInterval, tQuantile975 } from '../engine/stats';

describe('tQuantile975', () => {
  it('matches the t table and tends to the normal quantile', () => {
    expect(tQuantile975(1)).toBeCloseTo(12.706, 3);
    expect(tQuantile975(2)).toBeCloseTo(4.303, 3);
    expect(tQuantile975(30)).toBeCloseTo(2.042, 3);
    // Exact values: df 40 → 2.0211, 60 → 2.0003, 120 → 1.9799.
    expect(Math.abs(tQuantile975(40) - 2.0211)).toBeLessThan(1e-3);
    expect(Math.abs(tQuantile975(60) - 2.0003)).toBeLessThan(1e-3);
    expect(Math.abs(tQuantile975(120) - 1.9799)).toBeLessThan(1e-3);
    expect(tQuantile975(0)).toBe(Infinity);
  });
});

describe('meanInterval', () => {
  it('is mean ± t·s/√n and contains the mean', () => {
    const r = meanInterval([0.8, 0.9, 0.85])!;
    expect(r.mean).toBeCloseTo(0.85, 12);
    expect(r.sd).toBeCloseTo(0.05, 12);
    const half = (4.303 * 0.05) / Math.sqrt(3);
    expect(r.ci95[0]).toBeCloseTo(0.85 - half, 9);
    expect(r.ci95[1]).toBeCloseTo(0.85 + half, 9);
    expect(r.ci95[0]).toBeLessThan(r.mean);
    expect(r.ci95[1]).toBeGreaterThan(r.mean);
  });

  it('leaves out non-finite runs; one run is its own interval; none is null', () => {
    expect(meanInterval([0.5, NaN, Infinity])).toEqual({ mean: 0.5, ci95: [0.5, 0.5], sd: 0, n: 1 });
    expect(meanInterval([])).toBeNull();
  });
});

describe('clearlyBetter', () => {
  const hi = meanInterval([0.9, 0.91, 0.92])!;
  const lo = meanInterval([0.7, 0.71, 0.72])!;
  const wide = meanInterval([0.6, 0.95, 0.8])!;
  it('says yes only when the intervals do not overlap, in the metric\'s direction', () => {
    expect(clearlyBetter(hi, lo, true)).toBe(true);
    expect(clearlyBetter(lo, hi, true)).toBe(false);
    expect(clearlyBetter(lo, hi, false)).toBe(true); // RMSE: lower is better
    expect(clearlyBetter(hi, wide, true)).toBe(false);
    expect(clearlyBetter(meanInterval([0.99])!, lo, true)).toBe(false); // one run says nothing
  });
});
