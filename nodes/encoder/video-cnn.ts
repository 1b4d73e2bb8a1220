import { z } from 'zod';
import { defineNode, emitAll } from '../../engine/spec';
import { conv2dParamFields, conv2dStack, expectOne, framesLayer, glorot, isDiagnostic, pooledSide, portProblem } from '../shared';

const params = z.object({
  ...conv2dParamFields({ filters: 8, blocks: 2, units: 64 }),
  temporal: z
    .enum(['mean', 'max', 'gru'])
    .default('mean')
    .describe('How frame features become one vector: their mean, their maximum, or a GRU that reads the frames in order.'),
});

export default defineNode({
  kind: 'encoder.video-cnn',
  category: 'encoder',
  label: 'Video CNN',
  summary: 'The same CNN on every frame, then pooling or a GRU over time.',
  doc: `Applies one image CNN to every frame, with shared weights (time-distributed):
**fₜ = CNN(frameₜ)**, each conv block being pool(act(BN(W ∗ x))) and the frame map ending in global
average pooling or flattening. The frame vectors are then combined over time: the mean
**h = (1/T) Σₜ fₜ** or the maximum, followed by a dense layer to \`units\` features; or a GRU
**hₜ = GRU(hₜ₋₁, fₜ)** with \`units\` state, whose last state is the output.

Use it for short clips (gestures, lip movement, actions): mean/max pooling is fast and ignores the
order of frames; the GRU sees order (e.g. opening vs closing a hand) at the cost of speed. Video is
expensive: keep frames, frame size and filters small on a CPU.

References: Karpathy et al., *Large-scale Video Classification with Convolutional Neural Networks*
(CVPR 2014); Donahue et al., *Long-term Recurrent Convolutional Networks* (CVPR 2015).`,
  params,
  ports: () => ({
    inputs: [{ id: 'in', label: 'Video', accepts: ['video'] }],
    outputs: [{ id: 'out', label: 'Features', accepts: ['features'] }],
  }),
  infer(inputs, p) {
    const t = expectOne(inputs, 'in', ['video'], [4]);
    if (isDiagnostic(t)) return { ok: false, diagnostics: [t] };
    const [frames, h, w] = t.shape;
    if (frames < 1) return { ok: false, diagnostics: [portProblem('in', 'The video has no frames.', 'bad-shape')] };
    if (pooledSide(h, p.blocks) < 1 || pooledSide(w, p.blocks) < 1) {
      const need = 2 ** p.blocks;
      return {
        ok: false,
        diagnostics: [portProblem('in', `${h}×${w} frames are too small for ${p.blocks} pooling blocks (needs at least ${need}×${need}). Use fewer blocks or larger frames.`, 'bad-shape')],
      };
    }
    return { ok: true, outputs: { out: { kind: 'features', shape: [p.units] } } };
  },
  build(ctx, inputs, p) {
    const { tf } = ctx;
    let x = conv2dStack(ctx, inputs.in[0], p, true);
    const frameEnd = p.ending === 'flatten' ? tf.layers.flatten({ name: ctx.name('flatten') }) : tf.layers.globalAveragePooling2d({ name: ctx.name('gap') });
    x = framesLayer(ctx, frameEnd, p.ending === 'flatten' ? 'flatten' : 'gap').apply(x) as typeof x;
    if (p.dropout > 0) x = tf.layers.dropout({ rate: p.dropout, name: ctx.name('dropout') }).apply(x) as typeof x;
    switch (p.temporal) {
      case 'mean':
      case 'max': {
        const pool = p.temporal === 'mean' ? tf.layers.globalAveragePooling1d({ name: ctx.name('time_mean') }) : tf.layers.globalMaxPooling1d({ name: ctx.name('time_max') });
        x = pool.apply(x) as typeof x;
        x = tf.layers.dense({ units: p.units, activation: p.activation, kernelInitializer: glorot(ctx), name: ctx.name('dense') }).apply(x) as typeof x;
        break;
      }
      case 'gru':
        x = tf.layers
          .gru({
            units: p.units,
            kernelInitializer: tf.initializers.glorotUniform({ seed: ctx.seed() }),
            recurrentInitializer: tf.initializers.orthogonal({ seed: ctx.seed() }),
            name: ctx.name('gru'),
          })
          .apply(x) as typeof x;
        break;
      default: {
        const never: never = p.temporal;
        throw new Error(`unknown temporal mode ${String(never)}`);
      }
    }
    return { out: x };
  },
  emit: emitAll<z.infer<typeof params>>((ctx, p) => {
    const L = ctx.layers;
    let x = ctx.inputs.in[0];
    // The same blocks as build(): conv → [batch norm → activation] → 2×2 pooling, filters doubling.
    for (let i = 0; i < p.blocks; i++) {
      const b = i + 1;
      x = L.conv2d(x, `conv${b}`, { filters: Math.min(p.filters * 2 ** i, 1024), kernelSize: p.kernelSize, useBias: !p.batchNorm, activation: p.batchNorm ? 'linear' : p.activation, perFrame: true });
      if (p.batchNorm) {
        x = L.batchNorm(x, `bn${b}`, { perFrame: true });
        x = L.activation(x, `act${b}`, p.activation, { perFrame: true });
      }
      x = L.pool2d(x, `pool${b}`, { mode: p.pooling, size: 2, perFrame: true });
    }
    x = p.ending === 'flatten' ? L.flatten(x, 'flatten', { perFrame: true }) : L.globalPool(x, 'gap', { mode: 'avg', perFrame: true });
    if (p.dropout > 0) x = L.dropout(x, 'dropout', p.dropout);
    if (p.temporal === 'gru') {
      x = L.rnn(x, 'gru', { cell: 'gru', units: p.units, returnSequences: false });
    } else {
      x = L.globalPool(x, `time_${p.temporal}`, { mode: p.temporal === 'mean' ? 'avg' : 'max' });
      x = L.dense(x, 'dense', { units: p.units, activation: p.activation });
    }
    return { outputs: { out: x } };
  }),
});
