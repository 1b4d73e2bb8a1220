/**
 * `FusionLab>LateVote` as ONNX operators: each branch's argmax as a one-hot vote; among the classes
 * with the most votes the highest summed probability wins; the output is its one-hot vector —
 * the rule of layer.ts (ArgMax keeps the first maximum, as tf.argMax does).
 */
import type { OnnxLayerFace } from '../../../engine/spec';

export const lateVoteOnnx: OnnxLayerFace = (g, ps, _config, _weights, { name, inputShapes }) => {
  const c = inputShapes[0][inputShapes[0].length - 1];
  const depth = g.int64s(`${name}_depth`, [c]);
  const onOff = g.floats(`${name}_onoff`, [2], [0, 1]);
  const oneHot = (x: string, out: string) => g.op('OneHot', [g.op('ArgMax', [x], `${out}_arg`, { axis: -1, keepdims: 0 }), depth, onOff], out, { axis: -1 });
  const votes = g.op('Sum', ps.map((p, k) => oneHot(p, `${name}_vote${k + 1}`)), `${name}_votes`);
  const summed = g.op('Sum', ps, `${name}_summed`);
  const top = g.op('Equal', [votes, g.op('ReduceMax', [votes], `${name}_most`, { axes: [-1], keepdims: 1 })], `${name}_top`);
  const tieBroken = g.op('Where', [top, summed, g.floats(`${name}_never`, [], [-Infinity])], `${name}_ties`);
  return [oneHot(tieBroken, name)];
};
