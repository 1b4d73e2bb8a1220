import { z } from 'zod';
import { defineNode } from '../../engine/spec';
import { columnName, missingParam } from '../shared';

/** The params of `input.text` (exported for the data pipeline's type check). */
export const textParams = z.object({
  column: columnName().default('text').describe('Dataset column holding the text itself.'),
  tokenizer: z.enum(['word', 'char']).default('word').describe('Split into words (and punctuation marks) or into single characters.'),
  vocabSize: z.number().int().min(3).max(100000).default(1000).describe('Vocabulary size including <pad> (id 0) and <unk> (id 1); the most frequent tokens of the train split get the other ids.'),
  seqLength: z.number().int().min(1).max(4096).default(32).describe('Tokens per sample: longer texts are cut, shorter ones padded with id 0.'),
  lowercase: z.boolean().default(true).describe('Lower-case the text before splitting, so "Cat" and "cat" are one token.'),
  tokenDropout: z.number().min(0).max(0.5).default(0).describe('Augmentation (training only): chance that each token is replaced by <unk> (0 = off).'),
  missing: missingParam,
});

export default defineNode({
  kind: 'input.text',
  category: 'input',
  label: 'Text',
  summary: 'Text from a dataset column, split into tokens and mapped to ids.',
  doc: `Turns the text in each row into **[seqLength]** token ids.

Steps: Unicode-normalise (NFC) → lower-case (optional) → split into words or characters → look
each token up in a vocabulary → cut or pad (with 0) to \`seqLength\`.

The vocabulary is fitted on the **train split only**: the \`vocabSize − 2\` most frequent tokens
get ids 2, 3, …; id 0 is padding and id 1 (\`<unk>\`) stands for every token the vocabulary lacks.
Fitting on train rows only keeps validation honest: words only seen in test are unknown, as they
would be for new data. The vocabulary is saved with the trained model.

Connect it to a text encoder (embedding, RNN, CNN or transformer), which learns a vector per id.
Word tokens suit captions and reviews; characters suit short codes, names and typos.`,
  params: textParams,
  ports: () => ({ inputs: [], outputs: [{ id: 'out', label: 'Tokens', accepts: ['tokens'] }] }),
  infer: (_inputs, p) => ({ ok: true, outputs: { out: { kind: 'tokens', shape: [p.seqLength], vocab: p.vocabSize } } }),
  build(ctx, _inputs, p) {
    return { out: ctx.tf.input({ shape: [p.seqLength], name: ctx.name('input') }) };
  },
  input: { columns: (p) => [p.column] },
});
