/**
 * `FusionLab>GatedFusion` for TensorFlow.js: the layer the app builds, and (this file's text,
 * without its imports) the layer of every TypeScript export.
 */
import type * as tf from '@tensorflow/tfjs';
import { denseApply, glorotAt, lastDim, shapeList, tensorList, type LayerArgs, type Shape, type TF } from '../../../engine/layer-kit';

export interface GatedFusionArgs extends LayerArgs {
  /** Output width of the unit. */
  units: number;
  seed?: number;
}

/**
 * `FusionLab>GatedFusion`, the Gated Multimodal Unit (Arevalo et al. 2017):
 * hₖ = tanh(Wₖxₖ), z = σ(W_z[x₁;…;x_K]), h = z⊙h₁ + (1−z)⊙h₂ for K = 2. For K > 2 the gates
 * are a softmax over k of K gate logits per unit, the K = 2 form generalised
 * (σ(a) = softmax([a, 0])₀). No biases, as in the paper. Weights: W1…WK, Wz.
 */
export function makeGatedFusion(tf: TF) {
  class GatedFusion extends tf.layers.Layer {
    static className = 'FusionLab>GatedFusion';
    readonly units: number;
    readonly seed: number;
    private hWeights: tf.LayerVariable[] = [];
    private zWeight: tf.LayerVariable | null = null;

    constructor(args: GatedFusionArgs) {
      super(args);
      this.units = args.units;
      this.seed = args.seed ?? 0;
    }

    override build(inputShape: Shape | Shape[]): void {
      const shapes = shapeList(inputShape);
      const k = shapes.length;
      this.hWeights = shapes.map((s, i) => this.addWeight(`W${i + 1}`, [lastDim(s), this.units], 'float32', glorotAt(tf, this.seed, i)));
      const total = shapes.reduce((a, s) => a + lastDim(s), 0);
      this.zWeight = this.addWeight('Wz', [total, k === 2 ? this.units : k * this.units], 'float32', glorotAt(tf, this.seed, k));
      this.built = true;
    }

    override computeOutputShape(inputShape: Shape | Shape[]): Shape {
      return [shapeList(inputShape)[0][0], this.units];
    }

    /**
     * Per-sample weight of each modality (attribution): the gates averaged over the units, [B, K]
     * (for K = 2: mean z and 1 − mean z).
     */
    modalityWeights(inputs: tf.Tensor[]): tf.Tensor {
      return tf.tidy(() => {
        const gate = denseApply(tf, tf.concat(inputs, -1), this.zWeight!.read());
        if (inputs.length === 2) {
          const z = tf.mean(tf.sigmoid(gate), -1, true);
          return tf.concat([z, tf.sub(1, z)], -1);
        }
        return tf.mean(tf.softmax(tf.reshape(gate, [-1, this.units, inputs.length]), -1), 1);
      });
    }

    override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
      return tf.tidy(() => {
        const xs = tensorList(inputs);
        const hs = xs.map((x, i) => tf.tanh(denseApply(tf, x, this.hWeights[i].read())));
        const gate = denseApply(tf, tf.concat(xs, -1), this.zWeight!.read());
        if (xs.length === 2) {
          const z = tf.sigmoid(gate);
          return tf.add(tf.mul(z, hs[0]), tf.mul(tf.sub(1, z), hs[1]));
        }
        // Column j·K + k of Wz is the gate logit of modality k for unit j (tf.softmax works on
        // the last axis only, so the modalities are the last axis).
        const z = tf.softmax(tf.reshape(gate, [-1, this.units, xs.length]), -1);
        return tf.sum(tf.mul(z, tf.stack(hs, 2)), 2);
      });
    }

    override getConfig(): tf.serialization.ConfigDict {
      return { ...super.getConfig(), units: this.units, seed: this.seed };
    }
  }
  return GatedFusion;
}
