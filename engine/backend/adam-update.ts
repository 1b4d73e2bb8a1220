/**
 * Adam as one kernel per variable on the 'wasm' backend.
 *
 * tfjs's AdamOptimizer updates every variable with ~14 element-wise kernels (mul, add, square,
 * div, sqrt…) plus ~7 scalar uploads: ~0.38 ms of JS per variable on WASM, more than the
 * arithmetic for all but the largest variables. `createAdamOptimizer` returns a subclass of
 * tfjs's own AdamOptimizer (same class name 'Adam', same moments `<name>/m` and `<name>/v`, same
 * beta-power accumulators, getWeights/setWeights/getConfig untouched) whose `applyGradients`
 * runs the kernel `FusionLabAdamUpdate` once per variable when the active backend is 'wasm'. The
 * kernel writes the new variable and both moments to three fresh outputs, which then replace the
 * old values by `assign`, as tfjs does; its loop is FusionLab's C kernel (native/adam.c, SIMD,
 * on the backend's own memory: no copy, no readSync), or, where that module is not loaded, a JS
 * loop over views of the heap with one `Math.fround` per op. Both follow tfjs's order of operations
 * in float32, so the result is bit-identical to tfjs's op-by-op update. On any other backend
 * (cpu, webgl, webgpu) and for non-float32 variables it is tfjs's applyGradients unchanged.
 *
 * Measured on AV-MNIST's 18 variables (357 K parameters): 6.40 → 1.75 ms of CPU per step, 256 →
 * 20 kernels (engine/backend/README.md).
 *
 * Pure TypeScript, no Node or DOM imports; `tf` comes in as an argument.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { nativeKernels, type NativeKernelExports } from './native-kernels';

type TF = typeof tfTypes;
type TensorInfo = tfTypes.TensorInfo;
type KernelFunc = tfTypes.KernelFunc;
type Tensor = tfTypes.Tensor;
type Variable = tfTypes.Variable;
/** What tfjs's applyGradients takes (a name → gradient map, typed as variables there, or a list). */
type Gradients = Parameters<tfTypes.AdamOptimizer['applyGradients']>[0];

/** Name of the fused Adam kernel (registered for 'wasm' only). */
export const ADAM_UPDATE_KERNEL = 'FusionLabAdamUpdate';

/** Attributes of `FusionLabAdamUpdate`: the optimizer's hyper-parameters, as plain numbers. */
export interface AdamUpdateAttrs {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

/** The members of tfjs-backend-wasm's BackendWasm used here (public there). */
interface WasmBackendLike {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: TensorInfo['dataId']): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tfTypes.DataType): TensorInfo;
}

function sizeOf(shape: number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** A float32 view of `t`'s data on the WASM heap; take it after the last makeOutput (which may grow the heap). */
function heapF32(b: WasmBackendLike, t: TensorInfo): Float32Array {
  const d = b.dataIdMap.get(t.dataId);
  if (d == null) throw new Error(`${ADAM_UPDATE_KERNEL}: tensor not on the wasm backend`);
  return new Float32Array(b.wasm.HEAPU8.buffer, d.memoryOffset, sizeOf(t.shape));
}

/** The C loop (native/adam.c) bound to the backend's memory, or null (module not loaded, or turned off). */
function simdLoop(b: WasmBackendLike): NativeKernelExports['adam_update'] | null {
  return nativeKernels(b)?.adam_update ?? null;
}

/** True when `FusionLabAdamUpdate` runs FusionLab's C loop on `backend` (a tfjs-backend-wasm instance), false for the JS loop. */
export function adamUpdateUsesSimd(backend: unknown): boolean {
  return simdLoop(backend as WasmBackendLike) != null;
}

function offsetOf(b: WasmBackendLike, t: TensorInfo): number {
  const d = b.dataIdMap.get(t.dataId);
  if (d == null) throw new Error(`${ADAM_UPDATE_KERNEL}: tensor not on the wasm backend`);
  return d.memoryOffset;
}

/**
 * Inputs {x, gradient, m, v, beta1Power, beta2Power} (float32; the powers are tfjs's scalar
 * accumulators β^t), attrs AdamUpdateAttrs; outputs [x', m', v'] with, in float32 as tfjs computes it:
 *   m' = m·β1 + g·(1−β1),  v' = v·β2 + g²·(1−β2),
 *   x' = ((m'/(1−β1^t)) / (√(v'/(1−β2^t)) + ε))·(−lr) + x.
 */
const adamUpdate: KernelFunc = ({ inputs, attrs, backend }) => {
  const b = backend as unknown as WasmBackendLike;
  const { x, gradient, m, v, beta1Power, beta2Power } = inputs as Record<'x' | 'gradient' | 'm' | 'v' | 'beta1Power' | 'beta2Power', TensorInfo>;
  const a = attrs as unknown as AdamUpdateAttrs;
  const n = sizeOf(x.shape);
  for (const t of [gradient, m, v]) {
    if (sizeOf(t.shape) !== n) throw new Error(`${ADAM_UPDATE_KERNEL}: shape [${t.shape}] does not match the variable's [${x.shape}]`);
  }
  for (const t of [x, gradient, m, v, beta1Power, beta2Power]) {
    if (t.dtype !== 'float32') throw new Error(`${ADAM_UPDATE_KERNEL}: float32 only, got ${t.dtype}`);
  }
  const outX = b.makeOutput(x.shape.slice(), 'float32');
  const outM = b.makeOutput(x.shape.slice(), 'float32');
  const outV = b.makeOutput(x.shape.slice(), 'float32');
  const fr = Math.fround;
  // The scalars exactly as tfjs makes them: JS numbers stored as float32 tensors, and the bias
  // corrections as sub(1, accBeta) in float32.
  const b1 = fr(a.beta1);
  const b2 = fr(a.beta2);
  const c1 = fr(1 - a.beta1);
  const c2 = fr(1 - a.beta2);
  const eps = fr(a.epsilon);
  const negLr = fr(-a.learningRate);
  const d1 = fr(1 - heapF32(b, beta1Power)[0]);
  const d2 = fr(1 - heapF32(b, beta2Power)[0]);
  const loop = simdLoop(b);
  if (loop != null) {
    loop(offsetOf(b, x), offsetOf(b, gradient), offsetOf(b, m), offsetOf(b, v), offsetOf(b, outX), offsetOf(b, outM), offsetOf(b, outV), n,
      b1, b2, c1, c2, d1, d2, eps, negLr);
    return [outX, outM, outV];
  }
  const xv = heapF32(b, x);
  const gv = heapF32(b, gradient);
  const mv = heapF32(b, m);
  const vv = heapF32(b, v);
  const ox = heapF32(b, outX);
  const om = heapF32(b, outM);
  const ov = heapF32(b, outV);
  // One fround per tfjs op: float32 +, ·, / and √ are correctly rounded, so rounding the float64
  // result of each gives the float32 op's result (the CPU backend does the same).
  for (let i = 0; i < n; i++) {
    const g = gv[i];
    const mi = fr(fr(mv[i] * b1) + fr(g * c1));
    const vi = fr(fr(vv[i] * b2) + fr(fr(g * g) * c2));
    om[i] = mi;
    ov[i] = vi;
    const mHat = fr(mi / d1);
    const vHat = fr(vi / d2);
    ox[i] = fr(fr(mHat / fr(fr(Math.sqrt(vHat)) + eps)) * negLr) + xv[i]; // the store rounds the sum
  }
  return [outX, outM, outV];
};

const MARK = Symbol.for('fusionlab.adamUpdateKernel');
type MarkedConfig = tfTypes.KernelConfig & { [MARK]?: true };

/**
 * Registers `FusionLabAdamUpdate` for the 'wasm' backend (before or after the backend starts;
 * idempotent). `createAdamOptimizer` calls it itself.
 * @returns true when the kernel is this module's (false if another kernel holds the name).
 */
export function registerAdamUpdateKernel(tf: Pick<TF, 'registerKernel' | 'getKernel'>): boolean {
  const existing = tf.getKernel(ADAM_UPDATE_KERNEL, 'wasm') as MarkedConfig | undefined;
  if (existing != null) return existing[MARK] === true;
  const config: MarkedConfig = { kernelName: ADAM_UPDATE_KERNEL, backendName: 'wasm', kernelFunc: adamUpdate, [MARK]: true };
  tf.registerKernel(config);
  return true;
}

/** AdamOptimizer's private state (tfjs-core 4.22, adam_optimizer.js); TS hides it from subclasses. */
interface AdamInternals {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: Variable;
  accBeta2: Variable;
  accumulatedFirstMoment: Array<{ originalName: string; variable: Variable } | undefined>;
  accumulatedSecondMoment: Array<{ originalName: string; variable: Variable } | undefined>;
}

const classes = new WeakMap<object, typeof tfTypes.AdamOptimizer>();

/** The fused subclass of this tf instance's AdamOptimizer (one class per tfjs instance). */
function fusedAdamClass(tf: TF): typeof tfTypes.AdamOptimizer {
  const known = classes.get(tf);
  if (known != null) return known;
  class FusedAdamOptimizer extends tf.AdamOptimizer {
    override applyGradients(variableGradients: Gradients): void {
      const names = Array.isArray(variableGradients) ? variableGradients.map((g) => g.name) : Object.keys(variableGradients);
      const gradientOf = (name: string, i: number): Tensor | undefined =>
        Array.isArray(variableGradients) ? variableGradients[i].tensor : variableGradients[name];
      const vars = tf.engine().registeredVariables;
      const fusable = tf.getBackend() === 'wasm' && tf.getKernel(ADAM_UPDATE_KERNEL, 'wasm') != null
        && names.every((name, i) => vars[name]?.dtype === 'float32' && (gradientOf(name, i)?.dtype ?? 'float32') === 'float32');
      if (!fusable) {
        super.applyGradients(variableGradients);
        return;
      }
      const s = this as unknown as AdamInternals;
      const attrs: AdamUpdateAttrs = { learningRate: s.learningRate, beta1: s.beta1, beta2: s.beta2, epsilon: s.epsilon };
      tf.tidy(() => {
        names.forEach((name, i) => {
          const value = vars[name];
          // The moments exactly as tfjs creates them (names, order, non-trainable), even for a
          // variable without a gradient this step.
          const first = (s.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) });
          const second = (s.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) });
          const gradient = gradientOf(name, i);
          if (gradient == null) return;
          const m = first.variable;
          const v = second.variable;
          const [x1, m1, v1] = tf.engine().runKernel(
            ADAM_UPDATE_KERNEL, { x: value, gradient, m, v, beta1Power: s.accBeta1, beta2Power: s.accBeta2 },
            attrs as unknown as tfTypes.NamedAttrMap, // plain numbers, which NamedAttrMap allows
          ) as Tensor[];
          m.assign(m1);
          v.assign(v1);
          value.assign(x1);
        });
        s.accBeta1.assign(tf.mul(s.accBeta1, s.beta1));
        s.accBeta2.assign(tf.mul(s.accBeta2, s.beta2));
      });
      this.incrementIterations();
    }
  }
  classes.set(tf, FusedAdamOptimizer);
  return FusedAdamOptimizer;
}

/**
 * `tf.train.adam(learningRate, beta1, beta2, epsilon)` with its update fused into one kernel per
 * variable on the 'wasm' backend (registers the kernel if needed). The result is an
 * `AdamOptimizer` (instanceof, class name 'Adam', weights and config as tfjs's); on other
 * backends it behaves exactly as tfjs's. `epsilon` defaults to the active backend's epsilon, as
 * in tfjs.
 */
export function createAdamOptimizer(tf: TF, learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon?: number): tfTypes.AdamOptimizer {
  registerAdamUpdateKernel(tf);
  const Fused = fusedAdamClass(tf);
  return new Fused(learningRate, beta1, beta2, epsilon);
}
