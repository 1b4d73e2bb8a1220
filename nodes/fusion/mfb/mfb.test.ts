/**
 * fusion.mfb: the layer equals its formula computed by hand in plain numbers, its rows are unit
 * vectors, gradients reach U and V and stay finite on an all-zero row, dropout acts only in
 * training, and the node takes exactly two inputs. A small graph (two tabular inputs → encoders →
 * MFB → classify) exported to PyTorch gives the tfjs outputs within 1e-4 with the tfjs weights; its
 * TypeScript export carries the layer, its Keras export builds it; both .py files py_compile.
 * (The registry-wide export tests also run one graph per kind: test/fixtures/kind-graphs.ts.)
 */
import * as tf from '@tensorflow/tfjs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileGraph } from '../../../engine/compile';
import { exportProgram } from '../../../engine/export';
import { weightsNpz } from '../../../engine/export/weights';
import { KERAS_CHECK_MANY, npzOf, python, randomInputs, randomiseWeights, TMP, TORCH_CHECK_MANY, writeFiles } from '../../../test/fixtures/export-harness';
import { graph } from '../../../test/fixtures/graphs';
import { registry } from '../../index';
import { mfbLayer } from './index';
import kerasSource from './keras.py?raw';
import torchSource from './torch.py?raw';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

/** The formula, in plain arrays: x [m], y [n], U [m][k·o], V [n][k·o] → z [o]. */
function mfbByHand(x: number[], y: number[], u: number[][], v: number[][], k: number, o: number): number[] {
  const proj = (a: number[], w: number[][]) => Array.from({ length: k * o }, (_, j) => a.reduce((s, ai, i) => s + ai * w[i][j], 0));
  const xt = proj(x, u);
  const yt = proj(y, v);
  const z = Array.from({ length: o }, (_, j) => Array.from({ length: k }, (_, i) => xt[j * k + i] * yt[j * k + i]).reduce((s, t) => s + t, 0));
  const p = z.map((t) => Math.sign(t) * Math.sqrt(Math.abs(t) + 1e-8));
  const norm = Math.sqrt(p.reduce((s, t) => s + t * t, 0) + 1e-12);
  return p.map((t) => t / norm);
}

describe('fusion.mfb', () => {
  it('equals the formula (Yu et al. 2017) and returns unit vectors', () => {
    const [k, o] = [3, 4];
    const layer = new (mfbLayer.of(tf))({ factor: k, units: o, seed: 3, name: 'mfb_formula' });
    const x = tf.randomNormal([5, 6], 0, 1, 'float32', 1);
    const y = tf.randomNormal([5, 2], 0, 1, 'float32', 2);
    const out = layer.apply([x, y]) as tf.Tensor;
    expect(out.shape).toEqual([5, o]);
    const [u, v] = layer.getWeights().map((w) => w.arraySync() as number[][]);
    expect(layer.weights.map((w) => w.originalName.split('/').pop())).toEqual(['U', 'V']);
    const xs = x.arraySync() as number[][];
    const ys = y.arraySync() as number[][];
    const got = out.arraySync() as number[][];
    for (let b = 0; b < 5; b++) {
      const want = mfbByHand(xs[b], ys[b], u, v, k, o);
      for (let j = 0; j < o; j++) expect(Math.abs(got[b][j] - want[j])).toBeLessThan(1e-5);
      expect(Math.abs(Math.hypot(...got[b]) - 1)).toBeLessThan(1e-4);
    }
    tf.dispose([x, y, out]);
  });

  it('gradients reach U and V and are finite, also for an all-zero row', () => {
    const layer = new (mfbLayer.of(tf))({ factor: 2, units: 3, seed: 4, name: 'mfb_grad' });
    const x = tf.concat([tf.zeros([1, 4]), tf.randomNormal([2, 4], 0, 1, 'float32', 5)]);
    const y = tf.randomNormal([3, 5], 0, 1, 'float32', 6);
    layer.apply([x, y]);
    const target = tf.randomNormal([3, 3], 0, 1, 'float32', 7);
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply([x, y]) as tf.Tensor, target)) as tf.Scalar, layer.trainableWeights.map((w) => w.read() as tf.Variable));
    expect(Object.keys(grads)).toHaveLength(2);
    for (const g of Object.values(grads)) {
      const a = g.dataSync();
      expect(a.every(Number.isFinite)).toBe(true);
      expect(a.some((t) => t !== 0)).toBe(true);
    }
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    tf.dispose([x, y, target, value, ...Object.values(grads)]);
  });

  it('drops products only while training', () => {
    const layer = new (mfbLayer.of(tf))({ factor: 4, units: 8, dropout: 0.5, seed: 8, name: 'mfb_drop' });
    const x = tf.randomNormal([4, 3], 0, 1, 'float32', 9);
    const y = tf.randomNormal([4, 3], 0, 1, 'float32', 10);
    const a = layer.apply([x, y]) as tf.Tensor;
    const b = layer.apply([x, y]) as tf.Tensor;
    const t = layer.apply([x, y], { training: true }) as tf.Tensor;
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBe(0);
    expect(tf.max(tf.abs(tf.sub(a, t))).dataSync()[0]).toBeGreaterThan(1e-3);
    tf.dispose([x, y, a, b, t]);
  });

  it('takes exactly two features inputs', () => {
    const spec = registry.get('fusion.mfb')!;
    const p = spec.params.parse({});
    const two = spec.infer({ in: [{ kind: 'features', shape: [6] }, { kind: 'features', shape: [3] }] }, p as never);
    expect(two).toEqual({ ok: true, outputs: { out: { kind: 'features', shape: [64] } } });
    const three = spec.infer({ in: [{ kind: 'features', shape: [6] }, { kind: 'features', shape: [3] }, { kind: 'features', shape: [2] }] }, p as never);
    expect(three.ok).toBe(false);
    if (!three.ok) expect(three.diagnostics[0].code).toBe('too-many-inputs');
    expect(spec.ports(p as never).inputs[0].maxConnections).toBe(2);
  });

  // Two tabular inputs of different widths, each through its own encoder, joined by MFB (a factor
  // and width that are not the defaults, dropout on so that inference without it is checked too).
  const mfbGraph = graph(
    [
      ['a', 'input.tabular', { columns: ['a1', 'a2', 'a3', 'a4', 'a5'] }],
      ['b', 'input.tabular', { columns: ['b1', 'b2', 'b3'] }],
      ['ea', 'encoder.tabular-mlp', { units: 6, layers: 1 }],
      ['eb', 'encoder.tabular-mlp', { units: 7, layers: 1 }],
      ['f', 'fusion.mfb', { factor: 3, units: 4, dropout: 0.25 }],
      ['h', 'head.classify', { classes: 3 }],
    ],
    ['a.out->ea.in', 'b.out->eb.in', 'ea.out->f.in', 'eb.out->f.in', 'f.out->h.in'],
    'mfb export',
  );

  it('exports to PyTorch with the same parameters and outputs (≤ 1e-4) as the tfjs model', () => {
    const compiled = compileGraph(mfbGraph, registry, { tf });
    if (!compiled.ok) throw new Error(`does not compile: ${JSON.stringify(compiled.diagnostics)}`);
    const exp = exportProgram(mfbGraph, registry, 'pytorch');
    if (!exp.ok) throw new Error(`does not export: ${JSON.stringify(exp.diagnostics)}`);
    expect(exp.files['model.py']).toMatch(/MFB\(input_shapes=\[\[6\], \[7\]\], factor=3, units=4, dropout=0\.25\)/);
    expect(exp.files['fusionlab_layers.py']).toContain('class MFB(nn.Module)');
    const { model, summary } = compiled;
    randomiseWeights(model, 11);
    const xs = randomInputs(model, exp.inputs.map((i) => i.kind), 4, 12);
    const ys = model.predict(xs) as tf.Tensor;
    const dir = writeFiles('torch-mfb-node', {
      ...exp.files,
      'weights.npz': weightsNpz(tf, model, 'pytorch', exp.weights),
      'inputs.npz': npzOf(Object.fromEntries(exp.inputs.map((i, k) => [i.ident, xs[k]]))),
      'expected.npz': npzOf({ out0: ys }),
    });
    const r = JSON.parse(python(['-c', TORCH_CHECK_MANY, dir], TMP).trim().split('\n').filter((l) => l.startsWith('{')).pop()!) as { error?: string; params: number; diffs: number[]; shapes: number[][] };
    expect(r.error).toBeUndefined();
    expect(r.params).toBe(summary.trainableParams);
    expect(r.shapes).toEqual([[3]]);
    console.log(`fusion.mfb PyTorch parity: max |Δ| = ${r.diffs[0]}`);
    expect(r.diffs[0]).toBeLessThan(1e-4);
    tf.dispose([...xs, ys]);
    model.dispose();
  });

  it('the TypeScript export carries the layer; the Keras 3 export builds it with its config and matches tfjs', () => {
    const ts = exportProgram(mfbGraph, registry, 'tfjs');
    expect(ts.ok).toBe(true);
    expect(ts.files['model.ts']).toContain('export function makeMFB(tf: TF)');
    expect(ts.files['model.ts']).toContain('const MFB = makeMFB(tf);');
    expect(ts.files['model.ts']).toContain('tf.serialization.registerClass(MFB);');
    const keras = exportProgram(mfbGraph, registry, 'keras');
    expect(keras.ok).toBe(true);
    expect(keras.files['fusionlab_layers.py']).toContain('class MFB(keras.layers.Layer)');
    const compiled = compileGraph(mfbGraph, registry, { tf });
    if (!compiled.ok) throw new Error('mfb graph does not compile');
    randomiseWeights(compiled.model, 13);
    const xs = randomInputs(compiled.model, keras.inputs.map((i) => i.kind), 4, 14);
    const ys = compiled.model.predict(xs) as tf.Tensor;
    const dir = writeFiles('keras-mfb-node', {
      ...keras.files,
      'weights.npz': weightsNpz(tf, compiled.model, 'keras', keras.weights),
      'inputs.npz': npzOf(Object.fromEntries(keras.inputs.map((i, k) => [i.ident, xs[k]]))),
      'expected.npz': npzOf({ out0: ys }),
    });
    const r = JSON.parse(python([KERAS_CHECK_MANY, dir], TMP).trim().split('\n').filter((l) => l.startsWith('{')).pop()!) as { error?: string; diffs: number[]; configs: { class: string; round_trip: boolean }[] };
    expect(r.error).toBeUndefined();
    expect(r.configs).toEqual([{ class: 'FusionLab>MFB', round_trip: true }]);
    expect(r.diffs[0]).toBeLessThan(1e-4);
    tf.dispose([...xs, ys]);
    compiled.model.dispose();
  });

  it('its PyTorch and Keras sources pass py_compile', () => {
    // Compiled as copies in a temp folder, so no __pycache__ appears beside the sources.
    const dir = writeFiles('mfb-pycompile', { 'torch.py': torchSource, 'keras.py': kerasSource });
    python(['-m', 'py_compile', path.join(dir, 'torch.py'), path.join(dir, 'keras.py')], dir);
    expect(fs.existsSync(path.join(__dirname, '__pycache__'))).toBe(false);
  });
});
