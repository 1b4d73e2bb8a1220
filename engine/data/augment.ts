/**
 * Training-time augmentation of a batch, driven by an input node's params (kept in the fitted
 * state). Only train batches are augmented; the cached tensors are never changed.
 */
import { sizeOf } from '../spec';
import { augmentAudio } from './audio';
import { augmentImage } from './image';
import type { FittedInput } from './loader';
import type { Rng } from './rng';
import { augmentTokens } from './text';

/** True when the input's params ask for any augmentation. */
export function hasAugmentation(f: FittedInput): boolean {
  switch (f.kind) {
    case 'input.image':
      return f.params.flip || f.params.shift > 0 || f.params.brightness > 0;
    case 'input.text':
      return f.params.tokenDropout > 0;
    case 'input.audio':
      return f.params.timeShift > 0 || f.params.gainDb > 0 || f.params.noise > 0;
    case 'input.tabular':
    case 'input.video':
      return false;
    default: {
      const _x: never = f;
      return _x;
    }
  }
}

/**
 * Augment one sample in place from its input's fitted params (image flip/shift/brightness, text
 * token dropout, audio time shift/gain/noise). The trainer calls this per sample of a batch.
 */
export function augmentSample(f: FittedInput, x: Float32Array, rng: Rng): void {
  switch (f.kind) {
    case 'input.image':
      augmentImage(x, f.shape, { flip: f.params.flip, shift: f.params.shift, brightness: f.params.brightness }, f.params.normalise, rng);
      return;
    case 'input.text':
      augmentTokens(x, f.params.tokenDropout, rng);
      return;
    case 'input.audio':
      augmentAudio(x, f.shape, f.params.representation, { timeShift: f.params.timeShift, gainDb: f.params.gainDb, noise: f.params.noise }, f.params.standardise ? f.std : 1, rng);
      return;
    case 'input.tabular':
    case 'input.video':
      return;
    default: {
      const _x: never = f;
      return _x;
    }
  }
}

/**
 * Augment `count` samples (row-major, `size(f.shape)` values each). Returns a new array when
 * anything is augmented, else `data` itself.
 */
export function augmentBatch(f: FittedInput, data: Float32Array, count: number, rng: Rng): Float32Array {
  if (!hasAugmentation(f)) return data;
  const size = sizeOf(f.shape);
  const out = data.slice(0, count * size);
  for (let n = 0; n < count; n++) {
    const x = out.subarray(n * size, (n + 1) * size);
    augmentSample(f, x, rng);
  }
  return out;
}
