/**
 * Behaviour of the encoder and head kinds beyond the generic contract (test/nodes-contract):
 * their diagnostics, padding masks, and the pretrained-model checks.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AnyNodeSpec, BuildContext, InferInputs, InferResult, TensorType } from '../engine/spec';
import { registry } from '../nodes/index';
import { maskedPool1D } from '../nodes/encoder/text-embedding';
import { registerCustomLayers } from '../nodes/shared';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

function spec(kind: string): AnyNodeSpec {
  const s = registry.get(kind);
  if (!s) throw new Error(`${kind} is not registered`);
  return s;
}

function infer(kind: string, inputs: InferInputs, params: Record<string, unknown> = {}): InferResult {
  const s = spec(kind);
  return s.infer(inputs, s.params.parse(params));
}

function codes(r: InferResult): string[] {
  return r.ok ? [] : r.diagnostics.map((d) => d.code);
}

function one(kind: TensorType['kind'], shape: number[]): InferInputs {
  return { in: [{ kind, shape }] };
}

function ctxFor(inputTypes: InferInputs, outputTypes: Record<string, TensorType>, assets = new Map<string, tf.LayersModel>()): BuildContext {
  let seed = 1;
  return { tf, nodeId: 'n', name: (s) => `n__${s}`, seed: () => seed++, inputTypes, outputTypes, assets };
}

/** Build one kind on one input and return a model from that input to the node's `out`. */
function buildModel(kind: string, input: TensorType, params: Record<string, unknown> = {}): tf.LayersModel {
  const s = spec(kind);
  const p = s.params.parse(params);
  const inputs = { in: [input] };
  const r = s.infer(inputs, p);
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  const x = tf.input({ shape: input.shape });
  const out = s.build(ctxFor(inputs, r.outputs), { in: [x] }, p).out;
  return tf.model({ inputs: x, outputs: out });
}

describe('shape diagnostics', () => {
  it('image-cnn: an image too small for its pooling blocks is a bad-shape on port in', () => {
    const r = infer('encoder.image-cnn', one('image', [3, 3, 1]), { blocks: 2 });
    expect(codes(r)).toEqual(['bad-shape']);
    if (!r.ok) expect(r.diagnostics[0].portId).toBe('in');
    expect(infer('encoder.image-cnn', one('image', [4, 4, 1]), { blocks: 2 }).ok).toBe(true);
    expect(codes(infer('encoder.image-cnn', one('tabular', [4])))).toEqual(['incompatible-kind']);
  });

  it('audio-cnn wants a spectrogram; audio-cnn1d takes both and checks the length', () => {
    const wave = infer('encoder.audio-cnn', one('audio', [16000]));
    expect(codes(wave)).toEqual(['bad-shape']);
    if (!wave.ok) expect(wave.diagnostics[0].message).toMatch(/1-D audio CNN/);
    expect(infer('encoder.audio-cnn', one('audio', [32, 40, 1])).ok).toBe(true);
    expect(codes(infer('encoder.audio-cnn1d', one('audio', [60]), { blocks: 3, poolSize: 4 }))).toEqual(['bad-shape']);
    expect(infer('encoder.audio-cnn1d', one('audio', [64]), { blocks: 3, poolSize: 4 }).ok).toBe(true);
    expect(infer('encoder.audio-cnn1d', one('audio', [64, 20, 1]), { blocks: 3, poolSize: 4 }).ok).toBe(true);
  });

  it('video-cnn checks frame size', () => {
    expect(codes(infer('encoder.video-cnn', one('video', [4, 2, 2, 3]), { blocks: 2 }))).toEqual(['bad-shape']);
    const r = infer('encoder.video-cnn', one('video', [4, 8, 8, 3]), { blocks: 2, units: 7 });
    expect(r.ok && r.outputs.out).toEqual({ kind: 'features', shape: [7] });
  });

  it('text-cnn needs a text at least as long as its widest window', () => {
    expect(codes(infer('encoder.text-cnn', one('tokens', [4]), { minWidth: 3, widths: 3 }))).toEqual(['bad-shape']);
    const r = infer('encoder.text-cnn', one('tokens', [5]), { minWidth: 3, widths: 3, filters: 10 });
    expect(r.ok && r.outputs.out).toEqual({ kind: 'features', shape: [30] });
  });

  it('text-transformer: dim not divisible by heads is a bad-params on heads', () => {
    const r = infer('encoder.text-transformer', one('tokens', [8]), { dim: 30, heads: 4 });
    expect(codes(r)).toEqual(['bad-params']);
    if (!r.ok) expect(r.diagnostics[0].path).toEqual(['params', 'heads']);
    const seq = infer('encoder.text-transformer', one('tokens', [8]), { dim: 32, heads: 4, output: 'sequence' });
    expect(seq.ok && seq.outputs.out).toEqual({ kind: 'sequence', shape: [8, 32] });
  });

  it('text-rnn: output kind and width follow output and bidirectional', () => {
    const f = infer('encoder.text-rnn', one('tokens', [12]), { units: 5, bidirectional: true });
    expect(f.ok && f.outputs.out).toEqual({ kind: 'features', shape: [10] });
    const s = infer('encoder.text-rnn', one('tokens', [12]), { units: 5, output: 'sequence' });
    expect(s.ok && s.outputs.out).toEqual({ kind: 'sequence', shape: [12, 5] });
    expect(spec('encoder.text-rnn').ports(spec('encoder.text-rnn').params.parse({ output: 'sequence' })).outputs[0].accepts).toEqual(['sequence']);
  });

  it('heads refuse a sequence with a message on pooling it, and need something connected', () => {
    for (const kind of ['head.classify', 'head.regress', 'head.multilabel']) {
      const r = infer(kind, one('sequence', [6, 8]));
      expect(codes(r), kind).toEqual(['incompatible-kind']);
      if (!r.ok) expect(r.diagnostics[0].message).toMatch(/features/);
      expect(codes(infer(kind, {})), kind).toEqual(['missing-input']);
    }
    const c = infer('head.classify', one('features', [8]), { classes: 5 });
    expect(c.ok && c.outputs.out).toEqual({ kind: 'prediction', shape: [5] });
  });
});

describe('heads', () => {
  it('name their label column and loss', () => {
    const cases: [string, string][] = [
      ['head.classify', 'categoricalCrossentropy'],
      ['head.regress', 'meanSquaredError'],
      ['head.multilabel', 'binaryCrossentropy'],
    ];
    for (const [kind, loss] of cases) {
      const s = spec(kind);
      const p = s.params.parse({ column: 'tags' });
      expect(s.head?.labelColumn(p)).toBe('tags');
      expect(s.head?.labelColumn(s.params.parse({}))).toBe('label');
      expect(s.head?.loss(p)).toBe(loss);
    }
    expect(spec('head.multilabel').params.parse({}).separator).toBe('|');
    expect(spec('head.classify').params.safeParse({ classes: 1 }).success).toBe(false);
  });

  it('classify outputs probabilities that sum to 1; multilabel outputs independent ones in (0, 1)', () => {
    const x = tf.randomNormal([3, 8], 0, 1, 'float32', 1);
    const c = buildModel('head.classify', { kind: 'features', shape: [8] }, { classes: 4, hidden: 6 }).predict(x) as tf.Tensor;
    expect(Array.from(c.sum(1).dataSync()).every((v) => Math.abs(v - 1) < 1e-5)).toBe(true);
    const m = buildModel('head.multilabel', { kind: 'features', shape: [8] }, { classes: 4 }).predict(x) as tf.Tensor;
    const mv = Array.from(m.dataSync());
    expect(mv.every((v) => v > 0 && v < 1)).toBe(true);
    expect(Array.from(m.sum(1).dataSync()).some((v) => Math.abs(v - 1) > 1e-3)).toBe(true);
  });
});

describe('padding (token id 0)', () => {
  it('MaskedPool1D averages and maxes over non-padding steps only', () => {
    const Pool = maskedPool1D.of(tf);
    const x = tf.tensor3d([[[1, 10], [3, -10], [100, 100]], [[5, 5], [7, 7], [9, 9]], [[1, 1], [2, 2], [3, 3]]]);
    const tokens = tf.tensor2d([[4, 2, 0], [1, 1, 1], [0, 0, 0]]);
    const mean = new Pool({ name: 'p_mean', mode: 'mean' }).apply([x, tokens]) as tf.Tensor;
    const max = new Pool({ name: 'p_max', mode: 'max' }).apply([x, tokens]) as tf.Tensor;
    expect(mean.arraySync()).toEqual([[2, 0], [7, 7], [0, 0]]);
    expect(max.arraySync()).toEqual([[3, 10], [9, 9], [0, 0]]);
  });

  it('text-rnn features: trailing padding does not change the final state', () => {
    const params = { vocabSize: 30, dim: 6, units: 5 };
    const long = buildModel('encoder.text-rnn', { kind: 'tokens', shape: [6] }, params);
    const short = buildModel('encoder.text-rnn', { kind: 'tokens', shape: [3] }, params);
    const a = long.predict(tf.tensor2d([[4, 9, 2, 0, 0, 0]])) as tf.Tensor;
    const b = short.predict(tf.tensor2d([[4, 9, 2]])) as tf.Tensor;
    expect(tf.tidy(() => a.sub(b).abs().max().dataSync()[0])).toBeLessThan(1e-6);
    // and a real token there does change it
    const c = long.predict(tf.tensor2d([[4, 9, 2, 7, 0, 0]])) as tf.Tensor;
    expect(tf.tidy(() => a.sub(c).abs().max().dataSync()[0])).toBeGreaterThan(1e-4);
  });

  it('text-rnn sequence: padding steps are zero', () => {
    const m = buildModel('encoder.text-rnn', { kind: 'tokens', shape: [5] }, { vocabSize: 30, dim: 6, units: 4, output: 'sequence', bidirectional: true });
    const out = (m.predict(tf.tensor2d([[3, 8, 0, 0, 0]])) as tf.Tensor).arraySync() as number[][][];
    expect(out[0].slice(2).flat().every((v) => v === 0)).toBe(true);
    expect(out[0].slice(0, 2).flat().some((v) => v !== 0)).toBe(true);
  });

  it('text-transformer features: the mean skips padding (equals the mean of the unpadded steps)', () => {
    const params = { vocabSize: 30, dim: 8, heads: 2 };
    const seq = buildModel('encoder.text-transformer', { kind: 'tokens', shape: [6] }, { ...params, output: 'sequence' });
    const feat = buildModel('encoder.text-transformer', { kind: 'tokens', shape: [6] }, params);
    const tokens = tf.tensor2d([[5, 1, 7, 0, 0, 0]]);
    const steps = seq.predict(tokens) as tf.Tensor;
    const expected = steps.slice([0, 0, 0], [1, 3, 8]).mean(1);
    const got = feat.predict(tokens) as tf.Tensor;
    expect(tf.tidy(() => got.sub(expected).abs().max().dataSync()[0])).toBeLessThan(1e-5);
  });

  it('text-transformer: real tokens do not attend to padding', () => {
    // With keys masked, the outputs at real positions are the same whatever the padding
    // positions hold; so compare against the same text where a padding token is made real:
    // position 0 must change only when position 3 is a real token.
    const m = buildModel('encoder.text-transformer', { kind: 'tokens', shape: [4] }, { vocabSize: 30, dim: 8, heads: 2, output: 'sequence' });
    const padded = m.predict(tf.tensor2d([[5, 1, 7, 0]])) as tf.Tensor;
    const filled = m.predict(tf.tensor2d([[5, 1, 7, 9]])) as tf.Tensor;
    const first = (t: tf.Tensor) => t.slice([0, 0, 0], [1, 1, 8]);
    expect(tf.tidy(() => first(padded).sub(first(filled)).abs().max().dataSync()[0])).toBeGreaterThan(1e-4);
    // Embedding row 0 does not matter to real positions: change it and nothing moves there.
    const emb = m.getLayer('n__embedding');
    const [table] = emb.getWeights();
    const changed = tf.tidy(() => table.add(tf.oneHot(tf.tensor1d([0], 'int32'), 30).reshape([30, 1]).mul(5)));
    emb.setWeights([changed]);
    const after = m.predict(tf.tensor2d([[5, 1, 7, 0]])) as tf.Tensor;
    expect(tf.tidy(() => after.slice([0, 0, 0], [1, 3, 8]).sub(padded.slice([0, 0, 0], [1, 3, 8])).abs().max().dataSync()[0])).toBeLessThan(1e-5);
  });
});

describe('encoder.pretrained', () => {
  const user = () =>
    tf.sequential({ layers: [tf.layers.dense({ inputShape: [5], units: 3, name: 'u1' }), tf.layers.reshape({ targetShape: [3, 1], name: 'u2' })] });

  it('asks for a model file while none is chosen (bad-params on asset)', () => {
    const r = infer('encoder.pretrained', one('features', [5]));
    expect(codes(r)).toEqual(['bad-params']);
    if (!r.ok) {
      expect(r.diagnostics[0].path).toEqual(['params', 'asset']);
      expect(r.diagnostics[0].message).toMatch(/model file/);
    }
  });

  it('checks the input shape against the recorded one', () => {
    const p = { asset: 'm', inputShape: [5], outputWidth: 3 };
    expect(codes(infer('encoder.pretrained', one('features', [6]), p))).toEqual(['shape-mismatch']);
    const r = infer('encoder.pretrained', one('features', [5]), p);
    expect(r.ok && r.outputs.out).toEqual({ kind: 'features', shape: [3] });
  });

  it('build: a missing asset throws a clear error; a rank-3 output is flattened; frozen unless fineTune', () => {
    const s = spec('encoder.pretrained');
    const p = s.params.parse({ asset: 'm', inputShape: [5], outputWidth: 3 });
    const types = { in: [{ kind: 'features' as const, shape: [5] }] };
    const out = { out: { kind: 'features' as const, shape: [3] } };
    expect(() => s.build(ctxFor(types, out), { in: [tf.input({ shape: [5] })] }, p)).toThrow(/"m" is not loaded/);
    const x = tf.input({ shape: [5] });
    const y = s.build(ctxFor(types, out, new Map([['m', user()]])), { in: [x] }, p).out;
    expect(y.shape).toEqual([null, 3]);
    const model = tf.model({ inputs: x, outputs: y });
    expect(model.trainableWeights.length).toBe(0);
    const tuned = s.build(ctxFor(types, out, new Map([['m', user()]])), { in: [tf.input({ shape: [5] })] }, s.params.parse({ ...p, fineTune: true })).out;
    expect(tuned.sourceLayer.trainableWeights.length).toBe(0); // the flatten
    const wrong = s.params.parse({ asset: 'm', inputShape: [5], outputWidth: 4 });
    expect(() => s.build(ctxFor(types, out, new Map([['m', user()]])), { in: [tf.input({ shape: [5] })] }, wrong)).toThrow(/outputs/);
  });

  it('disposing a compiled model leaves the uploaded model usable for the next compile', () => {
    const s = spec('encoder.pretrained');
    const p = s.params.parse({ asset: 'm', inputShape: [5], outputWidth: 3 });
    const types = { in: [{ kind: 'features' as const, shape: [5] }] };
    const out = { out: { kind: 'features' as const, shape: [3] } };
    const assets = new Map([['m', user()]]);
    const compile = () => {
      const x = tf.input({ shape: [5] });
      return tf.model({ inputs: x, outputs: s.build(ctxFor(types, out, assets), { in: [x] }, p).out });
    };
    const data = tf.ones([2, 5]);
    const first = compile();
    const a = (first.predict(data) as tf.Tensor).arraySync();
    first.dispose();
    const second = compile();
    expect((second.predict(data) as tf.Tensor).arraySync()).toEqual(a);
    expect((assets.get('m')?.predict(data) as tf.Tensor).reshape([2, 3]).arraySync()).toEqual(a);
  });
});

describe('encoder.pretrained with a functional model', () => {
  it('fine-tuning trains the compiled copy and leaves the upload as it was', async () => {
    const ui = tf.input({ shape: [4] });
    const uo = tf.layers.dense({ units: 2, name: 'fu_dense', kernelInitializer: tf.initializers.glorotUniform({ seed: 9 }) }).apply(ui) as tf.SymbolicTensor;
    const upload = tf.model({ inputs: ui, outputs: uo });
    const uploaded = upload.getWeights().map((w) => w.arraySync());
    const s = spec('encoder.pretrained');
    const p = s.params.parse({ asset: 'f', inputShape: [4], outputWidth: 2, fineTune: true });
    const x = tf.input({ shape: [4] });
    const y = s.build(ctxFor({ in: [{ kind: 'features', shape: [4] }] }, { out: { kind: 'features', shape: [2] } }, new Map([['f', upload]])), { in: [x] }, p).out;
    const model = tf.model({ inputs: x, outputs: y });
    expect(model.trainableWeights.length).toBe(2);
    const data = tf.randomNormal([3, 4], 0, 1, 'float32', 2);
    expect((model.predict(data) as tf.Tensor).arraySync()).toEqual((upload.predict(data) as tf.Tensor).arraySync());
    model.compile({ optimizer: tf.train.sgd(0.5), loss: 'meanSquaredError' });
    await model.trainOnBatch(data, tf.ones([3, 2]));
    expect(upload.getWeights().map((w) => w.arraySync())).toEqual(uploaded);
    expect(model.getWeights().map((w) => w.arraySync())).not.toEqual(uploaded);
  });
});

describe('custom layers', () => {
  it('the encoder layers are registered under fixed FusionLab class names', () => {
    const names = registerCustomLayers(tf);
    for (const n of ['FusionLab>MaskedPool1D', 'FusionLab>MaskSteps', 'FusionLab>PositionEmbedding', 'FusionLab>TransformerBlock']) expect(names).toContain(n);
  });
});
