import { z } from 'zod';
import { defineNode, emitAll } from '../../engine/spec';
import { conv2dParamFields, conv2dStack, expectOne, glorot, isDiagnostic, pooledSide, portProblem } from '../shared';

const params = z.object(conv2dParamFields({ filters: 16, blocks: 2, units: 64 }));

export default defineNode({
  kind: 'encoder.audio-cnn',
  category: 'encoder',
  label: 'Audio CNN (spectrogram)',
  summary: '2-D convolutions over a (log-mel) spectrogram.',
  doc: `Treats a spectrogram — time frames × frequency bins, one channel — as an image and applies
convolution blocks **y = pool(act(BN(W ∗ x)))**, then global average pooling (or flattening) and a
dense layer to \`units\` features. A 3×3 filter spans a few frames and a few frequency bins, so it
learns onsets, harmonics and formant shapes; pooling makes it tolerant to small shifts in time and
pitch.

Use it for sound classification, spoken words and music tags, with an audio input set to a log-mel
spectrogram. For a raw waveform use the 1-D audio CNN instead. Each block halves frames and bins,
so \`blocks\` blocks need at least 2^blocks of each.

References: Hershey et al., *CNN Architectures for Large-Scale Audio Classification* (ICASSP 2017);
Choi et al., *Automatic Tagging using Deep Convolutional Neural Networks* (ISMIR 2016).`,
  params,
  ports: () => ({
    inputs: [{ id: 'in', label: 'Spectrogram', accepts: ['audio'] }],
    outputs: [{ id: 'out', label: 'Features', accepts: ['features'] }],
  }),
  infer(inputs, p) {
    const t = expectOne(inputs, 'in', ['audio']);
    if (isDiagnostic(t)) return { ok: false, diagnostics: [t] };
    if (t.shape.length !== 3) {
      return {
        ok: false,
        diagnostics: [portProblem('in', `The 2-D audio CNN needs a spectrogram [frames, bins, 1]; got a waveform of shape [${t.shape.join(', ')}]. Set the audio input to a spectrogram, or use the 1-D audio CNN.`, 'bad-shape')],
      };
    }
    const [frames, bins] = t.shape;
    if (pooledSide(frames, p.blocks) < 1 || pooledSide(bins, p.blocks) < 1) {
      return {
        ok: false,
        diagnostics: [portProblem('in', `A ${frames}×${bins} spectrogram is too small for ${p.blocks} pooling blocks (needs at least ${2 ** p.blocks} frames and bins). Use fewer blocks or more frames/bins.`, 'bad-shape')],
      };
    }
    return { ok: true, outputs: { out: { kind: 'features', shape: [p.units] } } };
  },
  build(ctx, inputs, p) {
    const { tf } = ctx;
    let x = conv2dStack(ctx, inputs.in[0], p);
    x = (p.ending === 'flatten' ? tf.layers.flatten({ name: ctx.name('flatten') }) : tf.layers.globalAveragePooling2d({ name: ctx.name('gap') })).apply(x) as typeof x;
    if (p.dropout > 0) x = tf.layers.dropout({ rate: p.dropout, name: ctx.name('dropout') }).apply(x) as typeof x;
    x = tf.layers.dense({ units: p.units, activation: p.activation, kernelInitializer: glorot(ctx), name: ctx.name('dense') }).apply(x) as typeof x;
    return { out: x };
  },
  emit: emitAll<z.infer<typeof params>>((ctx, p) => {
    const L = ctx.layers;
    let x = ctx.inputs.in[0];
    // The same blocks as build(): conv → [batch norm → activation] → 2×2 pooling, filters doubling.
    for (let i = 0; i < p.blocks; i++) {
      const b = i + 1;
      x = L.conv2d(x, `conv${b}`, { filters: Math.min(p.filters * 2 ** i, 1024), kernelSize: p.kernelSize, useBias: !p.batchNorm, activation: p.batchNorm ? 'linear' : p.activation });
      if (p.batchNorm) {
        x = L.batchNorm(x, `bn${b}`);
        x = L.activation(x, `act${b}`, p.activation);
      }
      x = L.pool2d(x, `pool${b}`, { mode: p.pooling, size: 2 });
    }
    x = p.ending === 'flatten' ? L.flatten(x, 'flatten') : L.globalPool(x, 'gap', { mode: 'avg' });
    if (p.dropout > 0) x = L.dropout(x, 'dropout', p.dropout);
    x = L.dense(x, 'dense', { units: p.units, activation: p.activation });
    return { outputs: { out: x } };
  }),
});
