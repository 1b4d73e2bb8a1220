/**
 * The fused training batch norm (engine/backend/batch-norm-train.ts, native/batch_norm.c) and
 * the layer that uses it (nodes/shared.ts `batchNorm`) against tfjs' own moments + batchNorm on
 * the CPU backend: values, the batch statistics, gradients through every output, moving
 * averages, no leaks; and the committed .wasm builds against their C sources.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../engine/backend/node-backend';
import { BATCH_MOMENTS, BATCH_NORM_TRAIN, batchMoments, batchNormTrain, batchNormTrainReady } from '../engine/backend/batch-norm-train';
import { nativeKernels, nativeKernelsError } from '../engine/backend/native-kernels';
import { batchNorm } from '../nodes/shared';
import type { BuildContext } from '../engine/spec';

function rand(shape: number[], seed: number, shift = 0, spread = 1): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  let s = (seed * 2654435761) % 2 ** 32;
  for (let i = 0; i < n; i++) {
    s = (1664525 * s + 1013904223) % 2 ** 32;
    data[i] = shift + ((s / 2 ** 32) * 2 - 1) * spread;
  }
  return tf.tensor(data, shape);
}

/** Reference: what tfjs-layers computes in training (moments over every axis but the last, then batchNorm). */
function reference(x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor, eps: number): [tf.Tensor, tf.Tensor, tf.Tensor] {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const { mean, variance } = tf.moments(x, axes);
  return [tf.batchNorm(x, mean, variance, offset, scale, eps), mean, variance];
}

type Impl = (x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor, eps: number) => [tf.Tensor, tf.Tensor, tf.Tensor];

/** Outputs, then gradients of Σ y·r + Σ mean·rm + Σ var·rv w.r.t. x, scale and offset, as arrays. */
async function run(backend: 'cpu' | 'wasm', impl: Impl, shape: number[], shift: number, spread: number): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const C = shape[shape.length - 1];
  return tf.tidy(() => {
    const x = rand(shape, 1, shift, spread);
    const scale = rand([C], 2, 1, 0.5);
    const offset = rand([C], 3);
    const r = rand(shape, 4);
    const rm = rand([C], 5);
    const rv = rand([C], 6);
    const outs = impl(x, scale, offset, 1e-3).map((t) => t.dataSync() as Float32Array);
    const g = tf.grads((a: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => {
      const [y, m, v] = impl(a, s, o, 1e-3);
      return tf.addN([tf.sum(tf.mul(y, r)), tf.sum(tf.mul(m, rm)), tf.sum(tf.mul(v, rv))]);
    })([x, scale, offset]);
    return [...outs, ...g.map((t) => t.dataSync() as Float32Array)];
  });
}

function expectClose(got: Float32Array, want: Float32Array, rtol: number, what: string): void {
  expect(got.length, what).toBe(want.length);
  let scale = 0;
  for (const v of want) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    if (!(err <= rtol * scale + 1e-6)) throw new Error(`${what}[${i}]: ${got[i]} vs ${want[i]} (scale ${scale})`);
  }
}

const fused: Impl = (x, s, o, eps) => batchNormTrain(tf, x, s, o, eps);

beforeAll(async () => {
  await initNodeBackend('wasm');
});
beforeEach(async () => {
  await tf.setBackend('wasm');
});

describe('fused training batch norm on wasm', () => {
  it('loads the native module and registers the kernels', () => {
    expect(nativeKernels(tf.backend()), nativeKernelsError()).not.toBeNull();
    expect(batchNormTrainReady(tf)).toBe(true);
    expect(tf.getKernel(BATCH_NORM_TRAIN, 'wasm')).toBeDefined();
  });

  const cases: Array<[string, number[], number, number]> = [
    ['NHWC, 7 channels (a SIMD tail)', [6, 5, 5, 7], 0, 1],
    ['[batch, features], 16 features', [32, 16], 0, 2],
    ['data far from 0 (shifted sums)', [4, 6, 6, 8], 100, 0.01],
    ['one channel', [10, 3, 1], -2, 1],
    ['one row', [1, 12], 0, 1],
  ];
  for (const [name, shape, shift, spread] of cases) {
    it(`matches moments + batchNorm on the CPU, values and gradients: ${name}`, async () => {
      const want = await run('cpu', reference, shape, shift, spread);
      const got = await run('wasm', fused, shape, shift, spread);
      const names = ['y', 'mean', 'variance', 'dx', 'dscale', 'doffset'];
      // Looser for data far from 0: the reference itself loses digits subtracting the mean in float32.
      const rtol = shift === 100 ? 2e-3 : 2e-5;
      names.forEach((n, i) => expectClose(got[i], want[i], rtol, n));
    });
  }

  it('batchMoments (precise BN statistics) equals tf.moments on the CPU, on wasm in one kernel', async () => {
    for (const [shape, shift, spread] of [[[300, 7], 0, 1], [[64, 16], 50, 0.01], [[1, 5], 0, 1]] as const) {
      await tf.setBackend('cpu');
      const want = tf.tidy(() => Object.values(tf.moments(rand([...shape], 21, shift, spread), 0)).map((t) => t.dataSync() as Float32Array));
      await tf.setBackend('wasm');
      const info = await tf.profile(() => Object.values(batchMoments(tf, rand([...shape], 21, shift, spread) as tf.Tensor2D)));
      expect(info.kernels.map((k) => k.name)).toContain(BATCH_MOMENTS);
      const got = (info.result as tf.Tensor[]).map((t) => t.dataSync() as Float32Array);
      tf.dispose(info.result as tf.Tensor[]);
      expectClose(got[0], want[0], 1e-5, 'mean');
      expectClose(got[1], want[1], shift === 50 ? 2e-3 : 1e-5, 'variance');
    }
    await tf.setBackend('cpu');
    const cpu = await tf.profile(() => Object.values(batchMoments(tf, rand([4, 3], 1) as tf.Tensor2D)));
    expect(cpu.kernels.map((k) => k.name)).not.toContain(BATCH_MOMENTS);
    tf.dispose(cpu.result as tf.Tensor[]);
    await tf.setBackend('wasm');
  });

  it('a wrong gradient formula would be caught (the check is not vacuous)', async () => {
    const want = await run('cpu', reference, [6, 5, 5, 7], 0, 1);
    // Drops the statistics' terms of the x gradient (mean and variance taken as constants), as a buggy kernel might.
    const wrong: Impl = (x, s, o, eps) => {
      const axes = x.shape.slice(0, -1).map((_, i) => i);
      const { mean, variance } = tf.moments(x, axes);
      const constant = (t: tf.Tensor) => tf.tensor(t.dataSync(), t.shape);
      return [tf.batchNorm(x, constant(mean), constant(variance), o, s, eps), mean, variance];
    };
    const bad = await run('cpu', wrong, [6, 5, 5, 7], 0, 1);
    expect(() => expectClose(bad[3], want[3], 2e-5, 'dx')).toThrow();
    await tf.setBackend('wasm');
  });

  it('leaks no tensor and no heap buffer over training steps', () => {
    const x = rand([8, 4, 4, 12], 7);
    const s = tf.variable(rand([12], 8, 1, 0.1));
    const o = tf.variable(rand([12], 9));
    const step = () => tf.tidy(() => {
      const { grads, value } = tf.variableGrads(() => tf.sum(tf.square(batchNormTrain(tf, x, s, o, 1e-3)[0])) as tf.Scalar);
      s.assign(tf.sub(s, tf.mul(grads[s.name], 0.01)));
      o.assign(tf.sub(o, tf.mul(grads[o.name], 0.01)));
      return value;
    }).dispose();
    step();
    const tensors = tf.memory().numTensors;
    const dataIds = tf.engine().backend.numDataIds();
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.engine().backend.numDataIds()).toBe(dataIds);
    tf.dispose([x, s, o]);
  });
});

describe('the batchNorm layer', () => {
  const ctx = { tf, name: (n: string) => `node__${n}` } as unknown as BuildContext;

  /** One training call and its gradients, then the moving statistics, on `backend`. */
  async function trainCall(backend: 'cpu' | 'wasm', make: () => tf.layers.Layer): Promise<Float32Array[]> {
    await tf.setBackend(backend);
    const layer = make();
    const x = rand([5, 3, 3, 6], 11, 0.5, 1);
    const r = rand([5, 3, 3, 6], 12);
    layer.apply(tf.input({ shape: [3, 3, 6] }));
    const weights = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x, { training: true }) as tf.Tensor, r)) as tf.Scalar, weights);
    const out = [value, ...weights.map((w) => grads[w.name]), ...layer.getWeights().slice(2)].map((t) => t.dataSync() as Float32Array);
    // Inference uses the moving statistics: both classes run tfjs-layers' own code there.
    out.push((layer.apply(x, { training: false }) as tf.Tensor).dataSync() as Float32Array);
    tf.dispose([value, ...Object.values(grads), x, r]);
    layer.dispose();
    return out;
  }

  it('trains as tfjs-layers BatchNormalization does: output, gamma/beta gradients, moving averages', async () => {
    const want = await trainCall('cpu', () => tf.layers.batchNormalization({ name: 'ref' }));
    const got = await trainCall('wasm', () => batchNorm(ctx, 'bn1'));
    expect(got.length).toBe(6);
    ['loss', 'dgamma', 'dbeta', 'moving_mean', 'moving_variance', 'inference'].forEach((n, i) => expectClose(got[i], want[i], 2e-5, n));
  });

  it('keeps the class name and weight names of tfjs-layers BatchNormalization', async () => {
    await tf.setBackend('wasm');
    const layer = batchNorm(ctx, 'bn_names');
    layer.apply(tf.input({ shape: [4] }));
    expect(layer.getClassName()).toBe('BatchNormalization');
    expect(layer.weights.map((w) => w.name)).toEqual(['node__bn_names/gamma', 'node__bn_names/beta', 'node__bn_names/moving_mean', 'node__bn_names/moving_variance']);
    layer.dispose();
  });

  it('runs the fused kernels on wasm and tfjs-layers code on the CPU', async () => {
    const kernelsOf = async (backend: 'cpu' | 'wasm'): Promise<string[]> => {
      await tf.setBackend(backend);
      const layer = batchNorm(ctx, 'bn2');
      const x = rand([4, 8], 13);
      layer.apply(tf.input({ shape: [8] }));
      const info = await tf.profile(() => layer.apply(x, { training: true }) as tf.Tensor);
      tf.dispose([x, info.result as tf.Tensor]);
      layer.dispose();
      return info.kernels.map((k) => k.name);
    };
    expect(await kernelsOf('wasm')).toContain(BATCH_NORM_TRAIN);
    const cpu = await kernelsOf('cpu');
    expect(cpu).not.toContain(BATCH_NORM_TRAIN);
    expect(cpu).toContain('FusedBatchNorm');
    await tf.setBackend('wasm');
  });
});

const here = path.dirname(fileURLToPath(import.meta.url));
const nativeDir = path.join(here, '../engine/backend/native');
/** The clang version that built the committed modules (their "producers" section names it). */
// The section holds the name ("Debian clang") and the version ("14.0.6") as length-prefixed strings.
const builtWith = /clang[\s\S]([\d.]+)/.exec(readFileSync(path.join(nativeDir, 'fusionlab-kernels.wasm')).toString('latin1'))?.[1] ?? '';
/** The local clang's version when it and wasm-ld are installed: another version may compile other bytes. */
const localClang = (() => {
  try {
    execFileSync('wasm-ld', ['--version'], { stdio: 'ignore' });
    return /clang version ([\d.]+)/.exec(execFileSync('clang', ['--version'], { encoding: 'utf8' }))?.[1] ?? '';
  } catch {
    return '';
  }
})();

describe('the committed native builds', () => {
  it.skipIf(localClang === '' || localClang !== builtWith)(`are what native/build.sh makes from the C sources (with clang ${builtWith})`, () => {
    const out = mkdtempSync(path.join(tmpdir(), 'fl-native-'));
    try {
      execFileSync('sh', [path.join(nativeDir, 'build.sh'), out], { stdio: 'pipe' });
      for (const f of ['fusionlab-kernels.wasm', 'fusionlab-kernels-shared.wasm']) {
        expect(Buffer.compare(readFileSync(path.join(out, f)), readFileSync(path.join(nativeDir, f))), `${f} is stale: run engine/backend/native/build.sh`).toBe(0);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('own no memory: they import tfjs memory and export only functions', () => {
    for (const f of ['fusionlab-kernels.wasm', 'fusionlab-kernels-shared.wasm']) {
      const m = new WebAssembly.Module(readFileSync(path.join(nativeDir, f)));
      expect(WebAssembly.Module.imports(m)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
      expect(WebAssembly.Module.exports(m).every((e) => e.kind === 'function')).toBe(true);
    }
  });
});
