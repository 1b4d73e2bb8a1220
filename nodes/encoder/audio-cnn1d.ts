import { z } from 'zod';
import { defineNode, emitAll } from '../../engine/spec';
import { activationParam, batchNorm, dropoutParam, expectOne, glorot, isDiagnostic, portProblem } from '../shared';

const params = z.object({
  filters: z.number().int().min(1).max(256).default(16).describe('Filters in the first conv block; each further block doubles them.'),
  blocks: z.number().int().min(1).max(8).default(3).describe('How many conv blocks (conv → [batch norm] → activation → pooling).'),
  kernelSize: z.number().int().min(1).max(81).default(9).describe('Length of each convolution window, in samples (waveform) or frames (spectrogram).'),
  poolSize: z.number().int().min(2).max(8).default(4).describe('Each block shortens the signal by this factor (max pooling).'),
  batchNorm: z.boolean().default(true).describe('Batch normalisation after each convolution: faster, steadier training.'),
  activation: activationParam('relu'),
  units: z.number().int().min(1).max(4096).default(64).describe('Width of the output feature vector (a dense layer after global average pooling).'),
  dropout: dropoutParam(0),
});

export default defineNode({
  kind: 'encoder.audio-cnn1d',
  category: 'encoder',
  label: 'Audio CNN 1-D',
  summary: '1-D convolutions over a waveform or over spectrogram frames.',
  doc: `Slides 1-D filters along time: **yₜ = act(Σₖ Wₖ xₜ₊ₖ)**, each block followed by batch
normalisation and max pooling that shortens the signal by \`poolSize\`. A waveform [samples] is read
as one channel; a spectrogram [frames, bins, 1] is read as frames with one channel per frequency
bin (so every filter sees the whole spectrum of a few frames). Global average pooling over time and
a dense layer give \`units\` features.

Use it on raw audio when you want the network to learn its own filter bank, or on spectrogram
frames as a lighter alternative to the 2-D audio CNN. On raw audio, wider first windows and more
blocks help (16 kHz audio has 16,000 samples per second).

References: Dai et al., *Very Deep Convolutional Neural Networks for Raw Waveforms* (ICASSP 2017);
Lee et al., *Sample-level Deep CNNs for Music Auto-tagging* (2017).`,
  params,
  ports: () => ({
    inputs: [{ id: 'in', label: 'Audio', accepts: ['audio'] }],
    outputs: [{ id: 'out', label: 'Features', accepts: ['features'] }],
  }),
  infer(inputs, p) {
    const t = expectOne(inputs, 'in', ['audio'], [1, 3]);
    if (isDiagnostic(t)) return { ok: false, diagnostics: [t] };
    const steps = t.shape[0];
    let s = steps;
    for (let i = 0; i < p.blocks; i++) s = Math.floor(s / p.poolSize);
    if (s < 1) {
      const what = t.shape.length === 1 ? 'samples' : 'frames';
      return {
        ok: false,
        diagnostics: [portProblem('in', `${steps} ${what} are too few for ${p.blocks} blocks pooling by ${p.poolSize} (needs at least ${p.poolSize ** p.blocks}). Use fewer blocks, a smaller poolSize or longer clips.`, 'bad-shape')],
      };
    }
    return { ok: true, outputs: { out: { kind: 'features', shape: [p.units] } } };
  },
  build(ctx, inputs, p) {
    const { tf } = ctx;
    const shape = ctx.inputTypes.in[0].shape;
    // [samples] → [samples, 1]; [frames, bins, 1] → [frames, bins] (bins become channels).
    const target = shape.length === 1 ? [shape[0], 1] : [shape[0], shape[1] * shape[2]];
    let x = tf.layers.reshape({ targetShape: target, name: ctx.name('reshape') }).apply(inputs.in[0]) as (typeof inputs.in)[0];
    for (let i = 0; i < p.blocks; i++) {
      const b = i + 1;
      // No conv bias under batch norm: BN removes the mean, so the bias would get no gradient.
      x = tf.layers
        .conv1d({
          filters: Math.min(p.filters * 2 ** i, 1024),
          kernelSize: p.kernelSize,
          padding: 'same',
          useBias: !p.batchNorm,
          activation: p.batchNorm ? 'linear' : p.activation,
          kernelInitializer: tf.initializers.heNormal({ seed: ctx.seed() }),
          name: ctx.name(`conv${b}`),
        })
        .apply(x) as typeof x;
      if (p.batchNorm) {
        x = batchNorm(ctx, `bn${b}`).apply(x) as typeof x;
        x = tf.layers.activation({ activation: p.activation, name: ctx.name(`act${b}`) }).apply(x) as typeof x;
      }
      x = tf.layers.maxPooling1d({ poolSize: p.poolSize, strides: p.poolSize, name: ctx.name(`pool${b}`) }).apply(x) as typeof x;
    }
    x = tf.layers.globalAveragePooling1d({ name: ctx.name('gap') }).apply(x) as typeof x;
    if (p.dropout > 0) x = tf.layers.dropout({ rate: p.dropout, name: ctx.name('dropout') }).apply(x) as typeof x;
    x = tf.layers.dense({ units: p.units, activation: p.activation, kernelInitializer: glorot(ctx), name: ctx.name('dense') }).apply(x) as typeof x;
    return { out: x };
  },
  emit: emitAll<z.infer<typeof params>>((ctx, p) => {
    const L = ctx.layers;
    const shape = ctx.inputTypes.in[0].shape;
    // [samples] → [samples, 1]; [frames, bins, 1] → [frames, bins] (bins become channels).
    let x = L.reshape(ctx.inputs.in[0], 'reshape', shape.length === 1 ? [shape[0], 1] : [shape[0], shape[1] * shape[2]]);
    for (let i = 0; i < p.blocks; i++) {
      const b = i + 1;
      x = L.conv1d(x, `conv${b}`, { filters: Math.min(p.filters * 2 ** i, 1024), kernelSize: p.kernelSize, padding: 'same', useBias: !p.batchNorm, activation: p.batchNorm ? 'linear' : p.activation });
      if (p.batchNorm) {
        x = L.batchNorm(x, `bn${b}`);
        x = L.activation(x, `act${b}`, p.activation);
      }
      x = L.pool1d(x, `pool${b}`, { mode: 'max', size: p.poolSize });
    }
    x = L.globalPool(x, 'gap', { mode: 'avg' });
    if (p.dropout > 0) x = L.dropout(x, 'dropout', p.dropout);
    x = L.dense(x, 'dense', { units: p.units, activation: p.activation });
    return { outputs: { out: x } };
  }),
});
