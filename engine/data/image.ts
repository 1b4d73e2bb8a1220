/**
 * Image featurisation shared by the app and the CLI: channels, resize (bilinear) with stretch,
 * centre crop or pad, normalisation; and training-time augmentation on featurised tensors.
 */
import type { DecodedImage } from './adapter';
import type { Rng } from './rng';

export type ResizeMode = 'stretch' | 'crop' | 'pad';
export type ImageNormalisation = 'unit' | 'signed' | 'per-image' | 'none';

/** The image params the featuriser reads (a subset of `input.image`'s params). */
export interface ImageFeatureParams {
  height: number;
  width: number;
  channels: 1 | 3;
  resize: ResizeMode;
  normalise: ImageNormalisation;
}

/** Training-time image augmentation (applied per batch, never to val or test). */
export interface ImageAugmentParams {
  /** Mirror left–right with probability 0.5. */
  flip: boolean;
  /** Largest shift as a fraction of the size (0 = off). */
  shift: number;
  /** Largest brightness change as a fraction of the value range (0 = off). */
  brightness: number;
}

/** Convert to `channels` (1: ITU-R BT.601 luma; 3: RGB) as float 0..255, alpha dropped. */
function toChannels(img: DecodedImage, channels: 1 | 3): Float32Array {
  const n = img.width * img.height;
  const out = new Float32Array(n * channels);
  const src = img.data;
  const c = img.channels;
  for (let i = 0; i < n; i++) {
    let r: number, g: number, b: number;
    if (c === 1 || c === 2) {
      r = g = b = src[i * c];
    } else {
      r = src[i * c];
      g = src[i * c + 1];
      b = src[i * c + 2];
    }
    if (channels === 1) out[i] = c <= 2 ? r : 0.299 * r + 0.587 * g + 0.114 * b;
    else {
      out[i * 3] = r;
      out[i * 3 + 1] = g;
      out[i * 3 + 2] = b;
    }
  }
  return out;
}

/**
 * Resample `src` (sw × sh × c) to `w × h` with bilinear interpolation (pixel centres aligned, as
 * in OpenCV and tf.image.resizeBilinear with halfPixelCenters). `mode` decides the geometry:
 * stretch fills the target exactly, crop scales the short side and cuts the centre, pad scales the
 * long side and fills the rest with 0.
 */
export function resizeBilinear(src: Float32Array, sw: number, sh: number, c: number, w: number, h: number, mode: ResizeMode = 'stretch'): Float32Array {
  const out = new Float32Array(w * h * c);
  let sx: number, sy: number, ox: number, oy: number;
  switch (mode) {
    case 'stretch':
      sx = w / sw;
      sy = h / sh;
      ox = 0;
      oy = 0;
      break;
    case 'crop':
    case 'pad': {
      const s = mode === 'crop' ? Math.max(w / sw, h / sh) : Math.min(w / sw, h / sh);
      sx = sy = s;
      ox = (sw * s - w) / 2;
      oy = (sh * s - h) / 2;
      break;
    }
    default: {
      const _x: never = mode;
      throw new Error(`unknown resize mode ${String(_x)}`);
    }
  }
  for (let y = 0; y < h; y++) {
    const fy = (y + oy + 0.5) / sy - 0.5;
    if (fy < -0.5 || fy > sh - 0.5) continue; // padding
    const y0 = Math.max(0, Math.min(sh - 1, Math.floor(fy)));
    const y1 = Math.min(sh - 1, y0 + 1);
    const dy = Math.max(0, Math.min(1, fy - y0));
    for (let x = 0; x < w; x++) {
      const fx = (x + ox + 0.5) / sx - 0.5;
      if (fx < -0.5 || fx > sw - 0.5) continue;
      const x0 = Math.max(0, Math.min(sw - 1, Math.floor(fx)));
      const x1 = Math.min(sw - 1, x0 + 1);
      const dx = Math.max(0, Math.min(1, fx - x0));
      for (let k = 0; k < c; k++) {
        const a = src[(y0 * sw + x0) * c + k];
        const b = src[(y0 * sw + x1) * c + k];
        const cc = src[(y1 * sw + x0) * c + k];
        const d = src[(y1 * sw + x1) * c + k];
        out[(y * w + x) * c + k] = (a * (1 - dx) + b * dx) * (1 - dy) + (cc * (1 - dx) + d * dx) * dy;
      }
    }
  }
  return out;
}

/** Decoded image → the `[height, width, channels]` tensor data `input.image` promises. */
export function featuriseImage(img: DecodedImage, p: ImageFeatureParams): Float32Array {
  const chans = toChannels(img, p.channels);
  const same = img.width === p.width && img.height === p.height;
  const px = same ? chans : resizeBilinear(chans, img.width, img.height, p.channels, p.width, p.height, p.resize);
  normaliseImage(px, p.normalise);
  return px;
}

function normaliseImage(px: Float32Array, mode: ImageNormalisation): void {
  switch (mode) {
    case 'unit':
      for (let i = 0; i < px.length; i++) px[i] /= 255;
      return;
    case 'signed':
      for (let i = 0; i < px.length; i++) px[i] = px[i] / 127.5 - 1;
      return;
    case 'per-image': {
      let m = 0;
      for (let i = 0; i < px.length; i++) m += px[i];
      m /= px.length || 1;
      let v = 0;
      for (let i = 0; i < px.length; i++) v += (px[i] - m) ** 2;
      const sd = Math.sqrt(v / (px.length || 1)) || 1;
      for (let i = 0; i < px.length; i++) px[i] = (px[i] - m) / sd;
      return;
    }
    case 'none':
      return;
    default: {
      const _x: never = mode;
      throw new Error(`unknown normalisation ${String(_x)}`);
    }
  }
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
