import { z } from 'zod';
import { defineNode, emitAll } from '../../engine/spec';
import { projectParam } from '../shared';
import { elementwiseInfer, fusedOutputPort, fusionInputPort, PROJECT_NOTE, projectEach } from './common';

const params = z.object({
  project: projectParam(0),
});

export default defineNode({
  kind: 'fusion.average',
  category: 'fusion',
  label: 'Average',
  summary: 'Element-wise mean of the inputs: h = (1/K) Σ xₖ.',
  doc: `**h = (x₁ + x₂ + … + x_K) / K**, element by element.

${PROJECT_NOTE}

Like add, but the scale of the output does not grow with the number of inputs, which keeps
training steadier when you fuse many modalities. Every modality counts the same; to learn how much
each one counts, use attention fusion (per sample) or gated fusion.

Reference: Baltrušaitis, Ahuja, Morency, *Multimodal Machine Learning: A Survey and Taxonomy*, IEEE TPAMI 2019.`,
  params,
  ports: () => ({
    inputs: [fusionInputPort(['features', 'sequence'])],
    outputs: [fusedOutputPort(['features', 'sequence'])],
  }),
  infer: (inputs, p) => elementwiseInfer('average', inputs, p.project),
  build(ctx, inputs, p) {
    const xs = projectEach(ctx, inputs.in, p.project);
    return { out: ctx.tf.layers.average({ name: ctx.name('average') }).apply(xs) as (typeof xs)[number] };
  },
  emit: emitAll<z.infer<typeof params>>((ctx, p) => {
    const L = ctx.layers;
    const xs = p.project > 0 ? ctx.inputs.in.map((x, i) => L.dense(x, `project${i + 1}`, { units: p.project, as: `project${i + 1}` })) : ctx.inputs.in;
    return { outputs: { out: L.merge('average', xs, 'average') } };
  }),
});
