/**
 * `FusionLab>CrossAttention` as ONNX operators: the query attends over the context's steps (a
 * sequence's, or a feature context split into `tokens` of equal width) with h heads of width k,
 * softmax(QKᵀ/√k)V, then y = LayerNorm(q + O·W_o) — the formulas of layer.ts (weights
 * Wq, Wk when there is more than one key, Wv, Wo, gamma, beta in its order). No padding mask reaches
 * the context here: in the catalogue only the recurrent encoder's embedding masks padding, and its
 * MaskSteps ends that mask (zeroing the padded steps) before the sequence leaves the node, so tfjs
 * attends over every step as this does.
 */
import type { OnnxLayerFace } from '../../../engine/spec';

export const crossAttentionOnnx: OnnxLayerFace = (g, [q, c], config, weights, { name, inputShapes }) => {
  const [qShape, cShape] = inputShapes;
  const heads = Number(config.heads);
  const k = Number(config.keyDim);
  const tokens = Number(config.tokens);
  const dq = qShape[qShape.length - 1];
  const tq = qShape.length === 2 ? qShape[0] : 1;
  const w = weights.length === 6 ? weights : [null, null, ...weights];
  const [wq, wk, wv, wo, gamma, beta] = w;
  const W = (label: string, t: { values: Float32Array; shape: number[] } | null) => g.floats(`${name}.${label}`, t!.shape, t!.values);
  const q3 = qShape.length === 2 ? q : g.op('Unsqueeze', [q, g.int64s(`${name}_ax1`, [1])], `${name}_q3`);
  const steps = cShape.length === 2 ? cShape[0] : tokens;
  const c3 = cShape.length === 2 ? c : g.op('Reshape', [c, g.int64s(`${name}_ctx`, [-1, tokens, cShape[0] / tokens])], `${name}_c3`);
  const split = (x: string, steps: number, label: string) => g.op('Transpose', [g.op('Reshape', [x, g.int64s(`${name}_${label}_shape`, [-1, steps, heads, k])], `${name}_${label}_r`)], `${name}_${label}_h`, { perm: [0, 2, 1, 3] });
  const v = split(g.op('MatMul', [c3, W('Wv', wv)], `${name}_v`), steps, 'v');
  let o = v;
  let outSteps = 1;
  if (wq && wk) {
    const qh = split(g.op('MatMul', [q3, W('Wq', wq)], `${name}_q`), tq, 'q');
    const kh = split(g.op('MatMul', [c3, W('Wk', wk)], `${name}_k`), steps, 'k');
    const scores = g.op('Div', [g.op('MatMul', [qh, g.op('Transpose', [kh], `${name}_kt`, { perm: [0, 1, 3, 2] })], `${name}_qk`), g.floats(`${name}_sqrtk`, [], [Math.sqrt(k)])], `${name}_scores`);
    o = g.op('MatMul', [g.op('Softmax', [scores], `${name}_attn`, { axis: -1 }), v], `${name}_o`);
    outSteps = tq;
  }
  const merged = g.op('Reshape', [g.op('Transpose', [o], `${name}_ot`, { perm: [0, 2, 1, 3] }), g.int64s(`${name}_merge`, [-1, outSteps, heads * k])], `${name}_merged`);
  const y = g.op('Add', [q3, g.op('MatMul', [merged, W('Wo', wo)], `${name}_proj`)], `${name}_res`);
  const normed = g.op('LayerNormalization', [y, W('gamma', gamma), W('beta', beta)], `${name}_ln`, { axis: -1, epsilon: { float: 1e-5 } });
  return [qShape.length === 2 ? normed : g.op('Reshape', [normed, g.int64s(`${name}_out`, [-1, dq])], name)];
};
