/**
 * Training-time augmentation of a batch, driven by an input node's params (kept in the fitted
 * state). Only train batches are augmented; the cached tensors are never changed.
 */
import { sizeOf } from '../spec';
import { inputData, type FittedInput } from './inputs';
import type { Rng } from './rng';

/** True when the input's params ask for any augmentation. */
export function hasAugmentation(f: FittedInput): boolean {
  return inputData(f.kind).augmenter(f) !== null;
}

/**
 * Augment one sample in place from its input's fitted params (image flip/shift/brightness, text
 * token dropout, audio time shift/gain/noise: each kind's own module in ./inputs). The trainer
 * calls this per sample of a batch.
 */
export function augmentSample(f: FittedInput, x: Float32Array, rng: Rng): void {
  inputData(f.kind).augmenter(f)?.(x, rng);
}

/**
 * Augment `count` samples (row-major, `size(f.shape)` values each). Returns a new array when
 * anything is augmented, else `data` itself.
 */
export function augmentBatch(f: FittedInput, data: Float32Array, count: number, rng: Rng): Float32Array {
  const augment = inputData(f.kind).augmenter(f);
  if (!augment) return data;
  const size = sizeOf(f.shape);
  const out = data.slice(0, count * size);
  for (let n = 0; n < count; n++) augment(out.subarray(n * size, (n + 1) * size), rng);
  return out;
}
