/** `input.image`: a file per row, decoded (shrunk on load to about twice the size), resized, scaled. */
import { DecodeError, IMAGE_EXTENSIONS } from '../adapter';
import { augmentImage, featuriseImage } from '../image';
import { toRgba, unnormalise } from '../preview-values';
import { decodeProblem, floatLength, readFile } from './row';
import type { InputData } from './types';

export const imageData: InputData<'input.image'> = {
  kind: 'input.image',
  columnTypes: ['image'],
  file: { type: 'image', noun: 'an image', accept: `image/*,${IMAGE_EXTENSIONS.map((e) => `.${e}`).join(',')}` },
  async prepare(b, cells, ctx) {
    const p = b.params;
    const f = await readFile(ctx, p.column, cells[0]);
    if (!f.ok) return [f];
    try {
      const img = await ctx.adapter.decodeImage(f.value.bytes, f.value.path, { width: p.width, height: p.height });
      if (img.width * img.height > ctx.limits.maxImagePixels) throw new DecodeError(`${img.width}×${img.height} pixels is over the limit maxImagePixels = ${ctx.limits.maxImagePixels}`, 'file-too-large');
      if (img.width < 1 || img.height < 1 || img.data.length < img.width * img.height * img.channels) throw new DecodeError('the decoded image is empty or short');
      return [{ ok: true, value: featuriseImage(img, p) }];
    } catch (e) {
      return [{ ok: false, problem: decodeProblem(ctx, p.column, f.value.path, 'an image', e) }];
    }
  },
  rawLength: floatLength,
  fit: (b) => ({ kind: 'input.image', columns: b.columns, shape: b.shape, params: b.params }),
  encoder: () => (raw, out, offset) => out.set(raw as Float32Array, offset),
  preview(nodeId, f, values) {
    const [h, w, c] = f.shape;
    const { px, approximate } = unnormalise(values, f.params.normalise);
    return { kind: 'image', nodeId, width: w, height: h, rgba: toRgba(px, w, h, c), approximate };
  },
  augmenter(f) {
    const { flip, shift, brightness, normalise } = f.params;
    if (!flip && shift <= 0 && brightness <= 0) return null;
    return (x, rng) => augmentImage(x, f.shape, { flip, shift, brightness }, normalise, rng);
  },
};
