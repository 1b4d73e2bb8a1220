/**
 * `FusionLab>TransformerBlock` for TensorFlow.js: the layer the app builds, and (this file's text, without
 * its imports) the layer of every TypeScript export.
 */
import type * as tf from '@tensorflow/tfjs';
import { shapeList, weightSeed, type Shape, type TF } from '../../../engine/layer-kit';

export interface BlockArgs {
  name: string;
  numHeads: number;
  ffDim: number;
  seed?: number;
}

/**
 * `FusionLab>TransformerBlock`: one post-norm encoder block (Vaswani et al. 2017) on inputs
 * [x [b, L, d], tokens [b, L]]; tokens equal to 0 are padding and masked out as keys.
 *   a = MultiHead(x) = concat_h softmax(QₕKₕᵀ/√dₕ + mask) Vₕ · W_o + b_o
 *   y = LN(x + a);  out = LN(y + W₂ relu(W₁ y + b₁) + b₂)
 * The key projection has no bias: qᵀb_k is the same for every key, so softmax cancels it and it
 * would never get a gradient.
 */
export function makeTransformerBlock(tf: TF) {
  class TransformerBlock extends tf.layers.Layer {
    static className = 'FusionLab>TransformerBlock';
    readonly numHeads: number;
    readonly ffDim: number;
    readonly seed: number;
    private w: Record<string, tf.LayerVariable> = {};
    constructor(args: BlockArgs) {
      super(args);
      this.numHeads = args.numHeads;
      this.ffDim = args.ffDim;
      this.seed = args.seed ?? 0;
    }
    override build(inputShape: Shape | Shape[]): void {
      const d = shapeList(inputShape)[0][2];
      if (d == null) throw new Error('TransformerBlock needs a known width');
      if (d % this.numHeads !== 0) throw new Error(`TransformerBlock: width ${d} is not divisible by ${this.numHeads} heads`);
      let i = 0;
      const kernel = (name: string, shape: number[]) =>
        (this.w[name] = this.addWeight(name, shape, 'float32', tf.initializers.glorotUniform({ seed: weightSeed(this.seed, i++) })));
      const constant = (name: string, shape: number[], value: number) =>
        (this.w[name] = this.addWeight(name, shape, 'float32', value === 0 ? tf.initializers.zeros() : tf.initializers.ones()));
      kernel('query_kernel', [d, d]);
      constant('query_bias', [d], 0);
      kernel('key_kernel', [d, d]);
      kernel('value_kernel', [d, d]);
      constant('value_bias', [d], 0);
      kernel('output_kernel', [d, d]);
      constant('output_bias', [d], 0);
      constant('ln1_gamma', [d], 1);
      constant('ln1_beta', [d], 0);
      kernel('ff1_kernel', [d, this.ffDim]);
      constant('ff1_bias', [this.ffDim], 0);
      kernel('ff2_kernel', [this.ffDim, d]);
      constant('ff2_bias', [d], 0);
      constant('ln2_gamma', [d], 1);
      constant('ln2_beta', [d], 0);
      this.built = true;
    }
    override computeOutputShape(inputShape: Shape | Shape[]): Shape {
      return shapeList(inputShape)[0];
    }
    private v(name: string): tf.Tensor {
      const w = this.w[name];
      if (!w) throw new Error(`TransformerBlock: weight ${name} missing (not built?)`);
      return w.read();
    }
    private layerNorm(x: tf.Tensor, g: string, b: string): tf.Tensor {
      const { mean, variance } = tf.moments(x, -1, true);
      return x.sub(mean).mul(tf.rsqrt(variance.add(1e-6))).mul(this.v(g)).add(this.v(b));
    }
    override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
      return tf.tidy(() => {
        if (!Array.isArray(inputs) || inputs.length !== 2) throw new Error('TransformerBlock takes [sequence, tokens]');
        const [x, tokens] = inputs;
        const [b, len, d] = x.shape;
        const h = this.numHeads;
        const dh = d / h;
        const flat = x.reshape([b * len, d]) as tf.Tensor2D;
        const heads = (t: tf.Tensor) => t.reshape([b, len, h, dh]).transpose([0, 2, 1, 3]); // [b, h, L, dh]
        const q = heads(tf.matMul(flat, this.v('query_kernel') as tf.Tensor2D).add(this.v('query_bias')));
        const k = heads(tf.matMul(flat, this.v('key_kernel') as tf.Tensor2D));
        const val = heads(tf.matMul(flat, this.v('value_kernel') as tf.Tensor2D).add(this.v('value_bias')));
        const keyMask = tf.cast(tf.notEqual(tokens, 0), 'float32').reshape([b, 1, 1, len]);
        const scores = tf.matMul(q, k, false, true).div(Math.sqrt(dh)).add(keyMask.sub(1).mul(1e9));
        const attended = tf.matMul(tf.softmax(scores, -1), val).transpose([0, 2, 1, 3]).reshape([b * len, d]) as tf.Tensor2D;
        const a = tf.matMul(attended, this.v('output_kernel') as tf.Tensor2D).add(this.v('output_bias'));
        const y = this.layerNorm(flat.add(a), 'ln1_gamma', 'ln1_beta') as tf.Tensor2D;
        const hidden = tf.relu(tf.matMul(y, this.v('ff1_kernel') as tf.Tensor2D).add(this.v('ff1_bias'))) as tf.Tensor2D;
        const f = tf.matMul(hidden, this.v('ff2_kernel') as tf.Tensor2D).add(this.v('ff2_bias'));
        return this.layerNorm(y.add(f), 'ln2_gamma', 'ln2_beta').reshape([b, len, d]);
      });
    }
    override getConfig(): tf.serialization.ConfigDict {
      return { ...super.getConfig(), numHeads: this.numHeads, ffDim: this.ffDim, seed: this.seed };
    }
  }
  return TransformerBlock;
}
