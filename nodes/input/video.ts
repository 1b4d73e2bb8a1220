import { z } from 'zod';
import { defineNode } from '../../engine/spec';
import { presenceShape } from '../../engine/data/missing';
import { columnName, missingParam } from '../shared';

/** The params of `input.video` (exported for the data pipeline's type check). */
export const videoParams = z.object({
  column: columnName().default('video').describe('Dataset column holding the video file path (MP4 or WebM; decoded by the browser app).'),
  frames: z.number().int().min(1).max(64).default(8).describe('Frames taken per clip, evenly spaced over its length.'),
  height: z.number().int().min(4).max(512).default(64).describe('Frame height in pixels.'),
  width: z.number().int().min(4).max(512).default(64).describe('Frame width in pixels.'),
  channels: z.union([z.literal(1), z.literal(3)]).default(3).describe('1 = grayscale, 3 = colour (RGB).'),
  missing: missingParam,
});

export default defineNode({
  kind: 'input.video',
  category: 'input',
  label: 'Video',
  summary: 'Video clips from a dataset column as a short stack of frames.',
  doc: `Takes \`frames\` frames evenly spaced over each clip, resizes each to \`height × width\` and scales
pixels to 0…1, giving **[frames, height, width, channels]**.

Frames are read by the browser (it seeks a video element to each time), so video datasets load in
the app; the command line reports that it needs the app. A clip too short for the frames asked
repeats its last frame.

Connect it to a video encoder (a CNN per frame, then pooling or a GRU over time). Keep frames and
size small: 8 frames of 64×64 is already 98,304 numbers per sample.`,
  params: videoParams,
  ports: () => ({ inputs: [], outputs: [{ id: 'out', label: 'Video', accepts: ['video'] }] }),
  infer: (_inputs, p) => ({ ok: true, outputs: { out: { kind: 'video', shape: presenceShape('input.video', [p.frames, p.height, p.width, p.channels], p) } } }),
  build(ctx, _inputs, p) {
    return { out: ctx.tf.input({ shape: presenceShape('input.video', [p.frames, p.height, p.width, p.channels], p), name: ctx.name('input') }) };
  },
  input: { columns: (p) => [p.column] },
});
