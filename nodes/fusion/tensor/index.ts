import { z } from 'zod';
import { defineNode, emitAll, type NodeDiagnostic } from '../../../engine/spec';
import { defineCustomLayer, isDiagnosticList, projectParam, widthOf } from '../../shared';
import { failed, fusedOutputPort, fusionInputPort, fusionInputs } from '../common';
import { projectEach } from '../common';
import type { LayerArgs } from '../../../engine/layer-kit';
import keras from './keras.py?raw';
import { makeTensorFusion } from './layer';
import tfjs from './layer.ts?raw';
import { tensorFusionOnnx } from './onnx';
import pytorch from './torch.py?raw';

export const tensorFusion = defineCustomLayer<LayerArgs>({ className: 'FusionLab>TensorFusion', make: makeTensorFusion, tfjs, keras, pytorch, onnx: tensorFusionOnnx });

/** Above this output width the node warns: the next dense layer gets width × units weights. */
export const TENSOR_WARN_WIDTH = 50_000;
/** Above this width one sample's fused vector alone takes 64 MB: refuse. */
export const TENSOR_MAX_WIDTH = 2 ** 24;

const params = z.object({
  project: projectParam(0),
});

export default defineNode({
  kind: 'fusion.tensor',
  category: 'fusion',
  label: 'Tensor fusion (TFN)',
  summary: 'Outer product of [1; xₖ]: every unimodal feature and every cross-modal product.',
  doc: `**z = [1; x₁] ⊗ [1; x₂] ⊗ … ⊗ [1; x_K]**, flattened. The appended 1 keeps each modality's own
features (the row and column next to the 1) alongside every product of features across modalities
(bimodal terms x₁ᵢ·x₂ⱼ, trimodal terms, …). The output width is **Π (dₖ + 1)**.

The layer has no weights: it lays out every interaction explicitly so that the next dense layer can
weigh them. The price is size: two 64-wide inputs give 4,225 features, three give 274,625, and the
following dense layer multiplies that by its width. The node warns above ${TENSOR_WARN_WIDTH.toLocaleString('en')}. Set
**project** (e.g. 16 or 32) to shrink each input first, or use **low-rank** fusion, which gets the
same expressiveness at linear cost.

**How much does it buy?** On CMU-MOSI (binary accuracy, MMSA benchmark) TFN reaches 78.0 against
77.4 for early fusion (concat into an LSTM) and 77.5 for late fusion; LMF 77.9 and MulT 79.7. Explicit
cross-modal products help a little; attention helps more.

Reference: Zadeh, Chen, Poria, Cambria, Morency, *Tensor Fusion Network for Multimodal Sentiment
Analysis*, EMNLP 2017.`,
  params,
  ports: () => ({
    inputs: [fusionInputPort(['features'])],
    outputs: [fusedOutputPort(['features'])],
  }),
  infer(inputs, p) {
    const list = fusionInputs(inputs, 'tensor', ['features']);
    if (isDiagnosticList(list)) return failed(list);
    const widths = list.map((t) => (p.project > 0 ? p.project : widthOf(t)));
    const width = widths.reduce((a, w) => a * (w + 1), 1);
    const formula = widths.map((w) => `(${w}+1)`).join('×');
    if (width > TENSOR_MAX_WIDTH) {
      return failed([{ severity: 'error', code: 'bad-shape', portId: 'in', path: ['params', 'project'], message: `tensor fusion would output ${formula} = ${width.toLocaleString('en')} features per sample, too many to hold: set 'project' to 16 or 32, or use low-rank fusion.` }]);
    }
    const diagnostics: NodeDiagnostic[] = [];
    if (width > TENSOR_WARN_WIDTH) {
      diagnostics.push({ severity: 'warning', code: 'bad-shape', portId: 'in', path: ['params', 'project'], message: `tensor fusion outputs ${formula} = ${width.toLocaleString('en')} features, and the next dense layer multiplies that by its width: set 'project' to 16 or 32, or use low-rank fusion.` });
    }
    return { ok: true, outputs: { out: { kind: 'features', shape: [width] } }, diagnostics };
  },
  build(ctx, inputs, p) {
    const xs = projectEach(ctx, inputs.in, p.project);
    const Tensor = tensorFusion.of(ctx.tf);
    return { out: new Tensor({ name: ctx.name('tensor') }).apply(xs) as (typeof xs)[number] };
  },
  emit: emitAll<z.infer<typeof params>>((ctx, p) => {
    const L = ctx.layers;
    const xs = p.project > 0 ? ctx.inputs.in.map((x, i) => L.dense(x, `project${i + 1}`, { units: p.project, as: `project${i + 1}` })) : ctx.inputs.in;
    const [out] = L.custom(tensorFusion, 'tensor', xs, {}, [ctx.outputTypes.out.shape]);
    return { outputs: { out } };
  }),
});
