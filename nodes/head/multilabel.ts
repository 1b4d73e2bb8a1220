import { z } from 'zod';
import { defineNode, emitAll } from '../../engine/spec';
import { buildHead, expectHeadInput, headParamFields, isDiagnostic } from '../shared';

const params = z.object({
  ...headParamFields(),
  classes: z.number().int().min(1).max(10_000).default(2).describe('Number of distinct labels (set from the data set when one is loaded).'),
  separator: z.string().min(1).default('|').describe('Character(s) separating the labels of one sample in the label column, e.g. "cat|outdoor".'),
});

export default defineNode({
  kind: 'head.multilabel',
  category: 'head',
  label: 'Multi-label',
  summary: 'Independent yes/no per label (sigmoid, binary cross-entropy).',
  doc: `Predicts any number of labels per sample. A dense layer gives one score per label and a
sigmoid turns each into its own probability, **pᵢ = σ(zᵢ) = 1 / (1 + e^(−zᵢ))**, independently of
the others. Training minimises the binary cross-entropy averaged over labels,
**L = −(1/C) Σᵢ [yᵢ log pᵢ + (1 − yᵢ) log(1 − pᵢ)]**.

Use it when labels are not exclusive: tags of a photo, genres of a film, symptoms. The label
column lists a sample's labels separated by \`separator\` (default "|"). Choose a threshold
(0.5 by default) on pᵢ to decide each label.

Reference: Zhang & Zhou, *A Review on Multi-Label Learning Algorithms* (IEEE TKDE 2014);
Goodfellow et al., *Deep Learning*, §6.2.2.2 (2016).`,
  params,
  ports: () => ({
    inputs: [{ id: 'in', label: 'Features', accepts: ['features', 'tabular'] }],
    outputs: [{ id: 'out', label: 'Label probabilities', accepts: ['prediction'] }],
  }),
  infer(inputs, p) {
    const t = expectHeadInput(inputs);
    if (isDiagnostic(t)) return { ok: false, diagnostics: [t] };
    return { ok: true, outputs: { out: { kind: 'prediction', shape: [p.classes] } } };
  },
  build(ctx, inputs, p) {
    return { out: buildHead(ctx, inputs.in[0], p, p.classes, 'sigmoid') };
  },
  head: {
    labelColumn: (p) => p.column,
    loss: () => 'binaryCrossentropy',
  },
  emit: emitAll<z.infer<typeof params>>((ctx, p) => {
    const L = ctx.layers;
    let x = ctx.inputs.in[0];
    if (p.hidden > 0) x = L.dense(x, 'hidden', { units: p.hidden, activation: p.activation });
    if (p.dropout > 0) x = L.dropout(x, 'dropout', p.dropout);
    x = L.dense(x, 'out', { units: p.classes, activation: 'sigmoid' });
    return { outputs: { out: x } };
  }),
});
