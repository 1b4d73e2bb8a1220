import { z } from 'zod';
import { defineNode, emitAll } from '../../../engine/spec';
import { defineCustomLayer, dropoutParam, isDiagnosticList, portProblem } from '../../shared';
import { failed, fusedOutputPort, fusionInputPort, fusionInputs } from '../common';
import keras from './keras.py?raw';
import { makeMFB, type MFBArgs } from './layer';
import tfjs from './layer.ts?raw';
import { mfbOnnx } from './onnx';
import pytorch from './torch.py?raw';

export const mfbLayer = defineCustomLayer<MFBArgs>({ className: 'FusionLab>MFB', make: makeMFB, tfjs, keras, pytorch, onnx: mfbOnnx });

const params = z.object({
  factor: z.number().int().min(1).max(32).default(5).describe('Factor k: how many products of the two projections are summed into each output unit (the paper uses 5).'),
  units: z.number().int().min(1).max(4096).default(64).describe('Width o of the fused output z (the projections have k·o units).'),
  dropout: dropoutParam(0).describe('Dropout on the products x̃ ⊙ ỹ while training (the paper uses 0.1); none at prediction time.'),
});

export default defineNode({
  kind: 'fusion.mfb',
  category: 'fusion',
  label: 'Factorized bilinear (MFB)',
  summary: 'Bilinear pooling of two inputs at linear cost: products of two projections, summed in groups of k, normalised.',
  doc: `**Multi-modal Factorized Bilinear pooling** joins exactly two inputs x (width m) and y (width n):

- x̃ = Uᵀx and ỹ = Vᵀy, with U [m, k·o] and V [n, k·o] (no biases),
- **z = SumPool(x̃ ⊙ ỹ, k)**: each of the o outputs sums k consecutive products,
- z ← sign(z)·√|z| (power normalisation), then z ← z / ‖z‖₂ (L2 normalisation).

Each output is a rank-k bilinear form xᵀWⱼy, so every feature of one input can interact with every
feature of the other, as in a full bilinear layer, but with k·o·(m + n) weights instead of m·n·o.
The two normalisations keep the products' large, spiky values in check; the output is a unit
vector, so follow it with a head or a dense block. Here √|z| is computed as √(|z| + 10⁻⁸) and the
norm as √(‖z‖² + 10⁻¹²), so that gradients stay finite at 0.

Use it for two modalities whose *interaction* carries the answer (a question about an image, an
instruction about a sound), when concatenation is too weak and tensor fusion too wide. For three
or more inputs use low-rank fusion (LMF), the same idea for K modalities.

Reference: Yu, Yu, Fan, Tao, *Multi-modal Factorized Bilinear Pooling with Co-Attention Learning
for Visual Question Answering*, ICCV 2017, arXiv:1708.01471.`,
  params,
  ports: () => ({
    inputs: [{ ...fusionInputPort(['features']), maxConnections: 2 }],
    outputs: [fusedOutputPort(['features'])],
  }),
  infer(inputs, p) {
    const list = fusionInputs(inputs, 'mfb', ['features']);
    if (isDiagnosticList(list)) return failed(list);
    if (list.length !== 2) return failed([portProblem('in', `mfb joins exactly two inputs, got ${list.length}: use low-rank fusion for more.`, 'too-many-inputs')]);
    return { ok: true, outputs: { out: { kind: 'features', shape: [p.units] } } };
  },
  build(ctx, inputs, p) {
    const MFB = mfbLayer.of(ctx.tf);
    const layer = new MFB({ factor: p.factor, units: p.units, dropout: p.dropout, seed: ctx.seed(), name: ctx.name('mfb') });
    return { out: layer.apply(inputs.in) as (typeof inputs.in)[number] };
  },
  emit: emitAll<z.infer<typeof params>>((ctx, p) => {
    const [out] = ctx.layers.custom(mfbLayer, 'mfb', ctx.inputs.in, { factor: p.factor, units: p.units, dropout: p.dropout }, [[p.units]]);
    return { outputs: { out } };
  }),
});
