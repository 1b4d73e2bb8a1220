import { z } from 'zod';
import { defineNode } from '../../engine/spec';
import { presenceShape } from '../../engine/data/missing';
import { columnName, missingParam } from '../shared';

/** The params of `input.image` (exported for the data pipeline's type check). */
export const imageParams = z.object({
  column: columnName().default('image').describe('Dataset column holding the image path (relative to samples.csv).'),
  height: z.number().int().min(4).max(1024).default(28).describe('Height in pixels the image is resized to.'),
  width: z.number().int().min(4).max(1024).default(28).describe('Width in pixels the image is resized to.'),
  channels: z.union([z.literal(1), z.literal(3)]).default(1).describe('1 = grayscale (luma), 3 = colour (RGB). Alpha is dropped.'),
  resize: z.enum(['stretch', 'crop', 'pad']).default('stretch').describe('How the picture fits the size: stretch to it, scale and cut the centre (crop), or scale and fill the rest with black (pad).'),
  normalise: z.enum(['unit', 'signed', 'per-image', 'none']).default('unit').describe('Pixel scaling: unit = 0…1, signed = −1…1, per-image = zero mean and unit variance per picture, none = 0…255.'),
  flip: z.boolean().default(false).describe('Augmentation (training only): mirror left–right at random. Leave off when direction matters (digits, text).'),
  shift: z.number().min(0).max(0.5).default(0).describe('Augmentation (training only): largest random shift as a fraction of the size (0 = off).'),
  brightness: z.number().min(0).max(1).default(0).describe('Augmentation (training only): largest random brightness change as a fraction of the value range (0 = off).'),
  missing: missingParam,
});

export default defineNode({
  kind: 'input.image',
  category: 'input',
  label: 'Image',
  summary: 'Pictures from a dataset column, resized and scaled to a fixed tensor.',
  doc: `Reads the image file named in each row (PNG, JPEG; WebP, GIF and BMP in the browser) and turns it
into a tensor of shape **[height, width, channels]**.

Steps: decode → grayscale or RGB (luma = 0.299·R + 0.587·G + 0.114·B) → bilinear resize
(stretch, centre crop or pad) → scale the values (\`unit\`: x/255).

Augmentation (flip, shift, brightness) makes random variants of the **training** pictures each
epoch so the network learns what stays the same; validation and test pictures are never changed.

Use it for photos, drawings, scans, spectrogram images. Small sizes (28–64 px) train fast in the
browser; grow them only when detail matters.`,
  params: imageParams,
  ports: () => ({ inputs: [], outputs: [{ id: 'out', label: 'Image', accepts: ['image'] }] }),
  infer: (_inputs, p) => ({ ok: true, outputs: { out: { kind: 'image', shape: presenceShape('input.image', [p.height, p.width, p.channels], p) } } }),
  build(ctx, _inputs, p) {
    return { out: ctx.tf.input({ shape: presenceShape('input.image', [p.height, p.width, p.channels], p), name: ctx.name('input') }) };
  },
  input: { columns: (p) => [p.column] },
});
