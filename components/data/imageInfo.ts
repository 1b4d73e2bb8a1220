/**
 * What an image file's header says, read without decoding a pixel: format, stored size, EXIF
 * orientation, CMYK (JPEG) and interlacing (PNG). The browser adapter uses it to refuse images
 * over the pixel limit before decoding, to ask createImageBitmap for the shrunk size straight
 * away (one decode of a 24-MP photo instead of a full decode to learn its size), and to say what
 * is wrong with a file the browser could not decode. Pure code, no DOM: unit-tested in Node.
 */

export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'gif' | 'bmp';

export interface ImageInfo {
  format: ImageFormat;
  /** Stored size, before EXIF orientation. */
  width: number;
  height: number;
  /** EXIF orientation 1–8 (1 when the file has none); 5–8 swap width and height. */
  orientation: number;
  /** JPEG with 4 components (CMYK or YCCK, Adobe). */
  cmyk: boolean;
  /** Progressive JPEG or Adam7 PNG. */
  interlaced: boolean;
  /** PNG bit depth (8 elsewhere). */
  bitDepth: number;
}

export type HeaderResult = { ok: true; info: ImageInfo } | { ok: false; format: ImageFormat | null; reason: string };

export const FORMAT_NAMES: Record<ImageFormat, string> = { png: 'PNG', jpeg: 'JPEG', webp: 'WebP', gif: 'GIF', bmp: 'BMP' };

function ascii(b: Uint8Array, at: number, s: string): boolean {
  if (at + s.length > b.length) return false;
  for (let i = 0; i < s.length; i++) if (b[at + i] !== s.charCodeAt(i)) return false;
  return true;
}

/** The image format the first bytes announce, or null. */
export function sniffImage(b: Uint8Array): ImageFormat | null {
  if (b.length >= 8 && b[0] === 0x89 && ascii(b, 1, 'PNG\r\n\x1a\n')) return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (ascii(b, 0, 'RIFF') && ascii(b, 8, 'WEBP')) return 'webp';
  if (ascii(b, 0, 'GIF87a') || ascii(b, 0, 'GIF89a')) return 'gif';
  if (ascii(b, 0, 'BM') && b.length >= 26) return 'bmp';
  return null;
}

/** Orientation from a TIFF structure (EXIF) at `t`..`end`: IFD0's tag 0x0112, else 1. */
function tiffOrientation(b: Uint8Array, t: number, end: number): number {
  if (t + 8 > end) return 1;
  const le = b[t] === 0x49 && b[t + 1] === 0x49;
  if (!le && !(b[t] === 0x4d && b[t + 1] === 0x4d)) return 1;
  const u16 = (i: number) => (le ? b[i] | (b[i + 1] << 8) : (b[i] << 8) | b[i + 1]);
  const u32 = (i: number) => (le ? (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16)) + b[i + 3] * 0x1000000 : b[i] * 0x1000000 + ((b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]));
  if (u16(t + 2) !== 42) return 1;
  const ifd = t + u32(t + 4);
  if (ifd + 2 > end) return 1;
  const n = u16(ifd);
  for (let k = 0; k < n; k++) {
    const e = ifd + 2 + 12 * k;
    if (e + 12 > end) break;
    if (u16(e) === 0x0112) {
      const type = u16(e + 2);
      const v = type === 3 ? u16(e + 8) : type === 4 ? u32(e + 8) : 0;
      return v >= 1 && v <= 8 ? v : 1;
    }
  }
  return 1;
}

/** EXIF payload (optionally after an "Exif\0\0" prefix) → orientation. */
function exifOrientation(b: Uint8Array, start: number, end: number): number {
  const t = ascii(b, start, 'Exif\0\0') ? start + 6 : start;
  return tiffOrientation(b, t, end);
}

const TRUNCATED = (name: string) => `truncated ${name}: the file ends before the image data does`;

function readJpeg(b: Uint8Array): HeaderResult {
  const n = b.length;
  let i = 2;
  let orientation = 1;
  let sof: { w: number; h: number; comps: number; progressive: boolean } | null = null;
  const fail = (reason: string): HeaderResult => ({ ok: false, format: 'jpeg', reason });
  for (;;) {
    // Bytes between segments are skipped, as libjpeg does (it warns, browsers show the photo).
    while (i < n && b[i] !== 0xff) i++;
    while (i < n && b[i] === 0xff) i++;
    if (i >= n) break;
    const m = b[i++];
    if (m === 0xd8 || m === 0x01 || (m >= 0xd0 && m <= 0xd7)) continue;
    if (m === 0xd9) return sof ? done() : fail('corrupt JPEG: it ends (EOI) before any image data');
    if (i + 2 > n) break;
    const len = (b[i] << 8) | b[i + 1];
    if (len < 2) return fail(`corrupt JPEG header: a segment of length ${len}`);
    const body = i + 2;
    const end = Math.min(n, i + len);
    if (m === 0xe1 && orientation === 1 && ascii(b, body, 'Exif\0\0')) orientation = exifOrientation(b, body, end);
    // SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc && !sof) {
      if (body + 6 > n) break;
      sof = { h: (b[body + 1] << 8) | b[body + 2], w: (b[body + 3] << 8) | b[body + 4], comps: b[body + 5], progressive: m === 0xc2 || m === 0xc6 || m === 0xca || m === 0xce };
    }
    if (m === 0xda) return sof ? done() : fail('corrupt JPEG header: image data (SOS) before the frame header (SOF)');
    i += len;
  }
  return sof ? done() : fail(TRUNCATED('JPEG'));

  function done(): HeaderResult {
    const s = sof as NonNullable<typeof sof>;
    if (s.w === 0) return fail('corrupt JPEG header: the frame is 0 pixels wide');
    // Height 0 = defined later by a DNL marker (rare): the size is unknown until decoded.
    if (s.h === 0) return fail('JPEG whose height is given after the image data (DNL)');
    if (s.comps !== 1 && s.comps !== 3 && s.comps !== 4) return fail(`corrupt JPEG header: ${s.comps} colour components`);
    return { ok: true, info: { format: 'jpeg', width: s.w, height: s.h, orientation, cmyk: s.comps === 4, interlaced: s.progressive, bitDepth: 8 } };
  }
}

function readPng(b: Uint8Array): HeaderResult {
  const fail = (reason: string): HeaderResult => ({ ok: false, format: 'png', reason });
  if (b.length < 33) return fail(TRUNCATED('PNG'));
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (v.getUint32(8) !== 13 || !ascii(b, 12, 'IHDR')) return fail('corrupt PNG header: the first chunk is not IHDR');
  const w = v.getUint32(16);
  const h = v.getUint32(20);
  if (w === 0 || h === 0) return fail(`corrupt PNG header: ${w}×${h} pixels`);
  let orientation = 1;
  // eXIf comes before the image data (IDAT); other chunks are skipped by their length.
  for (let off = 33; off + 8 <= b.length; ) {
    const len = v.getUint32(off);
    if (ascii(b, off + 4, 'IDAT') || ascii(b, off + 4, 'IEND')) break;
    if (ascii(b, off + 4, 'eXIf')) {
      orientation = exifOrientation(b, off + 8, Math.min(b.length, off + 8 + len));
      break;
    }
    off += 12 + len;
  }
  return { ok: true, info: { format: 'png', width: w, height: h, orientation, cmyk: false, interlaced: b[28] === 1, bitDepth: b[24] } };
}

function readWebp(b: Uint8Array): HeaderResult {
  const fail = (reason: string): HeaderResult => ({ ok: false, format: 'webp', reason });
  if (b.length < 30) return fail(TRUNCATED('WebP'));
  const le24 = (i: number) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16);
  let w = 0;
  let h = 0;
  let orientation = 1;
  if (ascii(b, 12, 'VP8 ')) {
    if (!(b[23] === 0x9d && b[24] === 0x01 && b[25] === 0x2a)) return fail('corrupt WebP header: no VP8 start code');
    w = (b[26] | (b[27] << 8)) & 0x3fff;
    h = (b[28] | (b[29] << 8)) & 0x3fff;
  } else if (ascii(b, 12, 'VP8L')) {
    if (b[20] !== 0x2f) return fail('corrupt WebP header: no VP8L signature');
    w = 1 + (((b[22] & 0x3f) << 8) | b[21]);
    h = 1 + (((b[24] & 0x0f) << 10) | (b[23] << 2) | ((b[22] & 0xc0) >> 6));
  } else if (ascii(b, 12, 'VP8X')) {
    w = 1 + le24(24);
    h = 1 + le24(27);
    if (b[20] & 0x08) {
      // EXIF flag: the EXIF chunk usually follows the image data; chunks are skipped by length.
      const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
      for (let off = 30; off + 8 <= b.length; ) {
        const len = v.getUint32(off + 4, true);
        if (ascii(b, off, 'EXIF')) {
          orientation = exifOrientation(b, off + 8, Math.min(b.length, off + 8 + len));
          break;
        }
        off += 8 + len + (len & 1);
      }
    }
  } else return fail('corrupt WebP header: no VP8, VP8L or VP8X chunk');
  if (w === 0 || h === 0) return fail(`corrupt WebP header: ${w}×${h} pixels`);
  return { ok: true, info: { format: 'webp', width: w, height: h, orientation, cmyk: false, interlaced: false, bitDepth: 8 } };
}

function readGif(b: Uint8Array): HeaderResult {
  if (b.length < 13) return { ok: false, format: 'gif', reason: TRUNCATED('GIF') };
  const w = b[6] | (b[7] << 8);
  const h = b[8] | (b[9] << 8);
  if (w === 0 || h === 0) return { ok: false, format: 'gif', reason: `corrupt GIF header: ${w}×${h} pixels` };
  return { ok: true, info: { format: 'gif', width: w, height: h, orientation: 1, cmyk: false, interlaced: false, bitDepth: 8 } };
}

function readBmp(b: Uint8Array): HeaderResult {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const dib = v.getUint32(14, true);
  let w: number;
  let h: number;
  if (dib === 12) {
    w = v.getUint16(18, true);
    h = v.getUint16(20, true);
  } else if (dib >= 40 && b.length >= 26) {
    w = v.getInt32(18, true);
    h = Math.abs(v.getInt32(22, true)); // negative = stored top-down
  } else return { ok: false, format: 'bmp', reason: `corrupt BMP header: an info header of ${dib} bytes` };
  if (w <= 0 || h === 0) return { ok: false, format: 'bmp', reason: `corrupt BMP header: ${w}×${h} pixels` };
  return { ok: true, info: { format: 'bmp', width: w, height: h, orientation: 1, cmyk: false, interlaced: false, bitDepth: 8 } };
}

/** Read the header of a PNG, JPEG, WebP, GIF or BMP. `format: null` = none of those. */
export function readImageInfo(b: Uint8Array): HeaderResult {
  const f = sniffImage(b);
  switch (f) {
    case 'png':
      return readPng(b);
    case 'jpeg':
      return readJpeg(b);
    case 'webp':
      return readWebp(b);
    case 'gif':
      return readGif(b);
    case 'bmp':
      return readBmp(b);
    case null:
      return { ok: false, format: null, reason: 'not a PNG, JPEG, WebP, GIF or BMP file' };
    default: {
      const _x: never = f;
      return _x;
    }
  }
}

/** Whether a file of `format` ends where a complete one would (end-of-image marker, IEND, RIFF size…). */
function looksComplete(b: Uint8Array, format: ImageFormat): boolean {
  const n = b.length;
  switch (format) {
    case 'jpeg': {
      // EOI, allowing trailing padding or appended data (some cameras append a second image).
      for (let i = n - 2; i >= Math.max(2, n - 4096); i--) if (b[i] === 0xff && b[i + 1] === 0xd9) return true;
      return false;
    }
    case 'png':
      return n >= 20 && ascii(b, n - 8, 'IEND');
    case 'webp':
      return n >= 12 && (b[4] | (b[5] << 8) | (b[6] << 16)) + b[7] * 0x1000000 + 8 <= n;
    case 'gif':
      return n > 13 && b.lastIndexOf(0x3b) >= n - 16;
    case 'bmp':
      return n >= 6 && new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(2, true) <= n;
    default: {
      const _x: never = format;
      return _x;
    }
  }
}

/** What other kinds of file announce themselves as: an image format browsers do not read, or not an image. */
function otherKind(b: Uint8Array): { image: boolean; what: string } | null {
  const head = new TextDecoder('latin1').decode(b.subarray(0, 512)).replace(/^\uFEFF/, '').trimStart().toLowerCase();
  if (ascii(b, 4, 'ftyp')) {
    const brand = new TextDecoder('latin1').decode(b.subarray(8, 12));
    if (/^(heic|heix|hevc|heim|heis|mif1|msf1)$/.test(brand)) return { image: true, what: 'a HEIC/HEIF photo' };
    if (/^avi[fs]$/.test(brand)) return { image: true, what: 'an AVIF image' };
    return { image: false, what: 'a video (MP4 family)' };
  }
  if (ascii(b, 0, 'II*\0') || ascii(b, 0, 'MM\0*')) return { image: true, what: 'a TIFF image' };
  if (ascii(b, 0, '%PDF')) return { image: false, what: 'a PDF document' };
  if (ascii(b, 0, 'PK\x03\x04')) return { image: false, what: 'a zip archive' };
  if (head.startsWith('<svg') || (head.startsWith('<?xml') && head.includes('<svg'))) return { image: false, what: 'an SVG drawing, which is not a photo format (convert it to PNG)' };
  if (head.startsWith('<!doctype html') || head.startsWith('<html')) return { image: false, what: 'an HTML page (a failed download?)' };
  if (b.length && [...b.subarray(0, 64)].every((c) => c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127))) return { image: false, what: `a text file ("${head.slice(0, 24).replace(/\s+/g, ' ')}…")` };
  return null;
}

/**
 * Why a file the browser could not decode is broken, in words a user can act on. `ext` is the
 * file name's extension (for "the name ends in .jpg" when the bytes are something else).
 */
export function brokenImageReason(b: Uint8Array, ext: string): string {
  if (b.length === 0) return 'empty file (0 bytes)';
  const h = readImageInfo(b);
  if (!h.ok && h.format) return h.reason;
  if (h.ok) {
    const name = FORMAT_NAMES[h.info.format];
    if (!looksComplete(b, h.info.format)) return TRUNCATED(name);
    return `corrupt ${name} (${h.info.width}×${h.info.height}): the browser cannot decode its image data`;
  }
  const other = otherKind(b);
  const named = ext ? ` (although the name ends in .${ext})` : '';
  if (other?.image) return `${other.what}${named}, which this browser cannot decode: convert it to JPEG or PNG`;
  return other ? `not an image: ${other.what}${named}` : `not an image: the bytes are not PNG, JPEG, WebP, GIF or BMP${named}`;
}

/**
 * Turn `width × height` RGBA pixels as stored into the upright picture for EXIF `orientation`
 * (2 mirror, 3 rotate 180°, 4 flip, 5 transpose, 6 rotate 90° clockwise, 7 transverse, 8 rotate
 * 90° anticlockwise). Exact: pixels are moved, not resampled.
 */
export function orientRgba(data: Uint8Array | Uint8ClampedArray, width: number, height: number, orientation: number): { width: number; height: number; data: Uint8ClampedArray } {
  const swap = orientation >= 5 && orientation <= 8;
  const W = swap ? height : width;
  const H = swap ? width : height;
  // One 32-bit word per RGBA pixel (a copy when the view is not 4-byte aligned).
  const aligned = data.byteOffset % 4 === 0 ? data : data.slice();
  const src = new Uint32Array(aligned.buffer, aligned.byteOffset, width * height);
  const out = new Uint8ClampedArray(W * H * 4);
  const dst = new Uint32Array(out.buffer);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let sx: number;
      let sy: number;
      switch (orientation) {
        case 2:
          sx = width - 1 - x;
          sy = y;
          break;
        case 3:
          sx = width - 1 - x;
          sy = height - 1 - y;
          break;
        case 4:
          sx = x;
          sy = height - 1 - y;
          break;
        case 5:
          sx = y;
          sy = x;
          break;
        case 6:
          sx = y;
          sy = height - 1 - x;
          break;
        case 7:
          sx = width - 1 - y;
          sy = height - 1 - x;
          break;
        case 8:
          sx = width - 1 - y;
          sy = x;
          break;
        default:
          sx = x;
          sy = y;
      }
      dst[y * W + x] = src[sy * width + sx];
    }
  }
  return { width: W, height: H, data: out };
}
