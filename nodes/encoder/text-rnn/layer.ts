/**
 * `FusionLab>MaskSteps` for TensorFlow.js: the layer the app builds, and (this file's text, without
 * its imports) the layer of every TypeScript export.
 */
import type * as tf from '@tensorflow/tfjs';
import type { TF } from '../../../engine/layer-kit';

export interface MaskStepsArgs {
  name: string;
}

/**
 * `FusionLab>MaskSteps`: inputs [sequence [b, L, d], tokens [b, L]]; zeroes the steps whose token
 * is padding (0) and ends the tfjs mask there, so that layers after the encoder (fusion operators
 * that know nothing of masks) get a plain tensor.
 */
export function makeMaskSteps(tf: TF) {
  class MaskSteps extends tf.layers.Layer {
    static className = 'FusionLab>MaskSteps';
    constructor(args: MaskStepsArgs) {
      super(args);
      this.supportsMasking = true; // accepts the RNN's mask without complaint …
    }
    override computeMask(): tf.Tensor {
      // … and ends it. (tfjs types say Tensor, but null is what "no mask" means to the executor.)
      return null as unknown as tf.Tensor;
    }
    override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
      return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    }
    override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
      return tf.tidy(() => {
        if (!Array.isArray(inputs) || inputs.length !== 2) throw new Error('MaskSteps takes [sequence, tokens]');
        const [x, tokens] = inputs;
        return x.mul(tf.cast(tf.notEqual(tokens, 0), 'float32').expandDims(-1));
      });
    }
  }
  return MaskSteps;
}
