import { z } from 'zod';
import { defineNode, emitAll, type NodeDiagnostic } from '../../../engine/spec';
import { defineCustomLayer, isDiagnostic, portProblem, widthOf } from '../../shared';
import { failed, roleInput } from '../common';
import keras from './keras.py?raw';
import { makeCrossAttention, type CrossAttentionArgs } from './layer';
import tfjs from './layer.ts?raw';
import { crossAttentionOnnx } from './onnx';
import pytorch from './torch.py?raw';

export const crossAttention = defineCustomLayer<CrossAttentionArgs>({ className: 'FusionLab>CrossAttention', make: makeCrossAttention, tfjs, keras, pytorch, onnx: crossAttentionOnnx });

const params = z.object({
  heads: z.number().int().min(1).max(16).default(2).describe('Attention heads: each head learns its own way to match queries with keys.'),
  keyDim: z.number().int().min(1).max(512).default(16).describe('Width of each head’s queries, keys and values.'),
  tokens: z
    .number()
    .int()
    .min(1)
    .max(256)
    .default(4)
    .describe('When the context is a feature vector, split it into this many equal tokens to attend over (1 = one token, which makes attention trivial). Its width must divide evenly.'),
});

export default defineNode({
  kind: 'fusion.cross-attention',
  category: 'fusion',
  label: 'Cross-attention',
  summary: 'One modality (query) attends to another (context): softmax(QKᵀ/√k)V, residual, layer norm.',
  doc: `The **query** modality asks, the **context** modality answers. For each query step:

- Q = x_q W_q, K = x_c W_k, V = x_c W_v (per head, width **keyDim**),
- Attn = softmax(Q Kᵀ / √keyDim) V — a weighted average of the context's values, weighted by how
  well each context step matches the query,
- **y = LayerNorm(x_q + Attn W_o)** — the heads are joined, mapped back to the query's width and
  added to the query (residual), then normalised.

The output has the query's shape: a sequence query gives a sequence, a feature-vector query (a
one-step sequence) gives features. A feature-vector context is split into **tokens** equal pieces
so that there is something to choose between; a one-token context makes the softmax always 1 (the
query then just reads the context's value, and the node has no W_q, W_k to train).

Use it when one modality should pick out the parts of another that matter to it, e.g. text tokens
attending to audio frames. On CMU-MOSI (MMSA benchmark), MulT — built from such blocks in both
directions — reaches 79.7 binary accuracy against 77.4–78.0 for concat, late and tensor fusion.
For both directions, use two cross-attention nodes with the roles swapped and fuse their outputs.

Reference: Tsai, Bai, Liang, Kolter, Morency, Salakhutdinov, *Multimodal Transformer for Unaligned
Multimodal Language Sequences* (MulT), ACL 2019; Ludwig's \`cross_attention\` combiner.`,
  params,
  ports: () => ({
    inputs: [
      { id: 'query', label: 'Query (attends)', accepts: ['features', 'sequence'] },
      { id: 'context', label: 'Context (attended to)', accepts: ['features', 'sequence'] },
    ],
    outputs: [{ id: 'out', label: 'Attended', accepts: ['features', 'sequence'] }],
  }),
  infer(inputs, p) {
    const q = roleInput(inputs, 'query', 'cross-attention', ['features', 'sequence']);
    const c = roleInput(inputs, 'context', 'cross-attention', ['features', 'sequence']);
    if (isDiagnostic(q) || isDiagnostic(c)) return failed([q, c].filter(isDiagnostic));
    const diags: NodeDiagnostic[] = [];
    if (widthOf(q) < 2) {
      diags.push(portProblem('query', `cross-attention needs a query at least 2 wide (layer norm over one value is constant), got ${widthOf(q)}: widen the encoder feeding "query".`, 'bad-shape'));
    }
    if (c.kind === 'features' && widthOf(c) % p.tokens !== 0) {
      const w = widthOf(c);
      const fits = [8, 4, 2, 1].find((t) => w % t === 0) ?? 1;
      diags.push({
        ...portProblem('context', `cross-attention cannot split a context of width ${w} into ${p.tokens} equal tokens: set 'tokens' to ${fits}, or make the context width a multiple of ${p.tokens}.`, 'bad-shape'),
        path: ['params', 'tokens'],
      });
    }
    if (diags.length > 0) return failed(diags);
    return { ok: true, outputs: { out: { kind: q.kind, shape: [...q.shape] } } };
  },
  build(ctx, inputs, p) {
    const Cross = crossAttention.of(ctx.tf);
    const layer = new Cross({ heads: p.heads, keyDim: p.keyDim, tokens: p.tokens, seed: ctx.seed(), name: ctx.name('cross_attention') });
    return { out: layer.apply([inputs.query[0], inputs.context[0]]) as (typeof inputs.query)[number] };
  },
  emit: emitAll<z.infer<typeof params>>((ctx, p) => {
    const [out] = ctx.layers.custom(crossAttention, 'cross_attention', [ctx.inputs.query[0], ctx.inputs.context[0]], { heads: p.heads, keyDim: p.keyDim, tokens: p.tokens }, [ctx.outputTypes.out.shape]);
    return { outputs: { out } };
  }),
});
