import { z } from 'zod';
import { defineNode, emitAll } from '../../engine/spec';
import { activationParam, dropoutParam, expectOne, isDiagnostic } from '../shared';

const params = z.object({
  units: z.number().int().min(1).max(4096).default(64).describe('Width of each hidden layer (number of features it outputs).'),
  layers: z.number().int().min(1).max(8).default(1).describe('How many dense layers are stacked.'),
  activation: activationParam('relu'),
  dropout: dropoutParam(0),
});

export default defineNode({
  kind: 'encoder.dense',
  category: 'encoder',
  label: 'Dense block',
  summary: 'A small multilayer perceptron on a feature vector.',
  doc: `A stack of fully connected layers: **h = act(W·x + b)**, repeated \`layers\` times.

Use it to give a fused representation more capacity before a head, or to project one branch to a
different width so that fusion operators that need equal widths can combine it.

Reference: Goodfellow, Bengio, Courville, *Deep Learning*, ch. 6 (2016).`,
  params,
  ports: () => ({
    inputs: [{ id: 'in', label: 'Features', accepts: ['features', 'tabular'] }],
    outputs: [{ id: 'out', label: 'Features', accepts: ['features'] }],
  }),
  infer(inputs, p) {
    const t = expectOne(inputs, 'in', ['features', 'tabular'], [1]);
    if (isDiagnostic(t)) return { ok: false, diagnostics: [t] };
    return { ok: true, outputs: { out: { kind: 'features', shape: [p.units] } } };
  },
  build(ctx, inputs, p) {
    const { tf } = ctx;
    let x = inputs.in[0];
    for (let i = 0; i < p.layers; i++) {
      x = tf.layers
        .dense({ units: p.units, activation: p.activation, name: ctx.name(`dense${i + 1}`), kernelInitializer: tf.initializers.glorotUniform({ seed: ctx.seed() }) })
        .apply(x) as typeof x;
      if (p.dropout > 0) x = tf.layers.dropout({ rate: p.dropout, name: ctx.name(`dropout${i + 1}`) }).apply(x) as typeof x;
    }
    return { out: x };
  },
  emit: emitAll<z.infer<typeof params>>((ctx, p) => {
    const L = ctx.layers;
    let x = ctx.inputs.in[0];
    for (let i = 0; i < p.layers; i++) {
      x = L.dense(x, `dense${i + 1}`, { units: p.units, activation: p.activation });
      if (p.dropout > 0) x = L.dropout(x, `dropout${i + 1}`, p.dropout);
    }
    return { outputs: { out: x } };
  }),
});
