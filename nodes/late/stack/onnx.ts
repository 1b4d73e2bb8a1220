/**
 * `FusionLab>LateStack` as ONNX operators: y = softmax(W₂ act(W₁[p₁;…;p_K] + b₁) + b₂), or
 * softmax(W₂[p₁;…;p_K] + b₂) without a hidden layer — the formula of layer.ts (weights W1, b1,
 * W2, b2 in its order).
 */
import { onnxActivation } from '../../../engine/export/onnx/ops';
import type { EmitActivation, OnnxLayerFace } from '../../../engine/spec';

export const lateStackOnnx: OnnxLayerFace = (g, ps, config, weights, { name }) => {
  let x = g.op('Concat', ps, `${name}_all`, { axis: -1 });
  let w = weights;
  if (Number(config.hidden) > 0) {
    const [w1, b1] = w;
    const h = g.op('Add', [g.op('MatMul', [x, g.floats(`${name}.W1`, w1.shape, w1.values)], `${name}_h`), g.floats(`${name}.b1`, b1.shape, b1.values)], `${name}_hb`);
    x = onnxActivation(g, config.activation as EmitActivation, h, `${name}_act`);
    w = w.slice(2);
  }
  const [w2, b2] = w;
  const logits = g.op('Add', [g.op('MatMul', [x, g.floats(`${name}.W2`, w2.shape, w2.values)], `${name}_z`), g.floats(`${name}.b2`, b2.shape, b2.values)], `${name}_logits`);
  return [g.op('Softmax', [logits], name, { axis: -1 })];
};
