/**
 * The text transformer's layers as ONNX operators: `FusionLab>PositionEmbedding` (x + P) and
 * `FusionLab>TransformerBlock` (multi-head self-attention with padding keys masked, then the
 * feed-forward part, each with a residual and layer norm, ε = 1e-6) — the formulas of
 * position-layer.ts and layer.ts, weights in their order.
 */
import type { OnnxLayerFace } from '../../../engine/spec';

export const positionEmbeddingOnnx: OnnxLayerFace = (g, [x], _config, [positions], { name }) => [g.op('Add', [x, g.floats(`${name}.positions`, positions.shape, positions.values)], name)];

export const transformerBlockOnnx: OnnxLayerFace = (g, [x, tokens], config, weights, { name, inputShapes }) => {
  const [len, d] = inputShapes[0];
  const h = Number(config.numHeads);
  const dh = d / h;
  const names = ['query_kernel', 'query_bias', 'key_kernel', 'value_kernel', 'value_bias', 'output_kernel', 'output_bias', 'ln1_gamma', 'ln1_beta', 'ff1_kernel', 'ff1_bias', 'ff2_kernel', 'ff2_bias', 'ln2_gamma', 'ln2_beta'];
  const W: Record<string, string> = {};
  names.forEach((n, i) => (W[n] = g.floats(`${name}.${n}`, weights[i].shape, weights[i].values)));
  const dense = (v: string, kernel: string, bias: string | null, out: string) => {
    const m = g.op('MatMul', [v, W[kernel]], `${out}_mm`);
    return bias ? g.op('Add', [m, W[bias]], out) : m;
  };
  const heads = (v: string, label: string) => g.op('Transpose', [g.op('Reshape', [v, g.int64s(`${name}_${label}_shape`, [-1, len, h, dh])], `${name}_${label}_r`)], `${name}_${label}_h`, { perm: [0, 2, 1, 3] });
  const q = heads(dense(x, 'query_kernel', 'query_bias', `${name}_q`), 'q');
  const k = heads(dense(x, 'key_kernel', null, `${name}_k`), 'k');
  const v = heads(dense(x, 'value_kernel', 'value_bias', `${name}_v`), 'v');
  const real = g.op('Cast', [g.op('Not', [g.op('Equal', [g.op('Cast', [tokens], `${name}_tok`, { to: 1 }), g.floats(`${name}_zero`, [], [0])], `${name}_pad`)], `${name}_real`)], `${name}_m`, { to: 1 });
  const keyMask = g.op('Reshape', [real, g.int64s(`${name}_mask_shape`, [-1, 1, 1, len])], `${name}_keymask`);
  const penalty = g.op('Mul', [g.op('Sub', [keyMask, g.floats(`${name}_one`, [], [1])], `${name}_off`), g.floats(`${name}_big`, [], [1e9])], `${name}_penalty`);
  const scores = g.op('Add', [g.op('Div', [g.op('MatMul', [q, g.op('Transpose', [k], `${name}_kt`, { perm: [0, 1, 3, 2] })], `${name}_qk`), g.floats(`${name}_sqrt`, [], [Math.sqrt(dh)])], `${name}_scaled`), penalty], `${name}_scores`);
  const attended = g.op('Reshape', [g.op('Transpose', [g.op('MatMul', [g.op('Softmax', [scores], `${name}_attn`, { axis: -1 }), v], `${name}_av`)], `${name}_avt`, { perm: [0, 2, 1, 3] }), g.int64s(`${name}_merge`, [-1, len, d])], `${name}_attended`);
  const a = dense(attended, 'output_kernel', 'output_bias', `${name}_a`);
  const ln = (v: string, gamma: string, beta: string, out: string) => g.op('LayerNormalization', [v, W[gamma], W[beta]], out, { axis: -1, epsilon: { float: 1e-6 } });
  const y = ln(g.op('Add', [x, a], `${name}_res1`), 'ln1_gamma', 'ln1_beta', `${name}_y`);
  const hidden = g.op('Relu', [dense(y, 'ff1_kernel', 'ff1_bias', `${name}_ff1`)], `${name}_hidden`);
  const f = dense(hidden, 'ff2_kernel', 'ff2_bias', `${name}_ff2`);
  return [ln(g.op('Add', [y, f], `${name}_res2`), 'ln2_gamma', 'ln2_beta', name)];
};
