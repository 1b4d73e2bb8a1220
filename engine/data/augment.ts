/**
 * Training-time augmentation of a batch, driven by an input node's params (kept in the fitted
 * state). Only train batches are augmented; the cached tensors are never changed.
 */
import { sizeOf } from '../spec';
import { inputData, type FittedInput } from './inputs';
import { hasPresence, isPresent, restorePresence, stripPresence, withoutPresence } from './missing';
import type { Rng } from './rng';

/** True when the input's params ask for any augmentation. */
export function hasAugmentation(f: FittedInput): boolean {
  return inputData(f.kind).augmenter(withoutChannel(f)) !== null;
}

/** The fitted state as its kind's module sees it: without a kept-missing input's presence channel. */
export function withoutChannel(f: FittedInput): FittedInput {
  return hasPresence(f.kind, f.params) ? { ...f, shape: withoutPresence(f.shape) } : f;
}

/**
 * The augmenter of an input: its kind's, and for a kept-missing input the same on the values
 * without the presence channel, applied to present samples only (a missing one stays the fill).
 */
function augmenterOf(f: FittedInput): ((x: Float32Array, rng: Rng) => void) | null {
  const base = inputData(f.kind).augmenter(withoutChannel(f));
  if (!base || !hasPresence(f.kind, f.params)) return base;
  const c = f.shape[f.shape.length - 1] - 1;
  return (x, rng) => {
    if (!isPresent(x, c)) return;
    const v = stripPresence(x, c);
    base(v, rng);
    restorePresence(x, v, c);
  };
}

/**
 * Augment one sample in place from its input's fitted params (image flip/shift/brightness, text
 * token dropout, audio time shift/gain/noise: each kind's own module in ./inputs). The trainer
 * calls this per sample of a batch.
 */
export function augmentSample(f: FittedInput, x: Float32Array, rng: Rng): void {
  augmenterOf(f)?.(x, rng);
}

/**
 * Augment `count` samples (row-major, `size(f.shape)` values each). Returns a new array when
 * anything is augmented, else `data` itself.
 */
export function augmentBatch(f: FittedInput, data: Float32Array, count: number, rng: Rng): Float32Array {
  const augment = augmenterOf(f);
  if (!augment) return data;
  const size = sizeOf(f.shape);
  const out = data.slice(0, count * size);
  for (let n = 0; n < count; n++) augment(out.subarray(n * size, (n + 1) * size), rng);
  return out;
}
