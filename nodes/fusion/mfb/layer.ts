/**
 * `FusionLab>MFB` for TensorFlow.js: the layer the app builds, and (this file's text, without its
 * imports) the layer of every TypeScript export.
 */
import type * as tf from '@tensorflow/tfjs';
import { denseApply, glorotAt, lastDim, shapeList, tensorList, type LayerArgs, type LayerKwargs, type Shape, type TF } from '../../../engine/layer-kit';

export interface MFBArgs extends LayerArgs {
  /** k: the factor, how many products are summed into each output unit. */
  factor: number;
  /** o: the output width. */
  units: number;
  /** Dropout rate on x̃ ⊙ ỹ while training (0 = none). */
  dropout?: number;
  seed?: number;
}

/**
 * `FusionLab>MFB`, Multi-modal Factorized Bilinear pooling (Yu et al. 2017) of two inputs x [m]
 * and y [n]: x̃ = Uᵀx, ỹ = Vᵀy (U [m, k·o], V [n, k·o], no biases), z = SumPool(x̃ ⊙ ỹ, k) over
 * consecutive groups of k, then the power normalisation z ← sign(z)·√(|z| + 1e-8) and the L2
 * normalisation z ← z / √(‖z‖² + 1e-12). The two small constants keep the gradients finite where
 * z or ‖z‖ is 0; elsewhere they change the result by less than 1e-4. Weights: U, V.
 */
export function makeMFB(tf: TF) {
  class MFB extends tf.layers.Layer {
    static className = 'FusionLab>MFB';
    readonly factor: number;
    readonly units: number;
    readonly dropout: number;
    readonly seed: number;
    private u: tf.LayerVariable | null = null;
    private v: tf.LayerVariable | null = null;

    constructor(args: MFBArgs) {
      super(args);
      this.factor = args.factor;
      this.units = args.units;
      this.dropout = args.dropout ?? 0;
      this.seed = args.seed ?? 0;
    }

    override build(inputShape: Shape | Shape[]): void {
      const [x, y] = shapeList(inputShape);
      if (!x || !y || shapeList(inputShape).length !== 2) throw new Error('MFB takes exactly two inputs');
      this.u = this.addWeight('U', [lastDim(x), this.factor * this.units], 'float32', glorotAt(tf, this.seed, 0));
      this.v = this.addWeight('V', [lastDim(y), this.factor * this.units], 'float32', glorotAt(tf, this.seed, 1));
      this.built = true;
    }

    override computeOutputShape(inputShape: Shape | Shape[]): Shape {
      return [shapeList(inputShape)[0][0], this.units];
    }

    override call(inputs: tf.Tensor | tf.Tensor[], kwargs: LayerKwargs): tf.Tensor {
      return tf.tidy(() => {
        const [x, y] = tensorList(inputs);
        let joint = tf.mul(denseApply(tf, x, this.u!.read()), denseApply(tf, y, this.v!.read())); // [B, k·o]
        if (kwargs?.training === true && this.dropout > 0) joint = tf.dropout(joint, this.dropout);
        // Unit j sums products j·k … j·k + k − 1 (consecutive groups of k).
        const z = tf.sum(tf.reshape(joint, [-1, this.units, this.factor]), 2);
        const powered = tf.mul(tf.sign(z), tf.sqrt(tf.add(tf.abs(z), 1e-8)));
        return tf.div(powered, tf.sqrt(tf.add(tf.sum(tf.square(powered), -1, true), 1e-12)));
      });
    }

    override getConfig(): tf.serialization.ConfigDict {
      return { ...super.getConfig(), factor: this.factor, units: this.units, dropout: this.dropout, seed: this.seed };
    }
  }
  return MFB;
}
