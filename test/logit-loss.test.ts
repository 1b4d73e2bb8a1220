/**
 * Training takes the cross-entropy from a head's logits: the executor runs the head's Dense
 * without its activation and applies it itself, and the loss from the logits equals the
 * clipped-probability loss where nothing saturates but keeps its gradient where a probability fell
 * below 1e-7 (AV-MNIST at the default seed stopped at 70 % with three digits dead).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileGraph } from '../engine/compile';
import { createTrainer, planExecution, runPlan } from '../engine/train';
import { outputActivations, runPlanWithLogits } from '../engine/train/executor';
import { lossFromLogits, lossTensor } from '../engine/train/losses';
import { graph } from './fixtures/graphs';
import { toyRegistry } from './fixtures/toy-nodes';
import { toyFusedGraph, twoInputSet } from './fixtures/train-data';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function compile(g = toyFusedGraph(), seed = 7) {
  const c = compileGraph(g, toyRegistry, { tf, seed });
  if (!c.ok) throw new Error(JSON.stringify(c.diagnostics));
  return c;
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

describe('logits of the heads', () => {
  it('runPlanWithLogits gives the same outputs as runPlan, logits whose softmax they are, and leaves the layer as it was', () => {
    const c = compile();
    const plan = planExecution(c.model.outputs, [...c.model.inputs]);
    expect(outputActivations(plan)).toEqual(['softmax']);
    const xs = c.model.inputs.map((t, i) => tf.randomNormal([5, ...(t.shape.slice(1) as number[])], 0, 1, 'float32', 11 + i));
    const before = tf.tidy(() => runPlan(plan, xs, { training: false })[0]);
    const { outs, logits } = tf.tidy(() => {
      const r = runPlanWithLogits(tf, plan, xs, { training: false }, outputActivations(plan));
      return { outs: tf.keep(r.outs[0]), logits: tf.keep(r.logits[0] as tf.Tensor) };
    });
    expect(maxAbsDiff(outs, before)).toBeLessThan(1e-6);
    expect(maxAbsDiff(tf.softmax(logits), before)).toBeLessThan(1e-6);
    // Logits are not probabilities: some are negative, and their rows do not sum to 1.
    expect(tf.min(logits).dataSync()[0]).toBeLessThan(0);
    // The layer keeps its softmax (a run without logits, and its config, are unchanged).
    const after = tf.tidy(() => runPlan(plan, xs, { training: false })[0]);
    expect(maxAbsDiff(after, before)).toBe(0);
    const head = c.model.outputs[0].sourceLayer;
    expect((head.getConfig() as { activation: string }).activation).toBe('softmax');
    tf.dispose([...xs, before, outs, logits, after]);
    c.model.dispose();
  });

  it('no logits for an output that is not a Dense with softmax or sigmoid (a late average)', () => {
    const g = graph(
      [
        ['a', 'input.toy', { width: 4, column: 'a' }],
        ['b', 'input.toy', { width: 4, column: 'b' }],
        ['encA', 'encoder.toy', { units: 8 }],
        ['encB', 'encoder.toy', { units: 8 }],
        ['hA', 'head.toy', { classes: 3 }],
        ['hB', 'head.toy', { classes: 3 }],
        ['late', 'late.toy'],
      ],
      ['a.out->encA.in', 'b.out->encB.in', 'encA.out->hA.in', 'encB.out->hB.in', 'hA.out->late.in', 'hB.out->late.in'],
    );
    const c = compile(g);
    const plan = planExecution(c.model.outputs, [...c.model.inputs]);
    const acts = outputActivations(plan);
    const names = c.model.outputs.map((t) => t.sourceLayer.name.split('__')[0]);
    expect(Object.fromEntries(names.map((n, i) => [n, acts[i]]))).toEqual({ hA: 'softmax', hB: 'softmax', late: null });
    c.model.dispose();
  });
});

describe('cross-entropy from logits', () => {
  it('equals the loss on probabilities where nothing saturates (classify and multilabel)', () => {
    const z = tf.tensor2d([[0.3, -1.2, 2.0], [1.5, 0.1, -0.7], [-2.5, 0.4, 0.9]]);
    const onehot = tf.tensor2d([[0, 0, 1], [1, 0, 0], [0, 1, 0]]);
    const multi = tf.tensor2d([[1, 0, 1], [0, 0, 1], [1, 1, 0]]);
    const c1 = lossFromLogits(tf, 'classify', z, onehot).dataSync()[0];
    const c2 = lossTensor(tf, 'classify', tf.softmax(z), onehot).dataSync()[0];
    expect(c1).toBeCloseTo(c2, 5);
    const m1 = lossFromLogits(tf, 'multilabel', z, multi).dataSync()[0];
    const m2 = lossTensor(tf, 'multilabel', tf.sigmoid(z), multi).dataSync()[0];
    expect(m1).toBeCloseTo(m2, 5);
    // Regression has no logits: the same MSE.
    expect(lossFromLogits(tf, 'regress', z, multi).dataSync()[0]).toBeCloseTo(lossTensor(tf, 'regress', z, multi).dataSync()[0], 6);
  });

  it('keeps the gradient of a class whose probability is below the clip, where the clipped loss has none', () => {
    // The true class (0) sits 40 below the others: p ≈ 4e-18.
    const z = tf.tensor2d([[-40, 0, 0]]);
    const t = tf.tensor2d([[1, 0, 0]]);
    const gClipped = tf.grad((x: tf.Tensor) => lossTensor(tf, 'classify', tf.softmax(x), t))(z).dataSync();
    const gLogits = tf.grad((x: tf.Tensor) => lossFromLogits(tf, 'classify', x, t))(z).dataSync();
    expect(Math.max(...Array.from(gClipped).map(Math.abs))).toBeLessThan(1e-12);
    // softmax(z) − t: −1 for the true class, ½ for each of the others.
    expect(Array.from(gLogits).map((v) => +v.toFixed(5))).toEqual([-1, 0.5, 0.5]);
    expect(lossFromLogits(tf, 'classify', z, t).dataSync()[0]).toBeCloseTo(40 + Math.log(2), 4);
    // Multilabel: a positive label at z = −40 still pulls z up (σ(z) − 1 ≈ −1).
    const gm = tf.grad((x: tf.Tensor) => lossFromLogits(tf, 'multilabel', x, tf.tensor2d([[1]])))(tf.tensor2d([[-40]])).dataSync()[0];
    expect(gm).toBeCloseTo(-1, 5);
    expect(Number.isFinite(lossFromLogits(tf, 'multilabel', tf.tensor2d([[-1e4, 1e4]]), tf.tensor2d([[1, 0]])).dataSync()[0])).toBe(true);
  });

  it('training recovers from a head that starts saturated on the wrong class', async () => {
    const data = twoInputSet({ train: 256, val: 64, test: 0 });
    const c = compile();
    // The head's bias puts every sample on class 0 with the others at p ≈ e^−60: on clipped
    // probabilities two thirds of the samples give no gradient at all.
    const head = c.model.outputs[0].sourceLayer;
    const [kernel] = head.getWeights(); // the variables' own values: not disposed here
    const bias = tf.tensor1d([60, 0, 0]);
    head.setWeights([kernel, bias]);
    bias.dispose();
    const t = createTrainer(tf, c, data, { epochs: 8, batchSize: 32, learningRate: 0.05 });
    const r = await t.train();
    expect(r.status).toBe('finished');
    expect(r.history[7].val?.outputs.head.accuracy).toBeGreaterThan(0.75);
    t.dispose();
    c.model.dispose();
  });
});

describe('divergence with a loss from the logits', () => {
  it('a loss that explodes while staying finite fails the run as diverged, with the initial weights put back', async () => {
    const data = twoInputSet({ train: 256, val: 64, test: 0 });
    const c = compile();
    const initial = c.model.getWeights().map((w) => w.dataSync().slice());
    const t = createTrainer(tf, c, data, { epochs: 3, batchSize: 32, learningRate: 1e6, optimizer: 'sgd', metricsEvery: 1 });
    const r = await t.train();
    expect(r.status).toBe('failed');
    expect(r.error?.code).toBe('nan-loss');
    expect(r.error?.message).toMatch(/Training diverged at epoch 1, batch \d+: the loss grew from [\d.]+ at the start to [\d.e+]+ \(more than 1e\+4 times\)/);
    c.model.getWeights().forEach((w, i) => expect(Array.from(w.dataSync())).toEqual(Array.from(initial[i])));
    t.dispose();
    c.model.dispose();
  });
});
