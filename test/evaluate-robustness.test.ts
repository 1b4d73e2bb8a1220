/**
 * engine/evaluate/robustness.ts: a missing or noisy modality at test time, on the two-number set
 * whose label needs both numbers (plain CPU backend). Missing equals the ablation's masked score;
 * no noise leaves the score as it is; much noise costs accuracy; a report repeats exactly.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileGraph } from '../engine/compile';
import { ablateInputs, inputMeans } from '../engine/evaluate';
import { inputStds, robustnessReport } from '../engine/evaluate/robustness';
import { createTrainer } from '../engine/train';
import type { ModelIO, TrainingSet } from '../engine/train/types';
import { registry } from '../nodes';
import { signsDataset, twoNumbersGraph } from './fixtures/signs';

describe('robustnessReport', () => {
  let data: TrainingSet;
  let model: tf.LayersModel;
  let io: ModelIO;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    data = await signsDataset(twoNumbersGraph(), { seed: 11, rows: 400, trainEnd: 280, valEnd: 320 });
    const compiled = compileGraph(twoNumbersGraph(), registry, { tf, seed: 5 });
    if (!compiled.ok) throw new Error('does not compile');
    const trainer = createTrainer(tf, compiled, data, { optimizer: 'adam', learningRate: 0.05, batchSize: 32, epochs: 12, seed: 5 });
    await trainer.train();
    trainer.dispose();
    model = compiled.model;
    io = { inputs: compiled.summary.inputs, outputs: compiled.summary.outputs };
  });

  it('reports each input missing (the ablation\'s score) and noisy; no noise changes nothing, much noise costs accuracy', () => {
    const split = data.splits.test;
    const clean = robustnessReport(tf, model, io, data, split, data.splits.train, { noise: 0 });
    expect(clean.metric).toBe('accuracy');
    expect(clean.clean).toBeGreaterThan(0.9);
    expect(clean.robustness.map((r) => r.input)).toEqual(['a', 'b']);
    const ablation = ablateInputs(tf, model, io, data, split, inputMeans(data.splits.train));
    for (const r of clean.robustness) {
      expect(r.noisy).toBe(clean.clean);
      expect(r.missing).toBe(ablation.rows.find((x) => x.nodeId === r.input)!.accuracy);
      expect(r.missing).toBeLessThan(clean.clean - 0.1); // the label needs both numbers
    }
    const loud = robustnessReport(tf, model, io, data, split, data.splits.train, { noise: 3, seed: 1 });
    for (const r of loud.robustness) expect(r.noisy, r.input).toBeLessThan(clean.clean - 0.05);
    expect(robustnessReport(tf, model, io, data, split, data.splits.train, { noise: 3, seed: 1 })).toEqual(loud);
  });

  it('measures the noise scale per feature on the train split', () => {
    const stds = inputStds(data.splits.train, inputMeans(data.splits.train));
    for (const s of Object.values(stds)) for (const v of s) expect(v).toBeGreaterThan(0);
  });
});
