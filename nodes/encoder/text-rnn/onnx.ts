/** `FusionLab>MaskSteps` as ONNX operators: the sequence times [token ≠ 0] per step — layer.ts's formula. */
import type { OnnxLayerFace } from '../../../engine/spec';

export const maskStepsOnnx: OnnxLayerFace = (g, [x, tokens], _config, _weights, { name }) => {
  const real = g.op('Cast', [g.op('Not', [g.op('Equal', [g.op('Cast', [tokens], `${name}_tok`, { to: 1 }), g.floats(`${name}_zero`, [], [0])], `${name}_pad`)], `${name}_real`)], `${name}_m`, { to: 1 });
  return [g.op('Mul', [x, g.op('Unsqueeze', [real, g.int64s(`${name}_last`, [-1])], `${name}_m3`)], name)];
};
