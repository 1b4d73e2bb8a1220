import { z } from 'zod';
import { defineNode, emitAll } from '../../engine/spec';
import { activationParam, batchNorm, dropoutParam, expectOne, glorot, isDiagnostic } from '../shared';

const params = z.object({
  units: z.number().int().min(1).max(4096).default(64).describe('Width of each hidden layer; the last one is the output feature vector.'),
  layers: z.number().int().min(1).max(8).default(2).describe('How many dense layers are stacked.'),
  activation: activationParam('relu'),
  batchNorm: z.boolean().default(false).describe('Batch normalisation after each dense layer (helps when columns have very different scales).'),
  dropout: dropoutParam(0),
});

export default defineNode({
  kind: 'encoder.tabular-mlp',
  category: 'encoder',
  label: 'Tabular MLP',
  summary: 'Dense layers on a row of numbers and encoded categories.',
  doc: `A multilayer perceptron on one table row (standardised numbers and one-hot categories from the
tabular input): **h = act(BN(W·x + b))**, repeated \`layers\` times, with optional batch normalisation
and dropout.

Use it for the structured part of a sample: age, price, sensor readings, metadata next to an image
or a text. Keep it small: tables rarely need more than two layers, and dropout helps when rows are
few. (Gradient-boosted trees remain hard to beat on tables alone; the point here is to fuse the
table with other modalities.)

References: Goodfellow, Bengio, Courville, *Deep Learning*, ch. 6 (2016); Gorishniy et al.,
*Revisiting Deep Learning Models for Tabular Data* (NeurIPS 2021).`,
  params,
  ports: () => ({
    inputs: [{ id: 'in', label: 'Table row', accepts: ['tabular', 'features'] }],
    outputs: [{ id: 'out', label: 'Features', accepts: ['features'] }],
  }),
  infer(inputs, p) {
    const t = expectOne(inputs, 'in', ['tabular', 'features'], [1]);
    if (isDiagnostic(t)) return { ok: false, diagnostics: [t] };
    return { ok: true, outputs: { out: { kind: 'features', shape: [p.units] } } };
  },
  build(ctx, inputs, p) {
    const { tf } = ctx;
    let x = inputs.in[0];
    for (let i = 0; i < p.layers; i++) {
      const n = i + 1;
      // No bias under batch norm: BN removes the mean, so the bias would get no gradient.
      x = tf.layers
        .dense({ units: p.units, useBias: !p.batchNorm, activation: p.batchNorm ? 'linear' : p.activation, kernelInitializer: glorot(ctx), name: ctx.name(`dense${n}`) })
        .apply(x) as typeof x;
      if (p.batchNorm) {
        x = batchNorm(ctx, `bn${n}`).apply(x) as typeof x;
        x = tf.layers.activation({ activation: p.activation, name: ctx.name(`act${n}`) }).apply(x) as typeof x;
      }
      if (p.dropout > 0) x = tf.layers.dropout({ rate: p.dropout, name: ctx.name(`dropout${n}`) }).apply(x) as typeof x;
    }
    return { out: x };
  },
  emit: emitAll<z.infer<typeof params>>((ctx, p) => {
    const L = ctx.layers;
    let x = ctx.inputs.in[0];
    for (let i = 0; i < p.layers; i++) {
      const n = i + 1;
      x = L.dense(x, `dense${n}`, { units: p.units, useBias: !p.batchNorm, activation: p.batchNorm ? 'linear' : p.activation });
      if (p.batchNorm) {
        x = L.batchNorm(x, `bn${n}`);
        x = L.activation(x, `act${n}`, p.activation);
      }
      if (p.dropout > 0) x = L.dropout(x, `dropout${n}`, p.dropout);
    }
    return { outputs: { out: x } };
  }),
});
