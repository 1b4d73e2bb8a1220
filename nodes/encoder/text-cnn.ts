import { z } from 'zod';
import { defineNode, emitAll } from '../../engine/spec';
import { activationParam, dropoutParam, embeddingParamFields, embedTokens, expectOne, isDiagnostic, portProblem, vocabProblem } from '../shared';

const params = z.object({
  ...embeddingParamFields({ dim: 32 }),
  filters: z.number().int().min(1).max(512).default(32).describe('Filters per window width (how many n-gram detectors of each width).'),
  minWidth: z.number().int().min(1).max(9).default(3).describe('Narrowest window, in tokens (3 = trigrams).'),
  widths: z.number().int().min(1).max(6).default(3).describe('How many window widths run side by side: minWidth, minWidth+1, … (3 → widths 3, 4, 5).'),
  activation: activationParam('relu'),
  dropout: dropoutParam(0),
});

function widthsOf(p: { minWidth: number; widths: number }): number[] {
  return Array.from({ length: p.widths }, (_, i) => p.minWidth + i);
}

export default defineNode({
  kind: 'encoder.text-cnn',
  category: 'encoder',
  label: 'Text CNN (Kim)',
  summary: 'Parallel 1-D convolutions over word vectors, max-pooled.',
  doc: `Embeds each token, then slides several 1-D convolutions of different widths k over the text,
in parallel. Each filter is an n-gram detector: **cₜ = act(w · [eₜ; …; eₜ₊ₖ₋₁] + b)**, and global
max pooling keeps its strongest match anywhere in the text, **ĉ = maxₜ cₜ**. The pooled values of
all widths are joined: the output has \`filters\` × \`widths\` features.

Use it for sentence classification (sentiment, topic, intent): it sees local word order ("not
good") yet trains fast because all positions run in parallel. The text must be at least as long
as the widest window.

Reference: Kim, *Convolutional Neural Networks for Sentence Classification* (EMNLP 2014).`,
  params,
  ports: () => ({
    inputs: [{ id: 'in', label: 'Tokens', accepts: ['tokens'] }],
    outputs: [{ id: 'out', label: 'Features', accepts: ['features'] }],
  }),
  infer(inputs, p) {
    const t = expectOne(inputs, 'in', ['tokens'], [1]);
    if (isDiagnostic(t)) return { ok: false, diagnostics: [t] };
    const vocab = vocabProblem(t, p.vocabSize);
    if (vocab) return { ok: false, diagnostics: [vocab] };
    const widest = p.minWidth + p.widths - 1;
    if (t.shape[0] < widest) {
      return {
        ok: false,
        diagnostics: [portProblem('in', `The text has ${t.shape[0]} tokens, fewer than the widest window (${widest}). Lower minWidth or widths, or raise the sequence length.`, 'bad-shape')],
      };
    }
    return { ok: true, outputs: { out: { kind: 'features', shape: [p.filters * p.widths] } } };
  },
  build(ctx, inputs, p) {
    const { tf } = ctx;
    let x = embedTokens(ctx, inputs.in[0], p);
    if (p.dropout > 0) x = tf.layers.dropout({ rate: p.dropout, name: ctx.name('embedding_dropout') }).apply(x) as typeof x;
    const pooled = widthsOf(p).map((k) => {
      const c = tf.layers
        .conv1d({ filters: p.filters, kernelSize: k, activation: p.activation, kernelInitializer: tf.initializers.heNormal({ seed: ctx.seed() }), name: ctx.name(`conv_w${k}`) })
        .apply(x) as typeof x;
      return tf.layers.globalMaxPooling1d({ name: ctx.name(`maxpool_w${k}`) }).apply(c) as typeof x;
    });
    let out = pooled.length === 1 ? pooled[0] : (tf.layers.concatenate({ name: ctx.name('concat') }).apply(pooled) as typeof x);
    if (p.dropout > 0) out = tf.layers.dropout({ rate: p.dropout, name: ctx.name('dropout') }).apply(out) as typeof x;
    return { out };
  },
  emit: emitAll<z.infer<typeof params>>((ctx, p) => {
    const L = ctx.layers;
    let x = L.embedding(ctx.inputs.in[0], 'embedding', { vocabSize: p.vocabSize, dim: p.dim });
    if (p.dropout > 0) x = L.dropout(x, 'embedding_dropout', p.dropout);
    const pooled = widthsOf(p).map((k) => {
      const c = L.conv1d(x, `conv_w${k}`, { filters: p.filters, kernelSize: k, padding: 'valid', activation: p.activation, as: `conv_w${k}` });
      return L.globalPool(c, `maxpool_w${k}`, { mode: 'max', as: `pool_w${k}` });
    });
    let out = pooled.length === 1 ? pooled[0] : L.merge('concat', pooled, 'concat');
    if (p.dropout > 0) out = L.dropout(out, 'dropout', p.dropout);
    return { outputs: { out } };
  }),
});
