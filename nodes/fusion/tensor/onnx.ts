/**
 * `FusionLab>TensorFusion` as ONNX operators: z = [1; x₁] ⊗ [1; x₂] ⊗ … flattened, the outer
 * products in input order — the formula of layer.ts (no weights).
 */
import { onnxWithOne } from '../../../engine/export/onnx/ops';
import type { OnnxLayerFace } from '../../../engine/spec';

export const tensorFusionOnnx: OnnxLayerFace = (g, xs, _config, _weights, { name, inputShapes }) => {
  const ones = xs.map((x, i) => onnxWithOne(g, x, `${name}_x${i + 1}`));
  let z = ones[0];
  let width = inputShapes[0][inputShapes[0].length - 1] + 1;
  for (let k = 1; k < ones.length; k++) {
    const w = inputShapes[k][inputShapes[k].length - 1] + 1;
    const a = g.op('Unsqueeze', [z, g.int64s(`${name}_ax2_${k}`, [2])], `${name}_a${k}`);
    const b = g.op('Unsqueeze', [ones[k], g.int64s(`${name}_ax1_${k}`, [1])], `${name}_b${k}`);
    width *= w;
    z = g.op('Reshape', [g.op('Mul', [a, b], `${name}_outer${k}`), g.int64s(`${name}_flat${k}`, [-1, width])], k === ones.length - 1 ? name : `${name}_z${k}`);
  }
  return [z];
};
