import { z } from 'zod';
import { defineNode, emitAll } from '../../../engine/spec';
import { defineCustomLayer, expectPredictions } from '../../shared';
import { latePorts } from '../common';
import type { LayerArgs } from '../../../engine/layer-kit';
import keras from './keras.py?raw';
import { makeLateVote } from './layer';
import tfjs from './layer.ts?raw';
import { lateVoteOnnx } from './onnx';
import pytorch from './torch.py?raw';

export const lateVote = defineCustomLayer<LayerArgs>({ className: 'FusionLab>LateVote', make: makeLateVote, tfjs, keras, pytorch, onnx: lateVoteOnnx });

const params = z.object({});

export default defineNode({
  kind: 'late.vote',
  category: 'late',
  label: 'Majority vote',
  summary: 'Model-level fusion: each branch votes for its top class; the majority wins.',
  doc: `Each branch votes for the class it rates highest (argmax pₖ); the class with the most votes wins.
A tie between classes is broken by the highest summed probability Σₖ pₖ over all branches.

**Output**: the one-hot vector of the winning class (1 for the winner, 0 elsewhere), so its argmax
is the vote and accuracy reads it directly. It is not a calibrated probability: two branches out of
three agreeing and all three agreeing give the same output.

A vote has nothing to learn and no useful gradient, so the node adds no loss: the branches train
with their own heads' losses, and the vote only combines their decisions. It needs at least two
branches, and an odd number avoids most ties.

Use it as a robust, explainable baseline: "the image model and the audio model both say 7".

Reference: majority voting over classifiers, Kittler, Hatef, Duin, Matas, *On Combining
Classifiers*, IEEE TPAMI 1998.`,
  params,
  ports: latePorts,
  infer(inputs) {
    const r = expectPredictions(inputs, 'vote');
    if (Array.isArray(r)) return { ok: false, diagnostics: r };
    return { ok: true, outputs: { out: { kind: 'prediction', shape: [r.classes] } } };
  },
  build(ctx, inputs) {
    const Vote = lateVote.of(ctx.tf);
    return { out: new Vote({ name: ctx.name('vote') }).apply(inputs.in) as (typeof inputs.in)[number] };
  },
  late: { lossWeight: () => 0 },
  emit: emitAll((ctx) => {
    const [out] = ctx.layers.custom(lateVote, 'vote', ctx.inputs.in, {}, [ctx.outputTypes.out.shape]);
    return { outputs: { out } };
  }),
});
