/**
 * Batch normalisation in training as one kernel with one gradient kernel, on the WASM backend.
 *
 * Why: tfjs-layers normalises a training batch with `tf.moments` then `tf.batchNorm`; its tape
 * then holds ~15 kernels per layer and the gradient another ~30 (subtractions, squares, means,
 * sums, tiles, broadcast products over the whole activation), a quarter of the AV-MNIST training
 * step and most of its kernel count. Here the forward (statistics + normalisation) and the
 * backward (dx, dscale, doffset, in two passes) are each one call of a SIMD C function
 * (native/batch_norm.c) on the tensors in place.
 *
 * `FusionLabBatchNormTrain`: inputs {x, scale, offset} (x of rank ≥ 2, normalised over every
 * axis but the last; scale and offset of the last axis' size), attrs {epsilon}; outputs
 * [y, mean, variance] with the batch's biased variance, exactly what `tf.moments` gives and what
 * tfjs-layers feeds its moving averages. Its registered gradient honours gradients reaching all
 * three outputs.
 *
 * Registered for 'wasm' only, and usable only where the native module is loaded
 * ({@link batchNormTrainReady}); elsewhere callers keep tfjs-layers' own path.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { nativeKernels, type NativeKernelExports } from './native-kernels';

type TensorInfo = tfTypes.TensorInfo;
type DataId = TensorInfo['dataId'];

/** Kernel names. */
export const BATCH_NORM_TRAIN = 'FusionLabBatchNormTrain';
export const BATCH_NORM_TRAIN_GRAD = 'FusionLabBatchNormTrainGrad';
/** Per-channel mean and biased variance of x [rows, C] (no gradient): precise BN's statistics. */
export const BATCH_MOMENTS = 'FusionLabMoments';

/** Attributes of both kernels. */
export interface BatchNormTrainAttrs {
  epsilon: number;
}

/** The part of the tfjs namespace used here. */
export type TfBatchNormApi = Pick<typeof tfTypes, 'registerKernel' | 'getKernel' | 'registerGradient' | 'getGradient' | 'engine' | 'getBackend' | 'backend'>;

interface WasmBackendLike {
  dataIdMap: { get(dataId: DataId): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tfTypes.DataType): TensorInfo;
  disposeData(dataId: DataId, force?: boolean): boolean;
}

function offsetOf(b: WasmBackendLike, t: TensorInfo): number {
  const d = b.dataIdMap.get(t.dataId);
  if (d == null) throw new Error('batch norm: tensor not on the wasm backend');
  return d.memoryOffset;
}

function sizeOf(shape: number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function native(backend: unknown): NativeKernelExports {
  const k = nativeKernels(backend as object);
  if (k == null) throw new Error(`${BATCH_NORM_TRAIN}: the native kernels are not loaded`);
  return k;
}

/** rows × channels of x, checking that a per-channel tensor has `channels` elements. */
function layout(kernel: string, x: TensorInfo, perChannel: TensorInfo[]): [number, number] {
  if (x.shape.length < 2 || x.dtype !== 'float32') throw new Error(`${kernel}: x must be float32 of rank >= 2`);
  const channels = x.shape[x.shape.length - 1];
  for (const p of perChannel) {
    if (p.dtype !== 'float32' || sizeOf(p.shape) !== channels) throw new Error(`${kernel}: per-channel inputs must be float32 of size ${channels}`);
  }
  return [sizeOf(x.shape) / Math.max(channels, 1), channels];
}

/** Scratch on the heap for the C functions' per-channel sums (float64) and coefficients. */
function scratch(b: WasmBackendLike, channels: number, coefs: number): TensorInfo {
  return b.makeOutput([4 * channels + coefs * channels + 2], 'float32');
}

const forward: tfTypes.KernelFunc = ({ inputs, attrs, backend }) => {
  const b = backend as unknown as WasmBackendLike;
  const { x, scale, offset } = inputs as { x: TensorInfo; scale: TensorInfo; offset: TensorInfo };
  const { epsilon } = attrs as unknown as BatchNormTrainAttrs;
  const [rows, C] = layout(BATCH_NORM_TRAIN, x, [scale, offset]);
  const k = native(backend);
  const y = b.makeOutput(x.shape.slice(), 'float32');
  const mean = b.makeOutput([C], 'float32');
  const variance = b.makeOutput([C], 'float32');
  // No channels: nothing to write. No rows: the C function writes NaN statistics (0/0), as tf.moments does.
  if (C === 0) return [y, mean, variance];
  const s = scratch(b, C, 2);
  try {
    // float64 sums want 8-byte alignment: the heap allocator aligns to 8 at least; round up regardless.
    const acc = (offsetOf(b, s) + 7) & ~7;
    k.bn_train_forward(offsetOf(b, x), offsetOf(b, y), offsetOf(b, mean), offsetOf(b, variance), offsetOf(b, scale), offsetOf(b, offset), acc, acc + 16 * C, rows, C, epsilon);
  } finally {
    b.disposeData(s.dataId);
  }
  return [y, mean, variance];
};

const backward: tfTypes.KernelFunc = ({ inputs, attrs, backend }) => {
  const b = backend as unknown as WasmBackendLike;
  const { dy, x, mean, variance, scale, gmean, gvar } = inputs as Record<'dy' | 'x' | 'mean' | 'variance' | 'scale' | 'gmean' | 'gvar', TensorInfo>;
  const { epsilon } = attrs as unknown as BatchNormTrainAttrs;
  const [rows, C] = layout(BATCH_NORM_TRAIN_GRAD, x, [mean, variance, scale, gmean, gvar]);
  if (dy.dtype !== 'float32' || sizeOf(dy.shape) !== sizeOf(x.shape)) throw new Error(`${BATCH_NORM_TRAIN_GRAD}: dy must match x`);
  const k = native(backend);
  const dx = b.makeOutput(x.shape.slice(), 'float32');
  const dscale = b.makeOutput([C], 'float32');
  const doffset = b.makeOutput([C], 'float32');
  if (C === 0) return [dx, dscale, doffset];
  const s = scratch(b, C, 3);
  try {
    const acc = (offsetOf(b, s) + 7) & ~7;
    k.bn_train_backward(offsetOf(b, dy), offsetOf(b, x), offsetOf(b, mean), offsetOf(b, variance), offsetOf(b, scale), offsetOf(b, gmean), offsetOf(b, gvar),
      offsetOf(b, dx), offsetOf(b, dscale), offsetOf(b, doffset), acc, acc + 16 * C, rows, C, epsilon);
  } finally {
    b.disposeData(s.dataId);
  }
  return [dx, dscale, doffset];
};

const momentsKernel: tfTypes.KernelFunc = ({ inputs, backend }) => {
  const b = backend as unknown as WasmBackendLike;
  const { x } = inputs as { x: TensorInfo };
  if (x.shape.length !== 2) throw new Error(`${BATCH_MOMENTS}: x must be [rows, channels]`);
  const [rows, C] = layout(BATCH_MOMENTS, x, []);
  const k = native(backend);
  const mean = b.makeOutput([C], 'float32');
  const variance = b.makeOutput([C], 'float32');
  if (C === 0) return [mean, variance];
  const s = scratch(b, C, 0);
  try {
    k.bn_moments(offsetOf(b, x), offsetOf(b, mean), offsetOf(b, variance), (offsetOf(b, s) + 7) & ~7, rows, C);
  } finally {
    b.disposeData(s.dataId);
  }
  return [mean, variance];
};

/**
 * Registers both kernels for 'wasm' and the forward kernel's gradient (idempotent). The
 * gradient runs the backward kernel once and hands out its three results.
 */
export function registerBatchNormTrain(tf: TfBatchNormApi): string[] {
  if (tf.getKernel(BATCH_NORM_TRAIN, 'wasm') == null) tf.registerKernel({ kernelName: BATCH_NORM_TRAIN, backendName: 'wasm', kernelFunc: forward });
  if (tf.getKernel(BATCH_NORM_TRAIN_GRAD, 'wasm') == null) tf.registerKernel({ kernelName: BATCH_NORM_TRAIN_GRAD, backendName: 'wasm', kernelFunc: backward });
  if (tf.getKernel(BATCH_MOMENTS, 'wasm') == null) tf.registerKernel({ kernelName: BATCH_MOMENTS, backendName: 'wasm', kernelFunc: momentsKernel });
  if (tf.getGradient(BATCH_NORM_TRAIN) == null) {
    tf.registerGradient({
      kernelName: BATCH_NORM_TRAIN,
      inputsToSave: ['x', 'scale'],
      outputsToSave: [false, true, true],
      gradFunc: (dys, saved, attrs) => {
        const [x, scale, mean, variance] = saved;
        const [dy, gmean, gvar] = dys as tfTypes.Tensor[];
        // All three at once, here: the tape calls each input's function in a tidy of its own, so
        // results made lazily in the first call would be disposed before the other two are read.
        const [dx, dscale, doffset] = tf.engine().runKernel(BATCH_NORM_TRAIN_GRAD, { dy, x, mean, variance, scale, gmean, gvar }, attrs as unknown as tfTypes.NamedAttrMap) as tfTypes.Tensor[];
        return { x: () => dx, scale: () => dscale, offset: () => doffset };
      },
    });
  }
  return [BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD, BATCH_MOMENTS];
}

/** True when the fused kernels can run now: the active backend is wasm with the native module loaded. */
export function batchNormTrainReady(tf: TfBatchNormApi): boolean {
  return tf.getBackend() === 'wasm' && tf.getKernel(BATCH_NORM_TRAIN, 'wasm') != null && nativeKernels(tf.backend()) != null;
}

/**
 * Training-mode batch norm over the last axis: [y, mean, variance] (see the module's TSDoc).
 * Only when {@link batchNormTrainReady}.
 */
export function batchNormTrain(tf: TfBatchNormApi, x: tfTypes.Tensor, scale: tfTypes.Tensor, offset: tfTypes.Tensor, epsilon: number): [tfTypes.Tensor, tfTypes.Tensor, tfTypes.Tensor] {
  const attrs: BatchNormTrainAttrs = { epsilon };
  const out = tf.engine().runKernel(BATCH_NORM_TRAIN, { x, scale, offset }, attrs as unknown as tfTypes.NamedAttrMap) as tfTypes.Tensor[];
  return [out[0], out[1], out[2]];
}

/**
 * The per-channel mean and biased variance of x [rows, C], as `tf.moments(x, 0)`: one C call
 * on WASM with the native module loaded, `tf.moments` elsewhere. Not differentiable on WASM
 * (precise BN needs none).
 */
export function batchMoments(tf: TfBatchNormApi & Pick<typeof tfTypes, 'moments'>, x: tfTypes.Tensor2D): { mean: tfTypes.Tensor; variance: tfTypes.Tensor } {
  if (x.dtype !== 'float32' || !batchNormTrainReady(tf) || tf.getKernel(BATCH_MOMENTS, 'wasm') == null) return tf.moments(x, 0);
  const [mean, variance] = tf.engine().runKernel(BATCH_MOMENTS, { x }, {}) as tfTypes.Tensor[];
  return { mean, variance };
}
