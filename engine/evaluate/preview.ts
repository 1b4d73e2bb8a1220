/**
 * Previews: a featurised sample turned back into something a person can look at, using the
 * fitted preprocessing state (engine/data/loader.ts FittedInput) to undo the featurisation:
 * images → RGBA pixels, log-mel spectrograms → a heat image, waveforms → a min/max envelope,
 * token ids → the text, tabular vectors → column = value. Plain data with typed arrays, so it can
 * be posted from the training worker. Also the worst-classified samples of a split with their
 * previews (for the Train panel).
 */
import type * as tfTypes from '@tensorflow/tfjs';
import type { FittedInput, FittedState } from '../data/loader';
import { PAD_ID } from '../data/text';
import { sizeOf } from '../spec';
import type { ModelIO, SplitData, TrainingSet } from '../train/types';
import { evaluateModel } from './index';

type TF = typeof tfTypes;

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
function toRgba(px: ArrayLike<number>, w: number, h: number, c: number, into?: { rgba: Uint8ClampedArray; stride: number; x0: number }): Uint8ClampedArray {
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
function unnormalise(values: Float32Array, mode: 'unit' | 'signed' | 'per-image' | 'none'): { px: Float32Array; approximate: boolean } {
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

function heatImage(values: Float32Array, frames: number, bins: number): Uint8ClampedArray {
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
function tidyNumber(x: number): number {
  return Number.isFinite(x) ? Number(x.toPrecision(4)) : x;
}

/** The preview of one featurised input value (`size(shape)` numbers) using its fitted state. */
export function previewInput(nodeId: string, f: FittedInput, values: Float32Array): InputPreview {
  switch (f.kind) {
    case 'input.image': {
      const [h, w, c] = f.shape;
      const { px, approximate } = unnormalise(values, f.params.normalise);
      return { kind: 'image', nodeId, width: w, height: h, rgba: toRgba(px, w, h, c), approximate };
    }
    case 'input.video': {
      // The loader normalises video frames to 0–1 ('unit').
      const [frames, h, w, c] = f.shape;
      const show = Math.min(frames, 4);
      const per = h * w * c;
      const rgba = new Uint8ClampedArray(show * w * h * 4);
      for (let k = 0; k < show; k++) {
        const fi = show === 1 ? 0 : Math.round((k * (frames - 1)) / (show - 1));
        const px = unnormalise(values.subarray(fi * per, (fi + 1) * per), 'unit').px;
        toRgba(px, w, h, c, { rgba, stride: show * w, x0: k * w });
      }
      return { kind: 'video', nodeId, frames: show, width: show * w, height: h, rgba };
    }
    case 'input.audio': {
      if (f.params.representation === 'waveform') {
        const { min, max } = envelope(values);
        return { kind: 'waveform', nodeId, min, max, samples: values.length, sampleRate: f.params.sampleRate };
      }
      const [frames, bins] = f.shape;
      const logMel = f.params.standardise ? Float32Array.from(values, (v) => v * f.std + f.mean) : values;
      return { kind: 'spectrogram', nodeId, width: frames, height: bins, rgba: heatImage(logMel, frames, bins) };
    }
    case 'input.text': {
      const tokens: string[] = [];
      for (const id of values) {
        if (Math.round(id) === PAD_ID) continue;
        tokens.push(f.vocab[Math.round(id)] ?? '<unk>');
      }
      return { kind: 'text', nodeId, tokens, text: f.params.tokenizer === 'char' ? tokens.join('') : detokenize(tokens) };
    }
    case 'input.tabular': {
      const p = f.params;
      const fields: { name: string; value: number | string }[] = [];
      let o = 0;
      p.columns.forEach((name, j) => {
        const v = values[o++];
        fields.push({ name, value: tidyNumber(p.standardise ? v * f.fitted.stds[j] + f.fitted.means[j] : v) });
      });
      p.categorical.forEach((c, j) => {
        let k = -1;
        for (let s = 0; s < c.cardinality; s++) if (values[o + s] > 0.5) k = s;
        fields.push({ name: c.column, value: k >= 0 ? (f.fitted.categories[j][k] ?? `#${k}`) : '(other)' });
        o += c.cardinality;
      });
      return { kind: 'tabular', nodeId, fields };
    }
    default: {
      const _x: never = f;
      return _x;
    }
  }
}

/** Previews of every input of sample `index` of a split (in the order of `inputs`). */
export function previewSample(fitted: FittedState | undefined, inputs: TrainingSet['inputs'], split: SplitData, index: number): InputPreview[] {
  return inputs.map((inp) => {
    const size = sizeOf(inp.shape);
    const data = split.inputs[inp.nodeId];
    const values = data ? data.subarray(index * size, (index + 1) * size) : new Float32Array(0);
    const f = fitted?.inputs[inp.nodeId];
    return f ? previewInput(inp.nodeId, f, values) : { kind: 'raw', nodeId: inp.nodeId, values: Array.from(values.subarray(0, 8)), size };
  });
}

/** One worst-classified sample with what the model saw. */
export interface WorstPreview {
  /** Position in the split. */
  index: number;
  id?: string;
  label: string;
  predicted: string;
  /** Probability given to the true class and to the predicted one. */
  trueProbability: number;
  predictedProbability: number;
  inputs: InputPreview[];
}

export interface WorstReport {
  split: 'train' | 'val' | 'test';
  /** Samples in the split. */
  count: number;
  /** The output scored (the model's answer). */
  outputId: string;
  /** Misclassified samples in the split (the report lists the `samples.length` worst). */
  wrong: number;
  samples: WorstPreview[];
}

/**
 * The `n` worst-classified samples of the primary output on one split (lowest probability of the
 * true class, misclassified only) with previews of their inputs. Undefined when the primary output
 * is not a single-label classifier (no "worst" to show).
 */
export function worstWithPreviews(tf: TF, model: tfTypes.LayersModel, io: ModelIO, data: TrainingSet, splitName: 'train' | 'val' | 'test', n = 8): WorstReport | undefined {
  const split = data.splits[splitName];
  if (split.count === 0) return undefined;
  const rep = evaluateModel(tf, model, io, data, split, { worst: n });
  const o = rep.outputs[rep.primary];
  if (o.task !== 'classify' || !o.worst || !o.confusion) return undefined;
  const wrong = o.confusion.reduce((a, row, i) => a + row.reduce((b, x, j) => b + (i === j ? 0 : x), 0), 0);
  const modelInputs = data.inputs.filter((i) => io.inputs.some((m) => m.nodeId === i.nodeId));
  return {
    split: splitName,
    count: split.count,
    outputId: rep.primary,
    wrong,
    samples: o.worst.map((w) => ({
      index: w.index,
      id: w.id,
      label: w.label,
      predicted: w.predicted,
      trueProbability: w.trueProbability,
      predictedProbability: Math.max(...w.probabilities),
      inputs: previewSample(data.fitted, modelInputs, split, w.index),
    })),
  };
}
