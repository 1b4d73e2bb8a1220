/**
 * The fused Adam update (engine/backend/adam-update.ts): on WASM, one kernel per variable that
 * gives the variables and moments tfjs's own AdamOptimizer gives (on the CPU backend and on WASM),
 * step after step; no tensor or WASM-buffer leak; tfjs's path on other backends; tfjs's weights
 * format (getWeights/setWeights, class name, config); and the trainer uses it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../engine/backend/node-backend';
import { ADAM_UPDATE_KERNEL, adamUpdateUsesSimd, createAdamOptimizer } from '../engine/backend/adam-update';
import { nativeKernelBinaries } from '../engine/backend/node-backend';
import { setNativeKernelsEnabled, type NativeKernelExports } from '../engine/backend/native-kernels';
import { compileGraph } from '../engine/compile';
import { createTrainer } from '../engine/train';
import { toyRegistry } from './fixtures/toy-nodes';
import { toyFusedGraph, twoInputSet } from './fixtures/train-data';

/** Size 1, sizes not divisible by 4 (the SIMD loop's scalar tail), a conv kernel; the last has gradients near ε. */
const SHAPES: number[][] = [[1], [7], [3, 5], [3, 3, 2, 4], [6]];
const LR = 0.01;

/** Deterministic pseudo-random floats in [-1, 1). */
function rand(n: number, seed: number): Float32Array {
  const data = new Float32Array(n);
  let s = (seed * 2654435761) % 2 ** 32;
  for (let i = 0; i < n; i++) {
    s = (1664525 * s + 1013904223) % 2 ** 32;
    data[i] = (s / 2 ** 32) * 2 - 1;
  }
  return data;
}

const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Step `step`'s gradient of variable k: mixed magnitudes, the last variable's around 1e-7 (where ε matters). */
function gradient(k: number, step: number): tf.Tensor {
  const g = rand(sizeOf(SHAPES[k]), 100 * step + k + 1);
  const scale = k === SHAPES.length - 1 ? 3e-7 : k === 2 ? 50 : 1;
  return tf.tensor(g.map((v) => v * scale), SHAPES[k]);
}

let tag = 0;

/** Fresh named variables with fixed initial values. */
function makeVariables(): tf.Variable[] {
  tag++;
  return SHAPES.map((shape, k) => {
    const init = tf.tensor(rand(sizeOf(shape), 7 + k), shape);
    const v = tf.variable(init, true, `adamtest${tag}/w${k}`);
    init.dispose();
    return v;
  });
}

interface RunResult { vars: Float32Array[]; weights: Float32Array[]; names: string[] }

/** `steps` Adam steps on `backend` with the optimizer `make` returns; the variables and the optimizer's weights read back. */
async function run(backend: 'cpu' | 'wasm', make: () => tf.Optimizer, steps: number, asMap = false): Promise<RunResult> {
  await tf.setBackend(backend);
  const vars = makeVariables();
  const opt = make();
  for (let s = 0; s < steps; s++) {
    const grads = vars.map((v, k) => ({ name: v.name, tensor: gradient(k, s) }));
    if (asMap) opt.applyGradients(Object.fromEntries(grads.map((g) => [g.name, g.tensor])));
    else opt.applyGradients(grads);
    tf.dispose(grads.map((g) => g.tensor));
  }
  const w = await opt.getWeights();
  const out: RunResult = {
    vars: vars.map((v) => Float32Array.from(v.dataSync() as Float32Array)),
    weights: w.map((x) => Float32Array.from(x.tensor.dataSync() as Float32Array)),
    names: w.map((x) => x.name.replace(/^adamtest\d+\//, '')),
  };
  tf.dispose(w[0].tensor); // the iteration count is a fresh scalar; the moments are the optimizer's own
  opt.dispose();
  tf.dispose(vars);
  return out;
}

/** |a − b| ≤ rtol·|b| + atol element-wise; returns the worst |a − b| / |b|. */
function expectClose(a: Float32Array, b: Float32Array, rtol = 1e-6, atol = 1e-12): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < b.length; i++) {
    const err = Math.abs(a[i] - b[i]);
    if (b[i] !== 0) worst = Math.max(worst, err / Math.abs(b[i]));
    if (!(err <= rtol * Math.abs(b[i]) + atol)) throw new Error(`element ${i}: ${a[i]} vs ${b[i]}`);
  }
  return worst;
}

/**
 * Same names, and the same float32 values bit for bit: the kernel rounds after every op in tfjs's
 * order, and float32 +, ·, /, √ are correctly rounded on both backends.
 */
function expectSameRun(got: RunResult, want: RunResult): void {
  expect(got.names).toEqual(want.names);
  got.vars.forEach((v, k) => expectClose(v, want.vars[k], 0, 0));
  got.weights.forEach((w, k) => expectClose(w, want.weights[k], 0, 0));
}

/** Kernel name → calls while `f` runs. */
async function kernelCalls(f: () => void): Promise<Map<string, number>> {
  const p = await tf.profile(() => {
    f();
    return [];
  });
  const calls = new Map<string, number>();
  for (const k of p.kernels) calls.set(k.name, (calls.get(k.name) ?? 0) + 1);
  return calls;
}

beforeAll(async () => {
  await initNodeBackend('wasm');
});

describe.each([['C loop (native/adam.c)', true], ['JS loop', false]] as const)('fused Adam on wasm (%s) matches tfjs Adam', (_, simd) => {
  beforeAll(async () => {
    setNativeKernelsEnabled(simd);
    await tf.setBackend('wasm');
    expect(adamUpdateUsesSimd(tf.backend())).toBe(simd);
  });
  afterAll(() => setNativeKernelsEnabled(true));

  it('against tfjs on the cpu backend: variables and both moments over 6 steps (array and map gradients)', async () => {
    const want = await run('cpu', () => tf.train.adam(LR), 6);
    const got = await run('wasm', () => createAdamOptimizer(tf, LR), 6);
    expectSameRun(got, want);
    expectSameRun(await run('wasm', () => createAdamOptimizer(tf, LR), 6, true), want);
    // Non-trivial: every variable moved, and the moments are not zero.
    const init = await run('cpu', () => tf.train.adam(LR), 0);
    got.vars.forEach((v, k) => expect(v.some((x, i) => x !== init.vars[0 + k][i])).toBe(true));
    expect(got.weights.slice(1).every((w) => w.some((x) => x !== 0))).toBe(true);
  });

  it('against tfjs on wasm, with other hyper-parameters (β1 0.8, β2 0.99, ε 1e-4)', async () => {
    const want = await run('wasm', () => tf.train.adam(0.05, 0.8, 0.99, 1e-4), 5);
    const got = await run('wasm', () => createAdamOptimizer(tf, 0.05, 0.8, 0.99, 1e-4), 5);
    expectSameRun(got, want);
  });

  it('the first step moves each variable by lr·g/(|g| + ε) (bias correction: m̂ = g, v̂ = g²)', async () => {
    await tf.setBackend('wasm');
    const vars = makeVariables();
    const before = vars.map((v) => Float32Array.from(v.dataSync() as Float32Array));
    const grads = vars.map((v, k) => ({ name: v.name, tensor: gradient(k, 0) }));
    const g = grads.map((x) => x.tensor.dataSync() as Float32Array);
    const opt = createAdamOptimizer(tf, LR);
    opt.applyGradients(grads);
    const eps = tf.backend().epsilon();
    vars.forEach((v, k) => {
      const after = v.dataSync() as Float32Array;
      const want = before[k].map((x, i) => x - (LR * g[k][i]) / (Math.abs(g[k][i]) + eps));
      expectClose(after, want, 1e-5, 1e-7);
    });
    opt.dispose();
    tf.dispose([...vars, ...grads.map((x) => x.tensor)]);
  });
});

describe('the C loop on its own', () => {
  it('runs in both builds, on plain and on shared memory (as in the threaded build), one step, tail included', () => {
    const bins = nativeKernelBinaries();
    const builds: Array<[BufferSource | undefined, WebAssembly.Memory]> = [
      [bins.plain, new WebAssembly.Memory({ initial: 1 })],
      [bins.shared, new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true })],
    ];
    for (const [bytes, memory] of builds) {
      expect(bytes).toBeDefined();
      const ex = new WebAssembly.Instance(new WebAssembly.Module(bytes as BufferSource), { env: { memory } }).exports as unknown as NativeKernelExports;
      const loop = ex.adam_update;
      const n = 7;
      const f = new Float32Array(memory.buffer, 0, 7 * 8);
      const [x, g] = [f.subarray(0, 8), f.subarray(8, 16)];
      for (let i = 0; i < n; i++) {
        x[i] = i;
        g[i] = i % 2 === 0 ? 0.5 : -2;
      }
      f[32 + n] = 12345; // just past the output's end: must stay untouched
      // m = v = 0, first step (β^t = β): m' = 0.1·g, v' = 0.001·g², x' = x − lr·g/(|g| + ε).
      loop?.(0, 32, 64, 96, 128, 160, 192, n, 0.9, 0.999, Math.fround(1 - 0.9), Math.fround(1 - 0.999), Math.fround(1 - 0.9), Math.fround(1 - 0.999), 1e-7, -0.01);
      const [ox, om, ov] = [f.subarray(32, 40), f.subarray(40, 48), f.subarray(48, 56)];
      for (let i = 0; i < n; i++) {
        expect(om[i]).toBeCloseTo(0.1 * g[i], 6);
        expect(ov[i]).toBeCloseTo(0.001 * g[i] * g[i], 6);
        expect(ox[i]).toBeCloseTo(x[i] - 0.01 * Math.sign(g[i]), 5);
      }
      expect(ox[n]).toBe(12345);
    }
  });
});

describe('fused Adam: kernels, memory, fallback, weights', () => {
  it('runs one kernel per variable on wasm (plus the two β-power updates), tfjs kernels on cpu', async () => {
    await tf.setBackend('wasm');
    let vars = makeVariables();
    let opt = createAdamOptimizer(tf, LR);
    const step = (s: number) => {
      const grads = vars.map((v, k) => ({ name: v.name, tensor: gradient(k, s) }));
      opt.applyGradients(grads);
      tf.dispose(grads.map((x) => x.tensor));
    };
    step(0); // creates the moments
    const wasm = await kernelCalls(() => step(1));
    expect(wasm.get(ADAM_UPDATE_KERNEL)).toBe(SHAPES.length);
    expect([...wasm.entries()].filter(([k]) => k !== ADAM_UPDATE_KERNEL)).toEqual([['Multiply', 2]]);
    opt.dispose();
    tf.dispose(vars);

    await tf.setBackend('cpu');
    vars = makeVariables();
    opt = createAdamOptimizer(tf, LR);
    step(0);
    const cpu = await kernelCalls(() => step(1));
    expect(cpu.has(ADAM_UPDATE_KERNEL)).toBe(false);
    expect(cpu.get('Sqrt')).toBe(SHAPES.length);
    opt.dispose();
    tf.dispose(vars);
  });

  it('no tensor or wasm buffer grows across steps, and dispose frees the optimizer state', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const startTensors = tf.memory().numTensors;
    const startIds = backend.numDataIds();
    const vars = makeVariables();
    const opt = createAdamOptimizer(tf, LR);
    const step = (s: number) => {
      const grads = vars.map((v, k) => ({ name: v.name, tensor: gradient(k, s) }));
      opt.applyGradients(grads);
      tf.dispose(grads.map((x) => x.tensor));
    };
    step(0);
    const tensors = tf.memory().numTensors;
    const ids = backend.numDataIds();
    for (let s = 1; s < 5; s++) step(s);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backend.numDataIds()).toBe(ids);
    opt.dispose();
    tf.dispose(vars);
    expect(tf.memory().numTensors).toBe(startTensors);
    expect(backend.numDataIds()).toBe(startIds);
  });

  it('is a tfjs AdamOptimizer: class name, config, and getWeights/setWeights round-trip (into tfjs Adam too)', async () => {
    await tf.setBackend('wasm');
    const opt = createAdamOptimizer(tf, LR);
    expect(opt).toBeInstanceOf(tf.AdamOptimizer);
    expect(opt.getClassName()).toBe('Adam');
    const plain = tf.train.adam(LR);
    expect(opt.getConfig()).toEqual(plain.getConfig());
    plain.dispose();
    opt.dispose();

    // Three steps, save, then two more steps: once continuing, once from the saved state in a
    // fresh fused optimizer and in a fresh tfjs one, from the same variable values.
    const vars = makeVariables();
    const a = createAdamOptimizer(tf, LR);
    const step = (o: tf.Optimizer, s: number) => {
      const grads = vars.map((v, k) => ({ name: v.name, tensor: gradient(k, s) }));
      o.applyGradients(grads);
      tf.dispose(grads.map((x) => x.tensor));
    };
    for (let s = 0; s < 3; s++) step(a, s);
    const saved = await a.getWeights();
    expect(saved.map((w) => w.name.replace(/^adamtest\d+\//, ''))).toEqual(['iter', ...SHAPES.map((_, k) => `w${k}/m`), ...SHAPES.map((_, k) => `w${k}/v`)]);
    // A copy of the state, as a saved file would hold it (a's moments change on the next step).
    const copy = saved.map((w) => ({ name: w.name, tensor: tf.tensor(w.tensor.dataSync(), w.tensor.shape, w.tensor.dtype) }));
    tf.dispose(saved[0].tensor);
    const at3 = vars.map((v) => tf.clone(v));
    const continued = () => vars.map((v) => Float32Array.from(v.dataSync() as Float32Array));
    for (let s = 3; s < 5; s++) step(a, s);
    const want = continued();
    for (const make of [() => createAdamOptimizer(tf, LR), () => tf.train.adam(LR)]) {
      vars.forEach((v, k) => v.assign(at3[k]));
      const b = make();
      await b.setWeights(copy.map((w) => ({ name: w.name, tensor: tf.clone(w.tensor) })));
      expect(b.iterations).toBe(3);
      for (let s = 3; s < 5; s++) step(b, s);
      // setWeights rebuilds β^t as pow(β, t + 1), not a running product: float32-close, not equal.
      continued().forEach((v, k) => expectClose(v, want[k], 1e-5, 1e-9));
      b.dispose();
    }
    a.dispose();
    tf.dispose([...vars, ...at3, ...copy.map((w) => w.tensor)]);
  });
});

describe('the trainer', () => {
  it('trains with the fused kernel on wasm, and the loss falls', async () => {
    await tf.setBackend('wasm');
    const c = compileGraph(toyFusedGraph(), toyRegistry, { tf, seed: 7 });
    if (!c.ok) throw new Error(JSON.stringify(c.diagnostics));
    const data = twoInputSet({ train: 128, val: 32, test: 0 });
    const t = createTrainer(tf, c, data, { epochs: 4, batchSize: 32, learningRate: 0.01, optimizer: 'adam' });
    let result: Awaited<ReturnType<typeof t.train>> | undefined;
    const p = await tf.profile(async () => {
      result = await t.train();
      return [];
    });
    const names = new Set(p.kernels.map((k) => k.name));
    expect(names.has(ADAM_UPDATE_KERNEL)).toBe(true);
    expect(names.has('Sqrt')).toBe(false);
    expect(result?.status).toBe('finished');
    const h = result?.history ?? [];
    expect(h[h.length - 1].loss).toBeLessThan(h[0].loss * 0.8);
    t.dispose();
    c.model.dispose();
  });
});
