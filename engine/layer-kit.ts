/**
 * The helpers of FusionLab's custom tfjs layers (formulas and sources: shared/FUSION.md).
 *
 * This file and every layer file (`nodes/<category>/<kind>/layer.ts`) are written so that their
 * text is also the layer code of a TypeScript (tfjs) export: the export copies this kit once and
 * each layer's file after it, with their import lines left out (engine/export/runtime.ts, tfjsRuntime).
 * So: no imports here but tfjs types, no global touched at load time, and every function takes
 * the tf module as an argument (the app hands it over; the exported program passes its import).
 */
import type * as tf from '@tensorflow/tfjs';

/** The tfjs module a layer class is made from. */
export type TF = typeof tf;
/** A shape with the batch dimension first (null when unknown). */
export type Shape = tf.Shape;
/** Base-layer constructor args (name, trainable, …). */
export type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;
/** The kwargs type of `Layer.call` (not exported by name from tfjs). */
export type LayerKwargs = Parameters<tf.layers.Layer['call']>[1];
/** An activation by name (the activations of the tfjs layers FusionLab builds). */
export type ActivationName = 'relu' | 'gelu' | 'tanh' | 'sigmoid' | 'elu' | 'selu' | 'swish' | 'linear';

/**
 * tfjs's typings say computeMask returns a tensor, but at run time `null` means "no mask" and is
 * what the base class returns; this constant carries that null through the typings.
 */
export const NO_MASK = null as unknown as tf.Tensor;

/**
 * computeMask of a layer whose output is aligned with its first input: that input's mask when it
 * is a sequence [B, T, d], otherwise none.
 */
export function firstInputMask(inputs: tf.Tensor | tf.Tensor[], mask?: tf.Tensor | tf.Tensor[]): tf.Tensor {
  if (tensorList(inputs)[0].rank !== 3 || mask == null) return NO_MASK;
  return (Array.isArray(mask) ? mask[0] : mask) ?? NO_MASK;
}

/** Turn whatever build()/computeOutputShape() receive into a list of shapes. */
export function shapeList(s: Shape | Shape[]): Shape[] {
  return Array.isArray(s[0]) ? (s as Shape[]) : [s as Shape];
}

/** The last dimension of a shape; the layers here need it known. */
export function lastDim(s: Shape): number {
  const d = s[s.length - 1];
  if (d == null) throw new Error(`FusionLab layer: the last dimension of [${s.join(', ')}] must be known`);
  return d;
}

/** The list of tensors a multi-input layer receives. */
export function tensorList(x: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(x) ? x : [x];
}

/**
 * A different but reproducible seed for each weight of one layer: the layer gets one seed from
 * the compiler, and weight i uses seed + a large odd stride so that weights never share a stream.
 */
export function weightSeed(seed: number, i: number): number {
  return seed + 7919 * (i + 1);
}

/** Glorot-uniform initialiser for weight i of a layer seeded with `seed`. */
export function glorotAt(tfm: TF, seed: number, i: number): ReturnType<TF['initializers']['glorotUniform']> {
  return tfm.initializers.glorotUniform({ seed: weightSeed(seed, i) });
}

/** A tensor's shape as a plain array (tfjs types it as a per-rank tuple). */
export function dims(x: tf.Tensor): number[] {
  return x.shape as number[];
}

/** x [..., d] · W [d, n] → [..., n] for any rank of x (tf.matMul wants equal ranks). */
export function denseApply(tfm: TF, x: tf.Tensor, w: tf.Tensor): tf.Tensor {
  if (x.rank === 2) return tfm.matMul(x as tf.Tensor2D, w as tf.Tensor2D);
  const lead = x.shape.slice(0, -1);
  const flat = tfm.reshape(x, [-1, x.shape[x.rank - 1]]) as tf.Tensor2D;
  return tfm.reshape(tfm.matMul(flat, w as tf.Tensor2D), [...lead, dims(w)[1]]);
}

/** [1; x] along the last axis: the constant 1 that keeps the unimodal terms (TFN, LMF). */
export function withOne(tfm: TF, x: tf.Tensor): tf.Tensor {
  const ones = tfm.ones([...x.shape.slice(0, -1), 1]);
  return tfm.concat([ones, x], -1);
}

/** An activation by name, with tfjs ops (the same functions as the tfjs activation layers). */
export function activate(tfm: TF, name: ActivationName, x: tf.Tensor): tf.Tensor {
  switch (name) {
    case 'relu':
      return tfm.relu(x);
    case 'gelu':
      return tfm.mul(tfm.mul(x, 0.5), tfm.add(1, tfm.erf(tfm.div(x, Math.SQRT2))));
    case 'tanh':
      return tfm.tanh(x);
    case 'sigmoid':
      return tfm.sigmoid(x);
    case 'elu':
      return tfm.elu(x);
    case 'selu':
      return tfm.selu(x);
    case 'swish':
      return tfm.mul(x, tfm.sigmoid(x));
    case 'linear':
      return x;
    default: {
      const never: never = name;
      throw new Error(`unknown activation ${String(never)}`);
    }
  }
}
