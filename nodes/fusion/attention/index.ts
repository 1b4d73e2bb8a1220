import { z } from 'zod';
import { defineNode, emitAll } from '../../../engine/spec';
import { defineCustomLayer, checkSameShape, isDiagnosticList, projectParam, widthOf } from '../../shared';
import { failed, fusedOutputPort, fusionInputPort, fusionInputs } from '../common';
import keras from './keras.py?raw';
import { makeModalityAttention, type ModalityAttentionArgs } from './layer';
import tfjs from './layer.ts?raw';
import { modalityAttentionOnnx } from './onnx';
import pytorch from './torch.py?raw';

export const modalityAttention = defineCustomLayer<ModalityAttentionArgs>({ className: 'FusionLab>ModalityAttention', make: makeModalityAttention, tfjs, keras, pytorch, onnx: modalityAttentionOnnx });

const params = z.object({
  project: projectParam(64),
  units: z.number().int().min(1).max(1024).default(32).describe('Hidden width of the small network that scores each modality (W in sₖ = vᵀ tanh(W pₖ)).'),
});

export default defineNode({
  kind: 'fusion.attention',
  category: 'fusion',
  label: 'Attention over modalities',
  summary: 'Learned softmax weights over the modalities, per sample: h = Σ αₖ pₖ.',
  doc: `Each input is projected to a common width d, scored, and the scores become weights that sum to 1:

- pₖ = Pₖ xₖ (projection to width d = **project**; with project = 0 the inputs are used as they are and need equal widths),
- sₖ = vᵀ tanh(W pₖ) — one score per modality, from a small shared network,
- α = softmax(s), **h = Σₖ αₖ pₖ**.

The weights α are computed *per sample*, so the model can lean on the audio for one clip and on the
video for the next. The second output **weights** gives α (K numbers that sum to 1, in the order
the inputs are connected): connect it to nothing, or look at it to see which modality the model
trusted. (In the MMSA benchmark on CMU-MOSI, attention-based fusion — the cross-modal MulT —
adds about two points over concat, late and tensor fusion; weighting whole modalities, as here, is
a lighter use of the same idea. See Concatenate for the numbers.)

Use it when modalities differ in reliability from sample to sample and you want to *see* that.
Unlike the gated unit, it weighs whole modalities, not single features.

Reference: attention-based fusion as in Bahdanau et al. (ICLR 2015) applied over modalities, e.g.
Hori et al., *Attention-Based Multimodal Fusion for Video Description*, ICCV 2017.`,
  params,
  ports: () => ({
    inputs: [fusionInputPort(['features'])],
    outputs: [fusedOutputPort(['features']), { id: 'weights', label: 'Modality weights α', accepts: ['features'], optional: true }],
  }),
  infer(inputs, p) {
    const list = fusionInputs(inputs, 'attention', ['features']);
    if (isDiagnosticList(list)) return failed(list);
    const problem = checkSameShape('attention', list, p.project);
    if (problem) return failed([problem]);
    const d = p.project > 0 ? p.project : widthOf(list[0]);
    return { ok: true, outputs: { out: { kind: 'features', shape: [d] }, weights: { kind: 'features', shape: [list.length] } } };
  },
  build(ctx, inputs, p) {
    const Attention = modalityAttention.of(ctx.tf);
    const layer = new Attention({ project: p.project, units: p.units, seed: ctx.seed(), name: ctx.name('attention') });
    const [out, weights] = layer.apply(inputs.in) as (typeof inputs.in)[number][];
    return { out, weights };
  },
  emit: emitAll<z.infer<typeof params>>((ctx, p) => {
    const [out, weights] = ctx.layers.custom(modalityAttention, 'attention', ctx.inputs.in, { project: p.project, units: p.units }, [ctx.outputTypes.out.shape, ctx.outputTypes.weights.shape]);
    return { outputs: { out, weights } };
  }),
});
