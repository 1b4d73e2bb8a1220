/**
 * `FusionLab>MaskedPool1D` for TensorFlow.js: the layer the app builds, and (this file's text, without
 * its imports) the layer of every TypeScript export.
 */
import type * as tf from '@tensorflow/tfjs';
import type { TF } from '../../../engine/layer-kit';

/**
 * `FusionLab>MaskedPool1D`: pools a sequence [b, L, d] over its steps, skipping padding steps.
 * Inputs: [sequence, tokens [b, L]]; a token id of 0 is padding. Mean: Σ mₜxₜ / max(Σ mₜ, 1);
 * max: maxₜ over non-padding steps (0 for an all-padding row).
 */
export interface MaskedPoolArgs {
  name: string;
  mode: 'mean' | 'max';
}

export function makeMaskedPool1D(tf: TF) {
  class MaskedPool1D extends tf.layers.Layer {
    static className = 'FusionLab>MaskedPool1D';
    readonly mode: 'mean' | 'max';
    constructor(args: MaskedPoolArgs) {
      super(args);
      this.mode = args.mode;
    }
    override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
      const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
      return [s[0], s[2]];
    }
    override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
      return tf.tidy(() => {
        if (!Array.isArray(inputs) || inputs.length !== 2) throw new Error('MaskedPool1D takes [sequence, tokens]');
        const [x, tokens] = inputs;
        const m = tf.cast(tf.notEqual(tokens, 0), 'float32').expandDims(-1); // [b, L, 1]
        const count = m.sum(1); // [b, 1]
        if (this.mode === 'mean') return x.mul(m).sum(1).div(tf.maximum(count, 1));
        const mx = x.add(m.sub(1).mul(1e9)).max(1);
        return tf.where(tf.greater(count, 0).tile([1, mx.shape[1] ?? 1]), mx, tf.zerosLike(mx));
      });
    }
    override getConfig(): tf.serialization.ConfigDict {
      return { ...super.getConfig(), mode: this.mode };
    }
  }
  return MaskedPool1D;
}
