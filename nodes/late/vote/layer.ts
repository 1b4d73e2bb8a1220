/**
 * `FusionLab>LateVote` for TensorFlow.js: the layer the app builds, and (this file's text, without
 * its imports) the layer of every TypeScript export.
 */
import type * as tf from '@tensorflow/tfjs';
import { shapeList, lastDim, tensorList, type Shape, type TF } from '../../../engine/layer-kit';

/**
 * `FusionLab>LateVote`: each branch votes for its argmax class; the class with the most votes
 * wins, and a tie between classes is broken by the highest summed probability Σₖ pₖ.
 * Output: the one-hot vector of the winning class (so accuracy and argmax read it directly).
 * A vote is piecewise constant, so its gradient is zero; it is declared as such (a custom
 * gradient) instead of leaving tfjs to fail on ops that have no gradient. No weights.
 */
export function makeLateVote(tf: TF) {
  function vote(ps: tf.Tensor[]): tf.Tensor {
    const c = ps[0].shape[ps[0].rank - 1];
    const votes = tf.addN(ps.map((p) => tf.oneHot(tf.argMax(p, -1), c).toFloat())); // [B, C]
    const summed = tf.addN(ps); // [B, C]
    const top = tf.equal(votes, tf.max(votes, -1, true)); // classes with the most votes
    const tieBroken = tf.where(top, summed, tf.fill(summed.shape, -Infinity));
    return tf.oneHot(tf.argMax(tieBroken, -1), c).toFloat();
  }

  class LateVote extends tf.layers.Layer {
    static className = 'FusionLab>LateVote';

    override computeOutputShape(inputShape: Shape | Shape[]): Shape {
      return [shapeList(inputShape)[0][0], lastDim(shapeList(inputShape)[0])];
    }

    override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
      return tf.tidy(() => {
        const ps = tensorList(inputs);
        const withZeroGrad = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
          const xs = args.slice(0, ps.length) as tf.Tensor[];
          return { value: vote(xs), gradFunc: () => xs.map((x) => tf.zerosLike(x)) };
        });
        return withZeroGrad(...ps);
      });
    }
  }
  return LateVote;
}
