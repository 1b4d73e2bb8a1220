/**
 * `FusionLab>CrossAttention` for TensorFlow.js: the layer the app builds, and (this file's text, without
 * its imports) the layer of every TypeScript export.
 */
import type * as tf from '@tensorflow/tfjs';
import { firstInputMask, shapeList, lastDim, tensorList, glorotAt, dims, denseApply, type LayerArgs, type LayerKwargs, type Shape, type TF } from '../../../engine/layer-kit';

export interface CrossAttentionArgs extends LayerArgs {
  heads: number;
  /** Width of each head's queries, keys and values. */
  keyDim: number;
  /** A feature-vector context is split into this many tokens (1 = a one-step sequence). */
  tokens: number;
  seed?: number;
}

/**
 * `FusionLab>CrossAttention`, cross-modal attention (MulT, Tsai et al. 2019): queries from the
 * query modality, keys and values from the context modality,
 * y = LayerNorm(x_q + Attn·Wₒ) with Attn = softmax(QKᵀ/√k)V per head, Q = x_qW_q, K = x_cW_k,
 * V = x_cW_v. A feature-vector query is a one-step sequence (the output is then features); a
 * feature-vector context is split into `tokens` tokens. With a one-step context the softmax is
 * over a single key and always 1, so the layer then has no W_q, W_k (they could not learn).
 * Inputs: [query, context]; the context's padding mask, when there is one, is honoured.
 */
export function makeCrossAttention(tf: TF) {
  class CrossAttention extends tf.layers.Layer {
    static className = 'FusionLab>CrossAttention';
    readonly heads: number;
    readonly keyDim: number;
    readonly tokens: number;
    readonly seed: number;
    private wq: tf.LayerVariable | null = null;
    private wk: tf.LayerVariable | null = null;
    private wv: tf.LayerVariable | null = null;
    private wo: tf.LayerVariable | null = null;
    private gamma: tf.LayerVariable | null = null;
    private beta: tf.LayerVariable | null = null;

    constructor(args: CrossAttentionArgs) {
      super(args);
      this.heads = args.heads;
      this.keyDim = args.keyDim;
      this.tokens = args.tokens;
      this.seed = args.seed ?? 0;
      this.supportsMasking = true;
    }

    override build(inputShape: Shape | Shape[]): void {
      const [q, c] = shapeList(inputShape);
      const dq = lastDim(q);
      const steps = c.length === 2 ? this.tokens : c[1];
      const width = c.length === 2 ? lastDim(c) / this.tokens : lastDim(c);
      if (!Number.isInteger(width)) throw new Error(`CrossAttention: context width ${lastDim(c)} does not split into ${this.tokens} tokens`);
      const hk = this.heads * this.keyDim;
      if (steps !== 1) {
        this.wq = this.addWeight('Wq', [dq, hk], 'float32', glorotAt(tf, this.seed, 0));
        this.wk = this.addWeight('Wk', [width, hk], 'float32', glorotAt(tf, this.seed, 1));
      }
      this.wv = this.addWeight('Wv', [width, hk], 'float32', glorotAt(tf, this.seed, 2));
      this.wo = this.addWeight('Wo', [hk, dq], 'float32', glorotAt(tf, this.seed, 3));
      this.gamma = this.addWeight('gamma', [dq], 'float32', tf.initializers.ones());
      this.beta = this.addWeight('beta', [dq], 'float32', tf.initializers.zeros());
      this.built = true;
    }

    override computeOutputShape(inputShape: Shape | Shape[]): Shape {
      return shapeList(inputShape)[0];
    }

    override computeMask(inputs: tf.Tensor | tf.Tensor[], mask?: tf.Tensor | tf.Tensor[]): tf.Tensor {
      // The output is aligned with the query, so it keeps the query's mask (if it is a sequence).
      return firstInputMask(inputs, mask);
    }

    /** [B, T, h·k] → [B, h, T, k]. */
    private splitHeads(x: tf.Tensor): tf.Tensor {
      const [b, t] = dims(x);
      return tf.transpose(tf.reshape(x, [b, t, this.heads, this.keyDim]), [0, 2, 1, 3]);
    }

    override call(inputs: tf.Tensor | tf.Tensor[], kwargs: LayerKwargs): tf.Tensor {
      return tf.tidy(() => {
        const [q, c] = tensorList(inputs);
        const q3 = q.rank === 2 ? tf.expandDims(q, 1) : q; // [B, Tq, dq]
        const c3 = c.rank === 2 ? tf.reshape(c, [-1, this.tokens, dims(c)[1] / this.tokens]) : c; // [B, Tc, dc]
        const [b, tq, dq] = dims(q3);
        const v = this.splitHeads(denseApply(tf, c3, this.wv!.read())); // [B, h, Tc, k]
        let o: tf.Tensor; // [B, h, Tq (or 1), k]
        if (this.wq && this.wk) {
          const qh = this.splitHeads(denseApply(tf, q3, this.wq.read()));
          const kh = this.splitHeads(denseApply(tf, c3, this.wk.read()));
          let scores = tf.div(tf.matMul(qh as tf.Tensor4D, kh as tf.Tensor4D, false, true), Math.sqrt(this.keyDim)); // [B, h, Tq, Tc]
          const masks: unknown = kwargs?.mask;
          const cMask = Array.isArray(masks) ? (masks[1] as tf.Tensor | null | undefined) : null;
          if (cMask != null && c.rank === 3) {
            const m = tf.reshape(tf.cast(cMask, 'float32'), [b, 1, 1, dims(c3)[1]]);
            scores = tf.add(scores, tf.mul(tf.sub(1, m), -1e9));
          }
          o = tf.matMul(tf.softmax(scores, -1) as tf.Tensor4D, v as tf.Tensor4D);
        } else {
          o = v; // one key: its softmax weight is 1, so every query step reads that key's value
        }
        const merged = tf.reshape(tf.transpose(o, [0, 2, 1, 3]), [b, dims(o)[2], this.heads * this.keyDim]);
        const y = tf.add(q3, denseApply(tf, merged, this.wo!.read())); // a one-key result broadcasts over Tq
        const { mean, variance } = tf.moments(y, -1, true);
        const normed = tf.div(tf.sub(y, mean), tf.sqrt(tf.add(variance, 1e-5)));
        const out = tf.add(tf.mul(normed, this.gamma!.read()), this.beta!.read());
        return q.rank === 2 ? tf.reshape(out, [b, dq]) : tf.reshape(out, [b, tq, dq]);
      });
    }

    override getConfig(): tf.serialization.ConfigDict {
      return { ...super.getConfig(), heads: this.heads, keyDim: this.keyDim, tokens: this.tokens, seed: this.seed };
    }
  }
  return CrossAttention;
}
