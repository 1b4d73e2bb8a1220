/**
 * The video encoder's per-frame layers run once on the frames folded into the batch
 * (nodes/shared.ts framesLayer) instead of tfjs' TimeDistributed loop over frames. Same function:
 * the same outputs and gradients as tfjs' own TimeDistributed with the same weights, on the CPU
 * backend; batch norm in training uses the statistics over all b·T frames (stated in shared.ts).
 * The saved form is a standard TimeDistributed, so a saved model reloads as tfjs' class.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AnyNodeSpec, TensorType } from '../engine/spec';
import { findBatchNormSites, recomputeBatchNormStats } from '../engine/train/bn-stats';
import { planExecution } from '../engine/train/executor';
import { registry } from '../nodes';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const FRAMES = 3;
const VIDEO: TensorType = { kind: 'video', shape: [FRAMES, 8, 8, 2] };

/** The video-cnn node alone as a model [b, 3, 8, 8, 2] → [b, units], built as the compiler builds it. */
function encoder(params: Record<string, unknown>): tf.LayersModel {
  const spec = registry.get('encoder.video-cnn') as AnyNodeSpec;
  const p = spec.params.parse({ filters: 3, units: 5, ...params });
  const r = spec.infer({ in: [VIDEO] }, p);
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  const input = tf.input({ shape: VIDEO.shape });
  let seed = 1;
  const out = spec.build({ tf, nodeId: 'v', name: (s) => `v__${s}`, seed: () => seed++, inputTypes: { in: [VIDEO] }, outputTypes: r.outputs, assets: new Map() }, { in: [input] }, p);
  return tf.model({ inputs: input, outputs: out.out });
}

/** The same model as it reloads from its JSON (tfjs' own TimeDistributed), with the same weights. */
async function reloaded(model: tf.LayersModel): Promise<tf.LayersModel> {
  const topology = model.toJSON(null, false) as tf.io.ModelJSON['modelTopology'];
  const m = await tf.models.modelFromJSON({ modelTopology: topology });
  m.setWeights(model.getWeights());
  return m;
}

/** Weights moved off their initial values (batch-norm statistics too), so each one matters. */
function randomise(model: tf.LayersModel): void {
  const names = model.weights.map((w) => w.originalName);
  // Variances stay positive; every other weight (moving means included) is drawn around 0.
  const values = model.getWeights().map((w, i) => (names[i].endsWith('moving_variance') ? tf.randomUniform(w.shape, 0.5, 2, 'float32', 100 + i) : tf.randomNormal(w.shape, 0, 0.5, 'float32', 100 + i)));
  model.setWeights(values); // copies them into the variables
  tf.dispose(values);
}

/** Output, and the gradients of Σ output ⊙ r with respect to the input and every trainable weight. */
function outputAndGrads(model: tf.LayersModel, x: tf.Tensor, training: boolean): { y: number[]; grads: Record<string, number[]> } {
  return tf.tidy(() => {
    const xv = tf.variable(x, true, `x_${model.id}_${training ? 't' : 'i'}`);
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    let y: number[] = [];
    const { grads } = tf.variableGrads(() => {
      const out = model.apply(xv, { training }) as tf.Tensor;
      y = Array.from(out.dataSync());
      return tf.sum(tf.mul(out, tf.randomNormal(out.shape, 0, 1, 'float32', 7)));
    }, [xv, ...vars]);
    const named: Record<string, number[]> = {};
    for (const [k, g] of Object.entries(grads)) named[k === xv.name ? 'input' : k.replace(/_\d+$/, '')] = Array.from(g.dataSync());
    xv.dispose();
    return { y, grads: named };
  });
}

function expectClose(a: number[], b: number[], what: string): void {
  expect(a.length, what).toBe(b.length);
  const scale = Math.max(1, ...b.map(Math.abs));
  const worst = Math.max(0, ...a.map((v, i) => Math.abs(v - b[i])));
  expect(worst / scale, what).toBeLessThan(1e-5);
}

function compare(folded: tf.LayersModel, stock: tf.LayersModel, training: boolean): void {
  const x = tf.randomNormal([4, ...VIDEO.shape], 0, 1, 'float32', 3);
  const a = outputAndGrads(folded, x, training);
  const b = outputAndGrads(stock, x, training);
  expectClose(a.y, b.y, 'output');
  expect(Object.keys(a.grads).sort()).toEqual(Object.keys(b.grads).sort());
  expect(Object.keys(a.grads).length).toBe(folded.trainableWeights.length + 1);
  for (const k of Object.keys(b.grads)) expectClose(a.grads[k], b.grads[k], `gradient of ${k}`);
  x.dispose();
}

describe('video-cnn: per-frame layers folded over frames × batch', () => {
  it('are not the TimeDistributed loop, but save as a standard TimeDistributed that reloads as tfjs\' class, with the same names', async () => {
    const m = encoder({});
    const perFrame = m.layers.filter((l) => l.name.startsWith('v__frames_'));
    expect(perFrame.map((l) => l.name.slice(3))).toEqual(['frames_conv1', 'frames_bn1', 'frames_act1', 'frames_pool1', 'frames_conv2', 'frames_bn2', 'frames_act2', 'frames_pool2', 'frames_gap']);
    for (const l of perFrame) {
      expect(l.getClassName()).toBe('TimeDistributed');
      expect(l.constructor.name).toBe('FoldedTimeDistributed');
    }
    const r = await reloaded(m);
    expect(r.layers.filter((l) => l.name.startsWith('v__frames_')).map((l) => l.constructor.name)).toEqual(perFrame.map(() => 'TimeDistributed'));
    expect(r.countParams()).toBe(m.countParams());
    // originalName: tfjs suffixes a second variable of the same name in one process (`_1`).
    expect(r.weights.map((w) => w.originalName)).toEqual(m.weights.map((w) => w.originalName));
    expect(m.outputs[0].shape).toEqual([null, 5]);
    expect(m.layers.find((l) => l.name === 'v__frames_gap')?.outputShape).toEqual([null, FRAMES, 6]) // filters 3 → 6 in block 2;
    m.dispose();
    r.dispose();
  });

  const cases: [string, Record<string, unknown>, boolean][] = [
    ['batch norm, inference mode (moving statistics)', {}, false],
    ['batch norm, GRU over time, inference mode', { temporal: 'gru' }, false],
    ['no batch norm, training mode, max over time, flatten', { batchNorm: false, temporal: 'max', ending: 'flatten' }, true],
    ['no batch norm, training mode, average pooling', { batchNorm: false, pooling: 'avg', activation: 'tanh' }, true],
  ];
  for (const [name, params, training] of cases) {
    it(`give tfjs' TimeDistributed's outputs and gradients (input and every weight): ${name}`, async () => {
      const folded = encoder(params);
      randomise(folded);
      const stock = await reloaded(folded);
      compare(folded, stock, training);
      folded.dispose();
      stock.dispose();
    });
  }

  it('batch norm in training normalises with the statistics over all b·T frames and updates its moving averages once per batch', () => {
    const m = encoder({ blocks: 1 });
    const x = tf.randomNormal([4, ...VIDEO.shape], 1, 2, 'float32', 5);
    const conv = m.getLayer('v__frames_conv1');
    const bn = m.getLayer('v__frames_bn1');
    const sub = tf.model({ inputs: m.inputs, outputs: [conv.output as tf.SymbolicTensor, bn.output as tf.SymbolicTensor] });
    tf.tidy(() => {
      const [c, n] = sub.apply(x, { training: true }) as tf.Tensor[];
      // The reference: plain batch norm on [b·T·h·w, channels].
      const flat = tf.reshape(c, [-1, 3]);
      const { mean, variance } = tf.moments(flat, 0);
      const expected = tf.reshape(tf.div(tf.sub(flat, mean), tf.sqrt(tf.add(variance, 1e-3))), c.shape);
      expectClose(Array.from(n.dataSync()), Array.from(expected.dataSync()), 'normalised frames');
      // Moving mean: 0.99 · 0 + 0.01 · the mean over all frames, written once.
      const moving = bn.getWeights()[2];
      expectClose(Array.from(moving.dataSync()), Array.from(tf.mul(mean, 0.01).dataSync()), 'moving mean');
    });
    x.dispose();
    m.dispose();
  });
  it('precise BN (engine/train/bn-stats.ts) finds the folded batch norms and fits them over every frame', () => {
    const m = encoder({});
    const sites = findBatchNormSites(planExecution(m.outputs, m.inputs));
    expect(sites.map((s) => s.name)).toEqual(['v__frames_bn1', 'v__frames_bn2']);
    const x = tf.randomNormal([4, ...VIDEO.shape], 1, 2, 'float32', 9);
    recomputeBatchNormStats(tf, m.inputs, sites, () => [[x.clone()]]);
    tf.tidy(() => {
      const conv = tf.model({ inputs: m.inputs, outputs: m.getLayer('v__frames_conv1').output as tf.SymbolicTensor });
      const { mean, variance } = tf.moments(tf.reshape(conv.predict(x) as tf.Tensor, [-1, 3]), 0);
      const [, , movingMean, movingVariance] = m.getLayer('v__frames_bn1').getWeights();
      expectClose(Array.from(movingMean.dataSync()), Array.from(mean.dataSync()), 'moving mean');
      expectClose(Array.from(movingVariance.dataSync()), Array.from(variance.dataSync()), 'moving variance');
    });
    x.dispose();
    m.dispose();
  });
});
