/**
 * Text featurisation: word and character tokenizers, a vocabulary fitted on the train split,
 * and token ids padded or truncated to a fixed length. Id 0 is padding, id 1 the unknown token.
 */
import type { Rng } from './rng';

export type Tokenizer = 'word' | 'char';

export interface TextFeatureParams {
  tokenizer: Tokenizer;
  vocabSize: number;
  seqLength: number;
  lowercase: boolean;
}

export const PAD_TOKEN = '<pad>';
export const UNK_TOKEN = '<unk>';
export const PAD_ID = 0;
export const UNK_ID = 1;

// Words are runs of letters, digits and inner apostrophes; every other visible character is a token.
const WORD_RE = /[\p{L}\p{N}\p{M}]+(?:['’][\p{L}\p{N}\p{M}]+)*|[^\s\p{L}\p{N}\p{M}]/gu;

/**
 * Tokens of one cell that are kept (for encoding and for fitting the vocabulary). Encoding reads
 * the first `seqLength` (at most 4096, the node's limit); the vocabulary counts every kept token,
 * so that a word met past `seqLength` in one caption still counts, as it always did for texts of
 * ordinary length. Past 4096 tokens a cell stops counting: a 50 MB cell of text keeps 4096 tokens
 * instead of millions (it took 2.7 GB as 12 M strings).
 */
export const MAX_TOKENS_PER_CELL = 4096;
/**
 * UTF-16 code units of one cell that are tokenised (1 Mi): normalising, lower-casing and
 * splitting cost this much at most per cell, however large the cell. 4096 tokens of any
 * ordinary text fit many times over; a cell cut here may end its last kept token mid-word.
 */
export const MAX_TEXT_CHARS = 1 << 20;

/**
 * Split text into tokens. Unicode-aware; NFC-normalised so that the app and the CLI agree. Reads
 * at most {@link MAX_TEXT_CHARS} of the text and stops after `maxTokens` tokens, so the work and
 * the memory are bounded by what is kept, not by the cell.
 */
export function tokenize(text: string, p: Pick<TextFeatureParams, 'tokenizer' | 'lowercase'>, maxTokens = Infinity): string[] {
  let s = text;
  if (s.length > MAX_TEXT_CHARS) {
    let cut = MAX_TEXT_CHARS;
    const c = s.charCodeAt(cut - 1);
    if (c >= 0xd800 && c <= 0xdbff) cut--; // do not split a surrogate pair
    s = s.slice(0, cut);
  }
  s = s.normalize('NFC');
  if (p.lowercase) s = s.toLowerCase();
  const out: string[] = [];
  if (maxTokens <= 0) return out;
  switch (p.tokenizer) {
    case 'word':
      for (const m of s.matchAll(WORD_RE)) {
        out.push(m[0]);
        if (out.length >= maxTokens) break;
      }
      return out;
    case 'char':
      // Code points, with runs of white space folded to one space.
      for (const ch of s.replace(/\s+/g, ' ').trim()) {
        out.push(ch);
        if (out.length >= maxTokens) break;
      }
      return out;
    default: {
      const _x: never = p.tokenizer;
      throw new Error(`unknown tokenizer ${String(_x)}`);
    }
  }
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

/** Token ids of a token list, truncated or padded (at the end) to `seqLength`. */
export function encodeTokens(tokens: string[], index: ReadonlyMap<string, number>, seqLength: number, out: Float32Array = new Float32Array(seqLength), offset = 0): Float32Array {
  for (let i = 0; i < seqLength; i++) out[offset + i] = i < tokens.length ? (index.get(tokens[i]) ?? UNK_ID) : PAD_ID;
  return out;
}

/** Map token → id for a vocabulary. */
export function vocabularyIndex(vocab: string[]): Map<string, number> {
  return new Map(vocab.map((t, i) => [t, i]));
}

/** Training-time augmentation: each non-pad token becomes `<unk>` with probability `rate`. */
export function augmentTokens(ids: Float32Array, rate: number, rng: Rng): void {
  if (rate <= 0) return;
  for (let i = 0; i < ids.length; i++) if (ids[i] !== PAD_ID && rng.next() < rate) ids[i] = UNK_ID;
}
