import { z } from 'zod';
import { defineNode, emitAll } from '../../engine/spec';
import { buildHead, expectHeadInput, headParamFields, isDiagnostic } from '../shared';

const params = z.object({
  ...headParamFields(),
  outputs: z.number().int().min(1).max(1024).default(1).describe('How many numbers are predicted per sample (1 for a single target value).'),
});

export default defineNode({
  kind: 'head.regress',
  category: 'head',
  label: 'Regress',
  summary: 'Predicts numbers (linear output, mean squared error).',
  doc: `Predicts real numbers: a dense layer with no activation, **ŷ = W·h + b**, trained to minimise
the mean squared error **L = (1/n) Σᵢ (ŷᵢ − yᵢ)²**. An optional hidden layer adds capacity.

Use it for quantities: a price, a rating, an age, a duration. Targets on very different scales
train badly: standardise them (mean 0, standard deviation 1). MSE punishes large errors most, so a
few outliers can dominate training.

Reference: Goodfellow, Bengio, Courville, *Deep Learning*, §6.2.2.1 (2016); Hastie et al., *The
Elements of Statistical Learning*, ch. 3 (2009).`,
  params,
  ports: () => ({
    inputs: [{ id: 'in', label: 'Features', accepts: ['features', 'tabular'] }],
    outputs: [{ id: 'out', label: 'Values', accepts: ['prediction'] }],
  }),
  infer(inputs, p) {
    const t = expectHeadInput(inputs);
    if (isDiagnostic(t)) return { ok: false, diagnostics: [t] };
    return { ok: true, outputs: { out: { kind: 'prediction', shape: [p.outputs] } } };
  },
  build(ctx, inputs, p) {
    return { out: buildHead(ctx, inputs.in[0], p, p.outputs, 'linear') };
  },
  head: {
    labelColumn: (p) => p.column,
    loss: () => 'meanSquaredError',
  },
  emit: emitAll<z.infer<typeof params>>((ctx, p) => {
    const L = ctx.layers;
    let x = ctx.inputs.in[0];
    if (p.hidden > 0) x = L.dense(x, 'hidden', { units: p.hidden, activation: p.activation });
    if (p.dropout > 0) x = L.dropout(x, 'dropout', p.dropout);
    x = L.dense(x, 'out', { units: p.outputs, activation: 'linear' });
    return { outputs: { out: x } };
  }),
});
