/**
 * `FusionLab>PositionEmbedding` for TensorFlow.js: the layer the app builds, and (this file's text, without
 * its imports) the layer of every TypeScript export.
 */
import type * as tf from '@tensorflow/tfjs';
import { shapeList, type Shape, type TF } from '../../../engine/layer-kit';

export interface PositionArgs {
  name: string;
  seed?: number;
}

/**
 * `FusionLab>PositionEmbedding`: x [b, L, d] + P[0:L] with a learned table P [L, d], so that the
 * order-blind attention below can tell positions apart.
 */
export function makePositionEmbedding(tf: TF) {
  class PositionEmbedding extends tf.layers.Layer {
    static className = 'FusionLab>PositionEmbedding';
    readonly seed: number;
    private positions: tf.LayerVariable | null = null;
    constructor(args: PositionArgs) {
      super(args);
      this.seed = args.seed ?? 0;
    }
    override build(inputShape: Shape | Shape[]): void {
      const s = shapeList(inputShape)[0];
      const [len, d] = [s[1], s[2]];
      if (len == null || d == null) throw new Error('PositionEmbedding needs a known length and width');
      this.positions = this.addWeight('positions', [len, d], 'float32', tf.initializers.randomNormal({ mean: 0, stddev: 0.02, seed: this.seed }));
      this.built = true;
    }
    override computeOutputShape(inputShape: Shape | Shape[]): Shape {
      return shapeList(inputShape)[0];
    }
    override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
      return tf.tidy(() => {
        const x = Array.isArray(inputs) ? inputs[0] : inputs;
        if (!this.positions) throw new Error('PositionEmbedding called before build');
        return x.add(this.positions.read());
      });
    }
    override getConfig(): tf.serialization.ConfigDict {
      return { ...super.getConfig(), seed: this.seed };
    }
  }
  return PositionEmbedding;
}
