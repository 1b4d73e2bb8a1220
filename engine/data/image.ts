/**
 * Image featurisation shared by the app and the CLI: channels, resize (bilinear) with stretch,
 * centre crop or pad, normalisation (all in featurise-core.ts, whose text the TypeScript export
 * ships); and training-time augmentation on featurised tensors.
 */
import type { ImageNormalisation } from './featurise-core';
import type { Rng } from './rng';

export { featuriseImage, normalisePixels, resizeBilinear } from './featurise-core';
export type { ImageFeatureParams, ImageNormalisation, ResizeMode } from './featurise-core';

/** Training-time image augmentation (applied per batch, never to val or test). */
export interface ImageAugmentParams {
  /** Mirror left–right with probability 0.5. */
  flip: boolean;
  /** Largest shift as a fraction of the size (0 = off). */
  shift: number;
  /** Largest brightness change as a fraction of the value range (0 = off). */
  brightness: number;
}

/** The value range of a normalisation, used to scale brightness changes. */
function valueRange(mode: ImageNormalisation): number {
  switch (mode) {
    case 'unit':
      return 1;
    case 'signed':
      return 2;
    case 'per-image':
      return 4;
    case 'none':
      return 255;
    default: {
      const _x: never = mode;
      return _x;
    }
  }
}

/**
 * Augment one featurised image `[h, w, c]` in place for training: random horizontal flip, random
 * shift (zero fill) and brightness offset. Val and test data are never augmented.
 */
export function augmentImage(data: Float32Array, shape: number[], aug: ImageAugmentParams, normalise: ImageNormalisation, rng: Rng): void {
  const [h, w, c] = shape;
  if (aug.flip && rng.next() < 0.5) {
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w >> 1; x++)
        for (let k = 0; k < c; k++) {
          const a = (y * w + x) * c + k;
          const b = (y * w + (w - 1 - x)) * c + k;
          const t = data[a];
          data[a] = data[b];
          data[b] = t;
        }
  }
  if (aug.shift > 0) {
    const mx = Math.round(aug.shift * w);
    const my = Math.round(aug.shift * h);
    const dx = rng.int(2 * mx + 1) - mx;
    const dy = rng.int(2 * my + 1) - my;
    if (dx !== 0 || dy !== 0) {
      const copy = data.slice();
      data.fill(0);
      for (let y = 0; y < h; y++) {
        const sy = y - dy;
        if (sy < 0 || sy >= h) continue;
        for (let x = 0; x < w; x++) {
          const sx = x - dx;
          if (sx < 0 || sx >= w) continue;
          for (let k = 0; k < c; k++) data[(y * w + x) * c + k] = copy[(sy * w + sx) * c + k];
        }
      }
    }
  }
  if (aug.brightness > 0) {
    const delta = (rng.next() * 2 - 1) * aug.brightness * valueRange(normalise);
    for (let i = 0; i < data.length; i++) data[i] += delta;
  }
}
