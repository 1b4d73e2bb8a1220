/**
 * The DC-only decoder for progressive JPEGs (engine/data/jpeg-dc.ts) and its use in the Node
 * adapter: with a size hint that shrinks by 8 or more, decodeImageNode must give the size sharp
 * gives and nearly its pixels (exactly for 4:4:4 and grey, where the DC image is libjpeg's own
 * 1/8 scale), EXIF orientation included; everything it does not handle must reach sharp as
 * before (baseline, CMYK, truncated, garbage, odd headers). Photos are generated here with sharp;
 * test/fixtures/progressive-restart-88x52.jpg (restart markers, which sharp cannot write) was made
 * with libjpeg-turbo's cjpeg:
 *   cjpeg -quality 90 -sample 2x2,1x1,1x1 -restart 5B -scans scans.txt
 * where scans.txt codes luma DC alone (non-interleaved), then Cb + Cr DC together, AC scans, and
 * one interleaved DC refinement of all three: "0: 0 0 0 1; 1 2: 0 0 0 1; 0: 1 5 0 2;
 * 2: 1 63 0 1; 1: 1 63 0 1; 0: 6 63 0 2; 0: 1 63 2 1; 0 1 2: 0 0 1 0; 2: 1 63 1 0;
 * 1: 1 63 1 0; 0: 1 63 1 0;". Its picture is grey with 8-pixel block features under a constant
 * tint, so a misplaced or mis-predicted DC block shows.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { photoPixels } from '../bench/photo-pixels';
import { DecodeError, shrinkSize, type DecodedImage, type ImageSizeHint } from '../engine/data/adapter';
import { decodeJpegDc } from '../engine/data/jpeg-dc';
import { decodeImageNode, decodeImageSharp } from '../engine/data/node-decoders';

const FIXTURE = path.join(import.meta.dirname, 'fixtures', 'progressive-restart-88x52.jpg');

type Chroma = '4:2:0' | '4:4:4';

async function progressive(w: number, h: number, opts: { chroma?: Chroma; quality?: number; seed?: number; grey?: boolean; orientation?: number } = {}): Promise<Uint8Array> {
  const rgb = photoPixels(w, h, opts.seed ?? 3, 6);
  let img = sharp(rgb, { raw: { width: w, height: h, channels: 3 } });
  if (opts.grey) img = img.toColourspace('b-w');
  if (opts.orientation) img = img.withMetadata({ orientation: opts.orientation });
  return new Uint8Array(await img.jpeg({ progressive: true, chromaSubsampling: opts.chroma ?? '4:2:0', quality: opts.quality ?? 90 }).toBuffer());
}

/** Mean and largest absolute difference of two images of the same shape. */
function diff(a: DecodedImage, b: DecodedImage): { mean: number; max: number } {
  expect([a.width, a.height, a.channels]).toEqual([b.width, b.height, b.channels]);
  let sum = 0;
  let max = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i] - b.data[i]);
    sum += d;
    if (d > max) max = d;
  }
  return { mean: sum / a.data.length, max };
}

/** What decodeImageNode must return when it takes the DC path: the DC image, reduced by libvips to shrinkSize. */
async function viaDc(jpg: Uint8Array, hint: ImageSizeHint): Promise<DecodedImage> {
  const dc = decodeJpegDc(jpg);
  expect(dc).not.toBeNull();
  const { width, height, channels, data, fullWidth, fullHeight } = dc!;
  const t = shrinkSize(fullWidth, fullHeight, hint);
  const out = await sharp(Buffer.from(data), { raw: { width, height, channels } }).resize(t.width, t.height, { fit: 'fill' }).toColourspace(channels === 1 ? 'b-w' : 'srgb').raw().toBuffer({ resolveWithObject: true });
  expect(out.info.channels).toBe(channels);
  return { width: out.info.width, height: out.info.height, channels, data: new Uint8Array(out.data) };
}

async function rejection(p: Promise<unknown>): Promise<DecodeError> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(DecodeError);
  return e as DecodeError;
}

/** The file's segments: [marker, start, end) with the entropy data of a scan included in its SOS. */
function segments(b: Uint8Array): { marker: number; start: number; end: number }[] {
  const out: { marker: number; start: number; end: number }[] = [];
  let i = 2;
  while (i + 4 <= b.length) {
    const marker = b[i + 1];
    if (marker === 0xd9) break;
    let end = i + 2 + ((b[i + 2] << 8) | b[i + 3]);
    if (marker === 0xda) while (end + 1 < b.length && !(b[end] === 0xff && b[end + 1] !== 0 && (b[end + 1] < 0xd0 || b[end + 1] > 0xd7))) end++;
    out.push({ marker, start: i, end });
    i = end;
  }
  return out;
}

/** 8 × 8 block means of a full-size decode, cropped as libvips crops its 1/8 scale. */
function blockMeans(full: DecodedImage): DecodedImage {
  const w = Math.floor(full.width / 8);
  const h = Math.floor(full.height / 8);
  const c = full.channels;
  const data = new Uint8Array(w * h * c);
  for (let by = 0; by < h; by++)
    for (let bx = 0; bx < w; bx++)
      for (let k = 0; k < c; k++) {
        let s = 0;
        for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) s += full.data[((by * 8 + y) * full.width + bx * 8 + x) * c + k];
        data[(by * w + bx) * c + k] = Math.round(s / 64);
      }
  return { width: w, height: h, channels: c, data };
}

describe('DC-only decoding of progressive JPEGs', () => {
  it('shrinks odd-sized colour photos to sharp’s size and pixels (4:4:4 exactly, 4:2:0 within a level)', async () => {
    const cases: [Chroma, number, number, ImageSizeHint, number, number][] = [
      // chroma, width, height, hint, mean bound, max bound (measured: 0 / 0, 0 / 0, 0.40 / 6, 0.39 / 9, 0.91 / 21)
      ['4:4:4', 1001, 757, { width: 16, height: 16 }, 0, 0],
      ['4:4:4', 757, 1001, { width: 20, height: 10 }, 0, 0],
      ['4:2:0', 1001, 757, { width: 16, height: 16 }, 0.8, 12],
      ['4:2:0', 1203, 901, { width: 32, height: 24 }, 0.6, 12],
      // A shrink between 8 and 9: sharp loads at 1/4 there (it avoids 1/8 for libjpeg rounding), we at 1/8.
      ['4:2:0', 1001, 757, { width: 62, height: 47 }, 1.5, 32],
    ];
    for (const [chroma, w, h, hint, meanBound, maxBound] of cases) {
      const jpg = await progressive(w, h, { chroma });
      const node = await decodeImageNode(jpg, 'p.jpg', undefined, hint);
      const ref = await decodeImageSharp(jpg, 'p.jpg', undefined, hint);
      const size = shrinkSize(w, h, hint);
      expect([node.width, node.height, node.channels], `${chroma} ${w}×${h}`).toEqual([size.width, size.height, 3]);
      // The DC path was taken (not sharp again): the result is the DC image reduced by libvips.
      expect(Buffer.from(node.data).equals(Buffer.from((await viaDc(jpg, hint)).data))).toBe(true);
      const d = diff(node, ref);
      expect(d.mean, `${chroma} ${w}×${h} mean`).toBeLessThanOrEqual(meanBound);
      expect(d.max, `${chroma} ${w}×${h} max`).toBeLessThanOrEqual(maxBound);
    }
  });

  it('is libjpeg’s 1/8 scale: 8 × 8 block means of sharp’s full decode', async () => {
    const jpg = await progressive(1001, 757, { chroma: '4:4:4', quality: 95 });
    const dc = decodeJpegDc(jpg)!;
    expect([dc.width, dc.height, dc.channels, dc.fullWidth, dc.fullHeight, dc.orientation]).toEqual([125, 94, 3, 1001, 757, 1]);
    const d = diff({ width: dc.width, height: dc.height, channels: 3, data: dc.data }, blockMeans(await decodeImageSharp(jpg)));
    // Measured 0.41 / 2: the mean of the IDCT'd, rounded and clamped pixels against DC alone.
    expect(d.mean).toBeLessThan(0.8);
    expect(d.max).toBeLessThanOrEqual(4);
  });

  it('keeps greyscale photos one channel, as sharp does', async () => {
    const w = 1001;
    const h = 757;
    const rgb = photoPixels(w, h, 9, 6);
    const grey = Buffer.from(Array.from({ length: w * h }, (_, i) => rgb[3 * i + 1]));
    const fromRaw = new Uint8Array(await sharp(grey, { raw: { width: w, height: h, channels: 1 } }).toColourspace('b-w').jpeg({ progressive: true, quality: 90 }).toBuffer());
    const fromColour = await progressive(w, h, { grey: true });
    for (const jpg of [fromRaw, fromColour]) {
      expect((await sharp(jpg).metadata()).channels).toBe(1);
      const hint = { width: 16, height: 16 };
      const node = await decodeImageNode(jpg, 'g.jpg', undefined, hint);
      expect(node.channels).toBe(1);
      expect(Buffer.from(node.data).equals(Buffer.from((await viaDc(jpg, hint)).data))).toBe(true);
      const d = diff(node, await decodeImageSharp(jpg, 'g.jpg', undefined, hint));
      expect(d.max).toBe(0); // one component: libjpeg's 1/8 scale is DC alone
    }
  });

  it('applies every EXIF orientation as sharp does', async () => {
    const hint = { width: 16, height: 16 };
    for (let o = 1; o <= 8; o++) {
      const jpg = await progressive(1001, 757, { chroma: '4:4:4', orientation: o });
      expect((await sharp(jpg).metadata()).orientation).toBe(o);
      const dc = decodeJpegDc(jpg)!;
      expect([dc.orientation, dc.width, dc.height]).toEqual(o >= 5 ? [o, 94, 125] : [o, 125, 94]);
      const node = await decodeImageNode(jpg, 'o.jpg', undefined, hint);
      const ref = await decodeImageSharp(jpg, 'o.jpg', undefined, hint);
      expect([node.width, node.height], `orientation ${o}`).toEqual(o >= 5 ? [32, 43] : [43, 32]);
      // sharp reduces before it rotates, we after: the same lanczos filter, rounded in another
      // order (measured: exact for 1–4, mean 0.18, max 1 for 5–8). A wrong turn or mirror is off by tens.
      const d = diff(node, ref);
      expect(d.mean, `orientation ${o}`).toBeLessThan(0.5);
      expect(d.max, `orientation ${o}`).toBeLessThanOrEqual(2);
    }
  });

  it('decodes restart intervals, non-interleaved and partial-MCU DC scans (a cjpeg file)', async () => {
    const jpg = new Uint8Array(readFileSync(FIXTURE));
    // What the fixture is meant to contain: RST markers, a one-component and a two-component DC scan.
    let rst = 0;
    for (let i = 0; i + 1 < jpg.length; i++) if (jpg[i] === 0xff && jpg[i + 1] >= 0xd0 && jpg[i + 1] <= 0xd7) rst++;
    expect(rst).toBeGreaterThan(10);
    const dcScans = segments(jpg).filter((s) => s.marker === 0xda && jpg[s.start + 5 + 2 * jpg[s.start + 4]] === 0);
    expect(dcScans.map((s) => jpg[s.start + 4])).toEqual([1, 2, 3]);
    const dc = decodeJpegDc(jpg)!;
    expect([dc.width, dc.height, dc.channels]).toEqual([11, 6, 3]);
    const d = diff({ width: 11, height: 6, channels: 3, data: dc.data }, blockMeans(await decodeImageSharp(jpg)));
    expect(d.mean).toBeLessThan(1.5); // measured 0.75 / 10 (chroma quantisation); predictors not reset at RSTn: 60
    expect(d.max).toBeLessThanOrEqual(14);
    const hint = { width: 4, height: 2 };
    const node = await decodeImageNode(jpg, 'r.jpg', undefined, hint);
    expect(Buffer.from(node.data).equals(Buffer.from((await viaDc(jpg, hint)).data))).toBe(true);
    expect(diff(node, await decodeImageSharp(jpg, 'r.jpg', undefined, hint)).mean).toBeLessThan(1.5); // measured 0.60
    // RST markers out of order: left to libjpeg's resynchronisation (sharp).
    const swapped = jpg.slice();
    const first = swapped.findIndex((x, i) => x === 0xff && swapped[i + 1] === 0xd0);
    swapped[first + 1] = 0xd1;
    expect(decodeJpegDc(swapped)).toBeNull();
  });

  it('leaves to sharp what it does not handle, with sharp’s result or error', async () => {
    const hint = { width: 16, height: 16 };
    const rgb = photoPixels(1001, 757, 5, 6);
    const raw = { raw: { width: 1001, height: 757, channels: 3 as const } };
    const baseline = new Uint8Array(await sharp(rgb, raw).jpeg({ quality: 90 }).toBuffer());
    const cmyk = new Uint8Array(await sharp(rgb, raw).toColourspace('cmyk').jpeg({ progressive: true, quality: 90 }).toBuffer());
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    const prog = await progressive(1001, 757);
    expect(decodeJpegDc(prog)).not.toBeNull();
    const arithmetic = prog.slice();
    arithmetic[segments(prog).find((s) => s.marker === 0xc2)!.start + 1] = 0xca; // SOF10
    const twelveBit = prog.slice();
    twelveBit[segments(prog).find((s) => s.marker === 0xc2)!.start + 4] = 12;
    // A component without DC: the first DC scan removed (its refinement then has no predecessor).
    const firstDc = segments(prog).find((s) => s.marker === 0xda)!;
    const noDc = new Uint8Array([...prog.subarray(0, firstDc.start), ...prog.subarray(firstDc.end)]);
    // The first DC scan's data cut to half, everything after it kept: the scan runs into a marker.
    const shortDc = new Uint8Array([...prog.subarray(0, (firstDc.start + firstDc.end) >> 1), ...prog.subarray(firstDc.end)]);
    let s = 7;
    const noise = Uint8Array.from({ length: 5000 }, () => (s = (s * 1103515245 + 12345) >>> 0) >>> 24);
    const fakeHeader = noise.slice();
    fakeHeader.set([0xff, 0xd8, 0xff, 0xc2]);
    for (const [name, jpg] of [['baseline', baseline], ['CMYK', cmyk], ['arithmetic', arithmetic], ['12-bit', twelveBit], ['no DC', noDc], ['short DC data', shortDc], ['noise', noise], ['noise after SOI', fakeHeader]] as const) {
      expect(decodeJpegDc(jpg), name).toBeNull();
      const node = await decodeImageNode(jpg, 'x.jpg', undefined, hint).catch((e: unknown) => e);
      const ref = await decodeImageSharp(jpg, 'x.jpg', undefined, hint).catch((e: unknown) => e);
      if (ref instanceof Error) expect(node, name).toEqual(ref);
      else expect(Buffer.from((node as DecodedImage).data).equals(Buffer.from((ref as DecodedImage).data)), name).toBe(true);
    }
    // Truncated in the middle: no EOI, so sharp decodes and reports it, as before.
    const cut = prog.subarray(0, prog.length >> 1);
    expect(decodeJpegDc(cut)).toBeNull();
    const e = await rejection(decodeImageNode(cut, 'cut.jpg', undefined, hint));
    expect([e.code, e.message]).toEqual(['undecodable', 'truncated JPEG: the file ends before the image data does']);
    // A shrink under 8 (1001 → 125 would be too small for a 64 × 64 hint): sharp's shrink-on-load.
    let asked = 0;
    expect(decodeJpegDc(prog, { accept: () => (asked++, false) })).toBeNull();
    expect(asked).toBe(1);
    const small = await decodeImageNode(prog, 'p.jpg', undefined, { width: 64, height: 64 });
    expect(Buffer.from(small.data).equals(Buffer.from((await decodeImageSharp(prog, 'p.jpg', undefined, { width: 64, height: 64 })).data))).toBe(true);
    // Without a hint, full size from sharp.
    const full = await decodeImageNode(prog, 'p.jpg');
    expect([full.width, full.height]).toEqual([1001, 757]);
  });

  it('reads libjpeg’s colour-space rules: JFIF, else Adobe’s transform, else component ids R, G, B', async () => {
    // sharp writes neither JFIF nor Adobe markers: its files are YCbCr by their ids 1, 2, 3.
    const jpg = await progressive(1001, 757, { chroma: '4:4:4' });
    expect(segments(jpg).some((s) => s.marker === 0xe0 || s.marker === 0xee)).toBe(false);
    const jfif = [0xff, 0xe0, 0, 16, ...[...'JFIF'].map((c) => c.charCodeAt(0)), 0, 1, 1, 0, 0, 1, 0, 1, 0, 0];
    const adobe = (transform: number) => [0xff, 0xee, 0, 14, ...[...'Adobe'].map((c) => c.charCodeAt(0)), 0, 100, 0, 0, 0, 0, transform];
    const withSegments = (b: Uint8Array, ...extra: number[][]) => new Uint8Array([0xff, 0xd8, ...extra.flat(), ...b.subarray(2)]);
    const rgbIds = jpg.slice();
    const sof = segments(rgbIds).find((s) => s.marker === 0xc2)!;
    [82, 71, 66].forEach((id, k) => (rgbIds[sof.start + 10 + 3 * k] = id));
    // The SOS headers name components by id too.
    for (const scan of segments(rgbIds).filter((s) => s.marker === 0xda))
      for (let k = 0; k < rgbIds[scan.start + 4]; k++) rgbIds[scan.start + 5 + 2 * k] = [82, 71, 66][rgbIds[scan.start + 5 + 2 * k] - 1];
    const variants: [string, Uint8Array, boolean][] = [
      ['Adobe 0', withSegments(jpg, adobe(0)), true],
      ['Adobe 1', withSegments(jpg, adobe(1)), false],
      ['JFIF and Adobe 0', withSegments(jpg, jfif, adobe(0)), false],
      ['ids R G B', rgbIds, true],
      ['ids R G B and JFIF', withSegments(rgbIds, jfif), false],
      ['ids R G B and Adobe 1', withSegments(rgbIds, adobe(1)), false],
    ];
    const hint = { width: 16, height: 16 };
    const ycc = await decodeImageNode(jpg, 'a.jpg', undefined, hint);
    for (const [name, v, asRgb] of variants) {
      const node = await decodeImageNode(v, 'a.jpg', undefined, hint);
      expect(Buffer.from(node.data).equals(Buffer.from((await viaDc(v, hint)).data)), name).toBe(true);
      expect(diff(node, await decodeImageSharp(v, 'a.jpg', undefined, hint)).max, name).toBe(0);
      // RGB as stored reads the Y, Cb, Cr planes as colours: far from the photo.
      expect(diff(node, ycc).mean > 20, name).toBe(asRgb);
    }
  });

  it('never allocates for a hostile header, and refuses an over-limit image as sharp does', async () => {
    // SOF2 declaring 65535 × 65535 × 3 components in a 200-byte file.
    const sof = [0xff, 0xc0 + 2, 0, 17, 8, 0xff, 0xff, 0xff, 0xff, 3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0];
    const hostile = new Uint8Array([0xff, 0xd8, ...sof, ...new Array(180).fill(0), 0xff, 0xd9]);
    const before = process.memoryUsage().arrayBuffers;
    expect(decodeJpegDc(hostile)).toBeNull();
    expect(decodeJpegDc(hostile, { maxPixels: 100_000_000 })).toBeNull();
    // 67 M DC blocks would be 400 MB of coefficients; nothing of the sort was allocated.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 2 ** 20);
    const jpg = await progressive(1001, 757);
    const hint = { width: 16, height: 16 };
    expect(decodeJpegDc(jpg, { maxPixels: 700_000 })).toBeNull();
    const e = await rejection(decodeImageNode(jpg, 'big.jpg', 700_000, hint));
    const ref = await rejection(decodeImageSharp(jpg, 'big.jpg', 700_000, hint));
    expect([e.code, e.message]).toEqual(['file-too-large', ref.message]);
    expect(e.message).toBe('1001×757 pixels is over the limit maxImagePixels = 700000');
  });
});
