/**
 * Drawing featurised values again (shared by each input kind's `preview` in ./inputs): RGBA
 * pixels from normalised images, a heat image of a log-mel spectrogram, a waveform envelope, text
 * from token ids. Plain data with typed arrays, so previews can be posted from a worker.
 */

export type InputPreview =
  /** An image (or the frame strip of a video): RGBA, row-major, `width × height`. `approximate`: the normalisation cannot be undone exactly (per-image), so the values are stretched to 0–255. */
  | { kind: 'image'; nodeId: string; width: number; height: number; rgba: Uint8ClampedArray; approximate: boolean }
  /** A log-mel spectrogram as a heat image: x = time (frames), y = mel bin with the lowest at the bottom. */
  | { kind: 'spectrogram'; nodeId: string; width: number; height: number; rgba: Uint8ClampedArray }
  /** A waveform as per-column min and max (ready for a small plot), and its length in samples. */
  | { kind: 'waveform'; nodeId: string; min: Float32Array; max: Float32Array; samples: number; sampleRate: number }
  /** Token ids looked up in the vocabulary, padding skipped. */
  | { kind: 'text'; nodeId: string; text: string; tokens: string[] }
  /** Numeric columns de-standardised, categorical columns as their category. */
  | { kind: 'tabular'; nodeId: string; fields: { name: string; value: number | string }[] }
  /** A video: `frames` frames side by side (a strip of evenly spaced frames). */
  | { kind: 'video'; nodeId: string; frames: number; width: number; height: number; rgba: Uint8ClampedArray }
  /** No fitted state for this input: the first few raw numbers. */
  | { kind: 'raw'; nodeId: string; values: number[]; size: number };

/** Colour stops of the heat map (dark → bright; close to matplotlib's "inferno"). */
const HEAT: [number, number, number][] = [
  [0, 0, 4],
  [66, 10, 104],
  [147, 38, 103],
  [221, 81, 58],
  [252, 165, 10],
  [252, 255, 164],
];

/**
 * The smallest and largest of `values[start], values[start + step], …` below `end`
 * (lo = hi = 0 when there are none), and their span (1 when flat, so dividing by it is safe).
 */
export function valueRange(values: ArrayLike<number>, start = 0, step = 1, end = values.length): { lo: number; hi: number; span: number } {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = start; i < end; i += step) {
    if (values[i] < lo) lo = values[i];
    if (values[i] > hi) hi = values[i];
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return { lo: 0, hi: 0, span: 1 };
  return { lo, hi, span: hi > lo ? hi - lo : 1 };
}

/** Heat colour of t in [0, 1]. */
export function heatColor(t: number): [number, number, number] {
  const x = Math.max(0, Math.min(1, Number.isFinite(t) ? t : 0)) * (HEAT.length - 1);
  const i = Math.min(HEAT.length - 2, Math.floor(x));
  const f = x - i;
  const a = HEAT[i];
  const b = HEAT[i + 1];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

/** Pixels `[h, w, c]` (c = 1 or 3) already in 0–255 → RGBA. */
export function toRgba(px: ArrayLike<number>, w: number, h: number, c: number, into?: { rgba: Uint8ClampedArray; stride: number; x0: number }): Uint8ClampedArray {
  const rgba = into?.rgba ?? new Uint8ClampedArray(w * h * 4);
  const stride = into?.stride ?? w;
  const x0 = into?.x0 ?? 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = (y * w + x) * c;
      const d = (y * stride + x0 + x) * 4;
      const r = px[s];
      rgba[d] = r;
      rgba[d + 1] = c >= 3 ? px[s + 1] : r;
      rgba[d + 2] = c >= 3 ? px[s + 2] : r;
      rgba[d + 3] = 255;
    }
  }
  return rgba;
}

/** Undo an image normalisation into 0–255 (per-image: stretch the sample's range). */
export function unnormalise(values: Float32Array, mode: 'unit' | 'signed' | 'per-image' | 'none'): { px: Float32Array; approximate: boolean } {
  const px = new Float32Array(values.length);
  switch (mode) {
    case 'unit':
      for (let i = 0; i < values.length; i++) px[i] = values[i] * 255;
      return { px, approximate: false };
    case 'signed':
      for (let i = 0; i < values.length; i++) px[i] = (values[i] + 1) * 127.5;
      return { px, approximate: false };
    case 'none':
      px.set(values);
      return { px, approximate: false };
    case 'per-image': {
      // The sample's own mean and spread were divided out and not kept: show its range stretched.
      const { lo, span } = valueRange(values);
      for (let i = 0; i < values.length; i++) px[i] = ((values[i] - lo) / span) * 255;
      return { px, approximate: true };
    }
    default: {
      const _x: never = mode;
      return _x;
    }
  }
}

export function heatImage(values: Float32Array, frames: number, bins: number): Uint8ClampedArray {
  const { lo, span } = valueRange(values);
  const rgba = new Uint8ClampedArray(frames * bins * 4);
  for (let f = 0; f < frames; f++) {
    for (let b = 0; b < bins; b++) {
      const [r, g, bl] = heatColor((values[f * bins + b] - lo) / span);
      const d = ((bins - 1 - b) * frames + f) * 4; // low bins at the bottom, time to the right
      rgba[d] = r;
      rgba[d + 1] = g;
      rgba[d + 2] = bl;
      rgba[d + 3] = 255;
    }
  }
  return rgba;
}

/** Per-column min and max of a waveform over at most `columns` columns. */
export function envelope(samples: Float32Array, columns = 160): { min: Float32Array; max: Float32Array } {
  const n = Math.max(1, Math.min(columns, samples.length));
  const min = new Float32Array(n);
  const max = new Float32Array(n);
  for (let c = 0; c < n; c++) {
    const a = Math.floor((c * samples.length) / n);
    const b = Math.max(a + 1, Math.floor(((c + 1) * samples.length) / n));
    const { lo, hi } = valueRange(samples, a, 1, Math.min(b, samples.length));
    min[c] = lo;
    max[c] = hi;
  }
  return { min, max };
}

const CLOSING = /^[.,!?;:%)\]}…]$/;
const OPENING = /^[(\[{¿¡]$/;
const QUOTE = /^["'“”‘’«»]$/;

/**
 * Word tokens back to readable text: punctuation sticks to the word before it, opening brackets
 * to the word after, and straight quotes alternate between opening and closing.
 */
export function detokenize(tokens: string[]): string {
  let out = '';
  let glueNext = false;
  let quoteOpen = false;
  for (const t of tokens) {
    let glue = glueNext || out === '';
    glueNext = false;
    if (CLOSING.test(t)) glue = true;
    else if (OPENING.test(t)) glueNext = true;
    else if (QUOTE.test(t)) {
      if (quoteOpen) glue = true;
      else glueNext = true;
      quoteOpen = !quoteOpen;
    }
    out += (glue ? '' : ' ') + t;
  }
  return out;
}

/** Round to 4 significant digits (a de-standardised value carries float noise). */
export function tidyNumber(x: number): number {
  return Number.isFinite(x) ? Number(x.toPrecision(4)) : x;
}
