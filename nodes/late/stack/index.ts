import { z } from 'zod';
import { defineNode, emitAll } from '../../../engine/spec';
import { defineCustomLayer, activationParam, expectPredictions } from '../../shared';
import { latePorts } from '../common';
import keras from './keras.py?raw';
import { makeLateStack, type LateStackArgs } from './layer';
import tfjs from './layer.ts?raw';
import { lateStackOnnx } from './onnx';
import pytorch from './torch.py?raw';

export const lateStack = defineCustomLayer<LateStackArgs>({ className: 'FusionLab>LateStack', make: makeLateStack, tfjs, keras, pytorch, onnx: lateStackOnnx });

const params = z.object({
  hidden: z.number().int().min(0).max(1024).default(0).describe('Hidden units of the meta-model (0 = none: a softmax regression on the stacked predictions).'),
  activation: activationParam('tanh'),
});

export default defineNode({
  kind: 'late.stack',
  category: 'late',
  label: 'Stacking meta-model',
  summary: 'Model-level fusion: a small dense network learns to combine the branch predictions.',
  doc: `**y = softmax(W₂ · act(W₁ [p₁; …; p_K] + b₁) + b₂)**: the branch predictions are concatenated and a
small dense network (the *meta-model*) learns how to combine them; with **hidden** = 0 it is a
single softmax layer, y = softmax(W₂ [p₁; …; p_K] + b₂).

Unlike an average, the meta-model can learn that one branch is reliable for some classes and
another for others ("trust audio on 3 and 8, the image elsewhere"). Here it trains jointly with the
branches (its loss is added to theirs). Classic stacking trains it on held-out branch predictions
instead, so that it does not learn to trust a branch that merely over-fits the training set: keep
it small (hidden = 0) and watch the validation accuracy.

Reference: Wolpert, *Stacked Generalization*, Neural Networks 5(2), 1992.`,
  params,
  ports: latePorts,
  infer(inputs) {
    const r = expectPredictions(inputs, 'stack');
    if (Array.isArray(r)) return { ok: false, diagnostics: r };
    return { ok: true, outputs: { out: { kind: 'prediction', shape: [r.classes] } } };
  },
  build(ctx, inputs, p) {
    const Stack = lateStack.of(ctx.tf);
    const layer = new Stack({ hidden: p.hidden, activation: p.activation, seed: ctx.seed(), name: ctx.name('stack') });
    return { out: layer.apply(inputs.in) as (typeof inputs.in)[number] };
  },
  late: { lossWeight: () => 1 },
  emit: emitAll<z.infer<typeof params>>((ctx, p) => {
    const [out] = ctx.layers.custom(lateStack, 'stack', ctx.inputs.in, { hidden: p.hidden, activation: p.activation }, [ctx.outputTypes.out.shape]);
    return { outputs: { out } };
  }),
});
