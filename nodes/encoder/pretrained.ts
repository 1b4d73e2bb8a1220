import type * as tfTypes from '@tensorflow/tfjs';
import { z } from 'zod';
import { defineNode, sizeOf, TENSOR_KINDS, type TensorKind } from '../../engine/spec';
import { expectOne, isDiagnostic, portProblem } from '../shared';

/** Every kind except a prediction can go into a user model. */
const ACCEPTS: TensorKind[] = TENSOR_KINDS.filter((k) => k !== 'prediction');

const params = z.object({
  asset: z.string().default('').describe('Name of the uploaded TensorFlow.js layers model (model.json + weights) to apply.'),
  inputShape: z
    .array(z.number().int().min(1))
    .default([])
    .describe('Input shape the model expects, without the batch dimension (filled in when the model is uploaded).'),
  outputWidth: z.number().int().min(0).default(0).describe('Number of features the model outputs (filled in when the model is uploaded; outputs of higher rank are flattened).'),
  fineTune: z.boolean().default(false).describe('Also train the pretrained weights. Off: the model is a fixed (frozen) feature extractor.'),
});

export default defineNode({
  kind: 'encoder.pretrained',
  category: 'encoder',
  label: 'Pretrained model',
  summary: 'Your own TensorFlow.js model, used as a (usually frozen) encoder.',
  doc: `Applies a model you upload (a TensorFlow.js *layers* model: model.json plus weight files) to the
input: **h = flatten(f_θ(x))**, where f_θ is your model with its trained weights θ. By default θ is
**frozen** (transfer learning as feature extraction): only the layers after it learn, which is fast
and works with few samples. Turn on *fineTune* to update θ too, with a small learning rate, once the
rest of the network has trained.

Use it to bring knowledge learned on a large data set — e.g. a MobileNet image model or a
sentence encoder converted with \`tensorflowjs_converter\` — into a multimodal model. The input
must have exactly the shape the model expects (set the input node's size to match). Every compile
starts from the uploaded weights; fine-tuning changes the trained model, not the upload.

Reference: Yosinski et al., *How transferable are features in deep neural networks?* (NeurIPS
2014); Howard et al., *MobileNets* (2017).`,
  params,
  ports: () => ({
    inputs: [{ id: 'in', label: 'Input', accepts: ACCEPTS }],
    outputs: [{ id: 'out', label: 'Features', accepts: ['features'] }],
  }),
  infer(inputs, p) {
    if (p.asset === '' || p.inputShape.length === 0 || p.outputWidth < 1) {
      return {
        ok: false,
        diagnostics: [{ severity: 'error', code: 'bad-params', message: 'Choose a model file: upload a TensorFlow.js layers model (model.json and its weights) for this node.', path: ['params', 'asset'] }],
      };
    }
    const t = expectOne(inputs, 'in', ACCEPTS);
    if (isDiagnostic(t)) return { ok: false, diagnostics: [t] };
    if (t.shape.length !== p.inputShape.length || t.shape.some((d, i) => d !== p.inputShape[i])) {
      return {
        ok: false,
        diagnostics: [portProblem('in', `The model "${p.asset}" expects input [${p.inputShape.join(', ')}] but gets [${t.shape.join(', ')}]. Set the input node's size to match.`)],
      };
    }
    return { ok: true, outputs: { out: { kind: 'features', shape: [p.outputWidth] } } };
  },
  build(ctx, inputs, p) {
    const { tf } = ctx;
    const model = ctx.assets.get(p.asset);
    if (!model) throw new Error(`Pretrained model "${p.asset}" is not loaded: upload the model file again.`);
    if (model.inputs.length !== 1 || model.outputs.length !== 1) {
      throw new Error(`Pretrained model "${p.asset}" has ${model.inputs.length} inputs and ${model.outputs.length} outputs; it needs exactly one of each.`);
    }
    const inShape = model.inputs[0].shape.slice(1);
    if (inShape.length !== p.inputShape.length || inShape.some((d, i) => d !== null && d !== p.inputShape[i])) {
      throw new Error(`Pretrained model "${p.asset}" takes [${inShape.join(', ')}], but the node says [${p.inputShape.join(', ')}]: upload the model again.`);
    }
    const outShape = model.outputs[0].shape.slice(1);
    if (outShape.some((d) => d === null) || sizeOf(outShape as number[]) !== p.outputWidth) {
      throw new Error(`Pretrained model "${p.asset}" outputs [${outShape.join(', ')}], not ${p.outputWidth} features: upload the model again.`);
    }
    // A copy of the user's model for this compile: a container of our own carries this node's
    // layer name (the compiler maps layers to nodes by name) and its trainable flag, nests in
    // saved models, and is disposed with the compiled model without disposing the upload. The
    // weights start as the uploaded ones (shared storage until training writes new values).
    const config = { ...model.getConfig(), name: ctx.name('model') };
    // fromConfig is typed to return a bare Serializable; it returns an instance of `cls`.
    const wrapped = (
      model instanceof tf.Sequential ? tf.Sequential.fromConfig(tf.Sequential, config) : tf.LayersModel.fromConfig(tf.LayersModel, config)
    ) as tfTypes.LayersModel;
    wrapped.setWeights(model.getWeights());
    wrapped.trainable = p.fineTune;
    let x = wrapped.apply(inputs.in[0]) as (typeof inputs.in)[0];
    if (outShape.length > 1) x = tf.layers.flatten({ name: ctx.name('flatten') }).apply(x) as typeof x;
    return { out: x };
  },
});
