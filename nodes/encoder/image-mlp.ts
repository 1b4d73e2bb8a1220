import { z } from 'zod';
import { defineNode, emitAll, sizeOf } from '../../engine/spec';
import { activationParam, dropoutParam, expectOne, glorot, isDiagnostic } from '../shared';

const params = z.object({
  units: z.number().int().min(1).max(4096).default(64).describe('Width of each dense layer; the last one is the output feature vector.'),
  layers: z.number().int().min(1).max(8).default(2).describe('How many dense layers follow the flattening.'),
  activation: activationParam('relu'),
  dropout: dropoutParam(0),
});

export default defineNode({
  kind: 'encoder.image-mlp',
  category: 'encoder',
  label: 'Image MLP',
  summary: 'Flattens an image and applies dense layers.',
  doc: `Flattens the image into one long vector of h·w·c pixel values and applies fully connected
layers: **h₁ = act(W₁·vec(x) + b₁)**, **hᵢ = act(Wᵢ·hᵢ₋₁ + bᵢ)**.

Use it as a baseline, or for tiny, centred images such as MNIST digits, where it already works well.
It ignores that neighbouring pixels belong together, so it needs many weights (h·w·c·units in the
first layer) and does not cope with shifted objects: compare it with the Image CNN to see why
convolutions won.

Reference: Goodfellow, Bengio, Courville, *Deep Learning*, ch. 6 and 9 (2016).`,
  params,
  ports: () => ({
    inputs: [{ id: 'in', label: 'Image', accepts: ['image'] }],
    outputs: [{ id: 'out', label: 'Features', accepts: ['features'] }],
  }),
  infer(inputs, p) {
    const t = expectOne(inputs, 'in', ['image'], [3]);
    if (isDiagnostic(t)) return { ok: false, diagnostics: [t] };
    if (sizeOf(t.shape) < 1) return { ok: false, diagnostics: [{ severity: 'error', code: 'bad-shape', message: 'The image has no pixels.', portId: 'in' }] };
    return { ok: true, outputs: { out: { kind: 'features', shape: [p.units] } } };
  },
  build(ctx, inputs, p) {
    const { tf } = ctx;
    let x = tf.layers.flatten({ name: ctx.name('flatten') }).apply(inputs.in[0]) as (typeof inputs.in)[0];
    for (let i = 0; i < p.layers; i++) {
      x = tf.layers.dense({ units: p.units, activation: p.activation, kernelInitializer: glorot(ctx), name: ctx.name(`dense${i + 1}`) }).apply(x) as typeof x;
      if (p.dropout > 0) x = tf.layers.dropout({ rate: p.dropout, name: ctx.name(`dropout${i + 1}`) }).apply(x) as typeof x;
    }
    return { out: x };
  },
  emit: emitAll<z.infer<typeof params>>((ctx, p) => {
    const L = ctx.layers;
    let x = L.flatten(ctx.inputs.in[0], 'flatten');
    for (let i = 0; i < p.layers; i++) {
      x = L.dense(x, `dense${i + 1}`, { units: p.units, activation: p.activation });
      if (p.dropout > 0) x = L.dropout(x, `dropout${i + 1}`, p.dropout);
    }
    return { outputs: { out: x } };
  }),
});
