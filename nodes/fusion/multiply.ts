import { z } from 'zod';
import { defineNode, emitAll } from '../../engine/spec';
import { projectParam } from '../shared';
import { elementwiseInfer, fusedOutputPort, fusionInputPort, PROJECT_NOTE, projectEach } from './common';

const params = z.object({
  project: projectParam(0),
});

export default defineNode({
  kind: 'fusion.multiply',
  category: 'fusion',
  label: 'Multiply (Hadamard)',
  summary: 'Element-wise product of the inputs: h = x₁ ⊙ x₂ ⊙ ….',
  doc: `**h = x₁ ⊙ x₂ ⊙ … ⊙ x_K** (⊙ is the element-wise, or Hadamard, product).

${PROJECT_NOTE}

A product lets one modality switch features of another on or off: a feature is large only
where both inputs agree. It is a cheap stand-in for bilinear (tensor) fusion. Multimodal Low-rank
Bilinear pooling (MLB) projects each input first and then multiplies, which is what **project** does
here. Products of many inputs can vanish or explode; two or three inputs work best.

Reference: Kim et al., *Hadamard Product for Low-rank Bilinear Pooling* (MLB), ICLR 2017.`,
  params,
  ports: () => ({
    inputs: [fusionInputPort(['features', 'sequence'])],
    outputs: [fusedOutputPort(['features', 'sequence'])],
  }),
  infer: (inputs, p) => elementwiseInfer('multiply', inputs, p.project),
  build(ctx, inputs, p) {
    const xs = projectEach(ctx, inputs.in, p.project);
    return { out: ctx.tf.layers.multiply({ name: ctx.name('multiply') }).apply(xs) as (typeof xs)[number] };
  },
  emit: emitAll<z.infer<typeof params>>((ctx, p) => {
    const L = ctx.layers;
    const xs = p.project > 0 ? ctx.inputs.in.map((x, i) => L.dense(x, `project${i + 1}`, { units: p.project, as: `project${i + 1}` })) : ctx.inputs.in;
    return { outputs: { out: L.merge('multiply', xs, 'multiply') } };
  }),
});
