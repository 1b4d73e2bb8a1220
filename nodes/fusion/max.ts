import { z } from 'zod';
import { defineNode, emitAll } from '../../engine/spec';
import { projectParam } from '../shared';
import { elementwiseInfer, fusedOutputPort, fusionInputPort, PROJECT_NOTE, projectEach } from './common';

const params = z.object({
  project: projectParam(0),
});

export default defineNode({
  kind: 'fusion.max',
  category: 'fusion',
  label: 'Max',
  summary: 'Element-wise maximum over the inputs.',
  doc: `**hᵢ = maxₖ xₖ,ᵢ**: for each feature, the largest value any input has.

${PROJECT_NOTE}

Max pooling over modalities: each feature comes from whichever modality fires it most, so a
strong signal in one modality is not diluted by weak ones (unlike average). The gradient reaches only
the winning input of each feature.

Reference: Baltrušaitis, Ahuja, Morency, *Multimodal Machine Learning: A Survey and Taxonomy*, IEEE TPAMI 2019.`,
  params,
  ports: () => ({
    inputs: [fusionInputPort(['features', 'sequence'])],
    outputs: [fusedOutputPort(['features', 'sequence'])],
  }),
  infer: (inputs, p) => elementwiseInfer('max', inputs, p.project),
  build(ctx, inputs, p) {
    const xs = projectEach(ctx, inputs.in, p.project);
    return { out: ctx.tf.layers.maximum({ name: ctx.name('max') }).apply(xs) as (typeof xs)[number] };
  },
  emit: emitAll<z.infer<typeof params>>((ctx, p) => {
    const L = ctx.layers;
    const xs = p.project > 0 ? ctx.inputs.in.map((x, i) => L.dense(x, `project${i + 1}`, { units: p.project, as: `project${i + 1}` })) : ctx.inputs.in;
    return { outputs: { out: L.merge('maximum', xs, 'max') } };
  }),
});
