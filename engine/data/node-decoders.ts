/**
 * The Node platform adapter for the CLI and tests: images through sharp (libvips: JPEG, PNG, WebP,
 * GIF, TIFF, AVIF; small plain PNGs through pngjs; uncompressed BMP in pure code; progressive
 * JPEGs shrunk by 8 or more from their DC coefficients alone, jpeg-dc.ts) and WAV in pure code
 * (wav.ts). Only Node entry points import this file (sharp is a native module, loaded on the
 * first image that needs it); engine code reaches decoders through the {@link PlatformAdapter}
 * it is given.
 *
 * Progressive JPEGs: libjpeg-turbo entropy-decodes every scan of one before it can shrink it, 4×
 * the cost of a baseline file. When a hint asks for at most 1/8 of the upright size in both
 * directions, jpeg-dc.ts reads the DC scans only and skips the AC ones, which gives libvips'
 * own 1/8 shrink-on-load image (exactly for 4:4:4 and grey; 4:2:0 chroma within about a level
 * on average, libjpeg interpolating it from AC coefficients we skip); libvips then reduces it to
 * the size as on the sharp path. Anything jpeg-dc.ts does not handle (baseline, CMYK, truncated
 * or odd files) goes to sharp unchanged, and without a hint sharp decodes at full size.
 *
 * Pixel rules, chosen so that the CLI and the app featurise the same file to the same values:
 * - EXIF orientation is applied (the size limit and the shrink use the upright size).
 * - Colour values are the file's: embedded ICC profiles of RGB and grey images are ignored, as
 *   the browser adapter's `colorSpaceConversion: 'none'` and pure PNG decoder do (8-bit PNGs are
 *   byte-identical to pngjs and to components/data/png.ts). CMYK JPEGs are converted to sRGB with
 *   their embedded profile, or libvips' generic CMYK profile when they have none.
 * - 16-bit images become 8-bit by their high byte (`v >> 8`), as components/data/png.ts does
 *   (pngjs and libvips' GREY16 → B_W cast round instead: 0xff00 → 254, 0x00ff → 1).
 * - Grey images without alpha come out with 1 channel, RGB with 3, anything with alpha (grey
 *   included) with 4; the featuriser drops alpha. A grey or RGB PNG's tRNS colour key makes that
 *   colour transparent but keeps its value (pngjs would zero it; the browser's decoder ignores
 *   the key). When a hint shrinks an image with alpha, libvips averages colours weighted by alpha
 *   (premultiplied), so fully transparent pixels come out black.
 * - Truncated files and errors are refused; libjpeg warnings (e.g. stray bytes between markers) are
 *   not, as browsers show such photos.
 */
import { PNG } from 'pngjs';
import type { Sharp, SharpOptions } from 'sharp';
import { DecodeError, extensionOf, shrinkSize, type DecodedImage, type ImageSizeHint, type PlatformAdapter } from './adapter';
import { decodeJpegDc } from './jpeg-dc';
import { DEFAULT_LIMITS, type DataLimits } from './problems';
import { decodeWavAt, readWavInfo } from './wav';

type SharpFactory = (input?: Buffer, options?: SharpOptions) => Sharp;
type SharpModule = SharpFactory & { cache(on: boolean): unknown; concurrency(n?: number): number };

let sharpModule: Promise<SharpModule> | null = null;

/**
 * sharp, loaded once. The operation cache is off (a loader never decodes the same file twice, and
 * the cache would hold up to 50 MB of it) and each image uses one libvips thread: the loader
 * decodes several rows at once on libuv's thread pool, which keeps every core busy already.
 */
function loadSharp(): Promise<SharpModule> {
  sharpModule ??= import('sharp').then(
    (m) => {
      const s = ((m as { default?: unknown }).default ?? m) as SharpModule;
      s.cache(false);
      s.concurrency(1);
      return s;
    },
    (e: unknown) => {
      sharpModule = null;
      throw new DecodeError(`the image decoder (sharp) could not be loaded: ${e instanceof Error ? e.message : String(e)}`);
    },
  );
  return sharpModule;
}

/** Formats sharp may decode here; anything else (SVG, PDF…) is refused rather than rendered. */
const RASTER_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif']);
const FORMAT_NAMES: Record<string, string> = { jpeg: 'JPEG', png: 'PNG', webp: 'WebP', gif: 'GIF', tiff: 'TIFF', heif: 'AVIF/HEIF', bmp: 'BMP' };
const READS = 'the CLI reads PNG, JPEG, WebP, GIF, TIFF, AVIF';

/** The format the first bytes announce (for messages and BMP), or '' when none. */
function sniff(b: Uint8Array): string {
  const at = (i: number, s: string) => b.length >= i + s.length && [...s].every((c, k) => b[i + k] === c.charCodeAt(0));
  if (b.length >= 8 && b[0] === 0x89 && at(1, 'PNG')) return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (at(0, 'GIF8')) return 'gif';
  if (at(0, 'RIFF') && at(8, 'WEBP')) return 'webp';
  if (at(0, 'II*\0') || at(0, 'MM\0*')) return 'tiff';
  if (at(4, 'ftyp')) return 'heif';
  if (at(0, 'BM')) return 'bmp';
  return '';
}

/** A PNG whose last chunk is not IEND was cut short. */
function pngTruncated(b: Uint8Array): boolean {
  const n = b.length;
  return n < 20 || !(b[n - 8] === 0x49 && b[n - 7] === 0x45 && b[n - 6] === 0x4e && b[n - 5] === 0x44);
}

/** libvips' reason without its loader prefixes and repeated lines. */
function cleanReason(message: string): string {
  const lines = message
    .split('\n')
    .map((l) => l.replace(/^Input (buffer|file) has corrupt header:?\s*/i, '').replace(/^(Vips\w*|vips\w*|libpng|gifload|webp)\s*:\s*/g, '').trim())
    .filter((l) => l && !/^(Warning treated as error|vips2tiff|VipsImage)/i.test(l));
  return [...new Set(lines)].join('; ');
}

/** A sharp failure as the problem the loader reports, in words a user can act on. */
function decodeFailure(e: unknown, bytes: Uint8Array, path: string): DecodeError {
  if (e instanceof DecodeError) return e;
  const message = e instanceof Error ? e.message : String(e);
  const ext = extensionOf(path);
  const kind = sniff(bytes);
  const name = FORMAT_NAMES[kind] ?? 'image';
  if (/unsupported image format/i.test(message)) {
    return new DecodeError(`not an image: the bytes are not PNG, JPEG, WebP, GIF, TIFF, AVIF or BMP${ext ? ` (although the name ends in .${ext})` : ''}`);
  }
  if (/exceeds pixel limit/i.test(message)) return new DecodeError(`the image is over the limit maxImagePixels (${cleanReason(message)})`, 'file-too-large');
  if (/premature end|unexpected end|end of (file|data|stream)|truncated|not enough data/i.test(message) || (kind === 'png' && pngTruncated(bytes))) {
    return new DecodeError(`truncated ${name}: the file ends before the image data does`);
  }
  const reason = cleanReason(message);
  if (/corrupt header/i.test(message)) return new DecodeError(`corrupt ${name} header${reason ? `: ${reason}` : ''}`);
  return new DecodeError(`corrupt ${name}${reason ? `: ${reason}` : ''}`);
}

/**
 * PNGs up to this many pixels, 8-bit or less, without a grey/RGB colour key or EXIF, are read by
 * pngjs on the calling thread: sharp costs ~0.6 ms of CPU per image whatever its size, ten times
 * pngjs on a 28×28 PNG, which made loading AV-MNIST 1.6× slower. Both give the same pixels
 * (test/data-photos.test.ts); larger PNGs go to sharp (off the event loop, shrunk with a hint).
 */
const SMALL_PNG_PIXELS = 1 << 20;

/** A small plain PNG through pngjs, or null when it is not one (sharp takes it, and its errors). */
function decodeSmallPng(b: Uint8Array, maxPixels: number): DecodedImage | null {
  if (b.length < 33 || sniff(b) !== 'png') return null;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const width = v.getUint32(16);
  const height = v.getUint32(20);
  const depth = b[24];
  const colourType = b[25];
  if (depth > 8 || width * height > SMALL_PNG_PIXELS || width * height > maxPixels) return null;
  let trns = false;
  for (let off = 8; off + 8 <= b.length; ) {
    const len = v.getUint32(off);
    const type = String.fromCharCode(b[off + 4], b[off + 5], b[off + 6], b[off + 7]);
    if (type === 'IDAT') break;
    if (type === 'eXIf') return null; // orientation: sharp applies it
    if (type === 'tRNS') trns = true;
    off += 12 + len;
  }
  if (trns && colourType !== 3) return null;
  let png: PNG;
  try {
    png = PNG.sync.read(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
  } catch {
    return null;
  }
  // pngjs always expands to RGBA: keep the channels the file has (as sharp does).
  const channels = colourType === 0 ? 1 : colourType === 2 || (colourType === 3 && !trns) ? 3 : 4;
  const rgba = png.data;
  if (channels === 4) return { width, height, channels, data: new Uint8Array(rgba.buffer, rgba.byteOffset, rgba.byteLength) };
  const n = width * height;
  const data = new Uint8Array(n * channels);
  if (channels === 1) for (let i = 0; i < n; i++) data[i] = rgba[i * 4];
  else
    for (let i = 0, o = 0; i < n; i++, o += 3) {
      data[o] = rgba[i * 4];
      data[o + 1] = rgba[i * 4 + 1];
      data[o + 2] = rgba[i * 4 + 2];
    }
  return { width, height, channels, data };
}

/**
 * Uncompressed BMP (libvips has no BMP loader): 1/4/8-bit palettes, 16-bit 5-5-5, 24 and 32-bit,
 * and bit-field masks; bottom-up or top-down rows. Always 3 channels (a 32-bit BMP's alpha is
 * dropped, as the featuriser would). RLE and embedded JPEG/PNG are left to the browser app.
 */
function decodeBmp(b: Uint8Array, maxPixels: number): DecodedImage {
  if (b.length < 26) throw new DecodeError('truncated BMP: the file ends inside its header');
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const dataOffset = v.getUint32(10, true);
  const headerSize = v.getUint32(14, true);
  const core = headerSize === 12;
  if (!core && (headerSize < 40 || b.length < 14 + 40)) throw new DecodeError(`corrupt BMP: unknown header size ${headerSize}`);
  const width = core ? v.getUint16(18, true) : v.getInt32(18, true);
  const rawHeight = core ? v.getInt16(20, true) : v.getInt32(22, true);
  const bpp = core ? v.getUint16(24, true) : v.getUint16(28, true);
  const compression = core ? 0 : v.getUint32(30, true);
  const height = Math.abs(rawHeight);
  if (width < 1 || height < 1) throw new DecodeError(`corrupt BMP: size ${width}×${rawHeight}`);
  if (width * height > maxPixels) throw new DecodeError(`${width}×${height} pixels is over the limit maxImagePixels = ${maxPixels}`, 'file-too-large');
  if (compression === 1 || compression === 2 || compression === 4 || compression === 5) {
    const what = ['', 'RLE8-compressed', 'RLE4-compressed', '', 'JPEG-in-BMP', 'PNG-in-BMP'][compression];
    throw new DecodeError(`${what} .bmp images are decoded by the browser app; ${READS} and uncompressed BMP`, 'needs-app');
  }
  const bitfields = compression === 3 || compression === 6;
  if ((compression !== 0 && !bitfields) || ![1, 4, 8, 16, 24, 32].includes(bpp)) throw new DecodeError(`unsupported BMP: ${bpp} bits per pixel, compression ${compression}`);
  // Channel masks: in the header (V2+ headers) or right after a 40-byte one; defaults otherwise.
  let masks = bpp === 16 ? [0x7c00, 0x03e0, 0x001f] : [0xff0000, 0xff00, 0xff];
  if (bitfields && (bpp === 16 || bpp === 32)) {
    if (b.length < 14 + 40 + 12) throw new DecodeError('truncated BMP: the file ends inside its header');
    masks = [v.getUint32(54, true), v.getUint32(58, true), v.getUint32(62, true)];
  }
  const palette: number[][] = [];
  if (bpp <= 8) {
    const entry = core ? 3 : 4;
    const start = 14 + headerSize + (bitfields && headerSize === 40 ? 12 : 0);
    const used = core ? 0 : v.getUint32(46, true);
    const count = Math.min(used || 1 << bpp, 1 << bpp, Math.floor((b.length - start) / entry));
    for (let i = 0; i < count; i++) palette.push([b[start + i * entry + 2], b[start + i * entry + 1], b[start + i * entry]]);
  }
  const stride = Math.ceil((width * bpp) / 32) * 4;
  if (dataOffset + stride * (height - 1) + Math.ceil((width * bpp) / 8) > b.length) throw new DecodeError('truncated BMP: the file ends before the image data does');
  const field = (mask: number) => {
    const shift = mask ? 31 - Math.clz32(mask & -mask) : 0;
    const max = mask >>> shift;
    return (x: number) => (max ? Math.round((((x & mask) >>> shift) * 255) / max) : 0);
  };
  const [fr, fg, fb] = masks.map(field);
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const row = dataOffset + (rawHeight > 0 ? height - 1 - y : y) * stride;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      if (bpp <= 8) {
        const bit = x * bpp;
        const idx = (b[row + (bit >> 3)] >> (8 - bpp - (bit & 7))) & ((1 << bpp) - 1);
        const c = palette[idx] ?? [0, 0, 0];
        out[o] = c[0];
        out[o + 1] = c[1];
        out[o + 2] = c[2];
      } else if (bpp === 24 || (bpp === 32 && !bitfields)) {
        const i = row + x * (bpp >> 3);
        out[o] = b[i + 2];
        out[o + 1] = b[i + 1];
        out[o + 2] = b[i];
      } else {
        const px = bpp === 16 ? v.getUint16(row + x * 2, true) : v.getUint32(row + x * 4, true);
        out[o] = fr(px);
        out[o + 1] = fg(px);
        out[o + 2] = fb(px);
      }
    }
  }
  return { width, height, channels: 3, data: out };
}

/**
 * Decode an image (the format sniffed from the bytes, not the name) to 8-bit pixels, EXIF
 * orientation applied. With `hint`, shrink while decoding to exactly {@link shrinkSize}'s size
 * (libvips shrink-on-load for JPEG and WebP, or a progressive JPEG's DC coefficients, then an
 * antialiased reduce); otherwise full size.
 * The declared size is checked against `maxPixels` from the header before any pixel is decoded.
 */
export async function decodeImageNode(bytes: Uint8Array, path = '', maxPixels = DEFAULT_LIMITS.maxImagePixels, hint?: ImageSizeHint): Promise<DecodedImage> {
  const kind = sniff(bytes);
  if (kind === 'bmp') return decodeBmp(bytes, maxPixels);
  if (kind === 'jpeg' && hint) {
    const small = await decodeProgressiveJpegShrunk(bytes, maxPixels, hint);
    if (small) return small;
  }
  return decodeSmallPng(bytes, maxPixels) ?? decodeImageSharp(bytes, path, maxPixels, hint);
}

/**
 * A progressive JPEG shrunk by 8 or more: its DC coefficients are the 1/8-scale image (jpeg-dc.ts,
 * pure code that skips the AC scans), which libvips then reduces to exactly {@link shrinkSize}'s
 * size, as after its own shrink-on-load. Null for anything else (baseline JPEGs, smaller shrinks,
 * CMYK, truncated or odd files): sharp decodes those.
 */
async function decodeProgressiveJpegShrunk(bytes: Uint8Array, maxPixels: number, hint: ImageSizeHint): Promise<DecodedImage | null> {
  let target = { width: 0, height: 0 };
  const dc = decodeJpegDc(bytes, {
    maxPixels,
    accept: (w, h) => {
      target = shrinkSize(w, h, hint);
      return Math.floor(w / 8) >= target.width && Math.floor(h / 8) >= target.height;
    },
  });
  if (!dc) return null;
  const { width, height, channels, data } = dc;
  if (width === target.width && height === target.height) return { width, height, channels, data };
  const sharp = await loadSharp();
  const raw = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let img = sharp(raw, { raw: { width, height, channels } }).resize(target.width, target.height, { fit: 'fill' });
  if (channels === 1) img = img.toColourspace('b-w'); // else libvips writes grey out as sRGB
  const out = await img.raw().toBuffer({ resolveWithObject: true });
  return { width: out.info.width, height: out.info.height, channels, data: new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.byteLength) };
}

/** {@link decodeImageNode} through sharp alone (no pngjs for small PNGs, no DC-only progressive JPEGs, no BMP): for tests and benchmarks. */
export async function decodeImageSharp(bytes: Uint8Array, path = '', maxPixels = DEFAULT_LIMITS.maxImagePixels, hint?: ImageSizeHint): Promise<DecodedImage> {
  if (bytes.length === 0) throw new DecodeError('empty file (0 bytes)');
  const ext = extensionOf(path);
  const sharp = await loadSharp();
  const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const options: SharpOptions = {
    failOn: 'error',
    limitInputPixels: Number.isFinite(maxPixels) ? Math.max(1, Math.floor(maxPixels)) : false,
    sequentialRead: true,
  };
  try {
    // Header only: no pixel limit here (sharp would refuse without the sizes), ours follows.
    const meta = await sharp(input, { ...options, limitInputPixels: false }).metadata();
    if (!RASTER_FORMATS.has(meta.format ?? '')) {
      throw new DecodeError(`${meta.format ? `a ${meta.format.toUpperCase()} file` : 'this file'} is not a photo format ${READS} and BMP`);
    }
    // The upright size (EXIF orientations 5–8 swap the sides); one page of an animation.
    const swap = (meta.orientation ?? 1) >= 5;
    const w = (swap ? meta.pageHeight ?? meta.height : meta.width) ?? 0;
    const h = (swap ? meta.width : meta.pageHeight ?? meta.height) ?? 0;
    if (w * h > maxPixels) throw new DecodeError(`${w}×${h} pixels is over the limit maxImagePixels = ${maxPixels}`, 'file-too-large');
    const size = shrinkSize(w, h, hint);
    let img = sharp(input, { ...options, ignoreIcc: meta.space !== 'cmyk' }).rotate();
    if (size.width !== w || size.height !== h) img = img.resize(size.width, size.height, { fit: 'fill' });
    if (meta.depth && meta.depth !== 'uchar' && meta.depth !== 'ushort') throw new DecodeError(`${meta.depth} samples (the CLI reads 8- and 16-bit images)`);
    const grey = (meta.space === 'b-w' || meta.space === 'grey16') && !meta.hasAlpha;
    const deep = meta.depth === 'ushort';
    // 16-bit: read 16-bit values and keep the high byte here, rather than trust a libvips cast
    // (its GREY16 → B_W conversion rounds: 0x00ff became 1).
    if (deep) img = img.toColourspace(grey ? 'grey16' : 'rgb16').raw({ depth: 'ushort' });
    else img = (grey ? img.toColourspace('b-w') : img).raw();
    const { data, info } = await img.toBuffer({ resolveWithObject: true });
    const channels = info.channels;
    if (channels < 1 || channels > 4) throw new DecodeError(`${channels} colour channels (expected 1 to 4)`);
    let pixels = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (deep) {
      const n = data.byteLength >> 1;
      const out = new Uint8Array(n);
      // Host order (little-endian on every platform Node runs on): the high byte is the second.
      for (let i = 0; i < n; i++) out[i] = pixels[2 * i + 1];
      pixels = out;
    }
    return { width: info.width, height: info.height, channels, data: pixels };
  } catch (e) {
    throw decodeFailure(e, bytes, path || (ext ? `x.${ext}` : ''));
  }
}

/** Other audio formats than WAV are decoded by the browser: say so instead of "not a WAV". */
function checkWav(bytes: Uint8Array, path: string): void {
  const riff = bytes.length >= 4 && bytes[0] === 0x52 && bytes[1] === 0x49 && bytes[2] === 0x46 && bytes[3] === 0x46;
  const ext = extensionOf(path);
  if (!riff && ext !== 'wav' && ext !== '') throw new DecodeError(`.${ext} audio is decoded by the browser app; the CLI reads WAV`, 'needs-app');
}

/** Decode audio for the CLI: WAV in pure code; other formats need the app. */
export function decodeAudioNode(bytes: Uint8Array, targetRate: number, path = ''): Float32Array {
  checkWav(bytes, path);
  return decodeWavAt(bytes, targetRate);
}

/** The adapter the CLI and Node tests pass to the loader. */
export function createNodeAdapter(limits: Partial<DataLimits> = {}): PlatformAdapter {
  const maxPixels = limits.maxImagePixels ?? DEFAULT_LIMITS.maxImagePixels;
  return {
    name: 'node',
    decodeImage: (bytes, path, hint) => decodeImageNode(bytes, path, maxPixels, hint),
    decodeAudio: async (bytes, rate, path) => decodeAudioNode(bytes, rate, path),
    probeAudio: async (bytes, path) => {
      checkWav(bytes, path);
      // The header alone (sizes, rate, channels checked): probing decodes no sample.
      const w = readWavInfo(bytes);
      return { sampleRate: w.sampleRate, channels: w.channels, seconds: w.seconds };
    },
    decodeVideo: async () => {
      throw new DecodeError('video is decoded by the browser app (it seeks an HTML video element); the CLI cannot read video frames. Open the dataset in the app, or use image and audio columns here.', 'needs-app');
    },
  };
}
