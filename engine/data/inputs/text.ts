/** `input.text`: the cell's text, tokenised; a vocabulary of the train split's most frequent tokens. */
import { sizeOf } from '../../spec';
import { problem } from '../problems';
import { detokenize } from '../preview-values';
import { augmentTokens, encodeTokens, fitVocabulary, MAX_TOKENS_PER_CELL, PAD_ID, tokenize, vocabularyIndex } from '../text';
import { at } from './row';
import type { InputData } from './types';

export const textData: InputData<'input.text'> = {
  kind: 'input.text',
  columnTypes: ['text', 'category'],
  async prepare(b, cells, ctx) {
    const p = b.params;
    const text = cells[0];
    if (text.trim() === '') return [{ ok: false, problem: problem('empty-value', `Row ${ctx.row}: the text in "${p.column}" is empty.`, at(ctx, p.column, b.nodeId)) }];
    // At most MAX_TOKENS_PER_CELL tokens (≥ seqLength, the node's maximum): what encoding reads
    // and what the vocabulary counts, whatever the cell's size.
    return [{ ok: true, value: tokenize(text, p, Math.max(p.seqLength, MAX_TOKENS_PER_CELL)) }];
  },
  rawLength: (_raw, shape) => sizeOf(shape), // encoded straight to the shape
  fit: (b, raws) => ({ kind: 'input.text', columns: b.columns, shape: b.shape, params: b.params, vocab: fitVocabulary(raws as string[][], b.params.vocabSize) }),
  encoder(f) {
    const index = vocabularyIndex(f.vocab);
    return (raw, out, offset) => encodeTokens(raw as string[], index, f.params.seqLength, out, offset);
  },
  preview(nodeId, f, values) {
    const tokens: string[] = [];
    for (const id of values) {
      if (Math.round(id) === PAD_ID) continue;
      tokens.push(f.vocab[Math.round(id)] ?? '<unk>');
    }
    return { kind: 'text', nodeId, tokens, text: f.params.tokenizer === 'char' ? tokens.join('') : detokenize(tokens) };
  },
  augmenter(f) {
    const p = f.params.tokenDropout;
    return p > 0 ? (x, rng) => augmentTokens(x, p, rng) : null;
  },
};
