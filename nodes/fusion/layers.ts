/**
 * Custom tfjs layers behind the fusion.* kinds (formulas and sources: shared/FUSION.md), and the
 * projection helper that several kinds share.
 *
 * Every layer creates its weights in build() with seeded initializers, computes in tf.tidy, and
 * has a fixed `FusionLab>…` class name. Node files may not import tfjs, so each class is made
 * from the tf module by `defineCustomLayer` (nodes/shared.ts) on first use and registered for
 * serialization then; `registerCustomLayers(tf)` makes them all before `tf.loadLayersModel`.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import type { BuildContext } from '../../engine/spec';
import { defineCustomLayer, type LayerKwargs } from '../shared';

type TF = typeof tfTypes;
type Tensor = tfTypes.Tensor;
type LayerVariable = tfTypes.LayerVariable;
/** A shape with the batch dimension first (null when unknown). */
export type Shape = tfTypes.Shape;
/** Base-layer constructor args (name, trainable, …). */
export type LayerArgs = NonNullable<ConstructorParameters<typeof tfTypes.layers.Layer>[0]>;
type Initializer = ReturnType<TF['initializers']['glorotUniform']>;

/**
 * tfjs's typings say computeMask returns a tensor, but at run time `null` means "no mask" and is
 * what the base class returns; this constant carries that null through the typings.
 */
const NO_MASK = null as unknown as Tensor;

/** Turn whatever build()/computeOutputShape() receive into a list of shapes. */
export function shapeList(s: Shape | Shape[]): Shape[] {
  return Array.isArray(s[0]) ? (s as Shape[]) : [s as Shape];
}

/** The last dimension of a shape; the layers here need it known. */
export function lastDim(s: Shape): number {
  const d = s[s.length - 1];
  if (d == null) throw new Error(`FusionLab layer: the last dimension of [${s.join(', ')}] must be known`);
  return d;
}

/** The list of tensors a multi-input layer receives. */
export function tensorList(x: Tensor | Tensor[]): Tensor[] {
  return Array.isArray(x) ? x : [x];
}

/**
 * A different but reproducible seed for each weight of one layer: the layer gets one seed from
 * the compiler, and weight i uses seed + a large odd stride so that weights never share a stream.
 */
export function weightSeed(seed: number, i: number): number {
  return seed + 7919 * (i + 1);
}

function glorotAt(tf: TF, seed: number, i: number): Initializer {
  return tf.initializers.glorotUniform({ seed: weightSeed(seed, i) });
}

/** A tensor's shape as a plain array (tfjs types it as a per-rank tuple). */
export function dims(x: Tensor): number[] {
  return x.shape as number[];
}

/** x [..., d] · W [d, n] → [..., n] for any rank of x (tf.matMul wants equal ranks). */
export function denseApply(tf: TF, x: Tensor, w: Tensor): Tensor {
  if (x.rank === 2) return tf.matMul(x as tfTypes.Tensor2D, w as tfTypes.Tensor2D);
  const lead = x.shape.slice(0, -1);
  const flat = tf.reshape(x, [-1, x.shape[x.rank - 1]]) as tfTypes.Tensor2D;
  return tf.reshape(tf.matMul(flat, w as tfTypes.Tensor2D), [...lead, dims(w)[1]]);
}

/** [1; x] along the last axis: the constant 1 that keeps the unimodal terms (TFN, LMF). */
function withOne(tf: TF, x: Tensor): Tensor {
  const ones = tf.ones([...x.shape.slice(0, -1), 1]);
  return tf.concat([ones, x], -1);
}

// ---------------------------------------------------------------------------------------------

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
export const gatedFusionLayer = defineCustomLayer<GatedFusionArgs>('FusionLab>GatedFusion', (tf) => {
  class GatedFusion extends tf.layers.Layer {
    static className = 'FusionLab>GatedFusion';
    readonly units: number;
    readonly seed: number;
    private hWeights: LayerVariable[] = [];
    private zWeight: LayerVariable | null = null;

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

    override call(inputs: Tensor | Tensor[]): Tensor {
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

    override getConfig(): tfTypes.serialization.ConfigDict {
      return { ...super.getConfig(), units: this.units, seed: this.seed };
    }
  }
  return GatedFusion;
});

// ---------------------------------------------------------------------------------------------

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
export const modalityAttentionLayer = defineCustomLayer<ModalityAttentionArgs>('FusionLab>ModalityAttention', (tf) => {
  class ModalityAttention extends tf.layers.Layer {
    static className = 'FusionLab>ModalityAttention';
    readonly project: number;
    readonly units: number;
    readonly seed: number;
    private pWeights: LayerVariable[] = [];
    private wWeight: LayerVariable | null = null;
    private vWeight: LayerVariable | null = null;

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

    override computeMask(): Tensor[] {
      return [NO_MASK, NO_MASK];
    }

    override call(inputs: Tensor | Tensor[]): Tensor[] {
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

    override getConfig(): tfTypes.serialization.ConfigDict {
      return { ...super.getConfig(), project: this.project, units: this.units, seed: this.seed };
    }
  }
  return ModalityAttention;
});

// ---------------------------------------------------------------------------------------------

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
export const crossAttentionLayer = defineCustomLayer<CrossAttentionArgs>('FusionLab>CrossAttention', (tf) => {
  class CrossAttention extends tf.layers.Layer {
    static className = 'FusionLab>CrossAttention';
    readonly heads: number;
    readonly keyDim: number;
    readonly tokens: number;
    readonly seed: number;
    private wq: LayerVariable | null = null;
    private wk: LayerVariable | null = null;
    private wv: LayerVariable | null = null;
    private wo: LayerVariable | null = null;
    private gamma: LayerVariable | null = null;
    private beta: LayerVariable | null = null;

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

    override computeMask(inputs: Tensor | Tensor[], mask?: Tensor | Tensor[]): Tensor {
      // The output is aligned with the query, so it keeps the query's mask (if it is a sequence).
      if (tensorList(inputs)[0].rank !== 3 || mask == null) return NO_MASK;
      return (Array.isArray(mask) ? mask[0] : mask) ?? NO_MASK;
    }

    /** [B, T, h·k] → [B, h, T, k]. */
    private splitHeads(x: Tensor): Tensor {
      const [b, t] = dims(x);
      return tf.transpose(tf.reshape(x, [b, t, this.heads, this.keyDim]), [0, 2, 1, 3]);
    }

    override call(inputs: Tensor | Tensor[], kwargs: LayerKwargs): Tensor {
      return tf.tidy(() => {
        const [q, c] = tensorList(inputs);
        const q3 = q.rank === 2 ? tf.expandDims(q, 1) : q; // [B, Tq, dq]
        const c3 = c.rank === 2 ? tf.reshape(c, [-1, this.tokens, dims(c)[1] / this.tokens]) : c; // [B, Tc, dc]
        const [b, tq, dq] = dims(q3);
        const v = this.splitHeads(denseApply(tf, c3, this.wv!.read())); // [B, h, Tc, k]
        let o: Tensor; // [B, h, Tq (or 1), k]
        if (this.wq && this.wk) {
          const qh = this.splitHeads(denseApply(tf, q3, this.wq.read()));
          const kh = this.splitHeads(denseApply(tf, c3, this.wk.read()));
          let scores = tf.div(tf.matMul(qh as tfTypes.Tensor4D, kh as tfTypes.Tensor4D, false, true), Math.sqrt(this.keyDim)); // [B, h, Tq, Tc]
          const masks: unknown = kwargs?.mask;
          const cMask = Array.isArray(masks) ? (masks[1] as Tensor | null | undefined) : null;
          if (cMask != null && c.rank === 3) {
            const m = tf.reshape(tf.cast(cMask, 'float32'), [b, 1, 1, dims(c3)[1]]);
            scores = tf.add(scores, tf.mul(tf.sub(1, m), -1e9));
          }
          o = tf.matMul(tf.softmax(scores, -1) as tfTypes.Tensor4D, v as tfTypes.Tensor4D);
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

    override getConfig(): tfTypes.serialization.ConfigDict {
      return { ...super.getConfig(), heads: this.heads, keyDim: this.keyDim, tokens: this.tokens, seed: this.seed };
    }
  }
  return CrossAttention;
});

// ---------------------------------------------------------------------------------------------

/**
 * `FusionLab>TensorFusion` (Zadeh et al. 2017): z = [1; x₁] ⊗ [1; x₂] ⊗ … flattened row-major,
 * width Π(dₖ + 1). No weights: the learning happens in whatever follows.
 */
export const tensorFusionLayer = defineCustomLayer<LayerArgs>('FusionLab>TensorFusion', (tf) => {
  class TensorFusion extends tf.layers.Layer {
    static className = 'FusionLab>TensorFusion';

    override computeOutputShape(inputShape: Shape | Shape[]): Shape {
      const shapes = shapeList(inputShape);
      return [shapes[0][0], shapes.reduce((a, s) => a * (lastDim(s) + 1), 1)];
    }

    override call(inputs: Tensor | Tensor[]): Tensor {
      return tf.tidy(() => {
        const xs = tensorList(inputs).map((x) => withOne(tf, x));
        let z = xs[0];
        for (let k = 1; k < xs.length; k++) {
          const outer = tf.mul(tf.expandDims(z, 2), tf.expandDims(xs[k], 1)); // [B, a, b]
          z = tf.reshape(outer, [-1, dims(z)[1] * dims(xs[k])[1]]);
        }
        return z;
      });
    }
  }
  return TensorFusion;
});

// ---------------------------------------------------------------------------------------------

export interface LowRankFusionArgs extends LayerArgs {
  rank: number;
  units: number;
  seed?: number;
}

/**
 * `FusionLab>LowRankFusion` (Liu et al. 2018): h = Σᵢ₌₁ʳ ⊙ₖ (Wₖ⁽ⁱ⁾ [1; xₖ]). Modality k has one
 * weight `factor<k>` [dₖ+1, r·units] holding its r factors Wₖ⁽¹⁾…Wₖ⁽ʳ⁾ side by side.
 */
export const lowRankFusionLayer = defineCustomLayer<LowRankFusionArgs>('FusionLab>LowRankFusion', (tf) => {
  class LowRankFusion extends tf.layers.Layer {
    static className = 'FusionLab>LowRankFusion';
    readonly rank: number;
    readonly units: number;
    readonly seed: number;
    private factors: LayerVariable[] = [];

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

    override call(inputs: Tensor | Tensor[]): Tensor {
      return tf.tidy(() => {
        const fs = tensorList(inputs).map((x, i) => tf.reshape(denseApply(tf, withOne(tf, x), this.factors[i].read()), [-1, this.rank, this.units]));
        const prod = fs.reduce((a, f) => tf.mul(a, f));
        return tf.sum(prod, 1);
      });
    }

    override getConfig(): tfTypes.serialization.ConfigDict {
      return { ...super.getConfig(), rank: this.rank, units: this.units, seed: this.seed };
    }
  }
  return LowRankFusion;
});

// ---------------------------------------------------------------------------------------------

export interface FiLMArgs extends LayerArgs {
  seed?: number;
}

/**
 * `FusionLab>FiLM` (Perez et al. 2018): γ = W_γ x_c, β = W_β x_c, h = γ ⊙ x + β.
 * Inputs: [x, condition]; x is features [B, d] or a sequence [B, T, d] (γ, β then apply at
 * every step, and x's mask passes through). Weights: Wgamma, Wbeta.
 */
export const filmLayer = defineCustomLayer<FiLMArgs>('FusionLab>FiLM', (tf) => {
  class FiLM extends tf.layers.Layer {
    static className = 'FusionLab>FiLM';
    readonly seed: number;
    private wGamma: LayerVariable | null = null;
    private wBeta: LayerVariable | null = null;

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

    override computeMask(inputs: Tensor | Tensor[], mask?: Tensor | Tensor[]): Tensor {
      if (tensorList(inputs)[0].rank !== 3 || mask == null) return NO_MASK;
      return (Array.isArray(mask) ? mask[0] : mask) ?? NO_MASK;
    }

    override call(inputs: Tensor | Tensor[]): Tensor {
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

    override getConfig(): tfTypes.serialization.ConfigDict {
      return { ...super.getConfig(), seed: this.seed };
    }
  }
  return FiLM;
});

// ---------------------------------------------------------------------------------------------

/**
 * Projects each input with its own dense layer (linear, with bias) to `width`, so that
 * operators that need equal widths can join them; returns the inputs unchanged when width is 0.
 * Layers are named `project1`, `project2`, … after the input's position on the port.
 */
export function projectEach(ctx: BuildContext, xs: tfTypes.SymbolicTensor[], width: number): tfTypes.SymbolicTensor[] {
  if (width <= 0) return xs;
  return xs.map(
    (x, i) =>
      ctx.tf.layers
        .dense({ units: width, name: ctx.name(`project${i + 1}`), kernelInitializer: ctx.tf.initializers.glorotUniform({ seed: ctx.seed() }) })
        .apply(x) as tfTypes.SymbolicTensor,
  );
}
