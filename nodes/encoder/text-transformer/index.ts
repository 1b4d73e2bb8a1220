import { z } from 'zod';
import { defineNode, emitAll } from '../../../engine/spec';
import { defineCustomLayer, dropoutParam, embeddingParamFields, embedTokens, tokensInput } from '../../shared';
import { maskedPool1D } from '../text-embedding';
import keras from './keras.py?raw';
import { makeTransformerBlock, type BlockArgs } from './layer';
import tfjs from './layer.ts?raw';
import { makePositionEmbedding, type PositionArgs } from './position-layer';
import positionTfjs from './position-layer.ts?raw';
import positionKeras from './position_keras.py?raw';
import positionTorch from './position_torch.py?raw';
import pytorch from './torch.py?raw';
import { positionEmbeddingOnnx, transformerBlockOnnx } from './onnx';

export const positionEmbedding = defineCustomLayer<PositionArgs>({
  className: 'FusionLab>PositionEmbedding',
  make: makePositionEmbedding,
  tfjs: positionTfjs,
  keras: positionKeras,
  pytorch: positionTorch,
  onnx: positionEmbeddingOnnx,
});
export const transformerBlock = defineCustomLayer<BlockArgs>({ className: 'FusionLab>TransformerBlock', make: makeTransformerBlock, tfjs, keras, pytorch, onnx: transformerBlockOnnx });






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
    const t = tokensInput(inputs, p.vocabSize);
    if (Array.isArray(t)) return { ok: false, diagnostics: t };
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
    const Positions = positionEmbedding.of(tf);
    x = new Positions({ seed: ctx.seed(), name: ctx.name('positions') }).apply(x) as typeof x;
    // Normalise the summed embeddings (as BERT does): small initial embeddings would otherwise
    // give near-zero queries and keys, and the attention weights would barely learn.
    x = tf.layers.layerNormalization({ epsilon: 1e-6, name: ctx.name('embedding_norm') }).apply(x) as typeof x;
    if (p.dropout > 0) x = tf.layers.dropout({ rate: p.dropout, name: ctx.name('dropout') }).apply(x) as typeof x;
    const Block = transformerBlock.of(tf);
    for (let i = 0; i < p.blocks; i++) {
      x = new Block({ numHeads: p.heads, ffDim: p.ffDim, seed: ctx.seed(), name: ctx.name(`block${i + 1}`) }).apply([x, tokens]) as typeof x;
    }
    if (p.output === 'features') {
      const Pool = maskedPool1D.of(tf);
      x = new Pool({ mode: 'mean', name: ctx.name('mean_pool') }).apply([x, tokens]) as typeof x;
    }
    return { out: x };
  },
  emit: emitAll<z.infer<typeof params>>((ctx, p) => {
    const L = ctx.layers;
    const tokens = ctx.inputs.in[0];
    const seq = [ctx.inputTypes.in[0].shape[0], p.dim];
    let x = L.embedding(tokens, 'embedding', { vocabSize: p.vocabSize, dim: p.dim });
    [x] = L.custom(positionEmbedding, 'positions', [x], {}, [seq]);
    x = L.layerNorm(x, 'embedding_norm', { epsilon: 1e-6 });
    if (p.dropout > 0) x = L.dropout(x, 'dropout', p.dropout);
    for (let i = 0; i < p.blocks; i++) [x] = L.custom(transformerBlock, `block${i + 1}`, [x, tokens], { numHeads: p.heads, ffDim: p.ffDim }, [seq]);
    if (p.output === 'features') [x] = L.custom(maskedPool1D, 'mean_pool', [x, tokens], { mode: 'mean' }, [[p.dim]]);
    return { outputs: { out: x } };
  }),
});
