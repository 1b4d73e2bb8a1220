import { z } from 'zod';
import { defineNode, emitAll } from '../../../engine/spec';
import { defineCustomLayer, isDiagnosticList } from '../../shared';
import { failed, fusedOutputPort, fusionInputPort, fusionInputs } from '../common';
import keras from './keras.py?raw';
import { makeGatedFusion, type GatedFusionArgs } from './layer';
import tfjs from './layer.ts?raw';
import { gatedFusionOnnx } from './onnx';
import pytorch from './torch.py?raw';

export const gatedFusion = defineCustomLayer<GatedFusionArgs>({ className: 'FusionLab>GatedFusion', make: makeGatedFusion, tfjs, keras, pytorch, onnx: gatedFusionOnnx });

const params = z.object({
  units: z.number().int().min(1).max(4096).default(64).describe('Width of the fused output h (each modality is mapped to this width before gating).'),
});

export default defineNode({
  kind: 'fusion.gated',
  category: 'fusion',
  label: 'Gated (GMU)',
  summary: 'Gated Multimodal Unit: learns, per sample and per feature, how much each modality counts.',
  doc: `The **Gated Multimodal Unit** maps each modality to a common width and mixes them with learned gates:

- hₖ = tanh(Wₖ xₖ) — modality k's candidate features,
- z = σ(W_z [x₁; …; x_K]) — a gate computed from *all* inputs together,
- **h = z ⊙ h₁ + (1 − z) ⊙ h₂** for two inputs.

With more than two inputs the gates are a softmax over the modalities for each feature
(z₁ + … + z_K = 1), which is the two-input form generalised. No biases, as in the paper.

Use it when the useful modality changes from sample to sample (a blurry photo with a clear caption,
a clear photo with a vague caption): the gate learns to trust whichever input is informative, and
it works with inputs of different widths. Looking at z after training shows which modality the
model relied on for each feature.

Reference: Arevalo, Solorio, Montes-y-Gómez, González, *Gated Multimodal Units for Information
Fusion*, ICLR workshop 2017, arXiv:1702.01992.`,
  params,
  ports: () => ({
    inputs: [fusionInputPort(['features'])],
    outputs: [fusedOutputPort(['features'])],
  }),
  infer(inputs, p) {
    const list = fusionInputs(inputs, 'gated', ['features']);
    if (isDiagnosticList(list)) return failed(list);
    return { ok: true, outputs: { out: { kind: 'features', shape: [p.units] } } };
  },
  build(ctx, inputs, p) {
    const Gated = gatedFusion.of(ctx.tf);
    const layer = new Gated({ units: p.units, seed: ctx.seed(), name: ctx.name('gmu') });
    return { out: layer.apply(inputs.in) as (typeof inputs.in)[number] };
  },
  emit: emitAll<z.infer<typeof params>>((ctx, p) => {
    const [out] = ctx.layers.custom(gatedFusion, 'gmu', ctx.inputs.in, { units: p.units }, [[p.units]]);
    return { outputs: { out } };
  }),
});
