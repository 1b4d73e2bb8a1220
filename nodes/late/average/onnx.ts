/**
 * `FusionLab>LateAverage` as ONNX operators: p = Σₖ wₖ pₖ, with w = softmax(θ) (learned, computed
 * here from the trained θ) or the fixed weights — the formula of layer.ts.
 */
import type { OnnxLayerFace } from '../../../engine/spec';

export const lateAverageOnnx: OnnxLayerFace = (g, inputs, config, weights, { name }) => {
  let w: number[];
  if (config.mode === 'learned') {
    const theta = Array.from(weights[0].values);
    const top = Math.max(...theta);
    const e = theta.map((t) => Math.exp(t - top));
    const sum = e.reduce((a, b) => a + b, 0);
    w = e.map((v) => v / sum);
  } else w = (config.fixedWeights as number[] | undefined) ?? inputs.map(() => 1 / inputs.length);
  const terms = inputs.map((p, k) => g.op('Mul', [p, g.floats(`${name}_w${k + 1}`, [], [w[k]])], `${name}_t${k + 1}`));
  return [g.op('Sum', terms, name)];
};
