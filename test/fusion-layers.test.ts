/**
 * The custom layers behind fusion.* and late.* checked against their formulas (FUSION.md),
 * computed by hand with tf ops on the layers' own weights; save/reload through tf.io; gradients
 * reach every weight in the variants the contract test does not build; and the nodes' infer
 * diagnostics.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AnyNodeSpec, InferInputs, TensorType } from '../engine/spec';
import { registry } from '../nodes/index';
import { registerCustomLayers } from '../nodes/shared';
import { modalityAttention } from '../nodes/fusion/attention';
import { crossAttention } from '../nodes/fusion/cross-attention';
import { filmLayer } from '../nodes/fusion/film';
import { gatedFusion } from '../nodes/fusion/gated';
import { lowRankFusion } from '../nodes/fusion/low-rank';
import { tensorFusion } from '../nodes/fusion/tensor';
import { lateAverage } from '../nodes/late/average';
import { lateStack } from '../nodes/late/stack';
import { lateVote } from '../nodes/late/vote';

const B = 3;

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

function rand(shape: number[], seed: number): tf.Tensor {
  return tf.randomNormal(shape, 0, 1, 'float32', seed);
}

function probs(shape: number[], seed: number): tf.Tensor {
  return tf.softmax(rand(shape, seed));
}

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  expect(a.shape).toEqual(b.shape);
  return tf.tidy(() => a.sub(b).abs().max().dataSync()[0]);
}

/** A layer's weights by their short name (the part after the layer's name scope). */
function weightsOf(layer: tf.layers.Layer): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const w of layer.weights) out[w.originalName.split('/').pop()!] = w.read();
  return out;
}

function call(layer: tf.layers.Layer, xs: tf.Tensor[]): tf.Tensor {
  return layer.apply(xs) as tf.Tensor;
}

function layerNorm(y: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(y, -1, true);
  return y.sub(mean).div(variance.add(1e-5).sqrt()).mul(gamma).add(beta);
}

describe('fusion layers match their formulas', () => {
  it('GMU with K = 2 equals z⊙h₁ + (1−z)⊙h₂', () => {
    const layer = new (gatedFusion.of(tf))({ units: 5, seed: 1, name: 'gmu2' });
    const a = rand([B, 4], 1);
    const b = rand([B, 6], 2);
    const got = call(layer, [a, b]);
    const w = weightsOf(layer);
    expect(Object.keys(w).sort()).toEqual(['W1', 'W2', 'Wz']);
    const h1 = tf.tanh(tf.matMul(a, w.W1));
    const h2 = tf.tanh(tf.matMul(b, w.W2));
    const z = tf.sigmoid(tf.matMul(tf.concat([a, b], 1), w.Wz));
    const want = z.mul(h1).add(tf.onesLike(z).sub(z).mul(h2));
    expect(got.shape).toEqual([B, 5]);
    expect(maxDiff(got, want)).toBeLessThan(1e-5);
  });

  it('GMU with K = 3 gates with a softmax over the modalities (gates sum to 1)', () => {
    const layer = new (gatedFusion.of(tf))({ units: 4, seed: 2, name: 'gmu3' });
    const xs = [rand([B, 3], 3), rand([B, 5], 4), rand([B, 2], 5)];
    const got = call(layer, xs);
    const w = weightsOf(layer);
    const hs = xs.map((x, i) => tf.tanh(tf.matMul(x, w[`W${i + 1}`])));
    const logits = tf.matMul(tf.concat(xs, 1), w.Wz).reshape([B, 4, 3]); // [B, unit, modality]
    const zs = tf.softmax(logits, -1);
    expect(maxDiff(zs.sum(-1), tf.ones([B, 4]))).toBeLessThan(1e-5);
    const want = hs.map((h, k) => zs.slice([0, 0, k], [B, 4, 1]).reshape([B, 4]).mul(h)).reduce((s, t) => s.add(t));
    expect(maxDiff(got, want)).toBeLessThan(1e-5);
  });

  it('attention: α = softmax(vᵀ tanh(W Pₖxₖ)) sums to 1 and h = Σ αₖ pₖ', () => {
    const layer = new (modalityAttention.of(tf))({ project: 6, units: 5, seed: 3, name: 'att' });
    const xs = [rand([B, 4], 6), rand([B, 7], 7), rand([B, 3], 8)];
    const [h, alpha] = layer.apply(xs) as tf.Tensor[];
    const w = weightsOf(layer);
    const ps = xs.map((x, i) => tf.matMul(x, w[`P${i + 1}`]));
    const s = tf.concat(ps.map((p) => tf.matMul(tf.tanh(tf.matMul(p, w.W)), w.v)), 1); // [B, 3]
    const a = tf.softmax(s, 1);
    const want = ps.map((p, k) => a.slice([0, k], [B, 1]).mul(p)).reduce((x, y) => x.add(y));
    expect(alpha.shape).toEqual([B, 3]);
    expect(maxDiff(alpha, a)).toBeLessThan(1e-5);
    expect(maxDiff(alpha.sum(1), tf.ones([B]))).toBeLessThan(1e-5);
    expect(maxDiff(h, want)).toBeLessThan(1e-5);
  });

  it('attention without projection uses the inputs as pₖ', () => {
    const layer = new (modalityAttention.of(tf))({ project: 0, units: 3, seed: 4, name: 'att0' });
    const xs = [rand([B, 4], 9), rand([B, 4], 10)];
    const [h, alpha] = layer.apply(xs) as tf.Tensor[];
    expect(Object.keys(weightsOf(layer)).sort()).toEqual(['W', 'v']);
    const want = xs[0].mul(alpha.slice([0, 0], [B, 1])).add(xs[1].mul(alpha.slice([0, 1], [B, 1])));
    expect(maxDiff(h, want)).toBeLessThan(1e-5);
  });

  /** Multi-head cross-attention by hand, one head at a time. */
  function crossByHand(q3: tf.Tensor, c3: tf.Tensor, w: Record<string, tf.Tensor>, heads: number, k: number): tf.Tensor {
    const [b, tq, dq] = q3.shape;
    const tc = c3.shape[1]!;
    const flat = (x: tf.Tensor, m: tf.Tensor) => tf.matMul(x.reshape([-1, x.shape[2]!]), m).reshape([x.shape[0], x.shape[1]!, m.shape[1]!]);
    const Q = flat(q3, w.Wq);
    const K = flat(c3, w.Wk);
    const V = flat(c3, w.Wv);
    const headsOut: tf.Tensor[] = [];
    for (let h = 0; h < heads; h++) {
      const qh = Q.slice([0, 0, h * k], [b, tq!, k]);
      const kh = K.slice([0, 0, h * k], [b, tc, k]);
      const vh = V.slice([0, 0, h * k], [b, tc, k]);
      const att = tf.softmax(tf.matMul(qh, kh, false, true).div(Math.sqrt(k)), -1);
      headsOut.push(tf.matMul(att, vh));
    }
    const merged = tf.concat(headsOut, 2);
    return layerNorm(q3.add(flat(merged, w.Wo)), w.gamma, w.beta).reshape([b, tq!, dq!]);
  }

  it('cross-attention on sequences: LayerNorm(x_q + softmax(QKᵀ/√k)V·Wₒ), 2 heads', () => {
    const layer = new (crossAttention.of(tf))({ heads: 2, keyDim: 3, tokens: 4, seed: 5, name: 'xatt' });
    const q = rand([B, 5, 6], 11);
    const c = rand([B, 7, 4], 12);
    const got = call(layer, [q, c]);
    const w = weightsOf(layer);
    expect(Object.keys(w).sort()).toEqual(['Wk', 'Wo', 'Wq', 'Wv', 'beta', 'gamma']);
    expect(got.shape).toEqual([B, 5, 6]);
    expect(maxDiff(got, crossByHand(q, c, w, 2, 3))).toBeLessThan(1e-4);
  });

  it('cross-attention on vectors: the query is one step, the context is split into tokens', () => {
    const layer = new (crossAttention.of(tf))({ heads: 1, keyDim: 4, tokens: 4, seed: 6, name: 'xattv' });
    const q = rand([B, 5], 13);
    const c = rand([B, 8], 14);
    const got = call(layer, [q, c]);
    const w = weightsOf(layer);
    const want = crossByHand(q.reshape([B, 1, 5]), c.reshape([B, 4, 2]), w, 1, 4).reshape([B, 5]);
    expect(got.shape).toEqual([B, 5]);
    expect(maxDiff(got, want)).toBeLessThan(1e-4);
  });

  it('cross-attention with a one-token context reads its value: no Wq, Wk', () => {
    const layer = new (crossAttention.of(tf))({ heads: 2, keyDim: 2, tokens: 1, seed: 7, name: 'xatt1' });
    const q = rand([B, 3, 4], 15);
    const c = rand([B, 6], 16);
    const got = call(layer, [q, c]);
    const w = weightsOf(layer);
    expect(Object.keys(w).sort()).toEqual(['Wo', 'Wv', 'beta', 'gamma']);
    const value = tf.matMul(tf.matMul(c, w.Wv), w.Wo).reshape([B, 1, 4]);
    expect(maxDiff(got, layerNorm(q.add(value), w.gamma, w.beta))).toBeLessThan(1e-5);
  });

  it('cross-attention ignores masked (padding) context steps', () => {
    const layer = new (crossAttention.of(tf))({ heads: 2, keyDim: 3, tokens: 4, seed: 8, name: 'xattm' });
    const q = rand([B, 2, 4], 17);
    const c = rand([B, 5, 3], 18);
    call(layer, [q, c]); // builds
    const mask = tf.tensor2d([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 0, 0, 0, 0]]);
    const c2 = c.add(tf.onesLike(c).mul(mask.sub(1).neg().expandDims(2)).mul(50)); // change only masked steps
    const a = layer.call([q, c], { mask: [null, mask] }) as tf.Tensor;
    const b = layer.call([q, c2], { mask: [null, mask] }) as tf.Tensor;
    const unmasked = layer.call([q, c2], {}) as tf.Tensor;
    expect(maxDiff(a, b)).toBeLessThan(1e-5);
    expect(maxDiff(a, unmasked)).toBeGreaterThan(1e-3); // the mask really was used
  });

  it('tensor fusion of [a] and [b] is the flattened outer product of [1;a] and [1;b]', () => {
    const layer = new (tensorFusion.of(tf))({ name: 'tfn' });
    const a = rand([B, 2], 19);
    const b = rand([B, 3], 20);
    const got = call(layer, [a, b]);
    expect(got.shape).toEqual([B, 12]);
    const av = a.arraySync() as number[][];
    const bv = b.arraySync() as number[][];
    const want = av.map((ar, i) => {
      const x = [1, ...ar];
      const y = [1, ...bv[i]];
      return x.flatMap((xi) => y.map((yj) => xi * yj));
    });
    expect(maxDiff(got, tf.tensor2d(want))).toBeLessThan(1e-6);
  });

  it('tensor fusion of three inputs has width Π(dₖ+1) and holds every triple product', () => {
    const layer = new (tensorFusion.of(tf))({ name: 'tfn3' });
    const xs = [rand([B, 2], 21), rand([B, 1], 22), rand([B, 3], 23)];
    const got = call(layer, xs).arraySync() as number[][];
    expect(got[0].length).toBe(3 * 2 * 4);
    const v = xs.map((x) => x.arraySync() as number[][]);
    for (let s = 0; s < B; s++) {
      const [x, y, z] = v.map((m) => [1, ...m[s]]);
      const want = x.flatMap((xi) => y.flatMap((yj) => z.map((zk) => xi * yj * zk)));
      want.forEach((w, i) => expect(got[s][i]).toBeCloseTo(w, 5));
    }
  });

  it('low-rank fusion equals Σᵢ ⊙ₖ Wₖ⁽ⁱ⁾[1; xₖ]', () => {
    const rank = 3;
    const units = 4;
    const layer = new (lowRankFusion.of(tf))({ rank, units, seed: 9, name: 'lmf' });
    const xs = [rand([B, 2], 24), rand([B, 5], 25)];
    const got = call(layer, xs);
    const w = weightsOf(layer);
    let want = tf.zeros([B, units]);
    for (let i = 0; i < rank; i++) {
      let prod = tf.ones([B, units]);
      xs.forEach((x, k) => {
        const f = w[`factor${k + 1}`];
        const wi = f.slice([0, i * units], [f.shape[0], units]); // Wₖ⁽ⁱ⁾
        prod = prod.mul(tf.matMul(tf.concat([tf.ones([B, 1]), x], 1), wi));
      });
      want = want.add(prod);
    }
    expect(maxDiff(got, want)).toBeLessThan(1e-5);
  });

  it('FiLM equals (W_γ c) ⊙ x + W_β c, on features and at every step of a sequence', () => {
    const layer = new (filmLayer.of(tf))({ seed: 10, name: 'film' });
    const x = rand([B, 4], 26);
    const c = rand([B, 3], 27);
    const got = call(layer, [x, c]);
    const w = weightsOf(layer);
    const gamma = tf.matMul(c, w.Wgamma);
    const beta = tf.matMul(c, w.Wbeta);
    expect(maxDiff(got, gamma.mul(x).add(beta))).toBeLessThan(1e-5);

    const seqLayer = new (filmLayer.of(tf))({ seed: 10, name: 'film_seq' });
    const xs = rand([B, 5, 4], 28);
    const gotSeq = call(seqLayer, [xs, c]);
    const ws = weightsOf(seqLayer);
    const wantSeq = xs.mul(tf.matMul(c, ws.Wgamma).expandDims(1)).add(tf.matMul(c, ws.Wbeta).expandDims(1));
    expect(maxDiff(gotSeq, wantSeq)).toBeLessThan(1e-5);
  });
});

describe('late fusion layers', () => {
  it('fixed average: p = Σ wₖ pₖ with the given weights', () => {
    const layer = new (lateAverage.of(tf))({ mode: 'fixed', fixedWeights: [0.25, 0.75], name: 'avg_fixed' });
    const p = [probs([B, 4], 30), probs([B, 4], 31)];
    const got = call(layer, p);
    expect(layer.trainableWeights).toHaveLength(0);
    expect(maxDiff(got, p[0].mul(0.25).add(p[1].mul(0.75)))).toBeLessThan(1e-6);
  });

  it('learned average: w = softmax(θ) sums to 1, starts equal, trains, and p = Σ wₖ pₖ', async () => {
    const Avg = lateAverage.of(tf);
    const inputs = [tf.input({ shape: [3] }), tf.input({ shape: [3] }), tf.input({ shape: [3] })];
    const layer = new Avg({ mode: 'learned', name: 'avg_learned' });
    const model = tf.model({ inputs, outputs: layer.apply(inputs) as tf.SymbolicTensor });
    const p = [probs([8, 3], 32), probs([8, 3], 33), probs([8, 3], 34)];
    const w0 = (layer as unknown as { branchWeights(): tf.Tensor }).branchWeights();
    expect(maxDiff(w0, tf.fill([3], 1 / 3))).toBeLessThan(1e-6);
    // Targets that agree with branch 2: its weight must grow.
    model.compile({ optimizer: tf.train.sgd(1), loss: 'categoricalCrossentropy' });
    const target = tf.oneHot(p[1].argMax(1), 3).toFloat();
    for (let i = 0; i < 5; i++) await model.trainOnBatch(p, target);
    const w = (layer as unknown as { branchWeights(): tf.Tensor }).branchWeights();
    const wv = Array.from(w.dataSync());
    expect(wv.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(wv[1]).toBeGreaterThan(1 / 3);
    const theta = weightsOf(layer).theta;
    const want = p.map((pk, k) => pk.mul(tf.softmax(theta).slice([k], [1]))).reduce((a, b) => a.add(b));
    expect(maxDiff(model.predict(p) as tf.Tensor, want)).toBeLessThan(1e-6);
    expect(maxDiff((model.predict(p) as tf.Tensor).sum(1), tf.ones([8]))).toBeLessThan(1e-5);
    model.dispose();
  });

  it('vote: the majority of argmax wins, even against a larger summed probability', () => {
    const layer = new (lateVote.of(tf))({ name: 'vote_major' });
    const p = [tf.tensor2d([[0.9, 0.1]]), tf.tensor2d([[0.45, 0.55]]), tf.tensor2d([[0.4, 0.6]])];
    // votes: class 1 twice, class 0 once; summed: class 0 = 1.75 > class 1 = 1.25
    expect(call(layer, p).arraySync()).toEqual([[0, 1]]);
  });

  it('vote: a tie is broken by the highest summed probability; output is one-hot', () => {
    const layer = new (lateVote.of(tf))({ name: 'vote_tie' });
    const p = [
      tf.tensor2d([
        [0.6, 0.4, 0.0],
        [0.1, 0.2, 0.7],
      ]),
      tf.tensor2d([
        [0.3, 0.7, 0.0],
        [0.5, 0.1, 0.4],
      ]),
    ];
    // row 1: tie class 0 vs 1, sums 0.9 vs 1.1 → class 1; row 2: tie class 2 vs 0, sums 0.6 vs 1.1 → class 2
    expect(call(layer, p).arraySync()).toEqual([
      [0, 1, 0],
      [0, 0, 1],
    ]);
    expect(layer.trainableWeights).toHaveLength(0);
  });

  it('vote has a zero gradient instead of failing on ops without one', () => {
    const layer = new (lateVote.of(tf))({ name: 'vote_grad' });
    const a = probs([B, 4], 35);
    const b = probs([B, 4], 36);
    call(layer, [a, b]);
    const grads = tf.grads((x: tf.Tensor, y: tf.Tensor) => (layer.call([x, y], {}) as tf.Tensor).sum())([a, b]);
    for (const g of grads) expect(tf.tidy(() => g.abs().max().dataSync()[0])).toBe(0);
  });

  it('stack: softmax(W₂ act(W₁[p₁;p₂] + b₁) + b₂), and a plain softmax regression without hidden units', () => {
    const p = [probs([B, 3], 37), probs([B, 3], 38)];
    const hidden = new (lateStack.of(tf))({ hidden: 4, activation: 'tanh', seed: 11, name: 'stack_h' });
    const got = call(hidden, p);
    const w = weightsOf(hidden);
    const x = tf.concat(p, 1);
    const want = tf.softmax(tf.tanh(tf.matMul(x, w.W1).add(w.b1)).matMul(w.W2).add(w.b2));
    expect(maxDiff(got, want)).toBeLessThan(1e-6);

    const plain = new (lateStack.of(tf))({ hidden: 0, activation: 'tanh', seed: 12, name: 'stack_0' });
    const got0 = call(plain, p);
    const w0 = weightsOf(plain);
    expect(Object.keys(w0).sort()).toEqual(['W2', 'b2']);
    expect(maxDiff(got0, tf.softmax(tf.matMul(x, w0.W2).add(w0.b2)))).toBeLessThan(1e-6);
  });
});

// ---------------------------------------------------------------------------------------------

interface Case {
  name: string;
  make: () => tf.layers.Layer;
  shapes: number[][];
  kind?: 'prediction';
}

/** Every custom layer in the configurations the node files build. */
const CASES: Case[] = [
  { name: 'gated K=2', make: () => new (gatedFusion.of(tf))({ units: 4, seed: 1, name: 'c_gmu2' }), shapes: [[3], [5]] },
  { name: 'gated K=3', make: () => new (gatedFusion.of(tf))({ units: 4, seed: 2, name: 'c_gmu3' }), shapes: [[3], [5], [2]] },
  { name: 'attention projected', make: () => new (modalityAttention.of(tf))({ project: 4, units: 3, seed: 3, name: 'c_att' }), shapes: [[3], [5]] },
  { name: 'attention plain', make: () => new (modalityAttention.of(tf))({ project: 0, units: 3, seed: 4, name: 'c_att0' }), shapes: [[4], [4], [4]] },
  { name: 'cross-attention seq/seq', make: () => new (crossAttention.of(tf))({ heads: 2, keyDim: 3, tokens: 4, seed: 5, name: 'c_x1' }), shapes: [[4, 5], [6, 3]] },
  { name: 'cross-attention vec/vec', make: () => new (crossAttention.of(tf))({ heads: 2, keyDim: 3, tokens: 4, seed: 6, name: 'c_x2' }), shapes: [[5], [8]] },
  { name: 'cross-attention one token', make: () => new (crossAttention.of(tf))({ heads: 1, keyDim: 3, tokens: 1, seed: 7, name: 'c_x3' }), shapes: [[4, 5], [6]] },
  { name: 'tensor', make: () => new (tensorFusion.of(tf))({ name: 'c_tfn' }), shapes: [[3], [2], [2]] },
  { name: 'low-rank', make: () => new (lowRankFusion.of(tf))({ rank: 2, units: 4, seed: 8, name: 'c_lmf' }), shapes: [[3], [5], [2]] },
  { name: 'film features', make: () => new (filmLayer.of(tf))({ seed: 9, name: 'c_film' }), shapes: [[4], [3]] },
  { name: 'film sequence', make: () => new (filmLayer.of(tf))({ seed: 10, name: 'c_film_seq' }), shapes: [[5, 4], [3]] },
  { name: 'late average fixed', make: () => new (lateAverage.of(tf))({ mode: 'fixed', fixedWeights: [0.2, 0.8], name: 'c_avg' }), shapes: [[3], [3]], kind: 'prediction' },
  { name: 'late average learned', make: () => new (lateAverage.of(tf))({ mode: 'learned', name: 'c_avgl' }), shapes: [[3], [3], [3]], kind: 'prediction' },
  { name: 'late vote', make: () => new (lateVote.of(tf))({ name: 'c_vote' }), shapes: [[3], [3], [3]], kind: 'prediction' },
  { name: 'late stack hidden', make: () => new (lateStack.of(tf))({ hidden: 4, activation: 'gelu', seed: 11, name: 'c_stack' }), shapes: [[3], [3]], kind: 'prediction' },
];

function caseModel(c: Case): { model: tf.LayersModel; layer: tf.layers.Layer; data: tf.Tensor[] } {
  const layer = c.make();
  const inputs = c.shapes.map((s) => tf.input({ shape: s }));
  const out = layer.apply(inputs) as tf.SymbolicTensor | tf.SymbolicTensor[];
  const model = tf.model({ inputs, outputs: out });
  const data = c.shapes.map((s, i) => (c.kind === 'prediction' ? probs([4, ...s], 50 + i) : rand([4, ...s], 50 + i)));
  return { model, layer, data };
}

describe.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
  it('saves and reloads through tf.io with identical outputs and config', async () => {
    const { model, data } = caseModel(c);
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const topology = JSON.parse(JSON.stringify(artifacts!.modelTopology)) as object;
    const reloaded = await tf.loadLayersModel(tf.io.fromMemory({ ...artifacts!, modelTopology: topology }));
    const before = [model.predict(data)].flat() as tf.Tensor[];
    const after = [reloaded.predict(data)].flat() as tf.Tensor[];
    expect(after.length).toBe(before.length);
    before.forEach((t, i) => expect(maxDiff(t, after[i])).toBe(0));
    const orig = model.layers[model.layers.length - 1];
    const back = reloaded.layers[reloaded.layers.length - 1];
    expect(back.getClassName()).toBe(orig.getClassName());
    expect(back.getClassName().startsWith('FusionLab>')).toBe(true);
    expect(back.getConfig()).toEqual(orig.getConfig());
    model.dispose();
    reloaded.dispose();
  });

  it('every trainable weight gets a non-zero gradient', () => {
    const { model, layer, data } = caseModel(c);
    const weights = layer.trainableWeights;
    if (weights.length === 0) {
      // Only the kinds with nothing to learn may have no weights.
      expect(['late average fixed', 'late vote', 'tensor']).toContain(c.name);
      return;
    }
    // LayerVariable.read() returns the underlying tf.Variable itself.
    const vars = weights.map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(() => {
      const outs = [model.apply(data, { training: true })].flat() as tf.Tensor[];
      return outs.map((o, i) => o.mul(rand(o.shape as number[], 70 + i)).sum()).reduce((a, b) => a.add(b)) as tf.Scalar;
    }, vars);
    value.dispose();
    weights.forEach((w, i) => {
      const g = grads[vars[i].name];
      expect(g, `${w.name} has a gradient`).toBeDefined();
      expect(tf.tidy(() => g.abs().max().dataSync()[0]), `${w.name} gradient`).toBeGreaterThan(1e-7);
    });
    model.dispose();
  });
});

it('registerCustomLayers knows every fusion and late layer class', () => {
  const names = registerCustomLayers(tf);
  for (const n of [
    'FusionLab>GatedFusion',
    'FusionLab>ModalityAttention',
    'FusionLab>CrossAttention',
    'FusionLab>TensorFusion',
    'FusionLab>LowRankFusion',
    'FusionLab>FiLM',
    'FusionLab>LateAverage',
    'FusionLab>LateVote',
    'FusionLab>LateStack',
  ]) {
    expect(names).toContain(n);
    expect(tf.serialization.SerializationMap.getMap().classNameMap[n], n).toBeDefined();
  }
});

// ---------------------------------------------------------------------------------------------

function spec(kind: string): AnyNodeSpec {
  const s = registry.get(kind);
  if (!s) throw new Error(`no ${kind}`);
  return s;
}

function infer(kind: string, inputs: InferInputs, params: Record<string, unknown> = {}) {
  const s = spec(kind);
  return s.infer(inputs, s.params.parse(params));
}

const feat = (d: number): TensorType => ({ kind: 'features', shape: [d] });
const seq = (t: number, d: number): TensorType => ({ kind: 'sequence', shape: [t, d] });
const pred = (c: number): TensorType => ({ kind: 'prediction', shape: [c] });

describe('infer', () => {
  it('add of 64 and 128 features says the widths and how to fix them', () => {
    const r = infer('fusion.add', { in: [feat(64), feat(128)] });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({ severity: 'error', code: 'shape-mismatch', portId: 'in' });
    expect(r.diagnostics[0].message).toBe("add needs equal widths, got 64 and 128: set 'project' to 64, or widen the encoder feeding input 2 to 64.");
  });

  it.each(['fusion.add', 'fusion.average', 'fusion.multiply', 'fusion.max', 'fusion.attention'])('%s: mismatched widths are an error unless projected', (kind) => {
    const bad = infer(kind, { in: [feat(16), feat(16), feat(8)] }, { project: 0 });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.diagnostics[0].code).toBe('shape-mismatch');
      expect(bad.diagnostics[0].message).toContain('got 16, 16 and 8');
      expect(bad.diagnostics[0].message).toContain('input 3 to 16');
    }
    const good = infer(kind, { in: [feat(16), feat(16), feat(8)] }, { project: 12 });
    expect(good.ok).toBe(true);
    if (good.ok) expect(good.outputs.out).toEqual(feat(12));
  });

  it('element-wise fusion of sequences keeps the steps; lengths and kinds must agree', () => {
    const ok = infer('fusion.max', { in: [seq(5, 8), seq(5, 8)] });
    expect(ok.ok && ok.outputs.out).toEqual(seq(5, 8));
    const steps = infer('fusion.add', { in: [seq(5, 8), seq(6, 8)] }, { project: 8 });
    expect(!steps.ok && steps.diagnostics[0].message).toContain('5 and 6 steps');
    const mixed = infer('fusion.average', { in: [seq(5, 8), feat(8)] });
    expect(!mixed.ok && mixed.diagnostics[0].code).toBe('shape-mismatch');
  });

  it('concat adds widths; gated and low-rank output their units; attention also gives K weights', () => {
    const c = infer('fusion.concat', { in: [feat(3), feat(5), feat(7)] });
    expect(c.ok && c.outputs.out).toEqual(feat(15));
    const cs = infer('fusion.concat', { in: [seq(4, 3), seq(4, 5)] });
    expect(cs.ok && cs.outputs.out).toEqual(seq(4, 8));
    const g = infer('fusion.gated', { in: [feat(3), feat(5)] }, { units: 9 });
    expect(g.ok && g.outputs.out).toEqual(feat(9));
    const l = infer('fusion.low-rank', { in: [feat(3), feat(5)] }, { rank: 2, units: 7 });
    expect(l.ok && l.outputs.out).toEqual(feat(7));
    const a = infer('fusion.attention', { in: [feat(3), feat(5), feat(2)] }, { project: 6 });
    expect(a.ok && a.outputs).toEqual({ out: feat(6), weights: feat(3) });
  });

  it('a fusion port with one input, or with the wrong kind, is a diagnostic', () => {
    const one = infer('fusion.concat', { in: [feat(3)] });
    expect(!one.ok && one.diagnostics[0].code).toBe('too-few-inputs');
    const kind = infer('fusion.gated', { in: [feat(3), seq(2, 3)] });
    expect(!kind.ok && kind.diagnostics[0].code).toBe('incompatible-kind');
  });

  it('tensor fusion: width Π(dₖ+1), a warning above 50,000, an error when it cannot be held', () => {
    const small = infer('fusion.tensor', { in: [feat(2), feat(3)] });
    expect(small.ok && small.outputs.out).toEqual(feat(12));
    expect(small.ok && (small.diagnostics ?? [])).toEqual([]);
    const wide = infer('fusion.tensor', { in: [feat(64), feat(64), feat(64)] });
    expect(wide.ok).toBe(true);
    if (wide.ok) {
      expect(wide.outputs.out).toEqual(feat(65 ** 3));
      expect(wide.diagnostics).toHaveLength(1);
      expect(wide.diagnostics![0]).toMatchObject({ severity: 'warning', code: 'bad-shape' });
      expect(wide.diagnostics![0].message).toContain('274,625');
    }
    const projected = infer('fusion.tensor', { in: [feat(64), feat(64), feat(64)] }, { project: 16 });
    expect(projected.ok && projected.outputs.out).toEqual(feat(17 ** 3));
    expect(projected.ok && (projected.diagnostics ?? [])).toEqual([]);
    const huge = infer('fusion.tensor', { in: [feat(512), feat(512), feat(512)] });
    expect(!huge.ok && huge.diagnostics[0].severity).toBe('error');
  });

  it('cross-attention: output has the query shape; the context must split into tokens', () => {
    const s = infer('fusion.cross-attention', { query: [seq(5, 6)], context: [seq(9, 4)] });
    expect(s.ok && s.outputs.out).toEqual(seq(5, 6));
    const v = infer('fusion.cross-attention', { query: [feat(6)], context: [feat(12)] }, { tokens: 4 });
    expect(v.ok && v.outputs.out).toEqual(feat(6));
    const bad = infer('fusion.cross-attention', { query: [feat(6)], context: [feat(10)] }, { tokens: 4 });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.diagnostics[0]).toMatchObject({ code: 'bad-shape', portId: 'context' });
      expect(bad.diagnostics[0].message).toContain("set 'tokens' to 2");
    }
    const missing = infer('fusion.cross-attention', { query: [feat(6)] });
    expect(!missing.ok && missing.diagnostics[0].code).toBe('missing-input');
  });

  it('film: output has the shape of x; the condition must be features', () => {
    const r = infer('fusion.film', { x: [seq(4, 8)], condition: [feat(3)] });
    expect(r.ok && r.outputs.out).toEqual(seq(4, 8));
    const bad = infer('fusion.film', { x: [feat(8)], condition: [seq(2, 3)] });
    expect(!bad.ok && bad.diagnostics[0].code).toBe('incompatible-kind');
  });

  it.each(['late.average', 'late.vote', 'late.stack'])('%s: branches must predict the same number of classes', (kind) => {
    const ok = infer(kind, { in: [pred(4), pred(4), pred(4)] });
    expect(ok.ok && ok.outputs.out).toEqual(pred(4));
    const bad = infer(kind, { in: [pred(4), pred(5)] });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.diagnostics[0].code).toBe('shape-mismatch');
      expect(bad.diagnostics[0].message).toContain('4 and 5 classes');
    }
    const feats = infer(kind, { in: [pred(4), feat(4)] });
    expect(!feats.ok && feats.diagnostics[0].code).toBe('incompatible-kind');
  });

  it('late.average: fixed weights need one per branch and a positive sum', () => {
    const wrong = infer('late.average', { in: [pred(3), pred(3)] }, { mode: 'fixed', weights: [1, 2, 3] });
    expect(!wrong.ok && wrong.diagnostics[0]).toMatchObject({ code: 'bad-params', path: ['params', 'weights'] });
    const zero = infer('late.average', { in: [pred(3), pred(3)] }, { mode: 'fixed', weights: [0, 0] });
    expect(!zero.ok && zero.diagnostics[0].code).toBe('bad-params');
    const learned = infer('late.average', { in: [pred(3), pred(3)] }, { mode: 'learned', weights: [1, 2, 3] });
    expect(learned.ok).toBe(true);
  });

  it('late loss weights: vote 0, fixed average 0, learned average 1, stack 1', () => {
    const lw = (kind: string, p: Record<string, unknown> = {}) => spec(kind).late!.lossWeight(spec(kind).params.parse(p));
    expect(lw('late.vote')).toBe(0);
    expect(lw('late.average', { mode: 'fixed' })).toBe(0);
    expect(lw('late.average', { mode: 'learned' })).toBe(1);
    expect(lw('late.stack')).toBe(1);
  });
});

describe('build through the node specs', () => {
  it('fixed late average normalises the weights it is given', () => {
    const s = spec('late.average');
    const p = s.params.parse({ mode: 'fixed', weights: [1, 3] });
    const inputs = [tf.input({ shape: [2] }), tf.input({ shape: [2] })];
    let seed = 1;
    const types = { in: [pred(2), pred(2)] };
    const out = s.build({ tf, nodeId: 'avg', name: (x) => `avg__${x}`, seed: () => seed++, inputTypes: types, outputTypes: { out: pred(2) }, assets: new Map() }, { in: inputs }, p);
    const model = tf.model({ inputs, outputs: out.out });
    const a = tf.tensor2d([[1, 0]]);
    const b = tf.tensor2d([[0, 1]]);
    expect(maxDiff(model.predict([a, b]) as tf.Tensor, tf.tensor2d([[0.25, 0.75]]))).toBeLessThan(1e-6);
    model.dispose();
  });
});

describe('late nodes in a model with branch heads', () => {
  it.each([
    ['late.vote', {}],
    ['late.average', { mode: 'learned' }],
    ['late.average', { mode: 'fixed' }],
    ['late.stack', { hidden: 3 }],
  ] as const)('%s %j: the branches train with the late loss weighted by lossWeight', async (kind, raw) => {
    const s = spec(kind);
    const p = s.params.parse(raw);
    const inputs = [tf.input({ shape: [4] }), tf.input({ shape: [5] })];
    const heads = inputs.map((x, i) => tf.layers.dense({ units: 3, activation: 'softmax', name: `head${i}`, kernelInitializer: tf.initializers.glorotUniform({ seed: i + 1 }) }).apply(x) as tf.SymbolicTensor);
    let seed = 1;
    const ctx = { tf, nodeId: 'late', name: (x: string) => `late__${x}`, seed: () => seed++, inputTypes: { in: [pred(3), pred(3)] }, outputTypes: { out: pred(3) }, assets: new Map() };
    const fused = s.build(ctx, { in: heads }, p).out;
    const model = tf.model({ inputs, outputs: [...heads, fused] });
    // tfjs has no lossWeights in compile: weigh the late output's loss in its loss function.
    const weight = s.late!.lossWeight(p);
    const ce = (yt: tf.Tensor, yp: tf.Tensor) => tf.losses.softmaxCrossEntropy(yt, tf.log(tf.clipByValue(yp, 1e-7, 1)));
    model.compile({ optimizer: tf.train.sgd(0.5), loss: [ce, ce, (yt: tf.Tensor, yp: tf.Tensor) => ce(yt, yp).mul(weight)] });
    const xs = [rand([6, 4], 80), rand([6, 5], 81)];
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'), 3).toFloat();
    const head0 = model.getLayer('head0').getWeights()[0].dataSync().slice();
    const loss = (await model.trainOnBatch(xs, [y, y, y])) as number[];
    expect(loss.every(Number.isFinite)).toBe(true);
    const moved = model.getLayer('head0').getWeights()[0].dataSync().some((v, i) => v !== head0[i]);
    expect(moved, 'branch head trained').toBe(true);
    model.dispose();
  });
});
