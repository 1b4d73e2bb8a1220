import { z } from 'zod';
import { defineNode, emitAll } from '../../../engine/spec';
import { defineCustomLayer, isDiagnostic } from '../../shared';
import { failed, roleInput } from '../common';
import keras from './keras.py?raw';
import { makeFiLM, type FiLMArgs } from './layer';
import tfjs from './layer.ts?raw';
import { filmOnnx } from './onnx';
import pytorch from './torch.py?raw';

export const filmLayer = defineCustomLayer<FiLMArgs>({ className: 'FusionLab>FiLM', make: makeFiLM, tfjs, keras, pytorch, onnx: filmOnnx });

const params = z.object({});

export default defineNode({
  kind: 'fusion.film',
  category: 'fusion',
  label: 'FiLM (conditioning)',
  summary: 'One modality scales and shifts the features of another: h = γ(c) ⊙ x + β(c).',
  doc: `**Feature-wise Linear Modulation**: the *condition* c decides, feature by feature, how to scale
and shift the features x of the other modality:

- γ = W_γ c, β = W_β c (linear maps from the condition to the width of x),
- **h = γ ⊙ x + β**.

The roles are not symmetric: connect the modality that carries the question or the context (text,
metadata, a tabular record) to **condition**, and the one that carries the evidence (image or audio
features) to **x**. If x is a sequence, the same γ and β apply at every step. The output has the
shape of x.

Use it when one input says *what to look for* in the other, e.g. a question about an image.

Reference: Perez, Strub, de Vries, Dumoulin, Courville, *FiLM: Visual Reasoning with a General
Conditioning Layer*, AAAI 2018.`,
  params,
  ports: () => ({
    inputs: [
      { id: 'x', label: 'Features to modulate (x)', accepts: ['features', 'sequence'] },
      { id: 'condition', label: 'Condition (c)', accepts: ['features'] },
    ],
    outputs: [{ id: 'out', label: 'Modulated', accepts: ['features', 'sequence'] }],
  }),
  infer(inputs) {
    const x = roleInput(inputs, 'x', 'film', ['features', 'sequence']);
    const c = roleInput(inputs, 'condition', 'film', ['features']);
    if (isDiagnostic(x) || isDiagnostic(c)) return failed([x, c].filter(isDiagnostic));
    return { ok: true, outputs: { out: { kind: x.kind, shape: [...x.shape] } } };
  },
  build(ctx, inputs) {
    const FiLM = filmLayer.of(ctx.tf);
    const layer = new FiLM({ seed: ctx.seed(), name: ctx.name('film') });
    return { out: layer.apply([inputs.x[0], inputs.condition[0]]) as (typeof inputs.x)[number] };
  },
  emit: emitAll((ctx) => {
    const [out] = ctx.layers.custom(filmLayer, 'film', [ctx.inputs.x[0], ctx.inputs.condition[0]], {}, [ctx.outputTypes.out.shape]);
    return { outputs: { out } };
  }),
});
