/**
 * Modality dropout (engine/train/modality-dropout.ts): each input of each sample is masked with
 * probability p, never all of a sample's inputs, with the fill a missing input gets at test time;
 * training with it is seeded, still learns, and changes what the model learns.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileGraph } from '../engine/compile';
import { createRng } from '../engine/data/rng';
import { evaluateModel, missingFill } from '../engine/evaluate';
import { createTrainer } from '../engine/train';
import { batchTensor } from '../engine/train/batches';
import { dropModalities, modalityDropoutRate } from '../engine/train/modality-dropout';
import type { TrainingSet } from '../engine/train/types';
import { registry } from '../nodes';
import { graph } from './fixtures/graphs';
import { signsDataset, twoNumbersGraph } from './fixtures/signs';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('dropModalities', () => {
  it('masks each input at the rate asked, never every input of a sample, the same for the same seed', () => {
    const ids = ['a', 'b', 'c'];
    const n = 20_000;
    const m = dropModalities(ids, n, 0.3, createRng(1));
    let all = 0;
    for (let i = 0; i < n; i++) if (ids.every((id) => m.get(id)![i] === 1)) all++;
    expect(all).toBe(0);
    for (const id of ids) {
      const rate = m.get(id)!.reduce((a, b) => a + b, 0) / n;
      // 0.3, less the rescued samples (0.3³ of them lose one flag in three).
      expect(rate).toBeGreaterThan(0.28);
      expect(rate).toBeLessThan(0.31);
    }
    expect(dropModalities(ids, n, 0.3, createRng(1))).toEqual(m);
    const two = dropModalities(['a', 'b'], 1000, 0.9, createRng(2));
    for (let i = 0; i < 1000; i++) expect(two.get('a')![i] + two.get('b')![i]).toBeLessThan(2);
  });

  it('drops nothing for one input or p = 0, and bounds the rate', () => {
    expect([...dropModalities(['a'], 50, 0.9, createRng(1)).get('a')!].every((x) => x === 0)).toBe(true);
    expect([...dropModalities(['a', 'b'], 50, 0, createRng(1)).get('b')!].every((x) => x === 0)).toBe(true);
    expect(modalityDropoutRate({ modalityDropout: 2 })).toBe(0.9);
    expect(modalityDropoutRate({ modalityDropout: Number.NaN })).toBe(0);
    expect(modalityDropoutRate({ modalityDropout: -1 })).toBe(0);
  });

  it('a masked sample becomes the fill; the others stay as they are', () => {
    const data = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const t = batchTensor(tf, data, [2], [2, 0, 1], 'float32', undefined, { dropped: Uint8Array.from([0, 1, 0]), fill: Float32Array.from([9, 9]) });
    expect(Array.from(t.dataSync())).toEqual([5, 6, 9, 9, 3, 4]);
    t.dispose();
  });

  it('fills with the train mean, and token inputs with padding', () => {
    const train = { count: 2, labels: {}, inputs: { x: Float32Array.from([1, 2, 3, 4]), t: Float32Array.from([5, 7, 9, 11]) } };
    const kinds = [{ nodeId: 'x', kind: 'input.tabular' }, { nodeId: 't', kind: 'input.text' }];
    const fill = missingFill(kinds, train);
    expect(Array.from(fill.x)).toEqual([2, 3]);
    expect(Array.from(fill.t)).toEqual([0, 0]);
    // The trainer's: only the rows trained on count (the validation hold-out is not seen).
    expect(Array.from(missingFill(kinds, train, undefined, [1]).x)).toEqual([3, 4]);
    expect(Array.from(missingFill(kinds, train, undefined, [1]).t)).toEqual([0, 0]);
  });
});

describe('training with modality dropout', () => {
  let data: TrainingSet;
  beforeAll(async () => {
    data = await signsDataset(twoNumbersGraph(), { seed: 11, rows: 400, trainEnd: 280, valEnd: 320 });
  });

  async function train(modalityDropout: number) {
    const compiled = compileGraph(twoNumbersGraph(), registry, { tf, seed: 5 });
    if (!compiled.ok) throw new Error('does not compile');
    const trainer = createTrainer(tf, compiled, data, { optimizer: 'adam', learningRate: 0.05, batchSize: 32, epochs: 10, seed: 5, modalityDropout });
    const result = await trainer.train();
    trainer.dispose();
    const io = { inputs: compiled.summary.inputs, outputs: compiled.summary.outputs };
    const acc = evaluateModel(tf, compiled.model, io, data, data.splits.test, { worst: 0 }).outputs.out.accuracy ?? 0;
    const weights = compiled.model.getWeights().map((w) => Array.from(w.dataSync()));
    compiled.model.dispose();
    return { result, acc, weights };
  }

  it('trains and predicts, repeats for the same seed, and learns something other than without it', async () => {
    const off = await train(0);
    const on = await train(0.3);
    const again = await train(0.3);
    expect(on.result.status).toBe('finished');
    expect(on.acc).toBeGreaterThan(0.85);
    expect(again.weights).toEqual(on.weights);
    expect(on.weights).not.toEqual(off.weights);
  });
});

describe('the fill modality dropout trains with', () => {
  it('is padding for a text input (its tfjs input is float32, so the kind decides, not the dtype) and the train mean for numbers', async () => {
    const g = graph(
      [
        ['t', 'input.text', { column: 'text', seqLength: 4, vocabSize: 10 }],
        ['x', 'input.tabular', { columns: ['x'] }],
        ['emb', 'encoder.text-embedding', { vocabSize: 10, dim: 3 }],
        ['mlp', 'encoder.tabular-mlp', { units: 3, layers: 1 }],
        ['cat', 'fusion.concat'],
        ['out', 'head.classify', { column: 'label', classes: 2 }],
      ],
      ['t.out->emb.in', 'x.out->mlp.in', 'emb.out->cat.in', 'mlp.out->cat.in', 'cat.out->out.in'],
    );
    const n = 20;
    const split = (count: number) => ({
      count,
      inputs: { t: Float32Array.from({ length: count * 4 }, (_, i) => 2 + (i % 7)), x: Float32Array.from({ length: count }, (_, i) => i) },
      labels: { out: Float32Array.from({ length: count * 2 }, (_, i) => ((i >> 1) % 2 === i % 2 ? 1 : 0)) },
    });
    const data: TrainingSet = {
      inputs: [
        { nodeId: 't', kind: 'input.text', shape: [4] },
        { nodeId: 'x', kind: 'input.tabular', shape: [1] },
      ],
      heads: [{ nodeId: 'out', task: 'classify', column: 'label', classes: ['a', 'b'], shape: [2] }],
      splits: { train: split(n), val: split(0), test: split(0) },
    };
    const compiled = compileGraph(g, registry, { tf, seed: 1 });
    if (!compiled.ok) throw new Error(compiled.diagnostics.map((d) => d.message).join(' '));
    expect(compiled.model.inputs[0].dtype).toBe('float32');
    const trainer = createTrainer(tf, compiled, data, { epochs: 1, batchSize: 8, validationFraction: 0, modalityDropout: 0.5, seed: 2 });
    await trainer.train();
    // The trainer's own fill (private): what a dropped sample of each input becomes.
    const fill = (trainer as unknown as { dropFill: Record<string, Float32Array> }).dropFill;
    expect(Array.from(fill.t)).toEqual([0, 0, 0, 0]);
    expect(fill.x[0]).toBeCloseTo((n - 1) / 2, 5);
    trainer.dispose();
    compiled.model.dispose();
  });
});

