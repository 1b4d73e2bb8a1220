import { z } from 'zod';
import { defineNode, emitAll } from '../../engine/spec';
import { projectParam } from '../shared';
import { elementwiseInfer, fusedOutputPort, fusionInputPort, PROJECT_NOTE, projectEach } from './common';

const params = z.object({
  project: projectParam(0),
});

export default defineNode({
  kind: 'fusion.add',
  category: 'fusion',
  label: 'Add',
  summary: 'Element-wise sum of the inputs: h = Σ xₖ.',
  doc: `**h = x₁ + x₂ + … + x_K**, element by element.

${PROJECT_NOTE}

Use it when every modality describes the same things in the same coordinates, e.g. after each
encoder ends in a dense layer of the same width: the sum keeps the width small (unlike concat) and
lets every input push each feature up or down. It cannot tell which modality a value came from; if
that matters, use concat, gated or attention fusion.

Reference: Feature-level fusion by summation, as in residual and multimodal transformer blocks; see Baltrušaitis, Ahuja, Morency, *Multimodal Machine Learning: A Survey and Taxonomy*, IEEE TPAMI 2019.`,
  params,
  ports: () => ({
    inputs: [fusionInputPort(['features', 'sequence'])],
    outputs: [fusedOutputPort(['features', 'sequence'])],
  }),
  infer: (inputs, p) => elementwiseInfer('add', inputs, p.project),
  build(ctx, inputs, p) {
    const xs = projectEach(ctx, inputs.in, p.project);
    return { out: ctx.tf.layers.add({ name: ctx.name('add') }).apply(xs) as (typeof xs)[number] };
  },
  emit: emitAll<z.infer<typeof params>>((ctx, p) => {
    const L = ctx.layers;
    const xs = p.project > 0 ? ctx.inputs.in.map((x, i) => L.dense(x, `project${i + 1}`, { units: p.project, as: `project${i + 1}` })) : ctx.inputs.in;
    return { outputs: { out: L.merge('add', xs, 'add') } };
  }),
});
