/** Small ONNX building blocks shared by the layer vocabulary and the custom layers' ONNX faces. */
import type { EmitActivation, OnnxOps } from '../../spec';

/** [1; x] on the last axis, as engine/layer-kit.ts `withOne` (the ones follow the batch size). */
export function onnxWithOne(g: OnnxOps, x: string, out: string): string {
  const batch = g.op('Shape', [x], `${out}_batch`, { end: 1 });
  const shape = g.op('Concat', [batch, g.int64s(`${out}_one_dim`, [1])], `${out}_ones_shape`, { axis: 0 });
  const ones = g.op('Expand', [g.floats(`${out}_one`, [1, 1], [1]), shape], `${out}_ones`);
  return g.op('Concat', [ones, x], out, { axis: -1 });
}

/** An activation as ONNX operators, as tfjs computes it (engine/layer-kit.ts `activate`). */

/** `x` through `a`; returns `x` itself for linear. */
export function onnxActivation(g: OnnxOps, a: EmitActivation | undefined, x: string, out: string): string {
  switch (a ?? 'linear') {
    case 'linear':
      return x;
    case 'relu':
      return g.op('Relu', [x], out);
    case 'tanh':
      return g.op('Tanh', [x], out);
    case 'sigmoid':
      return g.op('Sigmoid', [x], out);
    case 'elu':
      return g.op('Elu', [x], out, { alpha: { float: 1 } });
    case 'selu':
      return g.op('Selu', [x], out, { alpha: { float: 1.6732632423543772 }, gamma: { float: 1.0507009873554805 } });
    case 'swish':
      return g.op('Mul', [x, g.op('Sigmoid', [x], `${out}_sig`)], out);
    case 'gelu': {
      // x · ½ (1 + erf(x / √2)).
      const erf = g.op('Erf', [g.op('Div', [x, g.floats(`${out}_sqrt2`, [], [Math.SQRT2])], `${out}_scaled`)], `${out}_erf`);
      const cdf = g.op('Mul', [g.op('Add', [erf, g.floats(`${out}_one`, [], [1])], `${out}_1p`), g.floats(`${out}_half`, [], [0.5])], `${out}_cdf`);
      return g.op('Mul', [x, cdf], out);
    }
    case 'softmax':
      return g.op('Softmax', [x], out, { axis: -1 });
    default: {
      const _x: never = a as never;
      return _x;
    }
  }
}
