/**
 * What a missing input is: the train split's mean sample, kept in the fitted state (`missing`)
 * so that a saved model can fill an absent modality at prediction time exactly as the ablation,
 * robustness and modality dropout did in training (engine/evaluate `missingFill`). Token inputs
 * need none: a missing text is all padding. A large input keeps its mean per channel (the last
 * axis) instead of per value, so that `fitted.json` stays small.
 */
import { sizeOf } from '../spec';

/** Most values kept per input; above, the mean per channel. */
export const MAX_FILL_VALUES = 65_536;
/** Most channels (last axis) a per-channel fill may hold. */
export const MAX_FILL_CHANNELS = 4_096;

/** The stored fill: every value of the mean sample, or its mean per channel. */
export type MissingFill = { values: number[] } | { channels: number[] };

/** The fill of an input from its encoded train rows (`count × size(shape)` values); none for tokens. */
export function fitMissing(kind: string, data: Float32Array, count: number, shape: number[]): MissingFill | undefined {
  if (kind === 'input.text' || count === 0) return undefined;
  const size = sizeOf(shape);
  const sum = new Float64Array(size);
  for (let i = 0; i < count; i++) for (let j = 0; j < size; j++) sum[j] += data[i * size + j];
  if (size <= MAX_FILL_VALUES) return { values: Array.from(sum, (v) => Math.fround(v / count)) };
  const c = shape[shape.length - 1];
  const ch = new Float64Array(c);
  for (let j = 0; j < size; j++) ch[j % c] += sum[j];
  return { channels: Array.from(ch, (v) => Math.fround(v / (count * (size / c)))) };
}

/** The fill sample of an input (size(shape) values): the stored mean, else zeros (padding for tokens). */
export function fillSample(f: { shape: number[]; missing?: MissingFill }): Float32Array {
  const size = sizeOf(f.shape);
  const out = new Float32Array(size);
  const m = f.missing;
  if (!m) return out;
  if ('values' in m) {
    if (m.values.length === size) out.set(m.values);
    return out;
  }
  const c = m.channels.length;
  if (c > 0 && size % c === 0) for (let j = 0; j < size; j++) out[j] = m.channels[j % c];
  return out;
}

// ---------------------------------------------------------------------------------------------
// Kept-missing rows: an input node's `missing: 'keep'`

/**
 * What a row whose cell for an input is empty does: `skip` it (with a problem), or `keep` it with
 * that input missing — filled with the train mean of the rows that have it, and an indicator the
 * model sees: one more channel on the last axis, 1 where the input is present and 0 where it is
 * missing. Token inputs need no channel: a missing text is all padding, which the text encoders
 * mask already.
 */
export type MissingPolicy = 'skip' | 'keep';

/** True when the input carries a presence channel (kept-missing, not a token input). */
export function hasPresence(kind: string, params: { missing?: MissingPolicy }): boolean {
  return params.missing === 'keep' && kind !== 'input.text';
}

/** The tensor shape with the presence channel when the input has one. */
export function presenceShape(kind: string, shape: number[], params: { missing?: MissingPolicy }): number[] {
  return hasPresence(kind, params) ? [...shape.slice(0, -1), shape[shape.length - 1] + 1] : shape;
}

/** The shape without the presence channel. */
export function withoutPresence(shape: number[]): number[] {
  return [...shape.slice(0, -1), shape[shape.length - 1] - 1];
}

/** Write `base` (channels `c` on the last axis) into `out` at `offset` with the presence channel set to `present`. */
export function writeWithPresence(base: Float32Array, c: number, present: 0 | 1, out: Float32Array, offset: number): void {
  const n = base.length / c;
  for (let i = 0, o = offset; i < n; i++) {
    for (let j = 0; j < c; j++) out[o++] = base[i * c + j];
    out[o++] = present;
  }
}

/** The values of a sample with a presence channel (`c + 1` channels), without it. */
export function stripPresence(x: Float32Array, c: number): Float32Array {
  const n = x.length / (c + 1);
  const out = new Float32Array(n * c);
  for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) out[i * c + j] = x[i * (c + 1) + j];
  return out;
}

/** Put `base` back into a sample with a presence channel, leaving the channel as it is. */
export function restorePresence(x: Float32Array, base: Float32Array, c: number): void {
  const n = base.length / c;
  for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) x[i * (c + 1) + j] = base[i * c + j];
}

/**
 * A kept-missing input's fill from the mean of the rows that have it (`mean`; none when no train
 * row has it: zeros): the same, with the presence channel (the last of `shape`'s channels) at 0.
 */
export function absentFill(mean: MissingFill | undefined, shape: number[]): MissingFill {
  const c = shape[shape.length - 1];
  if (!mean) return sizeOf(shape) <= MAX_FILL_VALUES ? { values: new Array<number>(sizeOf(shape)).fill(0) } : { channels: new Array<number>(c).fill(0) };
  if ('channels' in mean) return { channels: mean.channels.map((v, j) => (j === c - 1 ? 0 : v)) };
  return { values: mean.values.map((v, j) => (j % c === c - 1 ? 0 : v)) };
}

/** Whether a sample with a presence channel is present (its first indicator is 1). */
export function isPresent(x: Float32Array, c: number): boolean {
  return x[c] === 1;
}
