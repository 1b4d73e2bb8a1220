/**
 * The plain-words warnings after a run (engine/train/warnings.ts): a collapse onto one class,
 * overfitting, a training-mode / inference-mode gap, no better than a constant answer; and the
 * trainer's non-finite guards (weights and predictions) on the CPU backend.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileGraph } from '../engine/compile';
import type { EvaluationReport, OutputEvaluation } from '../engine/evaluate';
import { collapsedClass, createTrainer, runWarnings } from '../engine/train';
import { toyRegistry } from './fixtures/toy-nodes';
import { toyFusedGraph, twoInputSet } from './fixtures/train-data';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A classify evaluation from a confusion matrix (rows: true class, columns: predicted). */
function evalOf(confusion: number[][], id = 'head'): EvaluationReport {
  const count = confusion.flat().reduce((a, b) => a + b, 0);
  const hits = confusion.reduce((a, row, i) => a + row[i], 0);
  const o: OutputEvaluation = { nodeId: id, role: 'head', task: 'classify', count, loss: 0.5, accuracy: hits / count, classes: confusion.map((_, i) => ['square', 'circle', 'star'][i]), confusion };
  return { count, primary: id, outputs: { [id]: o } };
}

describe('run warnings', () => {
  it('a model that answers one class for everything has collapsed, said in plain words', () => {
    const e = evalOf([[6, 0], [6, 0]]);
    expect(collapsedClass(e.outputs.head)).toMatchObject({ name: 'square', share: 1, present: 2 });
    const w = runWarnings({ evaluation: { split: 'val', report: e }, train: evalOf([[24, 0], [23, 1]]), labels: { head: 'Shape' } });
    expect(w.map((x) => x.code)).toEqual(['collapsed']);
    expect(w[0].message).toBe('Shape: the model answers "square" for 100% of the 12 val samples, though 2 classes occur there. It has collapsed to one class, so its accuracy says little.');
    expect(w[0].suggestion).toMatch(/more epochs/);
    // On the training rows too, when the held-out rows look fine by chance.
    expect(runWarnings({ evaluation: { split: 'val', report: evalOf([[5, 1], [1, 5]]) }, train: evalOf([[24, 0], [24, 0]]) }).map((x) => x.code)).toEqual(['collapsed']);
  });

  it('no collapse when the labels themselves are (almost) all one class, or the model answers several', () => {
    expect(collapsedClass(evalOf([[40, 0], [1, 0]]).outputs.head)).toBeNull();
    expect(collapsedClass(evalOf([[10, 1], [3, 8]]).outputs.head)).toBeNull();
    expect(runWarnings({ evaluation: { split: 'test', report: evalOf([[10, 0], [0, 10]]) }, train: evalOf([[40, 0], [0, 40]]) })).toEqual([]);
  });

  it('overfitting, an inference gap, and no better than the majority class', () => {
    const w = runWarnings({
      evaluation: { split: 'test', report: evalOf([[8, 2, 0], [5, 3, 2], [4, 3, 3]]) },
      train: evalOf([[20, 0, 0], [0, 15, 5], [0, 5, 15]]),
      trainingMode: { head: { loss: 0.1, accuracy: 1 } },
    });
    expect(w.map((x) => x.code)).toEqual(['overfitting', 'inference-gap']);
    expect(w[0].message).toMatch(/83% of its training samples right but only 47% of the test samples/);
    expect(w[1].message).toMatch(/during training the model scored 100%, but run as it will be saved it predicts only 83%/);
    const base = runWarnings({ evaluation: { split: 'val', report: evalOf([[12, 2], [6, 0]]) } });
    expect(base.map((x) => x.code)).toEqual(['no-better-than-baseline']);
    expect(base[0].message).toMatch(/no better than always answering the most common class, "square" \(70%\)/);
  });

  it('regression no better than the mean', () => {
    const o: OutputEvaluation = { nodeId: 'price', role: 'head', task: 'regress', count: 50, loss: 1.1, mae: 8, rmse: 10.2 };
    const w = runWarnings({ evaluation: { split: 'test', report: { count: 50, primary: 'price', outputs: { price: o } } }, labelStd: { price: 10 } });
    expect(w.map((x) => x.code)).toEqual(['no-better-than-baseline']);
    expect(runWarnings({ evaluation: { split: 'test', report: { count: 50, primary: 'price', outputs: { price: { ...o, rmse: 4 } } } }, labelStd: { price: 10 } })).toEqual([]);
  });
});

describe('non-finite guards in the trainer', () => {
  it('NaN weights mid-epoch (what a learning rate of 1e6 does) fail the run with an explanation and leave finite weights behind', async () => {
    const compiled = compileGraph(toyFusedGraph(), toyRegistry, { tf, seed: 1 });
    if (!compiled.ok) throw new Error('compile');
    const data = twoInputSet({ train: 64, val: 16, test: 0 });
    const trainer = createTrainer(tf, compiled, data, { epochs: 3, batchSize: 16 });
    let poisoned = false;
    const r = await trainer.train({
      onBatchEnd: (m) => {
        if (m.epoch === 2 && m.batch === 2 && !poisoned) {
          poisoned = true;
          const w = compiled.model.trainableWeights[0];
          w.write(tf.fill(w.shape as number[], NaN));
        }
      },
    });
    expect(poisoned).toBe(true);
    expect(r.status).toBe('failed');
    expect(r.error?.code).toBe('nan-loss');
    expect(r.error?.message).toMatch(/Training diverged at epoch 2, batch 3: the loss, the predictions or the weights became NaN or infinite/);
    // The best epoch's weights are back (epoch 1), never the NaN ones.
    expect(r.error?.message).toMatch(/best weights so far \(epoch 1\) were put back/);
    expect(trainer.weightsFinite()).toBe(true);
    trainer.dispose();
    compiled.model.dispose();
  });
});
