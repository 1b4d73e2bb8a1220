/**
 * `FusionLab>FiLM` for TensorFlow.js: the layer the app builds, and (this file's text, without
 * its imports) the layer of every TypeScript export.
 */
import type * as tf from '@tensorflow/tfjs';
import { firstInputMask, shapeList, lastDim, tensorList, glorotAt, denseApply, type LayerArgs, type Shape, type TF } from '../../../engine/layer-kit';

export interface FiLMArgs extends LayerArgs {
  seed?: number;
}

/**
 * `FusionLab>FiLM` (Perez et al. 2018): γ = W_γ x_c, β = W_β x_c, h = γ ⊙ x + β.
 * Inputs: [x, condition]; x is features [B, d] or a sequence [B, T, d] (γ, β then apply at
 * every step, and x's mask passes through). Weights: Wgamma, Wbeta.
 */
export function makeFiLM(tf: TF) {
  class FiLM extends tf.layers.Layer {
    static className = 'FusionLab>FiLM';
    readonly seed: number;
    private wGamma: tf.LayerVariable | null = null;
    private wBeta: tf.LayerVariable | null = null;

    constructor(args: FiLMArgs) {
      super(args);
      this.seed = args.seed ?? 0;
      this.supportsMasking = true;
    }

    override build(inputShape: Shape | Shape[]): void {
      const [x, c] = shapeList(inputShape);
      this.wGamma = this.addWeight('Wgamma', [lastDim(c), lastDim(x)], 'float32', glorotAt(tf, this.seed, 0));
      this.wBeta = this.addWeight('Wbeta', [lastDim(c), lastDim(x)], 'float32', glorotAt(tf, this.seed, 1));
      this.built = true;
    }

    override computeOutputShape(inputShape: Shape | Shape[]): Shape {
      return shapeList(inputShape)[0];
    }

    override computeMask(inputs: tf.Tensor | tf.Tensor[], mask?: tf.Tensor | tf.Tensor[]): tf.Tensor {
      // The output is aligned with x, so it keeps x's mask (if it is a sequence).
      return firstInputMask(inputs, mask);
    }

    override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
      return tf.tidy(() => {
        const [x, c] = tensorList(inputs);
        let gamma = denseApply(tf, c, this.wGamma!.read());
        let beta = denseApply(tf, c, this.wBeta!.read());
        if (x.rank === 3) {
          gamma = tf.expandDims(gamma, 1);
          beta = tf.expandDims(beta, 1);
        }
        return tf.add(tf.mul(gamma, x), beta);
      });
    }

    override getConfig(): tf.serialization.ConfigDict {
      return { ...super.getConfig(), seed: this.seed };
    }
  }
  return FiLM;
}
