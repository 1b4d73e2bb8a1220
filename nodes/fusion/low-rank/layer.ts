/**
 * `FusionLab>LowRankFusion` for TensorFlow.js: the layer the app builds, and (this file's text, without
 * its imports) the layer of every TypeScript export.
 */
import type * as tf from '@tensorflow/tfjs';
import { shapeList, lastDim, tensorList, glorotAt, denseApply, withOne, type LayerArgs, type Shape, type TF } from '../../../engine/layer-kit';

export interface LowRankFusionArgs extends LayerArgs {
  rank: number;
  units: number;
  seed?: number;
}

/**
 * `FusionLab>LowRankFusion` (Liu et al. 2018): h = Σᵢ₌₁ʳ ⊙ₖ (Wₖ⁽ⁱ⁾ [1; xₖ]). Modality k has one
 * weight `factor<k>` [dₖ+1, r·units] holding its r factors Wₖ⁽¹⁾…Wₖ⁽ʳ⁾ side by side.
 */
export function makeLowRankFusion(tf: TF) {
  class LowRankFusion extends tf.layers.Layer {
    static className = 'FusionLab>LowRankFusion';
    readonly rank: number;
    readonly units: number;
    readonly seed: number;
    private factors: tf.LayerVariable[] = [];

    constructor(args: LowRankFusionArgs) {
      super(args);
      this.rank = args.rank;
      this.units = args.units;
      this.seed = args.seed ?? 0;
    }

    override build(inputShape: Shape | Shape[]): void {
      this.factors = shapeList(inputShape).map((s, i) =>
        this.addWeight(`factor${i + 1}`, [lastDim(s) + 1, this.rank * this.units], 'float32', glorotAt(tf, this.seed, i)),
      );
      this.built = true;
    }

    override computeOutputShape(inputShape: Shape | Shape[]): Shape {
      return [shapeList(inputShape)[0][0], this.units];
    }

    override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
      return tf.tidy(() => {
        const fs = tensorList(inputs).map((x, i) => tf.reshape(denseApply(tf, withOne(tf, x), this.factors[i].read()), [-1, this.rank, this.units]));
        const prod = fs.reduce((a, f) => tf.mul(a, f));
        return tf.sum(prod, 1);
      });
    }

    override getConfig(): tf.serialization.ConfigDict {
      return { ...super.getConfig(), rank: this.rank, units: this.units, seed: this.seed };
    }
  }
  return LowRankFusion;
}
