/**
 * The browser adapter's header reader (components/data/imageInfo.ts): size, EXIF orientation,
 * CMYK and interlacing of PNG, JPEG, WebP, GIF and BMP files written by sharp, without decoding;
 * the reasons given for broken files; the exact EXIF rotations; and the orientation probes the
 * adapter shows the browser (valid files that sharp reads as orientation 6).
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { orientationProbe } from '../components/data/browserAdapter';
import { brokenImageReason, orientRgba, readImageInfo } from '../components/data/imageInfo';

const raw = (w: number, h: number, ch: 1 | 3 | 4 = 3) => Buffer.from(Array.from({ length: w * h * ch }, (_, i) => (i * 37 + (i % ch) * 80) % 256));
const img = (w: number, h: number, ch: 1 | 3 | 4 = 3) => sharp(raw(w, h, ch), { raw: { width: w, height: h, channels: ch } });
const u8 = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

function info(b: Buffer | Uint8Array) {
  const r = readImageInfo(b instanceof Uint8Array ? b : u8(b));
  if (!r.ok) throw new Error(r.reason);
  return r.info;
}

describe('readImageInfo', () => {
  it('reads JPEG size, progressive, CMYK, greyscale and EXIF orientation', async () => {
    expect(info(await img(300, 200).jpeg().toBuffer())).toMatchObject({ format: 'jpeg', width: 300, height: 200, orientation: 1, cmyk: false, interlaced: false });
    expect(info(await img(300, 200).jpeg({ progressive: true }).toBuffer())).toMatchObject({ width: 300, height: 200, interlaced: true });
    expect(info(await img(30, 20).toColourspace('cmyk').jpeg().toBuffer())).toMatchObject({ width: 30, height: 20, cmyk: true });
    expect(info(await img(30, 20, 1).toColourspace('b-w').jpeg().toBuffer())).toMatchObject({ width: 30, height: 20, cmyk: false });
    for (let o = 1; o <= 8; o++) {
      const b = await img(30, 20).withMetadata({ orientation: o }).jpeg().toBuffer();
      expect((await sharp(b).metadata()).orientation ?? 1).toBe(o);
      expect(info(b)).toMatchObject({ width: 30, height: 20, orientation: o });
    }
  });
  it('reads PNG size, depth, interlacing and eXIf orientation', async () => {
    expect(info(await img(70, 50).png().toBuffer())).toMatchObject({ format: 'png', width: 70, height: 50, bitDepth: 8, interlaced: false, orientation: 1 });
    expect(info(await img(70, 50).png({ progressive: true }).toBuffer())).toMatchObject({ interlaced: true });
    expect(info(await img(70, 50).toColourspace('rgb16').png().toBuffer())).toMatchObject({ bitDepth: 16 });
    expect(info(await img(70, 50).withMetadata({ orientation: 8 }).png().toBuffer())).toMatchObject({ orientation: 8 });
  });
  it('reads WebP (lossy, lossless, extended with EXIF), GIF and BMP sizes', async () => {
    expect(info(await img(71, 33).webp().toBuffer())).toMatchObject({ format: 'webp', width: 71, height: 33 });
    expect(info(await img(71, 33).webp({ lossless: true }).toBuffer())).toMatchObject({ width: 71, height: 33 });
    expect(info(await img(71, 33, 4).webp({ quality: 80 }).toBuffer())).toMatchObject({ width: 71, height: 33 });
    expect(info(await img(71, 33).withMetadata({ orientation: 6 }).webp().toBuffer())).toMatchObject({ width: 71, height: 33, orientation: 6 });
    expect(info(await img(71, 33).gif().toBuffer())).toMatchObject({ format: 'gif', width: 71, height: 33 });
    // A 3 × 2 24-bit BMP, bottom-up (positive height) and top-down (negative).
    for (const hgt of [2, -2]) {
      const b = Buffer.alloc(54 + 2 * 12);
      b.write('BM', 0, 'latin1');
      b.writeUInt32LE(b.length, 2);
      b.writeUInt32LE(54, 10);
      b.writeUInt32LE(40, 14);
      b.writeInt32LE(3, 18);
      b.writeInt32LE(hgt, 22);
      b.writeUInt16LE(1, 26);
      b.writeUInt16LE(24, 28);
      expect(info(b)).toMatchObject({ format: 'bmp', width: 3, height: 2 });
    }
  });
  it('reads a 24-MP JPEG header in well under a millisecond', async () => {
    const b = u8(await sharp({ create: { width: 6000, height: 4000, channels: 3, background: '#808080' } }).withMetadata({ orientation: 6 }).jpeg({ progressive: true }).toBuffer());
    const t0 = performance.now();
    for (let i = 0; i < 100; i++) readImageInfo(b);
    expect((performance.now() - t0) / 100).toBeLessThan(1);
    expect(info(b)).toMatchObject({ width: 6000, height: 4000, orientation: 6, interlaced: true });
  });
});

describe('brokenImageReason', () => {
  it('says what is wrong', async () => {
    const jpg = await img(300, 200).jpeg({ progressive: true }).toBuffer();
    expect(brokenImageReason(u8(jpg.subarray(0, jpg.length >> 1)), 'jpg')).toBe('truncated JPEG: the file ends before the image data does');
    expect(brokenImageReason(u8(jpg.subarray(0, 40)), 'jpg')).toBe('truncated JPEG: the file ends before the image data does');
    const png = await img(300, 200).png().toBuffer();
    expect(brokenImageReason(u8(png.subarray(0, png.length - 30)), 'png')).toBe('truncated PNG: the file ends before the image data does');
    const webp = await img(300, 200).webp().toBuffer();
    expect(brokenImageReason(u8(webp.subarray(0, webp.length >> 1)), 'webp')).toBe('truncated WebP: the file ends before the image data does');
    expect(brokenImageReason(new Uint8Array(0), 'png')).toBe('empty file (0 bytes)');
    expect(brokenImageReason(new TextEncoder().encode('<!DOCTYPE html><html>404 Not Found</html>'), 'jpg')).toMatch(/^not an image: an HTML page.*\(although the name ends in \.jpg\)$/);
    expect(brokenImageReason(new TextEncoder().encode('%PDF-1.7 ...'), 'png')).toMatch(/^not an image: a PDF document/);
    expect(brokenImageReason(new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'png')).toMatch(/^not an image: an SVG drawing/);
    expect(brokenImageReason(u8(await img(30, 20).tiff().toBuffer()), 'jpg')).toBe('a TIFF image (although the name ends in .jpg), which this browser cannot decode: convert it to JPEG or PNG');
    let s = 7;
    const noise = Uint8Array.from({ length: 5000 }, () => (s = (s * 1103515245 + 12345) >>> 0) >>> 24);
    expect(brokenImageReason(noise, 'jpg')).toBe('not an image: the bytes are not PNG, JPEG, WebP, GIF or BMP (although the name ends in .jpg)');
    const fake = noise.slice();
    fake.set([0xff, 0xd8, 0xff, 0xdb]);
    expect(brokenImageReason(fake, 'jpg')).toMatch(/^(corrupt|truncated) JPEG/);
    // A complete file with damaged data.
    const bad = u8(Buffer.from(jpg));
    bad.fill(0, 400, 800);
    expect(brokenImageReason(bad, 'jpg')).toBe('corrupt JPEG (300×200): the browser cannot decode its image data');
  });
});

describe('orientRgba', () => {
  it('turns pixels exactly as sharp applies EXIF orientation', async () => {
    const w = 5;
    const h = 3;
    const rgba = raw(w, h, 4);
    for (let o = 1; o <= 8; o++) {
      const png = await sharp(rgba, { raw: { width: w, height: h, channels: 4 } }).withMetadata({ orientation: o }).png().toBuffer();
      const { data, info: i } = await sharp(png).rotate().raw().toBuffer({ resolveWithObject: true });
      const got = orientRgba(u8(rgba), w, h, o);
      expect([got.width, got.height]).toEqual([i.width, i.height]);
      expect(Array.from(got.data)).toEqual(Array.from(data));
    }
  });
});

describe('orientation probes', () => {
  it('are valid 2 × 1 files with orientation 6', async () => {
    for (const f of ['jpeg', 'png', 'webp'] as const) {
      const b = orientationProbe(f);
      expect(info(b)).toMatchObject({ format: f, width: 2, height: 1, orientation: 6 });
      const m = await sharp(b).metadata();
      expect([m.format, m.width, m.height, m.orientation]).toEqual([f, 2, 1, 6]);
      expect((await sharp(b).rotate().raw().toBuffer({ resolveWithObject: true })).info).toMatchObject({ width: 1, height: 2 });
    }
  });
});
