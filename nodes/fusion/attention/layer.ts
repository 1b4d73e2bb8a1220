/**
 * `FusionLab>ModalityAttention` for TensorFlow.js: the layer the app builds, and (this file's text, without
 * its imports) the layer of every TypeScript export.
 */
import type * as tf from '@tensorflow/tfjs';
import { shapeList, lastDim, tensorList, glorotAt, denseApply, NO_MASK, type LayerArgs, type Shape, type TF } from '../../../engine/layer-kit';

export interface ModalityAttentionArgs extends LayerArgs {
  /** Width d each input is projected to by Pₖ (0 = no projection; inputs then share one width). */
  project: number;
  /** Hidden width of the scoring network W. */
  units: number;
  seed?: number;
}

/**
 * `FusionLab>ModalityAttention`, attention over modalities: pₖ = Pₖxₖ, sₖ = vᵀ tanh(W pₖ),
 * α = softmax(s), h = Σ αₖ pₖ. Two outputs: h [d] and the per-sample weights α [K], so that the
 * app can show which modality the model relied on. Weights: P1…PK (when projecting), W, v.
 */
export function makeModalityAttention(tf: TF) {
  class ModalityAttention extends tf.layers.Layer {
    static className = 'FusionLab>ModalityAttention';
    readonly project: number;
    readonly units: number;
    readonly seed: number;
    private pWeights: tf.LayerVariable[] = [];
    private wWeight: tf.LayerVariable | null = null;
    private vWeight: tf.LayerVariable | null = null;

    constructor(args: ModalityAttentionArgs) {
      super(args);
      this.project = args.project;
      this.units = args.units;
      this.seed = args.seed ?? 0;
    }

    private width(shapes: Shape[]): number {
      return this.project > 0 ? this.project : lastDim(shapes[0]);
    }

    override build(inputShape: Shape | Shape[]): void {
      const shapes = shapeList(inputShape);
      const d = this.width(shapes);
      this.pWeights = this.project > 0 ? shapes.map((s, i) => this.addWeight(`P${i + 1}`, [lastDim(s), d], 'float32', glorotAt(tf, this.seed, i))) : [];
      this.wWeight = this.addWeight('W', [d, this.units], 'float32', glorotAt(tf, this.seed, shapes.length));
      this.vWeight = this.addWeight('v', [this.units, 1], 'float32', glorotAt(tf, this.seed, shapes.length + 1));
      this.built = true;
    }

    override computeOutputShape(inputShape: Shape | Shape[]): Shape[] {
      const shapes = shapeList(inputShape);
      const b = shapes[0][0];
      return [
        [b, this.width(shapes)],
        [b, shapes.length],
      ];
    }

    override computeMask(): tf.Tensor[] {
      return [NO_MASK, NO_MASK];
    }

    /** Per-sample weight of each modality (attribution): α, [B, K]. */
    modalityWeights(inputs: tf.Tensor[]): tf.Tensor {
      return tf.tidy(() => {
        const [h, alpha] = this.call(inputs);
        h.dispose();
        return alpha;
      });
    }

    override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
      return tf.tidy(() => {
        const xs = tensorList(inputs);
        const ps = this.project > 0 ? xs.map((x, i) => denseApply(tf, x, this.pWeights[i].read())) : xs;
        const p = tf.stack(ps, 1); // [B, K, d]
        const s = tf.reshape(denseApply(tf, tf.tanh(denseApply(tf, p, this.wWeight!.read())), this.vWeight!.read()), [-1, xs.length]); // [B, K]
        const alpha = tf.softmax(s, -1);
        const h = tf.sum(tf.mul(tf.expandDims(alpha, 2), p), 1);
        return [h, alpha];
      });
    }

    override getConfig(): tf.serialization.ConfigDict {
      return { ...super.getConfig(), project: this.project, units: this.units, seed: this.seed };
    }
  }
  return ModalityAttention;
}
