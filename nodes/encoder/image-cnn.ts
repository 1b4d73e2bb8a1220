import { z } from 'zod';
import { defineNode, emitAll } from '../../engine/spec';
import { conv2dParamFields, conv2dStack, expectOne, glorot, isDiagnostic, pooledSide, portProblem } from '../shared';

const params = z.object(conv2dParamFields({ filters: 16, blocks: 2, units: 64 }));

export default defineNode({
  kind: 'encoder.image-cnn',
  category: 'encoder',
  label: 'Image CNN',
  summary: 'Convolution blocks that turn an image into a feature vector.',
  doc: `A small convolutional network. Each block computes
**y = pool(act(BN(W ∗ x)))**: a bank of \`kernelSize\`×\`kernelSize\` filters slides over the image (∗),
batch normalisation keeps the activations well scaled, and 2×2 pooling halves height and width.
Filters double from block to block (\`filters\`, 2·\`filters\`, …), so the network trades spatial
detail for more kinds of detectors as it goes deeper. The last map is turned into a vector by global
average pooling (the mean of each channel) or by flattening, then a dense layer gives \`units\` features.

Use it for any picture-like input: photos, digits, X-rays, and also spectrogram images. Early
blocks learn edges and textures, later blocks parts of objects. With global average pooling the
encoder has few weights and does not care *where* a pattern sits; flatten keeps position but adds
many weights (risk of over-fitting on small data sets).

The image must survive the poolings: each block halves the side, so \`blocks\` blocks need a side of
at least 2^blocks pixels.

References: LeCun et al., *Gradient-based learning applied to document recognition* (1998);
Ioffe & Szegedy, *Batch Normalization* (2015); Lin et al., *Network In Network* (2014) for global
average pooling.`,
  params,
  ports: () => ({
    inputs: [{ id: 'in', label: 'Image', accepts: ['image'] }],
    outputs: [{ id: 'out', label: 'Features', accepts: ['features'] }],
  }),
  infer(inputs, p) {
    const t = expectOne(inputs, 'in', ['image'], [3]);
    if (isDiagnostic(t)) return { ok: false, diagnostics: [t] };
    const [h, w] = t.shape;
    if (pooledSide(h, p.blocks) < 1 || pooledSide(w, p.blocks) < 1) {
      const need = 2 ** p.blocks;
      return {
        ok: false,
        diagnostics: [
          portProblem(
            'in',
            `A ${h}×${w} image is too small for ${p.blocks} pooling blocks (each halves the side; needs at least ${need}×${need}). Use fewer blocks or a larger image size.`,
            'bad-shape',
          ),
        ],
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
