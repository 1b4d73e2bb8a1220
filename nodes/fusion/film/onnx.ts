/**
 * `FusionLab>FiLM` as ONNX operators: γ = cW_γ, β = cW_β, y = γ ⊙ x + β (γ and β broadcast over
 * the steps of a sequence x) — the formula of layer.ts (weights Wgamma, Wbeta in its order).
 */
import type { OnnxLayerFace } from '../../../engine/spec';

export const filmOnnx: OnnxLayerFace = (g, [x, c], _config, [wg, wb], { name, inputShapes }) => {
  let gamma = g.op('MatMul', [c, g.floats(`${name}.Wgamma`, wg.shape, wg.values)], `${name}_gamma`);
  let beta = g.op('MatMul', [c, g.floats(`${name}.Wbeta`, wb.shape, wb.values)], `${name}_beta`);
  if (inputShapes[0].length === 2) {
    gamma = g.op('Unsqueeze', [gamma, g.int64s(`${name}_ax`, [1])], `${name}_gamma3`);
    beta = g.op('Unsqueeze', [beta, g.int64s(`${name}_ax2`, [1])], `${name}_beta3`);
  }
  return [g.op('Add', [g.op('Mul', [gamma, x], `${name}_gx`), beta], name)];
};
