/** `input.video`: a file per row; `frames` frames sampled evenly, each resized like an image. */
import { DecodeError, VIDEO_EXTENSIONS } from '../adapter';
import { featuriseImage } from '../image';
import { toRgba, unnormalise } from '../preview-values';
import { decodeProblem, floatLength, readFile } from './row';
import type { InputData } from './types';

export const videoData: InputData<'input.video'> = {
  kind: 'input.video',
  columnTypes: ['video'],
  file: { type: 'video', noun: 'a video', accept: `video/*,${VIDEO_EXTENSIONS.map((e) => `.${e}`).join(',')}` },
  async prepare(b, cells, ctx) {
    const p = b.params;
    const f = await readFile(ctx, p.column, cells[0]);
    if (!f.ok) return [f];
    try {
      const frames = await ctx.adapter.decodeVideo(f.value.bytes, { frames: p.frames }, f.value.path);
      if (frames.length === 0) throw new DecodeError('no frames could be read');
      const per = p.height * p.width * p.channels;
      const out = new Float32Array(p.frames * per);
      for (let i = 0; i < p.frames; i++) {
        // Fewer frames than asked (a very short clip): repeat the last one.
        const fr = frames[Math.min(i, frames.length - 1)];
        out.set(featuriseImage(fr, { height: p.height, width: p.width, channels: p.channels, resize: 'stretch', normalise: 'unit' }), i * per);
      }
      return [{ ok: true, value: out }];
    } catch (e) {
      return [{ ok: false, problem: decodeProblem(ctx, p.column, f.value.path, 'video', e) }];
    }
  },
  rawLength: floatLength,
  fit: (b) => ({ kind: 'input.video', columns: b.columns, shape: b.shape, params: b.params }),
  encoder: () => (raw, out, offset) => out.set(raw as Float32Array, offset),
  augmenter: () => null,
  preview(nodeId, f, values) {
    // A strip of up to 4 evenly spaced frames; prepare() scales frames to 0–1 ('unit').
    const [frames, h, w, c] = f.shape;
    const show = Math.min(frames, 4);
    const per = h * w * c;
    const rgba = new Uint8ClampedArray(show * w * h * 4);
    for (let k = 0; k < show; k++) {
      const fi = show === 1 ? 0 : Math.round((k * (frames - 1)) / (show - 1));
      const px = unnormalise(values.subarray(fi * per, (fi + 1) * per), 'unit').px;
      toRgba(px, w, h, c, { rgba, stride: show * w, x0: k * w });
    }
    return { kind: 'video', nodeId, frames: show, width: show * w, height: h, rgba };
  },
};
