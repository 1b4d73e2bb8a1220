/**
 * `FusionLab>ModalityAttention` as ONNX operators: pₖ = xₖPₖ (or xₖ), sₖ = vᵀ tanh(W pₖ),
 * α = softmax(s), h = Σₖ αₖ pₖ; outputs h and α — the formulas of layer.ts (weights P1…PK when
 * projecting, W, v in its order).
 */
import type { OnnxLayerFace } from '../../../engine/spec';

export const modalityAttentionOnnx: OnnxLayerFace = (g, xs, config, weights, { name }) => {
  const k = xs.length;
  const project = Number(config.project) > 0;
  const ps = project ? xs.map((x, i) => g.op('MatMul', [x, g.floats(`${name}.P${i + 1}`, weights[i].shape, weights[i].values)], `${name}_p${i + 1}`)) : xs;
  const [w, v] = weights.slice(project ? k : 0);
  const p = g.op('Concat', ps.map((x, i) => g.op('Unsqueeze', [x, g.int64s(`${name}_ax${i}`, [1])], `${name}_u${i + 1}`)), `${name}_stack`, { axis: 1 }); // [B, K, d]
  const hidden = g.op('Tanh', [g.op('MatMul', [p, g.floats(`${name}.W`, w.shape, w.values)], `${name}_wp`)], `${name}_hidden`);
  const s = g.op('Reshape', [g.op('MatMul', [hidden, g.floats(`${name}.v`, v.shape, v.values)], `${name}_sv`), g.int64s(`${name}_shape`, [-1, k])], `${name}_scores`);
  const alpha = g.op('Softmax', [s], `${name}_alpha`, { axis: -1 });
  const h = g.op('ReduceSum', [g.op('Mul', [g.op('Unsqueeze', [alpha, g.int64s(`${name}_ax`, [2])], `${name}_a3`), p], `${name}_ap`), g.int64s(`${name}_mods`, [1])], name, { keepdims: 0 });
  return [h, alpha];
};
