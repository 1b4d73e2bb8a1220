/**
 * Batches on the CPU side: gather rows of flat typed arrays by index, apply training-time
 * augmentation per sample (from the input nodes' params, as fitted by the data path), and hand
 * the result to tfjs as one tensor per feed.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { augmentSample, hasAugmentation } from '../data/augment';
import type { FittedState } from '../data/loader';
import type { Rng } from '../data/rng';
import { sizeOf } from '../spec';
import type { SplitData } from './types';

type TF = typeof tfTypes;

/** Augment one sample in place. */
export type Augmenter = (sample: Float32Array, rng: Rng) => void;

/**
 * Augmenters per input node from the fitted state (which holds each input's params): image
 * flip/shift/brightness, audio time shift/gain/noise, text token dropout. Inputs with nothing
 * switched on get none.
 */
export function buildAugmenters(fitted: FittedState | undefined): Record<string, Augmenter> {
  const out: Record<string, Augmenter> = {};
  if (!fitted) return out;
  for (const [nodeId, f] of Object.entries(fitted.inputs)) {
    if (hasAugmentation(f)) out[nodeId] = (s, rng) => augmentSample(f, s, rng);
  }
  return out;
}

/** Copy rows `rows` of a `[n, size]` array into a new `[rows.length, size]` array. */
export function gatherRows(data: Float32Array, size: number, rows: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rows.length * size);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    out.set(data.subarray(r * size, (r + 1) * size), i * size);
  }
  return out;
}

/** A batch tensor `[rows, ...shape]` from flat data, optionally augmenting each sample. */
export function batchTensor(
  tf: TF,
  data: Float32Array,
  shape: number[],
  rows: ArrayLike<number>,
  dtype: 'float32' | 'int32',
  augment?: { fn: Augmenter; rng: Rng },
  /** Modality dropout: samples `i` with `dropped[i] = 1` become `fill` (after augmentation, so the fill stays as it is). */
  mask?: { dropped: Uint8Array; fill: Float32Array },
): tfTypes.Tensor {
  const size = sizeOf(shape);
  const out = gatherRows(data, size, rows);
  if (augment) for (let i = 0; i < rows.length; i++) augment.fn(out.subarray(i * size, (i + 1) * size), augment.rng);
  if (mask) for (let i = 0; i < rows.length; i++) if (mask.dropped[i]) out.set(mask.fill, i * size);
  const full = [rows.length, ...shape];
  return dtype === 'int32' ? tf.tensor(Int32Array.from(out), full, 'int32') : tf.tensor(out, full, 'float32');
}

/** A seeded permutation of 0..n-1 (Fisher–Yates). */
export function permutation(n: number, rng: Rng): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/** The rows `rows` of a split as a split of their own (inputs, labels and ids gathered). */
export function splitRows(split: SplitData, rows: ArrayLike<number>): SplitData {
  const take = (rec: Record<string, Float32Array>) =>
    Object.fromEntries(Object.entries(rec).map(([id, data]) => [id, gatherRows(data, split.count > 0 ? data.length / split.count : 0, rows)]));
  return {
    count: rows.length,
    ids: split.ids ? Array.from(rows, (r) => (split.ids as string[])[r]) : undefined,
    inputs: take(split.inputs),
    labels: take(split.labels),
  };
}
