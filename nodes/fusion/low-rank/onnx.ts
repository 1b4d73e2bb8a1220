/**
 * `FusionLab>LowRankFusion` as ONNX operators: fₖ = [1; xₖ]Fₖ reshaped [rank, units],
 * h = Σ_r Πₖ fₖ — the formula of layer.ts (weights factor1…factorK in its order).
 */
import { onnxWithOne } from '../../../engine/export/onnx/ops';
import type { OnnxLayerFace } from '../../../engine/spec';

export const lowRankOnnx: OnnxLayerFace = (g, xs, config, weights, { name }) => {
  const shape = g.int64s(`${name}_shape`, [-1, Number(config.rank), Number(config.units)]);
  const fs = xs.map((x, i) => g.op('Reshape', [g.op('MatMul', [onnxWithOne(g, x, `${name}_x${i + 1}`), g.floats(`${name}.factor${i + 1}`, weights[i].shape, weights[i].values)], `${name}_f${i + 1}`), shape], `${name}_r${i + 1}`));
  const prod = fs.slice(1).reduce((a, f, i) => g.op('Mul', [a, f], `${name}_prod${i + 2}`), fs[0]);
  return [g.op('ReduceSum', [prod, g.int64s(`${name}_ranks`, [1])], name, { keepdims: 0 })];
};
