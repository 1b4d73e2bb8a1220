/**
 * Text featurisation: word and character tokenizers, a vocabulary fitted on the train split,
 * and token ids padded or truncated to a fixed length. Id 0 is padding, id 1 the unknown token.
 */
import * as core from './featurise-core';
import { PAD_ID, PAD_TOKEN, UNK_ID, UNK_TOKEN, type Tokenizer } from './featurise-core';
import type { Rng } from './rng';

export { PAD_TOKEN, UNK_TOKEN, PAD_ID, UNK_ID, MAX_TEXT_CHARS, encodeTokens, vocabularyIndex } from './featurise-core';
export type { Tokenizer } from './featurise-core';

export interface TextFeatureParams {
  tokenizer: Tokenizer;
  vocabSize: number;
  seqLength: number;
  lowercase: boolean;
}

/**
 * Tokens of one cell that are kept (for encoding and for fitting the vocabulary). Encoding reads
 * the first `seqLength` (at most 4096, the node's limit); the vocabulary counts every kept token,
 * so that a word met past `seqLength` in one caption still counts, as it always did for texts of
 * ordinary length. Past 4096 tokens a cell stops counting: a 50 MB cell of text keeps 4096 tokens
 * instead of millions (it took 2.7 GB as 12 M strings).
 */
export const MAX_TOKENS_PER_CELL = 4096;

/**
 * Split text into tokens (featurise-core.ts, the same code the TypeScript export ships):
 * Unicode-aware, NFC-normalised, at most `MAX_TEXT_CHARS` read and `maxTokens` kept.
 */
export function tokenize(text: string, p: Pick<TextFeatureParams, 'tokenizer' | 'lowercase'>, maxTokens = Infinity): string[] {
  return core.tokenize(text, p.tokenizer, p.lowercase, maxTokens);
}

/**
 * Fit a vocabulary: the most frequent tokens of the given (train) texts, ties broken by code-unit
 * order so that the result does not depend on row order. Entry 0 is `<pad>`, entry 1 `<unk>`.
 */
export function fitVocabulary(tokenLists: Iterable<string[]>, vocabSize: number): string[] {
  const counts = new Map<string, number>();
  for (const toks of tokenLists) for (const t of toks) counts.set(t, (counts.get(t) ?? 0) + 1);
  const sorted = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const keep = Math.max(0, vocabSize - 2);
  return [PAD_TOKEN, UNK_TOKEN, ...sorted.slice(0, keep).map(([t]) => t)];
}

/** Training-time augmentation: each non-pad token becomes `<unk>` with probability `rate`. */
export function augmentTokens(ids: Float32Array, rate: number, rng: Rng): void {
  if (rate <= 0) return;
  for (let i = 0; i < ids.length; i++) if (ids[i] !== PAD_ID && rng.next() < rate) ids[i] = UNK_ID;
}
