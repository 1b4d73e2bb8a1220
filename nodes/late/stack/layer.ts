/**
 * `FusionLab>LateStack` for TensorFlow.js: the layer the app builds, and (this file's text, without
 * its imports) the layer of every TypeScript export.
 */
import type * as tf from '@tensorflow/tfjs';
import { shapeList, lastDim, tensorList, weightSeed, denseApply, activate, type LayerArgs, type Shape, type TF, type ActivationName } from '../../../engine/layer-kit';

export interface LateStackArgs extends LayerArgs {
  /** Hidden units of the meta-model (0 = none: a softmax regression on the predictions). */
  hidden: number;
  activation: ActivationName;
  seed?: number;
}

/**
 * `FusionLab>LateStack`: stacking, a small dense meta-model over [p₁; …; p_K]:
 * y = softmax(W₂ act(W₁[p₁;…;p_K] + b₁) + b₂), or y = softmax(W₂[p₁;…;p_K] + b₂) without a
 * hidden layer. Weights: W1, b1 (with a hidden layer), W2, b2.
 */
export function makeLateStack(tf: TF) {
  class LateStack extends tf.layers.Layer {
    static className = 'FusionLab>LateStack';
    readonly hidden: number;
    readonly activation: ActivationName;
    readonly seed: number;
    private w1: tf.LayerVariable | null = null;
    private b1: tf.LayerVariable | null = null;
    private w2: tf.LayerVariable | null = null;
    private b2: tf.LayerVariable | null = null;

    constructor(args: LateStackArgs) {
      super(args);
      this.hidden = args.hidden;
      this.activation = args.activation;
      this.seed = args.seed ?? 0;
    }

    override build(inputShape: Shape | Shape[]): void {
      const shapes = shapeList(inputShape);
      const classes = lastDim(shapes[0]);
      const width = shapes.reduce((a, s) => a + lastDim(s), 0);
      const init = (i: number) => tf.initializers.glorotUniform({ seed: weightSeed(this.seed, i) });
      if (this.hidden > 0) {
        this.w1 = this.addWeight('W1', [width, this.hidden], 'float32', init(0));
        this.b1 = this.addWeight('b1', [this.hidden], 'float32', tf.initializers.zeros());
      }
      this.w2 = this.addWeight('W2', [this.hidden > 0 ? this.hidden : width, classes], 'float32', init(1));
      this.b2 = this.addWeight('b2', [classes], 'float32', tf.initializers.zeros());
      this.built = true;
    }

    override computeOutputShape(inputShape: Shape | Shape[]): Shape {
      return [shapeList(inputShape)[0][0], lastDim(shapeList(inputShape)[0])];
    }

    override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
      return tf.tidy(() => {
        let x = tf.concat(tensorList(inputs), -1);
        if (this.w1 && this.b1) x = activate(tf, this.activation, tf.add(denseApply(tf, x, this.w1.read()), this.b1.read()));
        return tf.softmax(tf.add(denseApply(tf, x, this.w2!.read()), this.b2!.read()), -1);
      });
    }

    override getConfig(): tf.serialization.ConfigDict {
      return { ...super.getConfig(), hidden: this.hidden, activation: this.activation, seed: this.seed };
    }
  }
  return LateStack;
}
