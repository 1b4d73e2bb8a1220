/**
 * `FusionLab>TensorFusion` for TensorFlow.js: the layer the app builds, and (this file's text, without
 * its imports) the layer of every TypeScript export.
 */
import type * as tf from '@tensorflow/tfjs';
import { shapeList, lastDim, tensorList, dims, withOne, type Shape, type TF } from '../../../engine/layer-kit';

/**
 * `FusionLab>TensorFusion` (Zadeh et al. 2017): z = [1; x₁] ⊗ [1; x₂] ⊗ … flattened row-major,
 * width Π(dₖ + 1). No weights: the learning happens in whatever follows.
 */
export function makeTensorFusion(tf: TF) {
  class TensorFusion extends tf.layers.Layer {
    static className = 'FusionLab>TensorFusion';

    override computeOutputShape(inputShape: Shape | Shape[]): Shape {
      const shapes = shapeList(inputShape);
      return [shapes[0][0], shapes.reduce((a, s) => a * (lastDim(s) + 1), 1)];
    }

    override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
      return tf.tidy(() => {
        const xs = tensorList(inputs).map((x) => withOne(tf, x));
        let z = xs[0];
        for (let k = 1; k < xs.length; k++) {
          const outer = tf.mul(tf.expandDims(z, 2), tf.expandDims(xs[k], 1)); // [B, a, b]
          z = tf.reshape(outer, [-1, dims(z)[1] * dims(xs[k])[1]]);
        }
        return z;
      });
    }
  }
  return TensorFusion;
}
