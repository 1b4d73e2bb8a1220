/**
 * `FusionLab>GatedFusion` as ONNX operators: hₖ = tanh(xₖWₖ), gate = [x₁;…;x_K]W_z; K = 2:
 * z = σ(gate), h = z⊙h₁ + (1 − z)⊙h₂; K > 2: z = softmax over k of gate reshaped [units, K],
 * h = Σₖ zₖ⊙hₖ — the formulas of layer.ts (weights W1…WK, Wz in its order).
 */
import type { OnnxLayerFace } from '../../../engine/spec';

export const gatedFusionOnnx: OnnxLayerFace = (g, xs, config, weights, { name }) => {
  const k = xs.length;
  const units = Number(config.units);
  const hs = xs.map((x, i) => g.op('Tanh', [g.op('MatMul', [x, g.floats(`${name}.W${i + 1}`, weights[i].shape, weights[i].values)], `${name}_p${i + 1}`)], `${name}_h${i + 1}`));
  const wz = weights[k];
  const gate = g.op('MatMul', [g.op('Concat', xs, `${name}_all`, { axis: -1 }), g.floats(`${name}.Wz`, wz.shape, wz.values)], `${name}_gate`);
  if (k === 2) {
    const z = g.op('Sigmoid', [gate], `${name}_z`);
    const rest = g.op('Sub', [g.floats(`${name}_one`, [], [1]), z], `${name}_1mz`);
    return [g.op('Add', [g.op('Mul', [z, hs[0]], `${name}_a`), g.op('Mul', [rest, hs[1]], `${name}_b`)], name)];
  }
  const z = g.op('Softmax', [g.op('Reshape', [gate, g.int64s(`${name}_shape`, [-1, units, k])], `${name}_logits`)], `${name}_z`, { axis: -1 });
  const stacked = g.op('Concat', hs.map((h, i) => g.op('Unsqueeze', [h, g.int64s(`${name}_ax${i}`, [2])], `${name}_u${i + 1}`)), `${name}_stack`, { axis: 2 });
  return [g.op('ReduceSum', [g.op('Mul', [z, stacked], `${name}_zh`), g.int64s(`${name}_mods`, [2])], name, { keepdims: 0 })];
};
