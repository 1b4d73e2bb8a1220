/**
 * `FusionLab>MFB` as ONNX operators (inference: no dropout): z = sum-pool over groups of k of
 * (xU)⊙(yV), z ← sign(z)·√(|z| + 1e-8), h = z / √(‖z‖² + 1e-12) — the formulas of layer.ts
 * (weights U, V in its order).
 */
import type { OnnxLayerFace } from '../../../engine/spec';

export const mfbOnnx: OnnxLayerFace = (g, [x, y], config, [u, v], { name }) => {
  const joint = g.op('Mul', [g.op('MatMul', [x, g.floats(`${name}.U`, u.shape, u.values)], `${name}_xu`), g.op('MatMul', [y, g.floats(`${name}.V`, v.shape, v.values)], `${name}_yv`)], `${name}_joint`);
  const grouped = g.op('Reshape', [joint, g.int64s(`${name}_shape`, [-1, Number(config.units), Number(config.factor)])], `${name}_groups`);
  const z = g.op('ReduceSum', [grouped, g.int64s(`${name}_k`, [2])], `${name}_z`, { keepdims: 0 });
  const root = g.op('Sqrt', [g.op('Add', [g.op('Abs', [z], `${name}_abs`), g.floats(`${name}_eps`, [], [1e-8])], `${name}_abse`)], `${name}_root`);
  const powered = g.op('Mul', [g.op('Sign', [z], `${name}_sign`), root], `${name}_pow`);
  const norm = g.op('Sqrt', [g.op('Add', [g.op('ReduceSum', [g.op('Mul', [powered, powered], `${name}_sq`), g.int64s(`${name}_last`, [-1])], `${name}_ss`, { keepdims: 1 }), g.floats(`${name}_eps2`, [], [1e-12])], `${name}_sse`)], `${name}_norm`);
  return [g.op('Div', [powered, norm], name)];
};
