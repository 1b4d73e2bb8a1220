import { z } from 'zod';
import { defineNode, emitAll } from '../../../engine/spec';
import { defineCustomLayer, dropoutParam, embeddingParamFields, embedTokens, tokensInput } from '../../shared';
import keras from './keras.py?raw';
import { makeMaskSteps, type MaskStepsArgs } from './layer';
import tfjs from './layer.ts?raw';
import { maskStepsOnnx } from './onnx';
import pytorch from './torch.py?raw';

export const maskSteps = defineCustomLayer<MaskStepsArgs>({ className: 'FusionLab>MaskSteps', make: makeMaskSteps, tfjs, keras, pytorch, onnx: maskStepsOnnx });



const params = z.object({
  ...embeddingParamFields({ dim: 32 }),
  cell: z.enum(['gru', 'lstm']).default('gru').describe('Recurrent cell: GRU (lighter, trains faster) or LSTM (an extra memory cell).'),
  units: z.number().int().min(1).max(1024).default(32).describe('Size of the recurrent state (per direction).'),
  bidirectional: z.boolean().default(false).describe('Also read the text right to left and join both states (output width doubles).'),
  output: z
    .enum(['features', 'sequence'])
    .default('features')
    .describe('features: the final state, one vector per text; sequence: the state at every token (for attention-based fusion).'),
  dropout: dropoutParam(0),
});

export default defineNode({
  kind: 'encoder.text-rnn',
  category: 'encoder',
  label: 'Text RNN (GRU/LSTM)',
  summary: 'Reads tokens in order with a GRU or LSTM.',
  doc: `Embeds each token (eₜ = E[tokenₜ]) and runs a recurrent network over them:
**hₜ = f(hₜ₋₁, eₜ)**, where f is a GRU (update and reset gates) or an LSTM (input, forget and output
gates around a memory cell). Padding tokens (0) are masked: the state just carries over them.
*features* returns the last state h_n (with *bidirectional*, [h→_n; h←_1], a left-to-right and a
right-to-left reader joined); *sequence* returns every hₜ, zero at padding.

Use it when word order matters (negation, short sentences, event sequences). It is slower than the
bag-of-words or CNN encoders because steps run one after another. Choose *sequence* to feed
cross-attention fusion.

References: Cho et al., *Learning Phrase Representations using RNN Encoder–Decoder* (GRU, 2014);
Hochreiter & Schmidhuber, *Long Short-Term Memory* (1997); Schuster & Paliwal, *Bidirectional
Recurrent Neural Networks* (1997).`,
  params,
  ports: (p) => ({
    inputs: [{ id: 'in', label: 'Tokens', accepts: ['tokens'] }],
    outputs: [{ id: 'out', label: p.output === 'sequence' ? 'Sequence' : 'Features', accepts: [p.output] }],
  }),
  infer(inputs, p) {
    const t = tokensInput(inputs, p.vocabSize);
    if (Array.isArray(t)) return { ok: false, diagnostics: t };
    const width = p.units * (p.bidirectional ? 2 : 1);
    const out = p.output === 'sequence' ? { kind: 'sequence' as const, shape: [t.shape[0], width] } : { kind: 'features' as const, shape: [width] };
    return { ok: true, outputs: { out } };
  },
  build(ctx, inputs, p) {
    const { tf } = ctx;
    const tokens = inputs.in[0];
    let x = embedTokens(ctx, tokens, p, true);
    if (p.dropout > 0) x = tf.layers.dropout({ rate: p.dropout, name: ctx.name('dropout') }).apply(x) as typeof x;
    const rnnArgs = {
      units: p.units,
      returnSequences: p.output === 'sequence',
      kernelInitializer: tf.initializers.glorotUniform({ seed: ctx.seed() }),
      recurrentInitializer: tf.initializers.orthogonal({ seed: ctx.seed() }),
      name: ctx.name(p.cell),
    };
    const rnn = p.cell === 'gru' ? tf.layers.gru(rnnArgs) : tf.layers.lstm(rnnArgs);
    // Bidirectional copies the cell's config for the backward reader, seeds included, so both
    // directions start from the same weights; they diverge at once because they read different orders.
    const layer = p.bidirectional ? tf.layers.bidirectional({ layer: rnn, mergeMode: 'concat', name: ctx.name('bidirectional') }) : rnn;
    x = layer.apply(x) as typeof x;
    if (p.output === 'sequence') {
      const MaskSteps = maskSteps.of(tf);
      x = new MaskSteps({ name: ctx.name('mask_steps') }).apply([x, tokens]) as typeof x;
    }
    return { out: x };
  },
  emit: emitAll<z.infer<typeof params>>((ctx, p) => {
    const L = ctx.layers;
    const tokens = ctx.inputs.in[0];
    let x = L.embedding(tokens, 'embedding', { vocabSize: p.vocabSize, dim: p.dim, maskZero: true });
    if (p.dropout > 0) x = L.dropout(x, 'dropout', p.dropout);
    x = L.rnn(x, p.cell, { cell: p.cell, units: p.units, returnSequences: p.output === 'sequence', bidirectional: p.bidirectional ? { name: 'bidirectional' } : undefined, mask: tokens });
    if (p.output === 'sequence') [x] = L.custom(maskSteps, 'mask_steps', [x, tokens], {}, [ctx.outputTypes.out.shape]);
    return { outputs: { out: x } };
  }),
});
