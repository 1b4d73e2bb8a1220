/**
 * The Node image decoder (sharp / libvips) on ordinary photos, all generated here with sharp:
 * full-size progressive JPEGs (24 and 50 MP) with and without a size hint, EXIF orientation, CMYK,
 * greyscale, 16-bit PNG (high byte, as the browser's PNG decoder), PNG with an ICC profile (file
 * values, as the browser's colorSpaceConversion: 'none'), small PNGs (pngjs) against sharp, WebP,
 * GIF, BMP, and broken files.
 */
import { deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import sharp, { type JpegOptions } from 'sharp';
import { describe, expect, it } from 'vitest';
import { DecodeError, shrinkSize, type DecodedImage } from '../engine/data/adapter';
import { featuriseImage } from '../engine/data/image';
import { crc32 } from '../engine/data/png';
import { createNodeAdapter, decodeImageNode, decodeImageSharp } from '../engine/data/node-decoders';

type RGB = [number, number, number];
// Photo-like colours, inside the CMYK gamut (so a CMYK round trip keeps them within a few levels).
const RED: RGB = [200, 60, 60];
const GREEN: RGB = [70, 170, 80];
const BLUE: RGB = [60, 80, 180];
const YELLOW: RGB = [220, 200, 70];

/** A JPEG of four solid quadrants: top-left red, top-right green, bottom-left blue, bottom-right yellow. */
async function quadrantsJpeg(w: number, h: number, jpeg: JpegOptions = {}): Promise<Uint8Array> {
  const hw = Math.floor(w / 2);
  const hh = Math.floor(h / 2);
  const solid = (width: number, height: number, c: RGB) => sharp({ create: { width, height, channels: 3, background: { r: c[0], g: c[1], b: c[2] } } }).png({ compressionLevel: 0 }).toBuffer();
  const [r, g, b] = await Promise.all([solid(hw, hh, RED), solid(w - hw, hh, GREEN), solid(hw, h - hh, BLUE)]);
  const out = await sharp({ create: { width: w, height: h, channels: 3, background: { r: YELLOW[0], g: YELLOW[1], b: YELLOW[2] } } })
    .composite([
      { input: r, left: 0, top: 0 },
      { input: g, left: hw, top: 0 },
      { input: b, left: 0, top: hh },
    ])
    .jpeg({ quality: 90, ...jpeg })
    .toBuffer();
  return new Uint8Array(out);
}

/** The RGB of pixel (x, y), grey images repeated over three channels. */
function px(img: DecodedImage, x: number, y: number): RGB {
  const i = (y * img.width + x) * img.channels;
  const d = img.data;
  return img.channels <= 2 ? [d[i], d[i], d[i]] : [d[i], d[i + 1], d[i + 2]];
}

function near(a: RGB, b: RGB, tol: number): void {
  for (let k = 0; k < 3; k++) expect(Math.abs(a[k] - b[k]), `${a} vs ${b}`).toBeLessThanOrEqual(tol);
}

/** Quadrant centres of a decoded quadrant image match their colours. */
function checkQuadrants(img: DecodedImage, tol: number): void {
  const { width: w, height: h } = img;
  near(px(img, Math.floor(w / 4), Math.floor(h / 4)), RED, tol);
  near(px(img, Math.floor((3 * w) / 4), Math.floor(h / 4)), GREEN, tol);
  near(px(img, Math.floor(w / 4), Math.floor((3 * h) / 4)), BLUE, tol);
  near(px(img, Math.floor((3 * w) / 4), Math.floor((3 * h) / 4)), YELLOW, tol);
}

function pngChunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** A PNG written by hand (no filter) from already-packed rows, with extra chunks before IDAT. */
function pngRaw(w: number, h: number, depth: number, colourType: number, rows: Uint8Array[], extra: Buffer[] = []): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = depth;
  ihdr[9] = colourType;
  const raw = Buffer.concat(rows.map((r) => Buffer.concat([Buffer.from([0]), r])));
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return new Uint8Array(Buffer.concat([sig, pngChunk('IHDR', ihdr), ...extra, pngChunk('IDAT', deflateSync(raw)), pngChunk('IEND', new Uint8Array(0))]));
}

/** A 16-bit PNG written by hand (no filter): `channels` 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA. */
function png16(w: number, h: number, channels: 1 | 2 | 3 | 4, values: Uint16Array): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 16;
  ihdr[9] = { 1: 0, 2: 4, 3: 2, 4: 6 }[channels];
  const stride = 1 + w * channels * 2;
  const raw = Buffer.alloc(h * stride);
  for (let y = 0; y < h; y++) for (let i = 0; i < w * channels; i++) raw.writeUInt16BE(values[y * w * channels + i], y * stride + 1 + 2 * i);
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return new Uint8Array(Buffer.concat([sig, pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(raw)), pngChunk('IEND', new Uint8Array(0))]));
}

/** A BMP written by hand: BITMAPINFOHEADER, `bpp` bits, rows packed by `pack(x, y)` (bytes or a 16/32-bit value), optional palette and masks. */
function bmp(w: number, h: number, bpp: number, pack: (x: number, y: number) => number, opts: { topDown?: boolean; palette?: RGB[]; masks?: number[]; compression?: number } = {}): Uint8Array {
  const stride = Math.ceil((w * bpp) / 32) * 4;
  const extra = (opts.masks ? 12 : 0) + (opts.palette ? opts.palette.length * 4 : 0);
  const offset = 14 + 40 + extra;
  const out = Buffer.alloc(offset + stride * h);
  out.write('BM', 0, 'latin1');
  out.writeUInt32LE(out.length, 2);
  out.writeUInt32LE(offset, 10);
  out.writeUInt32LE(40, 14);
  out.writeInt32LE(w, 18);
  out.writeInt32LE(opts.topDown ? -h : h, 22);
  out.writeUInt16LE(1, 26);
  out.writeUInt16LE(bpp, 28);
  out.writeUInt32LE(opts.compression ?? (opts.masks ? 3 : 0), 30);
  let o = 54;
  for (const m of opts.masks ?? []) (out.writeUInt32LE(m, o), (o += 4));
  for (const c of opts.palette ?? []) (out.set([c[2], c[1], c[0], 0], o), (o += 4));
  for (let y = 0; y < h; y++) {
    const row = offset + (opts.topDown ? y : h - 1 - y) * stride;
    for (let x = 0; x < w; x++) {
      const v = pack(x, y);
      if (bpp < 8) out[row + ((x * bpp) >> 3)] |= v << (8 - bpp - ((x * bpp) & 7));
      else if (bpp === 8) out[row + x] = v;
      else if (bpp === 16) out.writeUInt16LE(v, row + x * 2);
      else if (bpp === 24) out.writeUIntLE(v, row + x * 3, 3);
      else out.writeUInt32LE(v >>> 0, row + x * 4);
    }
  }
  return new Uint8Array(out);
}

async function rejection(p: Promise<unknown>): Promise<DecodeError> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(DecodeError);
  return e as DecodeError;
}

describe('Node image decoder (sharp)', () => {
  const adapter = createNodeAdapter();

  it('decodes a 24-MP progressive JPEG at full size, and shrinks it while decoding with a hint', async () => {
    const jpg = await quadrantsJpeg(6000, 4000, { progressive: true });
    expect((await sharp(jpg).metadata()).isProgressive).toBe(true);
    const full = await adapter.decodeImage(jpg, 'big.jpg');
    expect([full.width, full.height, full.channels, full.data.length]).toEqual([6000, 4000, 3, 6000 * 4000 * 3]);
    checkQuadrants(full, 6);
    const small = await adapter.decodeImage(jpg, 'big.jpg', { width: 64, height: 64 });
    expect(shrinkSize(6000, 4000, { width: 64, height: 64 })).toEqual({ width: 192, height: 128 });
    expect([small.width, small.height, small.channels]).toEqual([192, 128, 3]);
    checkQuadrants(small, 6);
    // The featuriser sees the same picture either way.
    const p = { width: 64, height: 64, channels: 3 as const, resize: 'stretch' as const, normalise: 'unit' as const };
    const a = featuriseImage(full, p);
    const b = featuriseImage(small, p);
    let worst = 0;
    // Away from the quadrant edges (where a 2-pixel-wide shrink and a 94-pixel one legitimately differ).
    for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) if (Math.abs(x - 31.5) > 2 && Math.abs(y - 31.5) > 2) for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(a[(y * 64 + x) * 3 + c] - b[(y * 64 + x) * 3 + c]));
    expect(worst).toBeLessThan(0.03);
  });

  it('decodes a 50-MP JPEG within the default limit, and returns it small with a hint', async () => {
    const jpg = await quadrantsJpeg(8700, 5800);
    const small = await adapter.decodeImage(jpg, 'huge.jpg', { width: 32, height: 32 });
    expect([small.width, small.height]).toEqual([96, 64]);
    checkQuadrants(small, 6);
    const full = await decodeImageNode(jpg, 'huge.jpg');
    expect([full.width, full.height, full.channels]).toEqual([8700, 5800, 3]);
    checkQuadrants(full, 6);
    // Over a limit: refused from the header, before decoding.
    const e = await rejection(createNodeAdapter({ maxImagePixels: 40_000_000 }).decodeImage(jpg, 'huge.jpg'));
    expect(e.code).toBe('file-too-large');
    expect(e.message).toBe('8700×5800 pixels is over the limit maxImagePixels = 40000000');
  });

  it('applies EXIF orientation before sizing: a marker in the stored top-left ends up where the viewer sees it', async () => {
    // Stored 300 × 200, red marker in its top-left corner, rest grey. Orientation 6 = rotate 90° clockwise to view.
    const w = 300, h = 200;
    const raw = Buffer.alloc(w * h * 3, 128);
    for (let y = 0; y < 40; y++) for (let x = 0; x < 40; x++) raw.set(RED, (y * w + x) * 3);
    const stored = sharp(raw, { raw: { width: w, height: h, channels: 3 } });
    const jpg6 = new Uint8Array(await stored.clone().withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toBuffer());
    expect((await sharp(jpg6).metadata()).orientation).toBe(6);
    const img = await adapter.decodeImage(jpg6, 'r.jpg');
    expect([img.width, img.height]).toEqual([200, 300]);
    near(px(img, 200 - 10, 10), RED, 12); // top-right
    near(px(img, 10, 10), [128, 128, 128], 12);
    near(px(img, 10, 300 - 10), [128, 128, 128], 12);
    // Orientation 3 (180°): bottom-right, same size.
    const jpg3 = new Uint8Array(await stored.clone().withMetadata({ orientation: 3 }).jpeg({ quality: 95 }).toBuffer());
    const img3 = await adapter.decodeImage(jpg3, 'r.jpg');
    expect([img3.width, img3.height]).toEqual([300, 200]);
    near(px(img3, 300 - 10, 200 - 10), RED, 12);
    near(px(img3, 10, 10), [128, 128, 128], 12);
    // The shrink is computed on the upright size (200 × 300 here): the long side stays vertical.
    const hinted = await adapter.decodeImage(jpg6, 'r.jpg', { width: 20, height: 30 });
    expect(shrinkSize(200, 300, { width: 20, height: 30 })).toEqual({ width: 40, height: 60 });
    expect([hinted.width, hinted.height]).toEqual([40, 60]);
    near(px(hinted, 40 - 2, 2), RED, 20);
  });

  it('converts a CMYK JPEG to sRGB', async () => {
    const jpg = new Uint8Array(await sharp(await quadrantsJpeg(400, 300)).toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer());
    const meta = await sharp(jpg).metadata();
    expect([meta.space, meta.channels]).toEqual(['cmyk', 4]);
    const img = await adapter.decodeImage(jpg, 'cmyk.jpg');
    expect([img.width, img.height, img.channels]).toEqual([400, 300, 3]);
    // Through libvips' generic CMYK profile and back (perceptual intent, so saturated colours move
    // by up to ~30 levels: blue 60,80,180 → 48,79,150); read as RGB bytes, they would be off by 100+.
    checkQuadrants(img, 32);
  });

  it('keeps a greyscale JPEG one channel', async () => {
    const raw = Buffer.alloc(256 * 16);
    for (let y = 0; y < 16; y++) for (let x = 0; x < 256; x++) raw[y * 256 + x] = x;
    const jpg = new Uint8Array(await sharp(raw, { raw: { width: 256, height: 16, channels: 1 } }).toColourspace('b-w').jpeg({ quality: 95 }).toBuffer());
    expect((await sharp(jpg).metadata()).channels).toBe(1);
    const img = await adapter.decodeImage(jpg, 'g.jpg');
    expect([img.width, img.height, img.channels]).toEqual([256, 16, 1]);
    for (const x of [0, 50, 128, 200, 255]) expect(Math.abs(img.data[8 * 256 + x] - x)).toBeLessThanOrEqual(3);
  });

  it('reduces 16-bit PNGs to 8 bits by the high byte (as the browser decoder), in every colour type', async () => {
    const n = 256;
    for (const ch of [1, 2, 3, 4] as const) {
      const v = Uint16Array.from({ length: n * ch }, (_, i) => (i * 40503 + 0x80) & 0xffff);
      const img = await adapter.decodeImage(png16(n, 1, ch, v), 'deep.png');
      expect(img.width).toBe(n);
      for (let i = 0; i < n; i++) {
        const want = ch <= 2 ? [v[i * ch] >> 8] : [v[i * ch] >> 8, v[i * ch + 1] >> 8, v[i * ch + 2] >> 8];
        const got = img.channels <= 2 ? [img.data[i * img.channels]] : Array.from(img.data.subarray(i * img.channels, i * img.channels + 3));
        expect(ch <= 2 && img.channels > 2 ? [got[0]] : got).toEqual(want);
        if (ch === 2 || ch === 4) expect(img.data[i * img.channels + img.channels - 1]).toBe(v[i * ch + ch - 1] >> 8);
      }
    }
  });

  it('gives a PNG’s stored values even when it carries an ICC profile (as pngjs and the browser)', async () => {
    const raw = Buffer.from(Array.from({ length: 64 * 4 * 3 }, (_, i) => (i * 53) % 256));
    const png = new Uint8Array(await sharp(raw, { raw: { width: 64, height: 4, channels: 3 } }).withIccProfile('p3').png().toBuffer());
    expect((await sharp(png).metadata()).icc).toBeDefined();
    const ref = PNG.sync.read(Buffer.from(png));
    for (const img of [await adapter.decodeImage(png, 'p3.png'), await decodeImageSharp(png, 'p3.png')]) {
      expect(img.channels).toBe(3);
      for (let i = 0; i < 64 * 4; i++) expect(px(img, i % 64, Math.floor(i / 64))).toEqual([ref.data[i * 4], ref.data[i * 4 + 1], ref.data[i * 4 + 2]]);
    }
  });

  it('reads small PNGs with pngjs and larger ones with sharp to the same pixels, in every colour type', async () => {
    const w = 13, h = 3;
    const bytes = (n: number, k: number) => Uint8Array.from({ length: n }, (_, i) => (i * k + 7) % 256);
    const rows = (stride: number, k: number) => Array.from({ length: h }, (_, y) => bytes(stride, k + y));
    const plte = pngChunk('PLTE', bytes(3 * 16, 29));
    const cases: [string, Uint8Array, number][] = [
      ['grey 8', pngRaw(w, h, 8, 0, rows(w, 37)), 1],
      ['grey 1', pngRaw(w, h, 1, 0, rows(2, 37)), 1],
      ['grey 4', pngRaw(w, h, 4, 0, rows(7, 37)), 1],
      ['grey+alpha', pngRaw(w, h, 8, 4, rows(2 * w, 41)), 4],
      ['RGB', pngRaw(w, h, 8, 2, rows(3 * w, 43)), 3],
      ['RGBA', pngRaw(w, h, 8, 6, rows(4 * w, 47)), 4],
      ['palette 4', pngRaw(w, h, 4, 3, rows(7, 53), [plte]), 3],
      ['palette 4 + tRNS', pngRaw(w, h, 4, 3, rows(7, 53), [plte, pngChunk('tRNS', bytes(5, 61))]), 4],
      ['palette 8', pngRaw(w, h, 8, 3, rows(w, 5).map((r) => r.map((x) => x & 15)), [plte]), 3],
    ];
    for (const [name, png, channels] of cases) {
      const fast = await decodeImageNode(png, 'a.png');
      const slow = await decodeImageSharp(png, 'a.png');
      expect([fast.width, fast.height, fast.channels], name).toEqual([w, h, channels]);
      expect([slow.width, slow.height, slow.channels], name).toEqual([w, h, channels]);
      expect(Array.from(fast.data), name).toEqual(Array.from(slow.data));
    }
    // A grey or RGB colour key (tRNS): the colour is kept, as the browser's decoder (pngjs would zero it).
    const keyed = pngRaw(4, 1, 8, 2, [Uint8Array.from([10, 20, 30, 40, 50, 60, 10, 20, 30, 70, 80, 90])], [pngChunk('tRNS', Uint8Array.from([0, 10, 0, 20, 0, 30]))]);
    const k = await decodeImageNode(keyed, 'k.png');
    expect(k.channels).toBe(4);
    expect(Array.from(k.data)).toEqual([10, 20, 30, 0, 40, 50, 60, 255, 10, 20, 30, 0, 70, 80, 90, 255]);
  });

  it('decodes WebP and GIF', async () => {
    const base = await quadrantsJpeg(120, 80, { quality: 100 });
    const webp = new Uint8Array(await sharp(base).webp({ quality: 90 }).toBuffer());
    const w = await adapter.decodeImage(webp, 'a.webp');
    expect([w.width, w.height]).toEqual([120, 80]);
    checkQuadrants(w, 10);
    const ws = await adapter.decodeImage(webp, 'a.webp', { width: 10, height: 10 });
    expect([ws.width, ws.height]).toEqual([30, 20]);
    checkQuadrants(ws, 10);
    const gif = new Uint8Array(await sharp(base).gif({ colours: 8, dither: 0 }).toBuffer());
    expect((await sharp(gif).metadata()).format).toBe('gif');
    const g = await adapter.decodeImage(gif, 'a.gif');
    expect([g.width, g.height]).toEqual([120, 80]);
    checkQuadrants(g, 16);
  });

  it('reads a JPEG with a libjpeg warning (stray bytes between markers), as browsers do', async () => {
    const jpg = await quadrantsJpeg(64, 64);
    const at = 4 + ((jpg[4] << 8) | jpg[5]); // after the first segment (APP0)
    const odd = new Uint8Array(jpg.length + 3);
    odd.set(jpg.subarray(0, at));
    odd.set([1, 2, 3], at);
    odd.set(jpg.subarray(at), at + 3);
    await expect(sharp(odd).raw().toBuffer()).rejects.toThrow(/extraneous bytes/); // sharp's default failOn
    checkQuadrants(await adapter.decodeImage(odd, 'odd.jpg'), 6);
  });

  it('decodes uncompressed BMPs (palette, 16, 24 and 32-bit, bit fields, either row order)', async () => {
    const w = 7, h = 3;
    const colour = (x: number, y: number): RGB => [(x * 36 + y * 5) & 255, (y * 80 + x) & 255, (x * y * 11 + 3) & 255];
    const bgr = (c: RGB) => (c[0] << 16) | (c[1] << 8) | c[2];
    const pal: RGB[] = Array.from({ length: 16 }, (_, i) => [i * 16, 255 - i * 16, (i * 53) & 255]);
    const expectPixels = (img: DecodedImage, want: (x: number, y: number) => RGB) => {
      expect([img.width, img.height, img.channels]).toEqual([w, h, 3]);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) expect(px(img, x, y), `${x},${y}`).toEqual(want(x, y));
    };
    expectPixels(await adapter.decodeImage(bmp(w, h, 24, (x, y) => bgr(colour(x, y))), 'a.bmp'), colour);
    expectPixels(await adapter.decodeImage(bmp(w, h, 24, (x, y) => bgr(colour(x, y)), { topDown: true }), 'a.bmp'), colour);
    expectPixels(await adapter.decodeImage(bmp(w, h, 32, (x, y) => bgr(colour(x, y)) | (0x80 << 24)), 'a.bmp'), colour);
    expectPixels(await adapter.decodeImage(bmp(w, h, 32, (x, y) => bgr(colour(x, y)) << 8, { masks: [0xff000000, 0xff0000, 0xff00] }), 'a.bmp'), colour);
    expectPixels(await adapter.decodeImage(bmp(w, h, 8, (x, y) => (x + y) % 16, { palette: pal }), 'a.bmp'), (x, y) => pal[(x + y) % 16]);
    expectPixels(await adapter.decodeImage(bmp(w, h, 4, (x, y) => (x * 3 + y) % 16, { palette: pal }), 'a.bmp'), (x, y) => pal[(x * 3 + y) % 16]);
    expectPixels(await adapter.decodeImage(bmp(w, h, 1, (x, y) => (x + y) & 1, { palette: [[0, 0, 0], [250, 240, 230]] }), 'a.bmp'), (x, y) => ((x + y) & 1 ? [250, 240, 230] : [0, 0, 0]));
    const five = (x: number, y: number): RGB => [x * 4, y * 9, (x + y) % 32];
    const s5 = (v: number, max: number) => Math.round((v * 255) / max);
    expectPixels(await adapter.decodeImage(bmp(w, h, 16, (x, y) => (five(x, y)[0] << 10) | (five(x, y)[1] << 5) | five(x, y)[2]), 'a.bmp'), (x, y) => five(x, y).map((c) => s5(c, 31)) as RGB);
    expectPixels(await adapter.decodeImage(bmp(w, h, 16, (x, y) => (five(x, y)[0] << 11) | (five(x, y)[1] << 6) | five(x, y)[2], { masks: [0xf800, 0x07e0, 0x001f] }), 'a.bmp'), (x, y) => [s5(five(x, y)[0], 31), s5(five(x, y)[1] * 2, 63), s5(five(x, y)[2], 31)]);
    const full = bmp(w, h, 24, (x, y) => bgr(colour(x, y)));
    const cut = await rejection(adapter.decodeImage(full.subarray(0, full.length - 10), 'a.bmp'));
    expect([cut.code, cut.message]).toEqual(['undecodable', 'truncated BMP: the file ends before the image data does']);
    const big = await rejection(createNodeAdapter({ maxImagePixels: 20 }).decodeImage(full, 'a.bmp'));
    expect(big.code).toBe('file-too-large');
    const rle = await rejection(adapter.decodeImage(bmp(w, h, 8, () => 0, { palette: pal, compression: 1 }), 'a.bmp'));
    expect([rle.code, rle.message]).toEqual(['needs-app', 'RLE8-compressed .bmp images are decoded by the browser app; the CLI reads PNG, JPEG, WebP, GIF, TIFF, AVIF and uncompressed BMP']);
  });

  it('refuses broken files with a reason', async () => {
    const jpg = await quadrantsJpeg(600, 400, { progressive: true });
    const cut = await rejection(adapter.decodeImage(jpg.subarray(0, jpg.length >> 1), 'cut.jpg'));
    expect([cut.code, cut.message]).toEqual(['undecodable', 'truncated JPEG: the file ends before the image data does']);
    const seq = await quadrantsJpeg(600, 400);
    const cut2 = await rejection(adapter.decodeImage(seq.subarray(0, seq.length - 2), 'cut.jpg'));
    expect(cut2.message).toMatch(/^truncated JPEG/);
    let s = 7;
    const noise = Uint8Array.from({ length: 5000 }, () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 24));
    const rnd = await rejection(adapter.decodeImage(noise, 'photo.jpg'));
    expect([rnd.code, rnd.message]).toEqual(['undecodable', 'not an image: the bytes are not PNG, JPEG, WebP, GIF, TIFF, AVIF or BMP (although the name ends in .jpg)']);
    const fake = noise.slice();
    fake.set([0xff, 0xd8, 0xff, 0xdb]);
    const bad = await rejection(adapter.decodeImage(fake, 'photo.jpg'));
    expect(bad.code).toBe('undecodable');
    expect(bad.message).toMatch(/^(corrupt|truncated) JPEG/);
    expect(bad.message).not.toMatch(/Vips|\n/);
    const empty = await rejection(adapter.decodeImage(new Uint8Array(0), 'e.png'));
    expect(empty.message).toBe('empty file (0 bytes)');
    const svg = await rejection(adapter.decodeImage(new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>'), 'x.png'));
    expect(svg.message).toMatch(/SVG file is not a photo format/);
  });
});
