import { z } from 'zod';
import { defineNode, emitAll } from '../../engine/spec';
import { isDiagnosticList, listWords, portProblem, widthOf } from '../shared';
import { failed, fusedOutputPort, fusionInputPort, fusionInputs } from './common';

const params = z.object({});

export default defineNode({
  kind: 'fusion.concat',
  category: 'fusion',
  label: 'Concatenate',
  summary: 'Joins the feature vectors end to end: [x₁; x₂; …].',
  doc: `**h = [x₁; x₂; …; x_K]**: the inputs side by side, so the output width is the sum of the input widths.

This is *early* (feature-level) fusion, the baseline every multimodal paper compares against.
Nothing is lost and nothing is learned here: the layers after it (a dense block, a head) learn how
the modalities combine. The inputs may have any widths. Sequences of the same length are joined
step by step (their widths add up).

**A lesson from the literature.** On CMU-MOSI sentiment (binary accuracy, MMSA benchmark), an
early-fusion LSTM reaches 77.4, late fusion (one model per modality, predictions averaged) 77.5,
Tensor Fusion 78.0, Low-rank Fusion 77.9 and the cross-modal transformer MulT 79.7. Simple fusion
is within about a point of tensor fusion; attention-based fusion adds about two. Start with concat,
then try whether a fancier operator really helps on *your* data.

Reference: Baltrušaitis, Ahuja, Morency, *Multimodal Machine Learning: A Survey and Taxonomy*,
IEEE TPAMI 2019; MOSI numbers from the MMSA benchmark (github.com/thuiar/MMSA).`,
  params,
  ports: () => ({
    inputs: [fusionInputPort(['features', 'sequence'])],
    outputs: [fusedOutputPort(['features', 'sequence'])],
  }),
  infer(inputs) {
    const list = fusionInputs(inputs, 'concat', ['features', 'sequence']);
    if (isDiagnosticList(list)) return failed(list);
    const kinds = [...new Set(list.map((t) => t.kind))];
    if (kinds.length > 1) return failed([portProblem('in', `concat cannot mix ${listWords(kinds)} inputs: pool the sequences into features first (or feed only sequences).`)]);
    const width = list.reduce((a, t) => a + widthOf(t), 0);
    if (list[0].kind === 'sequence') {
      const steps = list.map((t) => t.shape[0]);
      if (new Set(steps).size > 1) {
        return failed([portProblem('in', `concat needs sequences of equal length, got ${listWords(steps)} steps: give the encoders the same sequence length, or pool them into features first.`)]);
      }
      return { ok: true, outputs: { out: { kind: 'sequence', shape: [steps[0], width] } } };
    }
    return { ok: true, outputs: { out: { kind: 'features', shape: [width] } } };
  },
  build(ctx, inputs) {
    return { out: ctx.tf.layers.concatenate({ axis: -1, name: ctx.name('concat') }).apply(inputs.in) as (typeof inputs.in)[number] };
  },
  emit: emitAll((ctx) => {
    return { outputs: { out: ctx.layers.merge('concat', ctx.inputs.in, 'concat') } };
  }),
});
