/**
 * Training kernels that tfjs-backend-wasm 4.22 lacks, registered for the 'wasm' backend.
 *
 * tfjs's WASM backend runs every forward op but not every gradient: `Conv2DBackpropFilter`
 * (all conv2d / conv1d / separable / conv2dTranspose layers), the depthwise pair
 * (`DepthwiseConv2dNativeBackpropFilter` / `…Input`), `UnsortedSegmentSum` (the gradient of
 * `gather`, so every embedding layer), and the complex kernels behind `tf.signal.stft`
 * (`Complex`, `Real`, `Imag`, `ComplexAbs`, `FFT`, `IFFT`).
 *
 * The convolution gradients are composed from the backend's own XNNPACK kernels (Transpose,
 * Slice, PadV2, Reverse, Reshape, Sum, Conv2D, DepthwiseConv2dNative) called directly through
 * `getKernel(name, 'wasm').kernelFunc`, so data never leaves WASM memory and every intermediate
 * is freed before the kernel returns. The sparse and complex kernels are plain loops over views
 * of the WASM heap (no copy, no `readSync`): XNNPACK has nothing to compose them from cheaply.
 *
 * With `faster` (default), native kernels are also replaced: Conv2DBackpropInput (an XNNPACK
 * Conv2D instead of a scalar loop), MaxPoolGrad (FusionLab's C kernel, or a heap loop without
 * it; the native one loses the gradient of all-negative windows), transposed BatchMatMul
 * (explicit transposes), and the kernels of the batch-norm training step: Tile (byte copies),
 * Identity and same-dtype Cast (shared data, no copy), FusedBatchNorm, and Sum/Mean over outer
 * axes (heap loops, no transpose).
 *
 * Pure TypeScript, no Node or DOM imports: the app (main thread or worker) and the CLI call it.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { BATCH_MOMENTS, BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD, registerBatchNormTrain, type TfBatchNormApi } from './batch-norm-train';
import { nativeKernels, setNativeKernelBinaries, type NativeKernelBinaries } from './native-kernels';

type TensorInfo = tfTypes.TensorInfo;
type KernelFunc = tfTypes.KernelFunc;
type NamedAttrMap = tfTypes.NamedAttrMap;
type DataId = TensorInfo['dataId'];
type Pad = 'valid' | 'same' | number | tfTypes.backend_util.ExplicitPadding;
type RoundingMode = 'floor' | 'round' | 'ceil' | undefined;

/** The part of the tfjs namespace this module needs (pass `tf` from '@tensorflow/tfjs'). */
export type TfKernelApi = Pick<typeof tfTypes, 'registerKernel' | 'getKernel' | 'backend_util'>;

/** The members of tfjs-backend-wasm's BackendWasm used here (it exposes them publicly). */
interface WasmBackendLike {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: DataId): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tfTypes.DataType): TensorInfo;
  disposeData(dataId: DataId, force?: boolean): boolean;
  incRef(dataId: DataId): void;
}

const BACKEND = 'wasm';

/**
 * Runs existing WASM kernels and frees every intermediate they produce, unless kept.
 * Intermediates are backend TensorInfos, not engine tensors, so tf.memory() never sees them.
 */
class KernelScope {
  private readonly made: TensorInfo[] = [];
  constructor(private readonly tf: TfKernelApi, readonly backend: WasmBackendLike) {}

  run(name: string, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap): TensorInfo {
    const k = this.tf.getKernel(name, BACKEND);
    if (k == null) throw new Error(`wasm training kernels: base kernel '${name}' is missing from the wasm backend`);
    // The kernel signature wants `backend: {}`; BackendWasm is what the engine passes too.
    const out = k.kernelFunc({ inputs, attrs, backend: this.backend as unknown as tfTypes.KernelBackend });
    const info = Array.isArray(out) ? out[0] : out;
    this.made.push(info);
    return info;
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }
  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }
  slice(x: TensorInfo, begin: number[], size: number[]): TensorInfo {
    return this.run('Slice', { x }, { begin, size });
  }

  /** Removes `info` from the intermediates so that it survives `dispose` (the kernel's result). */
  keep(info: TensorInfo): TensorInfo {
    const i = this.made.indexOf(info);
    if (i >= 0) this.made.splice(i, 1);
    return info;
  }

  dispose(): void {
    for (const t of this.made) this.backend.disposeData(t.dataId);
    this.made.length = 0;
  }
}

function withScope(tf: TfKernelApi, backend: unknown, f: (s: KernelScope) => TensorInfo): TensorInfo {
  const s = new KernelScope(tf, backend as WasmBackendLike);
  try {
    return s.keep(f(s));
  } finally {
    s.dispose();
  }
}

/**
 * Padding of a convolution of `extent` input rows that must span `needed` rows starting at row
 * -`before`: returns [padBefore, padAfter, cropAfter] with non-negative pads (XNNPACK rejects
 * negative ones) and the number of trailing input rows to slice off instead.
 */
function padOrCrop(extent: number, before: number, needed: number): [number, number, number] {
  const after = needed - extent - before;
  return after >= 0 ? [before, after, 0] : [before, 0, -after];
}

function pair(v: [number, number] | number): [number, number] {
  return typeof v === 'number' ? [v, v] : v;
}

function assertNhwc(name: string, dataFormat: string | undefined): void {
  if (dataFormat != null && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(`wasm ${name} supports NHWC only (got ${dataFormat}); the wasm Conv2D has the same limit`);
  }
}

/**
 * dW[fh,fw,ci,co] = Σ_{n,ho,wo} x[n, ho·s−pt+fh, wo·s−pl+fw, ci] · dy[n,ho,wo,co]
 * is a Conv2D of xᵀ=[Ci,H,W,N] with the filter dyᵀ=[Ho,Wo,N,Co], stride 1 and dilation s.
 */
function conv2DBackpropFilter(tf: TfKernelApi): KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const a = attrs as unknown as tfTypes.Conv2DBackpropFilterAttrs;
    assertNhwc('Conv2DBackpropFilter', a.dataFormat);
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number], a.filterShape, a.strides, 1, a.pad as Pad, a.dimRoundingMode as RoundingMode, false, 'channelsLast');
    const [N, H, W, Ci] = x.shape;
    const [, Ho, Wo, Co] = dy.shape;
    const { filterHeight: Fh, filterWidth: Fw, strideHeight: sh, strideWidth: sw } = info;
    const k = x.dtype === 'float32' && dy.dtype === 'float32' ? nativeKernels(backend as object) : null;
    if (k != null) {
      // FusionLab's C kernel (native/conv_filter.c): register tiles over the positions, no packing.
      const b = backend as unknown as WasmBackendLike;
      const out = b.makeOutput([Fh, Fw, Ci, Co], 'float32');
      k.conv2d_backprop_filter(heapOffset(b, x), heapOffset(b, dy), heapOffset(b, out), N, H, W, Ci, Ho, Wo, Co, Fh, Fw, sh, sw, info.padInfo.top, info.padInfo.left);
      return out;
    }
    const [pt, pb, cropH] = padOrCrop(H, info.padInfo.top, (Ho - 1) * sh + Fh);
    const [pl, pr, cropW] = padOrCrop(W, info.padInfo.left, (Wo - 1) * sw + Fw);
    return withScope(tf, backend, (s) => {
      let xs = x;
      if (cropH > 0 || cropW > 0) xs = s.slice(x, [0, 0, 0, 0], [N, H - cropH, W - cropW, Ci]);
      const xT = s.transpose(xs, [3, 1, 2, 0]); // [Ci, H, W, N]
      const dyT = s.transpose(dy, [1, 2, 0, 3]); // [Ho, Wo, N, Co]
      const g = s.run('Conv2D', { x: xT, filter: dyT }, {
        strides: [1, 1], dilations: [sh, sw], pad: [[0, 0], [pt, pb], [pl, pr], [0, 0]], dataFormat: 'NHWC', dimRoundingMode: undefined,
      } as unknown as NamedAttrMap); // [Ci, Fh, Fw, Co]
      checkShape('Conv2DBackpropFilter', g.shape, [Ci, Fh, Fw, Co]);
      return s.transpose(g, [1, 2, 0, 3]);
    });
  };
}

/**
 * dW[fh,fw,c,m] = Σ_{n,ho,wo} x[n, fh·d+ho·s−pt, …, c] · dy[n,ho,wo,c·M+m]: a depthwise conv of
 * x folded to [1,H,W,N·C] with the filter dy folded to [Ho,Wo,N·C,M] (stride d, dilation s),
 * then a sum over N. Exactly the FLOPs of the gradient, none wasted on cross terms.
 */
function depthwiseBackpropFilter(tf: TfKernelApi): KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const a = attrs as unknown as tfTypes.DepthwiseConv2dNativeBackpropFilterAttrs;
    const dil = pair(a.dilations ?? 1);
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number], a.filterShape, a.strides, dil, a.pad as Pad, a.dimRoundingMode as RoundingMode, true);
    const [N, H, W, C] = x.shape;
    const [, Ho, Wo] = dy.shape;
    const [Fh, Fw, , M] = a.filterShape;
    const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
    const [pt, pb, cropH] = padOrCrop(H, info.padInfo.top, (Fh - 1) * dh + (Ho - 1) * sh + 1);
    const [pl, pr, cropW] = padOrCrop(W, info.padInfo.left, (Fw - 1) * dw + (Wo - 1) * sw + 1);
    return withScope(tf, backend, (s) => {
      let xs = x;
      if (cropH > 0 || cropW > 0) xs = s.slice(x, [0, 0, 0, 0], [N, H - cropH, W - cropW, C]);
      const h = H - cropH;
      const w = W - cropW;
      const xT = s.reshape(s.transpose(xs, [1, 2, 0, 3]), [1, h, w, N * C]);
      const dyT = s.reshape(s.transpose(s.reshape(dy, [N, Ho, Wo, C, M]), [1, 2, 0, 3, 4]), [Ho, Wo, N * C, M]);
      const g = s.run('DepthwiseConv2dNative', { x: xT, filter: dyT }, {
        strides: [dh, dw], dilations: [sh, sw], pad: [[0, 0], [pt, pb], [pl, pr], [0, 0]], dimRoundingMode: undefined,
      } as unknown as NamedAttrMap); // [1, Fh, Fw, N*C*M]
      checkShape('DepthwiseConv2dNativeBackpropFilter', g.shape, [1, Fh, Fw, N * C * M]);
      const g5 = s.reshape(g, [Fh, Fw, N, C * M]);
      const summed = N > 1 ? s.run('Sum', { x: g5 }, { axis: [2], keepDims: false }) : s.reshape(g5, [Fh, Fw, C * M]);
      return s.reshape(summed, [Fh, Fw, C, M]);
    });
  };
}

/** Geometry of a forward convolution, for computing its input gradient. */
interface ConvGeometry {
  N: number; H: number; W: number;
  Ho: number; Wo: number;
  Fh: number; Fw: number;
  sh: number; sw: number;
  dh: number; dw: number;
  padTop: number; padLeft: number;
}

/**
 * The input gradient of a convolution as a stride-1 convolution of dy: zeros inserted between
 * rows/columns of dy (the forward stride), borders padded or cropped so that the output is
 * exactly H×W, then `conv(z, paddings)` with a spatially flipped filter prepared by the caller.
 */
function inputGradient(
  s: KernelScope, dy: TensorInfo, g: ConvGeometry,
  conv: (z: TensorInfo, pad: [[0, 0], [number, number], [number, number], [0, 0]]) => TensorInfo,
): TensorInfo {
  const { N, H, W, Ho, Wo, Fh, Fw, sh, sw, dh, dw } = g;
  const CM = dy.shape[3];
  let z = dy;
  let zh = Ho;
  let zw = Wo;
  if (sh > 1 || sw > 1) {
    // [N,Ho,1,Wo,1,C] padded to [N,Ho,sh,Wo,sw,C] is dy on a stride-s grid.
    const z6 = s.run('PadV2', { x: s.reshape(dy, [N, Ho, 1, Wo, 1, CM]) }, {
      paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]], constantValue: 0,
    });
    zh = Ho * sh;
    zw = Wo * sw;
    z = s.reshape(z6, [N, zh, zw, CM]);
  }
  // dx[h] = Σ_f' zpad[h + f'·d] · flip(f)[f'], with zpad[i] = z[i + pt − (Fh−1)·d].
  const padTop = (Fh - 1) * dh - g.padTop;
  const padLeft = (Fw - 1) * dw - g.padLeft;
  const cropTop = Math.max(0, -padTop);
  const cropLeft = Math.max(0, -padLeft);
  const needH = H + (Fh - 1) * dh; // rows of zpad the conv reads
  const needW = W + (Fw - 1) * dw;
  const keepH = Math.min(zh - cropTop, needH - Math.max(0, padTop));
  const keepW = Math.min(zw - cropLeft, needW - Math.max(0, padLeft));
  if (cropTop > 0 || cropLeft > 0 || keepH < zh - cropTop || keepW < zw - cropLeft) {
    z = s.slice(z, [0, cropTop, cropLeft, 0], [N, keepH, keepW, CM]);
  }
  const pt = Math.max(0, padTop);
  const pl = Math.max(0, padLeft);
  return conv(z, [[0, 0], [pt, needH - pt - keepH], [pl, needW - pl - keepW], [0, 0]]);
}

/** dx of a depthwise conv: the flipped filter as [Fh,Fw,C·M,1], then a sum over the M multiplier channels. */
function depthwiseBackpropInput(tf: TfKernelApi): KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const a = attrs as unknown as tfTypes.DepthwiseConv2dNativeBackpropInputAttrs;
    const dil = pair(a.dilations ?? 1);
    const info = tf.backend_util.computeConv2DInfo(
      a.inputShape, filter.shape as [number, number, number, number], a.strides, dil, a.pad as Pad, a.dimRoundingMode as RoundingMode, true);
    const [N, H, W, C] = a.inputShape;
    const [, Ho, Wo, CM] = dy.shape;
    const [Fh, Fw, , M] = filter.shape;
    const geo: ConvGeometry = {
      N, H, W, Ho, Wo, Fh, Fw, sh: info.strideHeight, sw: info.strideWidth, dh: info.dilationHeight, dw: info.dilationWidth,
      padTop: info.padInfo.top, padLeft: info.padInfo.left,
    };
    return withScope(tf, backend, (s) => {
      const flipped = s.reshape(s.run('Reverse', { x: filter }, { dims: [0, 1] }), [Fh, Fw, CM, 1]);
      const g = inputGradient(s, dy, geo, (z, pad) => s.run('DepthwiseConv2dNative', { x: z, filter: flipped }, {
        strides: [1, 1], dilations: [geo.dh, geo.dw], pad, dimRoundingMode: undefined,
      } as unknown as NamedAttrMap)); // [N, H, W, C*M]
      checkShape('DepthwiseConv2dNativeBackpropInput', g.shape, [N, H, W, CM]);
      if (M === 1) return s.reshape(g, [N, H, W, C]);
      return s.run('Sum', { x: s.reshape(g, [N, H, W, C, M]) }, { axis: [4], keepDims: false });
    });
  };
}

/**
 * Replaces the native Conv2DBackpropInput (a scalar C++ loop, ~5x slower than XNNPACK here):
 * an XNNPACK Conv2D of dy (zero-inserted for strides) with the filter flipped and its channel
 * axes swapped, [Fh,Fw,Co,Ci]. NCHW falls back to the native kernel.
 */
function conv2DBackpropInput(tf: TfKernelApi, native: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, attrs, backend } = args;
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const a = attrs as unknown as tfTypes.Conv2DBackpropInputAttrs;
    if (a.dataFormat === 'NCHW') return native(args);
    const info = tf.backend_util.computeConv2DInfo(
      a.inputShape, filter.shape as [number, number, number, number], a.strides, 1, a.pad as Pad, a.dimRoundingMode as RoundingMode, false, 'channelsLast');
    const [N, H, W, Ci] = a.inputShape;
    const [, Ho, Wo] = dy.shape;
    const [Fh, Fw] = filter.shape;
    const geo: ConvGeometry = {
      N, H, W, Ho, Wo, Fh, Fw, sh: info.strideHeight, sw: info.strideWidth, dh: 1, dw: 1,
      padTop: info.padInfo.top, padLeft: info.padInfo.left,
    };
    return withScope(tf, backend, (s) => {
      const flipped = s.transpose(s.run('Reverse', { x: filter }, { dims: [0, 1] }), [0, 1, 3, 2]);
      const g = inputGradient(s, dy, geo, (z, pad) => s.run('Conv2D', { x: z, filter: flipped }, {
        strides: [1, 1], dilations: [1, 1], pad, dataFormat: 'NHWC', dimRoundingMode: undefined,
      } as unknown as NamedAttrMap));
      checkShape('Conv2DBackpropInput', g.shape, [N, H, W, Ci]);
      return g;
    });
  };
}

/**
 * Replaces the native MaxPoolGrad, which (tfjs 4.22) is slow (it recomputes every argmax) and
 * wrong whenever a window's values are all negative (with or without padding): their gradient is
 * lost. A loop over views of the WASM heap, in place: each window's gradient goes to its first
 * maximum in row-major order (strict >, −∞ start), exactly as on the CPU backend; padding and
 * overlapping windows are handled. Composing it from element-wise WASM kernels was tried and was
 * ~10x slower (their broadcasting paths are slow). With the native module loaded it runs the
 * same semantics in C with SIMD over channels (native/max_pool.c, 8–9x faster than this loop on
 * AV-MNIST's 2×2/2 pools, bit for bit equal); otherwise the JS loop below.
 */
function maxPoolGrad(tf: TfKernelApi, native: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, attrs, backend } = args;
    const b = backend as unknown as WasmBackendLike;
    const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
    const a = attrs as unknown as tfTypes.MaxPoolGradAttrs;
    if (input.shape.length !== 4 || input.dtype !== 'float32' || dy.dtype !== 'float32') return native(args);
    const info = tf.backend_util.computePool2DInfo(
      input.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad as Pad, a.dimRoundingMode as RoundingMode);
    const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: Ho, outWidth: Wo } = info;
    const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, filterHeight: kh, filterWidth: kw } = info;
    const { top, left } = info.padInfo;
    const out = b.makeOutput(input.shape.slice(), 'float32');
    const k = nativeKernels(b);
    // A dy of another size would make the C loop read past it; the JS loop reads NaN instead.
    if (k != null && sizeOf(dy.shape) === N * Ho * Wo * C) {
      k.max_pool_grad(offsetOf(b, input), offsetOf(b, dy), offsetOf(b, out), N, H, W, C, Ho, Wo, kh, kw, sh, sw, dh, dw, top, left);
      return out;
    }
    const dx = heapF32(b, out);
    const x = heapF32(b, input);
    const g = heapF32(b, dy);
    dx.fill(0);
    const maxV = new Float32Array(C);
    const maxP = new Int32Array(C);
    for (let n = 0; n < N; n++) {
      for (let ho = 0; ho < Ho; ho++) {
        const h0 = ho * sh - top;
        for (let wo = 0; wo < Wo; wo++) {
          const w0 = wo * sw - left;
          maxV.fill(-Infinity);
          maxP.fill(-1);
          for (let p = 0; p < kh; p++) {
            const h = h0 + p * dh;
            if (h < 0 || h >= H) continue;
            for (let q = 0; q < kw; q++) {
              const w = w0 + q * dw;
              if (w < 0 || w >= W) continue;
              const base = ((n * H + h) * W + w) * C;
              for (let c = 0; c < C; c++) {
                const v = x[base + c];
                if (v > maxV[c]) {
                  maxV[c] = v;
                  maxP[c] = base + c;
                }
              }
            }
          }
          const gBase = ((n * Ho + ho) * Wo + wo) * C;
          for (let c = 0; c < C; c++) if (maxP[c] >= 0) dx[maxP[c]] += g[gBase + c];
        }
      }
    }
    return out;
  };
}

/**
 * Replaces BatchMatMul when a transpose flag is set: the native kernel's transposed paths are
 * slow, while its plain path is XNNPACK with B as packed weights. So transposes are made
 * explicit, choosing between C = op(A)·op(B) and C = (op(B)ᵀ·op(A)ᵀ)ᵀ by the elements moved
 * (transposes + weight packing). Untransposed products go straight to the native kernel.
 */
function batchMatMul(tf: TfKernelApi, native: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, attrs, backend } = args;
    const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = attrs as unknown as tfTypes.BatchMatMulAttrs;
    if (!transposeA && !transposeB) return native(args);
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return native(args);
    const swapLast = (r: number) => [...Array.from({ length: r - 2 }, (_, i) => i), r - 1, r - 2];
    const sa = sizeOf(a.shape);
    const sb = sizeOf(b.shape);
    const m = a.shape[a.shape.length - (transposeA ? 1 : 2)];
    const n = b.shape[b.shape.length - (transposeB ? 2 : 1)];
    const batch = Math.max(sizeOf(a.shape.slice(0, -2)), sizeOf(b.shape.slice(0, -2)));
    const sc = batch * m * n;
    const direct = (transposeA ? sa : 0) + (transposeB ? sb : 0) + sb;
    const swapped = (transposeA ? 0 : sa) + (transposeB ? 0 : sb) + sa + sc;
    return withScope(tf, backend, (s) => {
      const mm = (x: TensorInfo, y: TensorInfo) => s.run('BatchMatMul', { a: x, b: y }, { transposeA: false, transposeB: false });
      const t = (x: TensorInfo) => s.transpose(x, swapLast(x.shape.length));
      if (direct <= swapped) return mm(transposeA ? t(a) : a, transposeB ? t(b) : b);
      const ct = mm(transposeB ? b : t(b), transposeA ? a : t(a));
      return t(ct);
    });
  };
}

/** Bytes per element of a dtype on the wasm heap, or 0 when it does not live there (strings). */
function heapBytes(dtype: tfTypes.DataType): number {
  switch (dtype) {
    case 'float32':
    case 'int32':
      return 4;
    case 'bool':
      return 1;
    case 'complex64':
      return 8;
    case 'string':
      return 0;
    default: {
      const never: never = dtype;
      throw new Error(`wasm training kernels: unknown dtype ${String(never)}`);
    }
  }
}

function heapOffset(b: WasmBackendLike, t: TensorInfo): number {
  const d = b.dataIdMap.get(t.dataId);
  if (d == null) throw new Error('wasm training kernels: tensor not on the wasm backend');
  return d.memoryOffset;
}

/**
 * Replaces the native Tile, an element-by-element C++ loop that recomputes every index (~150 ns
 * per element here: a third of the AV-MNIST training step, in the batch-norm gradient's tile of
 * 1/σ to the activation's shape). Byte copies instead: each innermost row is copied once, then
 * every block is doubled with `copyWithin` (memmove speed), for any rank and dtype on the heap.
 */
function tile(native: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, attrs, backend } = args;
    const b = backend as unknown as WasmBackendLike;
    const { x } = inputs as { x: TensorInfo };
    const { reps } = attrs as unknown as tfTypes.TileAttrs;
    const E = heapBytes(x.dtype);
    const r = x.shape.length;
    if (E === 0 || reps.length !== r) return native(args);
    const s = x.shape;
    const o = s.map((d, i) => d * reps[i]);
    const out = b.makeOutput(o, x.dtype);
    if (sizeOf(o) === 0) return out;
    const heap = b.wasm.HEAPU8; // after makeOutput, which may grow the heap
    const inBase = heapOffset(b, x);
    const outBase = heapOffset(b, out);
    if (r === 0) {
      heap.copyWithin(outBase, inBase, inBase + E);
      return out;
    }
    const inStride = new Array<number>(r);
    const outStride = new Array<number>(r);
    inStride[r - 1] = 1;
    outStride[r - 1] = 1;
    for (let d = r - 2; d >= 0; d--) {
      inStride[d] = inStride[d + 1] * s[d + 1];
      outStride[d] = outStride[d + 1] * o[d + 1];
    }
    // Repeats the `len` elements at `off` until they fill len·times elements (doubling copies).
    const replicate = (off: number, len: number, times: number) => {
      const total = len * times;
      for (let done = len; done < total;) {
        const n = Math.min(done, total - done);
        heap.copyWithin(outBase + (off + done) * E, outBase + off * E, outBase + (off + n) * E);
        done += n;
      }
    };
    const fill = (d: number, inOff: number, outOff: number): void => {
      if (d === r - 1) {
        heap.copyWithin(outBase + outOff * E, inBase + inOff * E, inBase + (inOff + s[d]) * E);
        replicate(outOff, s[d], reps[d]);
        return;
      }
      for (let i = 0; i < s[d]; i++) fill(d + 1, inOff + i * inStride[d], outOff + i * outStride[d]);
      replicate(outOff, s[d] * outStride[d], reps[d]);
    };
    fill(0, 0, 0);
    return out;
  };
}

/**
 * Replaces the native Identity, which copies its input (every `clone`, and the engine clones
 * tensors it saves for gradients: ~160 copies per AV-MNIST step). Shares the data with a
 * reference count instead, as the CPU and WebGL backends' Identity and the wasm Reshape do;
 * tfjs data is immutable (a variable's assign rebinds its data id), so sharing is safe.
 */
function identity(native: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend } = args;
    const b = backend as unknown as WasmBackendLike;
    const { x } = inputs as { x: TensorInfo };
    if (x.dtype === 'string') return native(args);
    b.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
  };
}

/**
 * Replaces the native FusedBatchNorm forward (a C++ loop with a modulo per parameter per element,
 * ~5 ns per element here): per channel, a = scale/√(variance+ε) once, then one pass of
 * offset + (x − mean)·a down the rows of channels. Parameters are read cyclically as on the CPU
 * backend (element i uses parameter i mod length); lengths other than 1 and a common L dividing
 * x's size go to the native kernel.
 */
function fusedBatchNorm(native: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, attrs, backend } = args;
    const b = backend as unknown as WasmBackendLike;
    const { x, mean, variance, offset, scale } = inputs as { x: TensorInfo; mean: TensorInfo; variance: TensorInfo; offset?: TensorInfo; scale?: TensorInfo };
    const eps = (attrs as unknown as tfTypes.FusedBatchNormAttrs).varianceEpsilon ?? 0.001;
    const params = [mean, variance, offset, scale];
    if (x.dtype !== 'float32' || params.some((p) => p != null && p.dtype !== 'float32')) return native(args);
    const size = sizeOf(x.shape);
    const L = Math.max(...params.map((p) => (p == null ? 1 : sizeOf(p.shape))));
    if (L === 0 || size % L !== 0 || params.some((p) => p != null && sizeOf(p.shape) !== 1 && sizeOf(p.shape) !== L)) return native(args);
    const out = b.makeOutput(x.shape.slice(), 'float32');
    if (size === 0) return out;
    // Views after makeOutput (it may grow the heap); a parameter of length 1 is spread to L.
    const spread = (p: TensorInfo | undefined, def: number): Float64Array => {
      const v = new Float64Array(L);
      if (p == null) return v.fill(def);
      const h = heapF32(b, p);
      if (h.length === 1) v.fill(h[0]);
      else v.set(h);
      return v;
    };
    const m = spread(mean, 0);
    const sc = spread(scale, 1);
    const off = spread(offset, 0);
    const va = spread(variance, 1);
    const a = new Float64Array(L);
    for (let j = 0; j < L; j++) a[j] = sc[j] / Math.sqrt(va[j] + eps);
    const xv = heapF32(b, x);
    const o = heapF32(b, out);
    // Four channels at a time with their parameters in locals, walking down the rows (as in
    // reduceOuter): ~2x faster in V8 than indexing the parameter arrays per element.
    let j = 0;
    for (; j + 4 <= L; j += 4) {
      const a0 = a[j], a1 = a[j + 1], a2 = a[j + 2], a3 = a[j + 3];
      const m0 = m[j], m1 = m[j + 1], m2 = m[j + 2], m3 = m[j + 3];
      const o0 = off[j], o1 = off[j + 1], o2 = off[j + 2], o3 = off[j + 3];
      for (let i = j; i < size; i += L) {
        o[i] = o0 + (xv[i] - m0) * a0;
        o[i + 1] = o1 + (xv[i + 1] - m1) * a1;
        o[i + 2] = o2 + (xv[i + 2] - m2) * a2;
        o[i + 3] = o3 + (xv[i + 3] - m3) * a3;
      }
    }
    for (; j < L; j++) {
      const aj = a[j], mj = m[j], oj = off[j];
      for (let i = j; i < size; i += L) o[i] = oj + (xv[i] - mj) * aj;
    }
    return out;
  };
}

/**
 * Replaces the native Cast when the dtype does not change (the ReLU gradient casts its float32
 * step mask to float32): a shared reference as in the CPU backend, instead of a copy.
 */
function cast(native: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, attrs, backend } = args;
    const { x } = inputs as { x: TensorInfo };
    const { dtype } = attrs as unknown as tfTypes.CastAttrs;
    if (dtype !== x.dtype || x.dtype === 'string') return native(args);
    (backend as unknown as WasmBackendLike).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
  };
}

/**
 * Replaces Sum and Mean of float32 over a contiguous run of axes that are not the innermost
 * (batch-norm moments and their gradients, bias gradients: axes [0, 1, 2] of NHWC, axis 0 of a
 * dense layer's dy). The native kernels first transpose the reduced axes innermost; here x is
 * read as [A, R, B] and reduced over R in place, accumulating in float64 as the CPU backend
 * does. Other reductions (innermost axes, gaps, other dtypes, empty tensors) go to the native kernel.
 */
function reduceOuter(mean: boolean, native: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, attrs, backend } = args;
    const b = backend as unknown as WasmBackendLike;
    const { x } = inputs as { x: TensorInfo };
    const { axis, keepDims } = attrs as unknown as tfTypes.SumAttrs;
    const r = x.shape.length;
    // A null axis (tf.sum(x), tf.mean(x)) means every axis, the innermost included: native.
    if (axis == null || x.dtype !== 'float32' || r === 0) return native(args);
    const axes = [...new Set((Array.isArray(axis) ? axis : [axis]).map((a) => ((a % r) + r) % r))].sort((p, q) => p - q);
    const first = axes[0];
    const last = axes[axes.length - 1];
    const contiguous = axes.length > 0 && last - first + 1 === axes.length;
    const reduced = new Set(axes);
    const shape = keepDims ? x.shape.map((d, i) => (reduced.has(i) ? 1 : d)) : x.shape.filter((_, i) => !reduced.has(i));
    if (sizeOf(x.shape) === 0) {
      // The native kernels leave the output unwritten for an empty input; the CPU backend gives 0 (a mean too).
      const out = b.makeOutput(shape, 'float32');
      heapF32(b, out).fill(0);
      return out;
    }
    if (!contiguous || last === r - 1) return native(args);
    const A = sizeOf(x.shape.slice(0, first));
    const R = sizeOf(x.shape.slice(first, last + 1));
    const B = sizeOf(x.shape.slice(last + 1));
    const out = b.makeOutput(shape, 'float32');
    const o = heapF32(b, out);
    const xv = heapF32(b, x);
    const div = mean ? R : 1;
    // Four columns at a time in local (float64) accumulators, walking down the rows: ~5x faster
    // in V8 than one accumulator array updated per element.
    for (let a = 0; a < A; a++) {
      const start = a * R * B;
      const end = start + R * B;
      const ob = a * B;
      let j = 0;
      for (; j + 4 <= B; j += 4) {
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let i = start + j; i < end; i += B) {
          s0 += xv[i];
          s1 += xv[i + 1];
          s2 += xv[i + 2];
          s3 += xv[i + 3];
        }
        o[ob + j] = s0 / div;
        o[ob + j + 1] = s1 / div;
        o[ob + j + 2] = s2 / div;
        o[ob + j + 3] = s3 / div;
      }
      for (; j < B; j++) {
        let s0 = 0;
        for (let i = start + j; i < end; i += B) s0 += xv[i];
        o[ob + j] = s0 / div;
      }
    }
    return out;
  };
}

function checkShape(kernel: string, got: number[], want: number[]): void {
  if (got.length !== want.length || got.some((v, i) => v !== want[i])) {
    throw new Error(`wasm ${kernel}: internal shape mismatch, got [${got}] want [${want}]`);
  }
}

// ---------------------------------------------------------------------------------------------
// Heap-loop kernels: no XNNPACK op to compose from. They read and write views of WASM memory in
// place (no copy to JS arrays). Views are taken after makeOutput, which may grow the heap.

function offsetOf(b: WasmBackendLike, t: TensorInfo): number {
  const d = b.dataIdMap.get(t.dataId);
  if (d == null) throw new Error('wasm training kernels: tensor not on the wasm backend');
  return d.memoryOffset;
}

function heapF32(b: WasmBackendLike, t: TensorInfo, floatsPerElement = 1): Float32Array {
  const d = b.dataIdMap.get(t.dataId);
  if (d == null) throw new Error('wasm training kernels: tensor not on the wasm backend');
  return new Float32Array(b.wasm.HEAPU8.buffer, d.memoryOffset, sizeOf(t.shape) * floatsPerElement);
}

function heapI32(b: WasmBackendLike, t: TensorInfo): Int32Array {
  const d = b.dataIdMap.get(t.dataId);
  if (d == null) throw new Error('wasm training kernels: tensor not on the wasm backend');
  return new Int32Array(b.wasm.HEAPU8.buffer, d.memoryOffset, sizeOf(t.shape));
}

function sizeOf(shape: number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** out[segmentIds[i], …] += x[i, …]; ids outside [0, numSegments) are dropped, as in TF. */
const unsortedSegmentSum: KernelFunc = ({ inputs, attrs, backend }) => {
  const b = backend as unknown as WasmBackendLike;
  const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const { numSegments } = attrs as unknown as tfTypes.UnsortedSegmentSumAttrs;
  const idsRank = segmentIds.shape.length;
  const inner = sizeOf(x.shape.slice(idsRank));
  const outShape = [numSegments, ...x.shape.slice(idsRank)];
  if (x.dtype !== 'float32' && x.dtype !== 'int32') throw new Error(`wasm UnsortedSegmentSum: dtype ${x.dtype} unsupported`);
  const out = b.makeOutput(outShape, x.dtype);
  const o = x.dtype === 'float32' ? heapF32(b, out) : heapI32(b, out);
  const xv = x.dtype === 'float32' ? heapF32(b, x) : heapI32(b, x);
  const ids = segmentIds.dtype === 'int32' ? heapI32(b, segmentIds) : heapF32(b, segmentIds);
  o.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const sId = ids[i];
    if (sId < 0 || sId >= numSegments) continue;
    const src = i * inner;
    const dst = sId * inner;
    for (let j = 0; j < inner; j++) o[dst + j] += xv[src + j];
  }
  return out;
};

// complex64 on the wasm heap: 8 bytes per element (BackendWasm allocates size·8), interleaved
// [re, im], the same layout tf.tensor(values, shape, 'complex64') writes.

const complexKernel: KernelFunc = ({ inputs, backend }) => {
  const b = backend as unknown as WasmBackendLike;
  const { real, imag } = inputs as { real: TensorInfo; imag: TensorInfo };
  const out = b.makeOutput(real.shape.slice(), 'complex64');
  const o = heapF32(b, out, 2);
  const re = heapF32(b, real);
  const im = heapF32(b, imag);
  for (let i = 0; i < re.length; i++) {
    o[2 * i] = re[i];
    o[2 * i + 1] = im[i];
  }
  return out;
};

function complexPart(part: 0 | 1): KernelFunc {
  return ({ inputs, backend }) => {
    const b = backend as unknown as WasmBackendLike;
    const { input } = inputs as { input: TensorInfo };
    const out = b.makeOutput(input.shape.slice(), 'float32');
    const o = heapF32(b, out);
    const c = heapF32(b, input, 2);
    for (let i = 0; i < o.length; i++) o[i] = c[2 * i + part];
    return out;
  };
}

const complexAbs: KernelFunc = ({ inputs, backend }) => {
  const b = backend as unknown as WasmBackendLike;
  const { x } = inputs as { x: TensorInfo };
  const out = b.makeOutput(x.shape.slice(), 'float32');
  const o = heapF32(b, out);
  const c = heapF32(b, x, 2);
  for (let i = 0; i < o.length; i++) o[i] = Math.hypot(c[2 * i], c[2 * i + 1]);
  return out;
};

/** In-place FFT of one row (re, im as float64 scratch): radix-2 when n is a power of two, else a direct DFT. */
function fftRow(re: Float64Array, im: Float64Array, inverse: boolean, tmpRe: Float64Array, tmpIm: Float64Array): void {
  const n = re.length;
  const sign = inverse ? 1 : -1;
  if ((n & (n - 1)) === 0) {
    for (let i = 1, j = 0; i < n; i++) {
      let bit = n >> 1;
      for (; j & bit; bit >>= 1) j ^= bit;
      j ^= bit;
      if (i < j) {
        let t = re[i]; re[i] = re[j]; re[j] = t;
        t = im[i]; im[i] = im[j]; im[j] = t;
      }
    }
    for (let len = 2; len <= n; len <<= 1) {
      const ang = (sign * 2 * Math.PI) / len;
      const wr = Math.cos(ang);
      const wi = Math.sin(ang);
      for (let i = 0; i < n; i += len) {
        let cr = 1;
        let ci = 0;
        for (let k = 0; k < len / 2; k++) {
          const ar = re[i + k + len / 2] * cr - im[i + k + len / 2] * ci;
          const ai = re[i + k + len / 2] * ci + im[i + k + len / 2] * cr;
          re[i + k + len / 2] = re[i + k] - ar;
          im[i + k + len / 2] = im[i + k] - ai;
          re[i + k] += ar;
          im[i + k] += ai;
          const nr = cr * wr - ci * wi;
          ci = cr * wi + ci * wr;
          cr = nr;
        }
      }
    }
    return;
  }
  for (let k = 0; k < n; k++) {
    let sr = 0;
    let si = 0;
    for (let t = 0; t < n; t++) {
      const ang = (sign * 2 * Math.PI * ((k * t) % n)) / n;
      const c = Math.cos(ang);
      const s = Math.sin(ang);
      sr += re[t] * c - im[t] * s;
      si += re[t] * s + im[t] * c;
    }
    tmpRe[k] = sr;
    tmpIm[k] = si;
  }
  re.set(tmpRe);
  im.set(tmpIm);
}

function fftKernel(inverse: boolean): KernelFunc {
  return ({ inputs, backend }) => {
    const b = backend as unknown as WasmBackendLike;
    const { input } = inputs as { input: TensorInfo };
    if (input.dtype !== 'complex64') throw new Error(`wasm ${inverse ? 'IFFT' : 'FFT'}: input must be complex64, got ${input.dtype}`);
    const n = input.shape[input.shape.length - 1];
    const out = b.makeOutput(input.shape.slice(), 'complex64');
    const o = heapF32(b, out, 2);
    const c = heapF32(b, input, 2);
    const rows = n === 0 ? 0 : o.length / (2 * n);
    const re = new Float64Array(n);
    const im = new Float64Array(n);
    const tr = new Float64Array(n);
    const ti = new Float64Array(n);
    const scale = inverse ? 1 / n : 1;
    for (let r = 0; r < rows; r++) {
      const base = 2 * r * n;
      for (let k = 0; k < n; k++) {
        re[k] = c[base + 2 * k];
        im[k] = c[base + 2 * k + 1];
      }
      fftRow(re, im, inverse, tr, ti);
      for (let k = 0; k < n; k++) {
        o[base + 2 * k] = re[k] * scale;
        o[base + 2 * k + 1] = im[k] * scale;
      }
    }
    return out;
  };
}

/** Kernels the wasm backend lacks: name → implementation. */
function missingKernels(tf: TfKernelApi): Array<[string, KernelFunc]> {
  return [
    ['Conv2DBackpropFilter', conv2DBackpropFilter(tf)],
    ['DepthwiseConv2dNativeBackpropFilter', depthwiseBackpropFilter(tf)],
    ['DepthwiseConv2dNativeBackpropInput', depthwiseBackpropInput(tf)],
    ['UnsortedSegmentSum', unsortedSegmentSum],
    ['Complex', complexKernel],
    ['Real', complexPart(0)],
    ['Imag', complexPart(1)],
    ['ComplexAbs', complexAbs],
    ['FFT', fftKernel(false)],
    ['IFFT', fftKernel(true)],
  ];
}

/** Native wasm kernels replaced by faster compositions: name → factory given the native kernel. */
function fasterKernels(tf: TfKernelApi): Array<[string, (native: KernelFunc) => KernelFunc]> {
  return [
    ['Conv2DBackpropInput', (n) => conv2DBackpropInput(tf, n)],
    ['MaxPoolGrad', (n) => maxPoolGrad(tf, n)],
    ['BatchMatMul', (n) => batchMatMul(tf, n)],
    ['Tile', tile],
    ['Identity', identity],
    ['Cast', cast],
    ['FusedBatchNorm', fusedBatchNorm],
    ['Sum', (n) => reduceOuter(false, n)],
    ['Mean', (n) => reduceOuter(true, n)],
  ];
}

/** Names of the kernels `registerWasmTrainingKernels` adds (when the backend lacks them). */
export const WASM_TRAINING_KERNEL_NAMES: readonly string[] = [
  'Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput',
  'UnsortedSegmentSum', 'Complex', 'Real', 'Imag', 'ComplexAbs', 'FFT', 'IFFT',
];

/** Names of the native wasm kernels replaced when `faster` is on (cases they do not cover, e.g. NCHW convs, non-float dtypes, innermost-axis reductions, still go to the native ones). */
export const WASM_FASTER_KERNEL_NAMES: readonly string[] = ['Conv2DBackpropInput', 'MaxPoolGrad', 'BatchMatMul', 'Tile', 'Identity', 'Cast', 'FusedBatchNorm', 'Sum', 'Mean'];

/** The fused kernels that run FusionLab's C code (batch-norm-train.ts), registered with `faster`. */
export const WASM_NATIVE_KERNEL_NAMES: readonly string[] = [BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD, BATCH_MOMENTS];

const MARK = Symbol.for('fusionlab.wasmTrainingKernel');
type MarkedConfig = tfTypes.KernelConfig & { [MARK]?: true };

/** Options of `registerWasmTrainingKernels`. */
export interface WasmKernelOptions {
  /**
   * Also replace slow native kernels (default true): Conv2DBackpropInput and transposed
   * BatchMatMul (compositions of the backend's own kernels), MaxPoolGrad (slow, and wrong
   * natively for windows whose values are all negative or that overlap padding), Tile, Identity,
   * Cast, FusedBatchNorm, Sum and Mean (see WASM_FASTER_KERNEL_NAMES).
   */
  faster?: boolean;
  /**
   * The compiled C kernels (native/build.sh's .wasm files). With them, and `faster`, training
   * batch norm runs as one fused kernel and one gradient kernel (batch-norm-train.ts; used by
   * the layers of nodes/shared.ts `batchNorm`). Without them that path stays tfjs-layers' own.
   */
  native?: NativeKernelBinaries;
}

/**
 * Registers, for backend 'wasm', every training kernel tfjs-backend-wasm lacks (and, unless
 * `faster: false`, faster versions of slow native kernels). Call it once after
 * importing '@tensorflow/tfjs-backend-wasm', before or after `tf.setBackend('wasm')`.
 * Idempotent; a missing kernel that a newer tfjs provides natively is left alone.
 *
 * @param tf the tfjs namespace (`import * as tf from '@tensorflow/tfjs'`), passed in so that
 *   the app and the CLI register on the very tfjs instance they run. Needs `unregisterKernel`
 *   for the faster kernels.
 * @returns the kernel names now served by this module.
 */
export function registerWasmTrainingKernels(
  tf: TfKernelApi & Partial<Pick<typeof tfTypes, 'unregisterKernel'>> & Partial<TfBatchNormApi>, options: WasmKernelOptions = {},
): string[] {
  const served: string[] = [];
  for (const [kernelName, kernelFunc] of missingKernels(tf)) {
    const existing = tf.getKernel(kernelName, BACKEND) as MarkedConfig | undefined;
    if (existing != null) {
      if (existing[MARK]) served.push(kernelName);
      continue;
    }
    const config: MarkedConfig = { kernelName, backendName: BACKEND, kernelFunc, [MARK]: true };
    tf.registerKernel(config);
    served.push(kernelName);
  }
  if (options.faster ?? true) {
    for (const [kernelName, make] of fasterKernels(tf)) {
      const native = tf.getKernel(kernelName, BACKEND) as MarkedConfig | undefined;
      if (native == null || tf.unregisterKernel == null) continue;
      if (native[MARK]) {
        served.push(kernelName);
        continue;
      }
      tf.unregisterKernel(kernelName, BACKEND);
      // Keep the native setupFunc: it binds the C++ function the fallback path calls.
      const config: MarkedConfig = {
        kernelName, backendName: BACKEND, kernelFunc: make(native.kernelFunc),
        setupFunc: native.setupFunc, disposeFunc: native.disposeFunc, [MARK]: true,
      };
      tf.registerKernel(config);
      served.push(kernelName);
    }
    if (options.native != null) setNativeKernelBinaries(options.native);
    // Registered either way; they run only once the native module is loaded (batchNormTrainReady).
    if (tf.registerGradient != null && tf.getGradient != null && tf.engine != null && tf.getBackend != null && tf.backend != null) {
      served.push(...registerBatchNormTrain(tf as TfBatchNormApi));
    }
  }
  return served;
}
