import { z } from 'zod';
import { defineNode, emitAll } from '../../engine/spec';
import { buildHead, expectHeadInput, headParamFields, isDiagnostic } from '../shared';

const params = z.object({
  ...headParamFields(),
  classes: z.number().int().min(2).max(10_000).default(2).describe('Number of classes in the label column (set from the data set when one is loaded).'),
});

export default defineNode({
  kind: 'head.classify',
  category: 'head',
  label: 'Classify',
  summary: 'Softmax over the classes of a label column.',
  doc: `Predicts one class per sample. A dense layer gives one score (logit) per class,
**z = W·h + b**, and softmax turns scores into probabilities that sum to 1,
**pᵢ = exp(zᵢ) / Σⱼ exp(zⱼ)**. Training minimises the categorical cross-entropy
**L = −log p_y** of the true class y. An optional hidden layer adds capacity before the output.

Use it when each sample has exactly one label out of a fixed set (digit 0–9, spam or not,
sentiment). For several labels per sample use Multi-label; for numbers use Regress.

Reference: Bishop, *Pattern Recognition and Machine Learning*, §4.3.4 (2006); Goodfellow et al.,
*Deep Learning*, §6.2.2.3 (2016).`,
  params,
  ports: () => ({
    inputs: [{ id: 'in', label: 'Features', accepts: ['features', 'tabular'] }],
    outputs: [{ id: 'out', label: 'Class probabilities', accepts: ['prediction'] }],
  }),
  infer(inputs, p) {
    const t = expectHeadInput(inputs);
    if (isDiagnostic(t)) return { ok: false, diagnostics: [t] };
    return { ok: true, outputs: { out: { kind: 'prediction', shape: [p.classes] } } };
  },
  build(ctx, inputs, p) {
    return { out: buildHead(ctx, inputs.in[0], p, p.classes, 'softmax') };
  },
  head: {
    labelColumn: (p) => p.column,
    loss: () => 'categoricalCrossentropy',
  },
  emit: emitAll<z.infer<typeof params>>((ctx, p) => {
    const L = ctx.layers;
    let x = ctx.inputs.in[0];
    if (p.hidden > 0) x = L.dense(x, 'hidden', { units: p.hidden, activation: p.activation });
    if (p.dropout > 0) x = L.dropout(x, 'dropout', p.dropout);
    x = L.dense(x, 'out', { units: p.classes, activation: 'softmax' });
    return { outputs: { out: x } };
  }),
});
