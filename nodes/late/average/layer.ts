/**
 * `FusionLab>LateAverage` for TensorFlow.js: the layer the app builds, and (this file's text, without
 * its imports) the layer of every TypeScript export.
 */
import type * as tf from '@tensorflow/tfjs';
import { shapeList, lastDim, tensorList, type LayerArgs, type Shape, type TF } from '../../../engine/layer-kit';

export interface LateAverageArgs extends LayerArgs {
  mode: 'fixed' | 'learned';
  /**
   * Fixed mode: one weight per branch, in input order, already normalised to sum to 1.
   * Ignored in learned mode.
   */
  fixedWeights?: number[];
}

/**
 * `FusionLab>LateAverage`: p = Σₖ wₖ pₖ. Fixed mode: w from the config (no weights to train).
 * Learned mode: w = softmax(θ) with θ [K] starting at 0 (the plain average), so w stays a
 * probability vector and p stays a probability distribution. θ needs no seed: starting from the
 * plain average is the sensible, reproducible start.
 */
export function makeLateAverage(tf: TF) {
  class LateAverage extends tf.layers.Layer {
    static className = 'FusionLab>LateAverage';
    readonly mode: 'fixed' | 'learned';
    readonly fixedWeights: number[];
    private theta: tf.LayerVariable | null = null;

    constructor(args: LateAverageArgs) {
      super(args);
      this.mode = args.mode;
      this.fixedWeights = args.fixedWeights ?? [];
    }

    override build(inputShape: Shape | Shape[]): void {
      const k = shapeList(inputShape).length;
      if (this.mode === 'learned') {
        this.theta = this.addWeight('theta', [k], 'float32', tf.initializers.zeros());
      } else if (this.fixedWeights.length !== k) {
        throw new Error(`LateAverage: ${this.fixedWeights.length} fixed weights for ${k} inputs`);
      }
      this.built = true;
    }

    override computeOutputShape(inputShape: Shape | Shape[]): Shape {
      return [shapeList(inputShape)[0][0], lastDim(shapeList(inputShape)[0])];
    }

    /** The branch weights w (sums to 1), as a new tensor [K]. */
    branchWeights(): tf.Tensor {
      return tf.tidy(() => (this.mode === 'learned' ? tf.softmax(this.theta!.read()) : tf.tensor1d(this.fixedWeights)));
    }

    /** Per-sample weight of each branch (attribution): w, the same for every sample, [B, K]. */
    modalityWeights(inputs: tf.Tensor[]): tf.Tensor {
      return tf.tidy(() => tf.tile(tf.reshape(this.branchWeights(), [1, -1]), [inputs[0].shape[0], 1]));
    }

    override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
      return tf.tidy(() => {
        const p = tf.stack(tensorList(inputs), 1); // [B, K, C]
        const w = tf.reshape(this.branchWeights(), [1, -1, 1]);
        return tf.sum(tf.mul(w, p), 1);
      });
    }

    override getConfig(): tf.serialization.ConfigDict {
      return { ...super.getConfig(), mode: this.mode, fixedWeights: this.fixedWeights };
    }
  }
  return LateAverage;
}
