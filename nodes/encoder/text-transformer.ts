import type * as tfTypes from '@tensorflow/tfjs';
import { z } from 'zod';
import { defineNode, emitAll } from '../../engine/spec';
import { defineCustomLayer, dropoutParam, embeddingParamFields, embedTokens, expectOne, isDiagnostic, maskedPool1D, vocabProblem } from '../shared';

type Shape = tfTypes.Shape;

function firstShape(s: Shape | Shape[]): Shape {
  return (Array.isArray(s[0]) ? s[0] : s) as Shape;
}

/** A different, reproducible seed for each weight of one layer. */
function weightSeed(seed: number, i: number): number {
  return seed + 7919 * (i + 1);
}

interface PositionArgs {
  name: string;
  seed: number;
}

/**
 * `FusionLab>PositionEmbedding`: x [b, L, d] + P[0:L] with a learned table P [L, d], so that the
 * order-blind attention below can tell positions apart.
 */
const positionEmbedding = defineCustomLayer<PositionArgs>('FusionLab>PositionEmbedding', (tf) => {
  class PositionEmbedding extends tf.layers.Layer {
    static className = 'FusionLab>PositionEmbedding';
    readonly seed: number;
    private positions: tfTypes.LayerVariable | null = null;
    constructor(args: PositionArgs) {
      super(args);
      this.seed = args.seed;
    }
    override build(inputShape: Shape | Shape[]): void {
      const s = firstShape(inputShape);
      const [len, d] = [s[1], s[2]];
      if (len == null || d == null) throw new Error('PositionEmbedding needs a known length and width');
      this.positions = this.addWeight('positions', [len, d], 'float32', tf.initializers.randomNormal({ mean: 0, stddev: 0.02, seed: this.seed }));
      this.built = true;
    }
    override computeOutputShape(inputShape: Shape | Shape[]): Shape {
      return firstShape(inputShape);
    }
    override call(inputs: tfTypes.Tensor | tfTypes.Tensor[]): tfTypes.Tensor {
      return tf.tidy(() => {
        const x = Array.isArray(inputs) ? inputs[0] : inputs;
        if (!this.positions) throw new Error('PositionEmbedding called before build');
        return x.add(this.positions.read());
      });
    }
    override getConfig(): tfTypes.serialization.ConfigDict {
      return { ...super.getConfig(), seed: this.seed };
    }
  }
  return PositionEmbedding;
});

interface BlockArgs {
  name: string;
  numHeads: number;
  ffDim: number;
  seed: number;
}

/**
 * `FusionLab>TransformerBlock`: one post-norm encoder block (Vaswani et al. 2017) on inputs
 * [x [b, L, d], tokens [b, L]]; tokens equal to 0 are padding and masked out as keys.
 *   a = MultiHead(x) = concat_h softmax(QₕKₕᵀ/√dₕ + mask) Vₕ · W_o + b_o
 *   y = LN(x + a);  out = LN(y + W₂ relu(W₁ y + b₁) + b₂)
 * The key projection has no bias: qᵀb_k is the same for every key, so softmax cancels it and it
 * would never get a gradient.
 */
const transformerBlock = defineCustomLayer<BlockArgs>('FusionLab>TransformerBlock', (tf) => {
  class TransformerBlock extends tf.layers.Layer {
    static className = 'FusionLab>TransformerBlock';
    readonly numHeads: number;
    readonly ffDim: number;
    readonly seed: number;
    private w: Record<string, tfTypes.LayerVariable> = {};
    constructor(args: BlockArgs) {
      super(args);
      this.numHeads = args.numHeads;
      this.ffDim = args.ffDim;
      this.seed = args.seed;
    }
    override build(inputShape: Shape | Shape[]): void {
      const d = firstShape(inputShape)[2];
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
      return firstShape(inputShape);
    }
    private v(name: string): tfTypes.Tensor {
      const w = this.w[name];
      if (!w) throw new Error(`TransformerBlock: weight ${name} missing (not built?)`);
      return w.read();
    }
    private layerNorm(x: tfTypes.Tensor, g: string, b: string): tfTypes.Tensor {
      const { mean, variance } = tf.moments(x, -1, true);
      return x.sub(mean).mul(tf.rsqrt(variance.add(1e-6))).mul(this.v(g)).add(this.v(b));
    }
    override call(inputs: tfTypes.Tensor | tfTypes.Tensor[]): tfTypes.Tensor {
      return tf.tidy(() => {
        if (!Array.isArray(inputs) || inputs.length !== 2) throw new Error('TransformerBlock takes [sequence, tokens]');
        const [x, tokens] = inputs;
        const [b, len, d] = x.shape;
        const h = this.numHeads;
        const dh = d / h;
        const flat = x.reshape([b * len, d]) as tfTypes.Tensor2D;
        const heads = (t: tfTypes.Tensor) => t.reshape([b, len, h, dh]).transpose([0, 2, 1, 3]); // [b, h, L, dh]
        const q = heads(tf.matMul(flat, this.v('query_kernel') as tfTypes.Tensor2D).add(this.v('query_bias')));
        const k = heads(tf.matMul(flat, this.v('key_kernel') as tfTypes.Tensor2D));
        const val = heads(tf.matMul(flat, this.v('value_kernel') as tfTypes.Tensor2D).add(this.v('value_bias')));
        const keyMask = tf.cast(tf.notEqual(tokens, 0), 'float32').reshape([b, 1, 1, len]);
        const scores = tf.matMul(q, k, false, true).div(Math.sqrt(dh)).add(keyMask.sub(1).mul(1e9));
        const attended = tf.matMul(tf.softmax(scores, -1), val).transpose([0, 2, 1, 3]).reshape([b * len, d]) as tfTypes.Tensor2D;
        const a = tf.matMul(attended, this.v('output_kernel') as tfTypes.Tensor2D).add(this.v('output_bias'));
        const y = this.layerNorm(flat.add(a), 'ln1_gamma', 'ln1_beta') as tfTypes.Tensor2D;
        const hidden = tf.relu(tf.matMul(y, this.v('ff1_kernel') as tfTypes.Tensor2D).add(this.v('ff1_bias'))) as tfTypes.Tensor2D;
        const f = tf.matMul(hidden, this.v('ff2_kernel') as tfTypes.Tensor2D).add(this.v('ff2_bias'));
        return this.layerNorm(y.add(f), 'ln2_gamma', 'ln2_beta').reshape([b, len, d]);
      });
    }
    override getConfig(): tfTypes.serialization.ConfigDict {
      return { ...super.getConfig(), numHeads: this.numHeads, ffDim: this.ffDim, seed: this.seed };
    }
  }
  return TransformerBlock;
});

const params = z.object({
  ...embeddingParamFields({ dim: 32 }),
  heads: z.number().int().min(1).max(16).default(2).describe('Attention heads per block; dim must be divisible by it (each head works on dim/heads numbers).'),
  blocks: z.number().int().min(1).max(6).default(1).describe('How many transformer blocks are stacked.'),
  ffDim: z.number().int().min(1).max(4096).default(64).describe('Width of the feed-forward layer inside each block (often 2–4 × dim).'),
  output: z
    .enum(['features', 'sequence'])
    .default('features')
    .describe('features: the mean of the token vectors (padding skipped); sequence: one vector per token (for attention-based fusion).'),
  dropout: dropoutParam(0),
});

export default defineNode({
  kind: 'encoder.text-transformer',
  category: 'encoder',
  label: 'Text transformer',
  summary: 'Token embeddings, learned positions and small self-attention blocks.',
  doc: `Embeds each token and adds a learned position vector, **x⁰ₜ = LN(E[tokenₜ] + Pₜ)**, then applies
\`blocks\` transformer encoder blocks. In each block every token looks at every other token through
multi-head self-attention,
**Attention(Q, K, V) = softmax(QKᵀ/√dₕ) V** with Q = xW_Q, K = xW_K, V = xW_V per head,
followed by a residual connection and layer normalisation, and a position-wise feed-forward layer
(again residual + layer norm). Padding tokens (0) are never attended to. *features* returns the
mean of the final token vectors; *sequence* returns them all.

Use it when words far apart matter to each other and for learning what attention is. On small
data sets it can over-fit or train slower than the Text CNN; keep it small (1–2 blocks, dim 32–64).
Choose *sequence* to feed cross-attention fusion.

Reference: Vaswani et al., *Attention Is All You Need* (NeurIPS 2017); Devlin et al., *BERT*
(2019) for learned position embeddings.`,
  params,
  ports: (p) => ({
    inputs: [{ id: 'in', label: 'Tokens', accepts: ['tokens'] }],
    outputs: [{ id: 'out', label: p.output === 'sequence' ? 'Sequence' : 'Features', accepts: [p.output] }],
  }),
  infer(inputs, p) {
    const t = expectOne(inputs, 'in', ['tokens'], [1]);
    if (isDiagnostic(t)) return { ok: false, diagnostics: [t] };
    const vocab = vocabProblem(t, p.vocabSize);
    if (vocab) return { ok: false, diagnostics: [vocab] };
    if (t.shape[0] < 1) return { ok: false, diagnostics: [{ severity: 'error', code: 'bad-shape', message: 'The token sequence is empty.', portId: 'in' }] };
    if (p.dim % p.heads !== 0) {
      return {
        ok: false,
        diagnostics: [{ severity: 'error', code: 'bad-params', message: `dim (${p.dim}) must be divisible by heads (${p.heads}).`, path: ['params', 'heads'] }],
      };
    }
    const out = p.output === 'sequence' ? { kind: 'sequence' as const, shape: [t.shape[0], p.dim] } : { kind: 'features' as const, shape: [p.dim] };
    return { ok: true, outputs: { out } };
  },
  build(ctx, inputs, p) {
    const { tf } = ctx;
    const tokens = inputs.in[0];
    let x = embedTokens(ctx, tokens, p);
    const Positions = positionEmbedding(tf);
    x = new Positions({ seed: ctx.seed(), name: ctx.name('positions') }).apply(x) as typeof x;
    // Normalise the summed embeddings (as BERT does): small initial embeddings would otherwise
    // give near-zero queries and keys, and the attention weights would barely learn.
    x = tf.layers.layerNormalization({ epsilon: 1e-6, name: ctx.name('embedding_norm') }).apply(x) as typeof x;
    if (p.dropout > 0) x = tf.layers.dropout({ rate: p.dropout, name: ctx.name('dropout') }).apply(x) as typeof x;
    const Block = transformerBlock(tf);
    for (let i = 0; i < p.blocks; i++) {
      x = new Block({ numHeads: p.heads, ffDim: p.ffDim, seed: ctx.seed(), name: ctx.name(`block${i + 1}`) }).apply([x, tokens]) as typeof x;
    }
    if (p.output === 'features') {
      const Pool = maskedPool1D(tf);
      x = new Pool({ mode: 'mean', name: ctx.name('mean_pool') }).apply([x, tokens]) as typeof x;
    }
    return { out: x };
  },
  emit: emitAll<z.infer<typeof params>>((ctx, p) => {
    const L = ctx.layers;
    const tokens = ctx.inputs.in[0];
    const seq = [ctx.inputTypes.in[0].shape[0], p.dim];
    let x = L.embedding(tokens, 'embedding', { vocabSize: p.vocabSize, dim: p.dim });
    [x] = L.custom('PositionEmbedding', 'positions', [x], {}, [seq]);
    x = L.layerNorm(x, 'embedding_norm', { epsilon: 1e-6 });
    if (p.dropout > 0) x = L.dropout(x, 'dropout', p.dropout);
    for (let i = 0; i < p.blocks; i++) [x] = L.custom('TransformerBlock', `block${i + 1}`, [x, tokens], { numHeads: p.heads, ffDim: p.ffDim }, [seq]);
    if (p.output === 'features') [x] = L.custom('MaskedPool1D', 'mean_pool', [x, tokens], { mode: 'mean' }, [[p.dim]]);
    return { outputs: { out: x } };
  }),
});
