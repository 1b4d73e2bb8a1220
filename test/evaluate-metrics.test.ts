import { describe, expect, it } from 'vitest';
import { scoreOutput } from '../engine/evaluate';
import type { OutputPlan } from '../engine/train';

const plan = (over: Partial<OutputPlan>): OutputPlan => ({ nodeId: 'h', index: 0, role: 'head', task: 'classify', weight: 1, labelHead: 'h', width: 3, classes: ['a', 'b', 'c'], mean: 0, std: 1, ...over });

describe('evaluation metrics, by hand', () => {
  it('classify: accuracy, loss, per-class precision/recall/F1, confusion, worst samples', () => {
    // True a, a, b, c; predicted a, b, b, a.
    const labels = Float32Array.from([1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]);
    const pred = Float32Array.from([0.7, 0.2, 0.1, 0.3, 0.6, 0.1, 0.1, 0.8, 0.1, 0.5, 0.3, 0.2]);
    const e = scoreOutput(plan({}), pred, labels, 4, { ids: ['w', 'x', 'y', 'z'] });
    expect(e.accuracy).toBe(0.5);
    expect(e.loss).toBeCloseTo(-(Math.log(0.7) + Math.log(0.3) + Math.log(0.8) + Math.log(0.2)) / 4, 6);
    expect(e.confusion).toEqual([
      [1, 1, 0],
      [0, 1, 0],
      [1, 0, 0],
    ]);
    const [a, b, c] = e.perClass ?? [];
    expect([a.precision, a.recall, a.f1, a.support]).toEqual([0.5, 0.5, 0.5, 2]);
    expect(b.precision).toBe(0.5);
    expect(b.recall).toBe(1);
    expect(b.f1).toBeCloseTo(2 / 3, 6);
    expect([c.precision, c.recall, c.f1, c.support]).toEqual([0, 0, 0, 1]);
    expect(e.macroF1).toBeCloseTo((0.5 + 2 / 3 + 0) / 3, 6);
    // Worst: misclassified, lowest probability of the true class first: z (0.2), then x (0.3).
    expect(e.worst?.map((w) => [w.id, w.label, w.predicted])).toEqual([
      ['z', 'c', 'a'],
      ['x', 'a', 'b'],
    ]);
    expect(e.worst?.[0].trueProbability).toBeCloseTo(0.2, 6);
    expect(e.worst?.[0].probabilities.map((p) => +p.toFixed(2))).toEqual([0.5, 0.3, 0.2]);
  });

  it('regress: MAE and RMSE in label units from standardised predictions', () => {
    // mean 10, std 2: standardised predictions 0, 1, −1 → 10, 12, 8; labels 11, 12, 5.
    const e = scoreOutput(plan({ task: 'regress', width: 1, classes: [], mean: 10, std: 2 }), Float32Array.from([0, 1, -1]), Float32Array.from([11, 12, 5]), 3);
    expect(e.mae).toBeCloseTo((1 + 0 + 3) / 3, 6);
    expect(e.rmse).toBeCloseTo(Math.sqrt((1 + 0 + 9) / 3), 6);
    expect(e.loss).toBeCloseTo((0.25 + 0 + 2.25) / 3, 6);
    expect(e.accuracy).toBeUndefined();
  });

  it('multilabel: accuracy per label at 0.5 and per-class F1', () => {
    const labels = Float32Array.from([1, 0, 1, 1]);
    const pred = Float32Array.from([0.9, 0.6, 0.2, 0.7]);
    const e = scoreOutput(plan({ task: 'multilabel', width: 2, classes: ['p', 'q'] }), pred, labels, 2);
    expect(e.accuracy).toBe(0.5);
    expect(e.perClass?.[0]).toMatchObject({ precision: 1, recall: 0.5, support: 2 });
    expect(e.perClass?.[1]).toMatchObject({ precision: 0.5, recall: 1, support: 1 });
  });
});
