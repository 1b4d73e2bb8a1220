/**
 * `FusionLab>MaskedPool1D` as ONNX operators (opset 17): m = [token ≠ 0]; mean: Σ mₜxₜ / max(Σ mₜ, 1);
 * max: maxₜ (xₜ + (mₜ − 1)·1e9), 0 for an all-padding row — the formulas of layer.ts.
 */
import type { OnnxLayerFace } from '../../../engine/spec';

export const maskedPool1DOnnx: OnnxLayerFace = (g, [x, tokens], config, _weights, { name }) => {
  const pad = g.op('Equal', [g.op('Cast', [tokens], `${name}_tok`, { to: 1 }), g.floats(`${name}_zero`, [], [0])], `${name}_pad`);
  const m2 = g.op('Cast', [g.op('Not', [pad], `${name}_real`)], `${name}_m`, { to: 1 }); // [b, L]
  const m = g.op('Unsqueeze', [m2, g.int64s(`${name}_last`, [-1])], `${name}_m3`); // [b, L, 1]
  const count = g.op('ReduceSum', [m, g.int64s(`${name}_steps`, [1])], `${name}_count`, { keepdims: 0 }); // [b, 1]
  if (config.mode === 'mean') {
    const sum = g.op('ReduceSum', [g.op('Mul', [x, m], `${name}_xm`), g.int64s(`${name}_steps`, [1])], `${name}_sum`, { keepdims: 0 });
    return [g.op('Div', [sum, g.op('Max', [count, g.floats(`${name}_one`, [], [1])], `${name}_den`)], name)];
  }
  const shifted = g.op('Add', [x, g.op('Mul', [g.op('Sub', [m, g.floats(`${name}_one`, [], [1])], `${name}_off`), g.floats(`${name}_big`, [], [1e9])], `${name}_pen`)], `${name}_shift`);
  const mx = g.op('ReduceMax', [shifted], `${name}_max`, { axes: [1], keepdims: 0 });
  const any = g.op('Greater', [count, g.floats(`${name}_zero2`, [], [0])], `${name}_any`);
  return [g.op('Where', [any, mx, g.floats(`${name}_zeros`, [], [0])], name)];
};
