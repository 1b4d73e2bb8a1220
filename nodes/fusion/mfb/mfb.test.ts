/**
 * fusion.mfb: the layer equals its formula computed by hand in plain numbers, its rows are unit
 * vectors, gradients reach U and V and stay finite on an all-zero row, dropout acts only in
 * training, and the node takes exactly two inputs. (Export parity with PyTorch, the TypeScript
 * export and the contract test cover it through the registry: test/fixtures/kind-graphs.ts.)
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { registry } from '../../index';
import { mfbLayer } from './index';

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
});
