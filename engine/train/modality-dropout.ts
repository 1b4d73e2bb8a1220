/**
 * Modality dropout (training option `modalityDropout`): in each training batch, every input of
 * every sample is masked with probability p, so that a fused model learns to answer when one
 * modality is missing instead of leaning on one of them. A masked input gets exactly what a
 * missing one gets at test time (`missingFill`: the train mean sample, padding for tokens), and a
 * sample never loses every input at once: then one of them, drawn at random, stays.
 */
import type { Rng } from '../data/rng';
import { MAX_MODALITY_DROPOUT, type TrainConfig } from './types';

/** The config's rate, bounded to [0, {@link MAX_MODALITY_DROPOUT}] (NaN is off). */
export function modalityDropoutRate(c: Pick<TrainConfig, 'modalityDropout'>): number {
  const p = c.modalityDropout;
  return typeof p === 'number' && p > 0 ? Math.min(MAX_MODALITY_DROPOUT, p) : 0;
}

/**
 * Which samples of a batch lose which input: input id → one flag per sample (1 = masked). Each
 * flag is drawn with probability `p`; a sample whose every input was drawn keeps one at random.
 */
export function dropModalities(inputIds: readonly string[], samples: number, p: number, rng: Rng): Map<string, Uint8Array> {
  const out = new Map(inputIds.map((id) => [id, new Uint8Array(samples)]));
  const flags = inputIds.map((id) => out.get(id) as Uint8Array);
  if (inputIds.length < 2 || p <= 0) return out;
  for (let i = 0; i < samples; i++) {
    let kept = 0;
    for (const f of flags) {
      f[i] = rng.next() < p ? 1 : 0;
      if (!f[i]) kept++;
    }
    if (kept === 0) flags[rng.int(flags.length)][i] = 0;
  }
  return out;
}
