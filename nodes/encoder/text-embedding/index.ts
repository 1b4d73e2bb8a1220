import { z } from 'zod';
import { defineNode, emitAll } from '../../../engine/spec';
import { defineCustomLayer, dropoutParam, embeddingParamFields, embedTokens, tokensInput } from '../../shared';
import keras from './keras.py?raw';
import { makeMaskedPool1D, type MaskedPoolArgs } from './layer';
import tfjs from './layer.ts?raw';
import { maskedPool1DOnnx } from './onnx';
import pytorch from './torch.py?raw';

/** `FusionLab>MaskedPool1D` (layer.ts), also used by encoder.text-transformer. */
export const maskedPool1D = defineCustomLayer<MaskedPoolArgs>({ className: 'FusionLab>MaskedPool1D', make: makeMaskedPool1D, tfjs, keras, pytorch, onnx: maskedPool1DOnnx });

const params = z.object({
  ...embeddingParamFields({ dim: 32 }),
  pooling: z.enum(['mean', 'max']).default('mean').describe('How token vectors become one vector: their mean, or the maximum of each dimension. Padding is skipped.'),
  dropout: dropoutParam(0),
});

export default defineNode({
  kind: 'encoder.text-embedding',
  category: 'encoder',
  label: 'Text embedding (bag of words)',
  summary: 'Learned word vectors, pooled into one vector.',
  doc: `Looks up a learned vector eₜ = E[tokenₜ] for every token (E has \`vocabSize\` × \`dim\` entries)
and pools them over the text, ignoring padding (token 0):
**mean: h = (1/n) Σₜ eₜ**, or **max: hⱼ = maxₜ eₜⱼ**, over the n real tokens.

Use it as a fast, strong baseline for short texts (titles, captions, reviews): it ignores word order
("not good" ≈ "good not") but trains in seconds. If order matters, try the Text RNN, Text CNN or
Text transformer encoders.

References: Joulin et al., *Bag of Tricks for Efficient Text Classification* (fastText, 2017);
Mikolov et al., *Distributed Representations of Words and Phrases* (2013).`,
  params,
  ports: () => ({
    inputs: [{ id: 'in', label: 'Tokens', accepts: ['tokens'] }],
    outputs: [{ id: 'out', label: 'Features', accepts: ['features'] }],
  }),
  infer(inputs, p) {
    const t = tokensInput(inputs, p.vocabSize);
    if (Array.isArray(t)) return { ok: false, diagnostics: t };
    return { ok: true, outputs: { out: { kind: 'features', shape: [p.dim] } } };
  },
  build(ctx, inputs, p) {
    const { tf } = ctx;
    const tokens = inputs.in[0];
    let x = embedTokens(ctx, tokens, p);
    if (p.dropout > 0) x = tf.layers.dropout({ rate: p.dropout, name: ctx.name('dropout') }).apply(x) as typeof x;
    const Pool = maskedPool1D.of(tf);
    x = new Pool({ mode: p.pooling, name: ctx.name(`${p.pooling}_pool`) }).apply([x, tokens]) as typeof x;
    return { out: x };
  },
  emit: emitAll<z.infer<typeof params>>((ctx, p) => {
    const L = ctx.layers;
    const tokens = ctx.inputs.in[0];
    let x = L.embedding(tokens, 'embedding', { vocabSize: p.vocabSize, dim: p.dim });
    if (p.dropout > 0) x = L.dropout(x, 'dropout', p.dropout);
    [x] = L.custom(maskedPool1D, `${p.pooling}_pool`, [x, tokens], { mode: p.pooling }, [[p.dim]]);
    return { outputs: { out: x } };
  }),
});
