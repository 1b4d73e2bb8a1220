import { z } from 'zod';
import { defineNode, emitAll, type NodeDiagnostic } from '../../../engine/spec';
import { defineCustomLayer, expectPredictions } from '../../shared';
import { latePorts } from '../common';
import keras from './keras.py?raw';
import { makeLateAverage, type LateAverageArgs } from './layer';
import tfjs from './layer.ts?raw';
import { lateAverageOnnx } from './onnx';
import pytorch from './torch.py?raw';

export const lateAverage = defineCustomLayer<LateAverageArgs>({ className: 'FusionLab>LateAverage', make: makeLateAverage, tfjs, keras, pytorch, onnx: lateAverageOnnx });

const params = z.object({
  mode: z
    .enum(['fixed', 'learned'])
    .default('learned')
    .describe('learned: weights softmax(θ) trained jointly with the branches, starting equal. fixed: the weights you set (equal by default), nothing to train.'),
  weights: z
    .array(z.number().min(0))
    .default([])
    .describe('Fixed mode only: one weight per branch, in the order the branches are connected; empty = equal weights. Rescaled to sum to 1.'),
});

type Params = z.infer<typeof params>;

/** The fixed weights, normalised; or diagnostics when they do not fit the branches. */
function fixedWeights(p: Params, k: number): { weights: number[] } | { diagnostics: NodeDiagnostic[] } {
  if (p.weights.length === 0) return { weights: Array.from({ length: k }, () => 1 / k) };
  const where = { portId: 'in', path: ['params', 'weights'] };
  if (p.weights.length !== k) {
    return { diagnostics: [{ severity: 'error', code: 'bad-params', ...where, message: `late average has ${k} branches but ${p.weights.length} weights: give one weight per branch, or none for equal weights.` }] };
  }
  const total = p.weights.reduce((a, w) => a + w, 0);
  if (!(total > 0)) return { diagnostics: [{ severity: 'error', code: 'bad-params', ...where, message: 'late average weights are all 0: give at least one branch a positive weight.' }] };
  return { weights: p.weights.map((w) => w / total) };
}

export default defineNode({
  kind: 'late.average',
  category: 'late',
  label: 'Average predictions',
  summary: 'Model-level fusion: a weighted average of the branch predictions, fixed or learned.',
  doc: `**p = Σₖ wₖ pₖ**: each branch (its own encoder and head, trained with its own loss) predicts class
probabilities pₖ, and the fused prediction is their weighted average.

- **learned** (the default): w = softmax(θ), θ trained jointly with the branches (starting from the
  plain average); the weights stay positive and sum to 1, so p stays a probability distribution,
  and after training they show how much the model trusts each branch.
- **fixed**: w is what you set (equal by default, rescaled to sum to 1). Nothing to learn, so the
  node adds no loss.

This is *late* fusion: modalities never meet inside the network, only their decisions. It is
robust (a missing or broken modality affects one branch), easy to debug (each branch has its own
accuracy), and surprisingly strong: on CMU-MOSI (MMSA benchmark) a late-fusion DNN reaches 77.5
binary accuracy against 77.4 for early fusion and 78.0 for tensor fusion. It cannot learn
interactions between modalities; feature-level fusion can.

Reference: model-level fusion as in Baltrušaitis et al., *Multimodal Machine Learning: A Survey and
Taxonomy*, TPAMI 2019; MMF's \`late_fusion\` (Singh et al., 2020) averages branch outputs.`,
  params,
  ports: latePorts,
  infer(inputs, p) {
    const r = expectPredictions(inputs, 'late average');
    if (Array.isArray(r)) return { ok: false, diagnostics: r };
    if (p.mode === 'fixed') {
      const w = fixedWeights(p, r.count);
      if ('diagnostics' in w) return { ok: false, diagnostics: w.diagnostics };
    }
    return { ok: true, outputs: { out: { kind: 'prediction', shape: [r.classes] } } };
  },
  build(ctx, inputs, p) {
    const Average = lateAverage.of(ctx.tf);
    let w: number[] = [];
    if (p.mode === 'fixed') {
      const f = fixedWeights(p, inputs.in.length);
      if ('diagnostics' in f) throw new Error(f.diagnostics[0].message); // infer reports this first; build is never reached
      w = f.weights;
    }
    const layer = new Average({ mode: p.mode, fixedWeights: w, name: ctx.name('late_average') });
    return { out: layer.apply(inputs.in) as (typeof inputs.in)[number] };
  },
  late: { lossWeight: (p) => (p.mode === 'learned' ? 1 : 0) },
  emit: emitAll<z.infer<typeof params>>((ctx, p) => {
    let w: number[] = [];
    if (p.mode === 'fixed') {
      const f = fixedWeights(p, ctx.inputs.in.length);
      if ('diagnostics' in f) throw new Error(f.diagnostics[0].message);
      w = f.weights;
    }
    const [out] = ctx.layers.custom(lateAverage, 'late_average', ctx.inputs.in, { mode: p.mode, fixedWeights: w }, [ctx.outputTypes.out.shape]);
    return { outputs: { out } };
  }),
});
