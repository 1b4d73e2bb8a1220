/**
 * A DC-only decoder for progressive JPEGs: the image at 1/8 scale, in pure TypeScript.
 *
 * Why: libjpeg-turbo cannot shrink a progressive JPEG on load without entropy-decoding every AC
 * scan first (each coefficient is refined over several scans), so a 12-MP progressive photo
 * cost 4× a baseline one in Node. At scale 1/8 a block's one pixel is its DC coefficient:
 * (DC·q0 + 4) >> 3, level-shifted by 128, which is libjpeg's 1×1 IDCT for scale_denom = 8. The DC
 * coefficients come in scans of their own (Ss = 0), so the AC scans are skipped by walking to
 * the next marker: entropy-coded data is byte-stuffed (inside a scan 0xFF is followed only by
 * 0x00 or RSTn), and the walk is an `indexOf` over the bytes.
 *
 * Handled: 8-bit SOF2 (progressive, Huffman) with 1 component (grey) or 3 (YCbCr, or RGB as
 * stored by libjpeg's rules: no JFIF marker and an Adobe APP14 with transform 0, or neither
 * marker and component ids 'R', 'G', 'B'); sampling factors 1–4 whose ratios to the largest are
 * whole; DC first scans (point transform Al) and refinements, interleaved (in MCU order) or not
 * (one component's blocks in its own raster order, not MCU-padded); restart intervals; EXIF
 * orientation from the APP1 before the first scan (what libvips reads).
 *
 * Everything else is null, so that the caller hands the file to libvips, which decodes it or
 * reports what is wrong as before: baseline and arithmetic-coded files, CMYK/YCCK, 12-bit, a
 * missing table or DC scan, a marker or table libjpeg would refuse, entropy data that runs into
 * a marker or the end of the file, RSTn out of order, several EXIF blocks, and any file without
 * a reachable EOI (a truncated file must reach libvips to be reported as truncated). Nothing
 * throws; every loop is bounded by the input's length, and nothing is allocated before the
 * declared size has been checked against the limit and against the bytes there are.
 *
 * Pixels, matched to libvips' shrink-on-load (jpegload with shrink = 8): each component's DC plane
 * at its block resolution; a component sampled n× below the largest is brought to the largest's
 * grid as libjpeg does at scale 1/8 — by replication where libjpeg replicates (4:2:2, 4:4:0,
 * 3× ratios) — except that where libjpeg runs a 2 × 2 (or 4 × 4) IDCT on the chroma block instead
 * (4:2:0, whose inputs are AC coefficients we skip), we interpolate the DC grid linearly (weights
 * 3/4, 1/4 at 2×); YCbCr → RGB with libjpeg's fixed-point JFIF tables; the result cropped to
 * ⌊w/8⌋ × ⌊h/8⌋ as libvips crops (its partial last block column and row are dropped); then the EXIF
 * orientation. So 4:4:4, 4:2:2 and grey come out exactly as libvips' 1/8 scale, and 4:2:0 differs
 * in chroma by a level or so on average (more at sharp colour edges).
 */

/** The 1/8-scale image of a progressive JPEG, EXIF orientation applied. */
export interface JpegDcImage {
  /**
   * Upright size of the small image: ⌊stored width / 8⌋ × ⌊stored height / 8⌋ (what libvips keeps of
   * libjpeg's 1/8 scale), swapped for orientations 5–8.
   */
  width: number;
  height: number;
  /** 1 for grey, 3 for RGB. */
  channels: 1 | 3;
  /** Interleaved 8-bit samples, `width × height × channels`. */
  data: Uint8Array;
  /** The full image's upright size (what the shrink is computed from). */
  fullWidth: number;
  fullHeight: number;
  /** EXIF orientation 1–8 that was applied (1 when the file has none). */
  orientation: number;
}

/** Options for {@link decodeJpegDc}. */
export interface JpegDcOptions {
  /** Files whose declared width × height is over this are left to the caller (null), before any allocation. */
  maxPixels?: number;
  /**
   * Called once with the upright full size when the header (everything before the first scan)
   * has been read; returning false stops there with null, before any entropy data is decoded.
   */
  accept?: (width: number, height: number) => boolean;
}

/** A decoding failure inside this module: always turned into a null result. */
class NotForUs extends Error {}

function fail(): never {
  throw new NotForUs();
}

interface Component {
  id: number;
  h: number;
  v: number;
  tq: number;
  /** Blocks per row and rows in the MCU-padded grid (interleaved scans). */
  padW: number;
  padH: number;
  /** Blocks per row and rows that hold image samples (non-interleaved scans). */
  bw: number;
  bh: number;
  /** DC coefficients in the padded grid, as libjpeg's JCOEF (16-bit, wrapping). */
  dc: Int16Array;
  /** The quantiser of DC, latched at the first scan that includes the component (as libjpeg). */
  q0: number;
  /** The successive-approximation bit of DC received so far (-1: no first DC scan yet). */
  al: number;
}

/** A Huffman table: a 9-bit lookahead table plus the JPEG spec's MAXCODE/VALPTR for longer codes. */
interface Huffman {
  /** (length << 8) | symbol for codes up to 9 bits, indexed by the next 9 bits; 0 when longer. */
  look: Uint16Array;
  maxcode: Int32Array;
  valptr: Int32Array;
  mincode: Int32Array;
  values: Uint8Array;
  /**
   * DC tables: code and magnitude bits decoded at once for the common short case, indexed by the
   * next 9 bits: (difference << 8) | bits used, or 0 when code + magnitude are longer.
   */
  fastDc: Int32Array | null;
}

interface RawTable {
  counts: Uint8Array;
  values: Uint8Array;
  built: Huffman | null;
}

const LOOK = 9;

/** Builds a decoding table, refusing what libjpeg's jpeg_make_d_derived_tbl refuses. */
function buildHuffman(t: RawTable, isDc: boolean): Huffman {
  if (t.built) return t.built;
  const { counts, values } = t;
  if (isDc) for (const s of values) if (s > 15) fail();
  const look = new Uint16Array(1 << LOOK);
  const maxcode = new Int32Array(17).fill(-1);
  const valptr = new Int32Array(17);
  const mincode = new Int32Array(17);
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    const n = counts[len - 1];
    valptr[len] = k;
    mincode[len] = code;
    for (let i = 0; i < n; i++, k++, code++) {
      if (len <= LOOK) {
        const first = code << (LOOK - len);
        const entry = (len << 8) | values[k];
        for (let j = 0; j < 1 << (LOOK - len); j++) look[first + j] = entry;
      }
    }
    if (n) maxcode[len] = code - 1;
    // libjpeg refuses a table whose codes overflow their length (all-ones codes included).
    if (code >= 1 << len && n) fail();
    code <<= 1;
  }
  let fastDc: Int32Array | null = null;
  if (isDc) {
    fastDc = new Int32Array(1 << LOOK);
    for (let x = 0; x < 1 << LOOK; x++) {
      const e = look[x];
      if (!e) continue;
      const len = e >> 8;
      const size = e & 0xff;
      if (len + size > LOOK) continue;
      const v = (x >> (LOOK - len - size)) & ((1 << size) - 1);
      const diff = size === 0 ? 0 : v < 1 << (size - 1) ? v - (1 << size) + 1 : v;
      fastDc[x] = (diff << 8) | (len + size);
    }
  }
  t.built = { look, maxcode, valptr, mincode, values, fastDc };
  return t.built;
}

/**
 * The index of the next marker's code byte at or after `from`, skipping stuffed FF 00 pairs and
 * fill bytes (and RSTn when `skipRst`); -1 when the data ends first. Bytes that are not markers
 * are passed over, as libjpeg does between segments (with a warning).
 */
function nextMarker(b: Uint8Array, from: number, skipRst: boolean): number {
  let i = from;
  while (i < b.length) {
    i = b.indexOf(0xff, i);
    if (i < 0) return -1;
    let j = i + 1;
    while (j < b.length && b[j] === 0xff) j++;
    if (j >= b.length) return -1;
    const m = b[j];
    if (m !== 0 && !(skipRst && m >= 0xd0 && m <= 0xd7)) return j;
    i = j + 1;
  }
  return -1;
}

const ascii = (b: Uint8Array, at: number, end: number, s: string): boolean => {
  if (at + s.length > end) return false;
  for (let k = 0; k < s.length; k++) if (b[at + k] !== s.charCodeAt(k)) return false;
  return true;
};

/** EXIF orientation from an APP1 body starting "Exif\0\0"; unclear EXIF (that libexif might read otherwise) fails. */
function exifOrientation(b: Uint8Array, start: number, end: number): number {
  if (!ascii(b, start, end, 'Exif\0\0')) fail();
  const t = start + 6;
  if (t + 8 > end) fail();
  const le = b[t] === 0x49 && b[t + 1] === 0x49;
  if (!le && !(b[t] === 0x4d && b[t + 1] === 0x4d)) fail();
  const u16 = (p: number) => (le ? b[p] | (b[p + 1] << 8) : (b[p] << 8) | b[p + 1]);
  const u32 = (p: number) => (le ? (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16)) + b[p + 3] * 2 ** 24 : b[p] * 2 ** 24 + ((b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]));
  if (u16(t + 2) !== 42) fail();
  const ifd = t + u32(t + 4);
  if (ifd + 2 > end) fail();
  const n = u16(ifd);
  if (ifd + 2 + n * 12 > end) fail();
  for (let k = 0; k < n; k++) {
    const e = ifd + 2 + k * 12;
    if (u16(e) !== 0x0112) continue;
    const v = u16(e + 8);
    if (u16(e + 2) !== 3 || u32(e + 4) !== 1 || v < 1 || v > 8) fail();
    return v;
  }
  return 1;
}

/** libjpeg's YCbCr → RGB tables (jdcolor.c): 16-bit fixed point, rounded. */
const FIX = (x: number) => Math.floor(x * 65536 + 0.5);
const CR_R = new Int32Array(256);
const CB_B = new Int32Array(256);
const CR_G = new Int32Array(256);
const CB_G = new Int32Array(256);
for (let i = 0; i < 256; i++) {
  const x = i - 128;
  CR_R[i] = (FIX(1.402) * x + 32768) >> 16;
  CB_B[i] = (FIX(1.772) * x + 32768) >> 16;
  CR_G[i] = -FIX(0.71414) * x;
  CB_G[i] = -FIX(0.34414) * x + 32768;
}

/**
 * One component's plane on the output (largest-sampling) block grid: DC → sample, then the
 * upsampling described in the module comment.
 */
function componentPlane(c: Component, hmax: number, vmax: number, ow: number, oh: number): Uint8Array {
  const { bw, bh, padW, dc, q0 } = c;
  const plane = new Uint8Array(bw * bh);
  const clamped = new Uint8ClampedArray(plane.buffer);
  // libjpeg's jpeg_idct_1x1: (DC·q0 + 4) >> 3, level-shifted and range-limited. A 16-bit
  // coefficient times a 16-bit quantiser stays inside 32 bits.
  for (let y = 0; y < bh; y++) {
    const row = y * padW;
    const o = y * bw;
    for (let x = 0; x < bw; x++) clamped[o + x] = ((dc[row + x] * q0 + 4) >> 3) + 128;
  }
  const hr = hmax / c.h;
  const vr = vmax / c.v;
  if (hr === 1 && vr === 1) return plane; // bw = ow, bh = oh
  // libjpeg's IDCT size for this component at scale 1/8 (jpeg_calc_output_dimensions): s × s
  // samples per block where both ratios allow it. Those we interpolate from the DC grid; the
  // ratio left over libjpeg replicates (at scale 1/8 it never uses its fancy upsampling).
  let s = 1;
  while (s < 8 && hr % (2 * s) === 0 && vr % (2 * s) === 0) s *= 2;
  if (s === 2 && hr === 2 && vr === 2) return triangle2(plane, bw, bh, ow, oh);
  // Per output column (row): the two DC samples either side of its centre and the weight of the
  // second, in units of 1/(2s) (exact: centres fall on multiples of 1/(2s)).
  const W = 2 * s;
  const taps = (n: number, count: number, rep: number) => {
    const i0 = new Int32Array(n);
    const i1 = new Int32Array(n);
    const w1 = new Int32Array(n);
    for (let x = 0; x < n; x++) {
      const num = 2 * Math.floor(x / rep) + 1 - s; // centre = num / W in DC samples
      const f = Math.floor(num / W);
      i0[x] = Math.min(count - 1, Math.max(0, f));
      i1[x] = Math.min(count - 1, Math.max(0, f + 1));
      w1[x] = num - f * W;
    }
    return { i0, i1, w1 };
  };
  const tx = taps(ow, bw, hr / s);
  const ty = taps(oh, bh, vr / s);
  const shift = 2 * Math.log2(W);
  const half = (W * W) >> 1;
  const out = new Uint8Array(ow * oh);
  for (let y = 0; y < oh; y++) {
    const r0 = ty.i0[y] * bw;
    const r1 = ty.i1[y] * bw;
    const wy1 = ty.w1[y];
    const wy0 = W - wy1;
    const o = y * ow;
    for (let x = 0; x < ow; x++) {
      const a = tx.i0[x];
      const b = tx.i1[x];
      const wx1 = tx.w1[x];
      const wx0 = W - wx1;
      const top = wx0 * plane[r0 + a] + wx1 * plane[r0 + b];
      const bottom = wx0 * plane[r1 + a] + wx1 * plane[r1 + b];
      out[o + x] = (wy0 * top + wy1 * bottom + half) >> shift;
    }
  }
  return out;
}

/**
 * 2× up in both directions with weights 3/4 and 1/4 (4:2:0 chroma, the common case of the general
 * interpolation in componentPlane, in libjpeg's h2v2 form: column sums first, then along the row).
 */
function triangle2(plane: Uint8Array, bw: number, bh: number, ow: number, oh: number): Uint8Array {
  const out = new Uint8Array(ow * oh);
  const sums = new Int32Array(bw + 2);
  for (let y = 0; y < oh; y++) {
    const near = Math.min(bh - 1, y >> 1);
    const far = Math.min(bh - 1, Math.max(0, y & 1 ? near + 1 : near - 1));
    const r0 = near * bw;
    const r1 = far * bw;
    // sums[i + 1] = 3·near + far for source column i, padded by repeating the edge columns.
    for (let i = 0; i < bw; i++) sums[i + 1] = 3 * plane[r0 + i] + plane[r1 + i];
    sums[0] = sums[1];
    sums[bw + 1] = sums[bw];
    const o = y * ow;
    for (let x = 0; x < ow; x++) {
      const i = (x >> 1) + 1;
      out[o + x] = (3 * sums[i] + sums[x & 1 ? i + 1 : i - 1] + 8) >> 4;
    }
  }
  return out;
}

/**
 * The planes (rows of `stride` samples) cropped to `ow × oh` and interleaved: grey copied, YCbCr
 * through libjpeg's tables, RGB as stored.
 */
function assemble(planes: Uint8Array[], stride: number, ow: number, oh: number, rgb: boolean): Uint8Array {
  if (planes.length === 1) {
    const [p] = planes;
    if (stride === ow) return p.subarray(0, ow * oh);
    const out = new Uint8Array(ow * oh);
    for (let y = 0; y < oh; y++) out.set(p.subarray(y * stride, y * stride + ow), y * ow);
    return out;
  }
  const [p0, p1, p2] = planes;
  const data = new Uint8Array(ow * oh * 3);
  const out = new Uint8ClampedArray(data.buffer); // clamps as libjpeg's range_limit
  for (let y = 0, o = 0; y < oh; y++) {
    const row = y * stride;
    if (rgb)
      for (let k = row; k < row + ow; k++, o += 3) {
        out[o] = p0[k];
        out[o + 1] = p1[k];
        out[o + 2] = p2[k];
      }
    else
      for (let k = row; k < row + ow; k++, o += 3) {
        const luma = p0[k];
        const cb = p1[k];
        const cr = p2[k];
        out[o] = luma + CR_R[cr];
        out[o + 1] = luma + ((CB_G[cb] + CR_G[cr]) >> 16);
        out[o + 2] = luma + CB_B[cb];
      }
  }
  return data;
}

/**
 * The stored image turned upright for an EXIF orientation (what sharp's autorotation does):
 * upright (x, y) reads stored pixel base + x·dx + y·dy.
 */
function orient(data: Uint8Array, w: number, h: number, ch: number, o: number): { data: Uint8Array; width: number; height: number } {
  if (o < 2 || o > 8) return { data, width: w, height: h };
  const last = (h - 1) * w;
  // [base, dx, dy] per orientation 2–8: mirror, 180°, flip, transpose, 90° cw, transverse, 90° ccw.
  const maps: [number, number, number][] = [
    [w - 1, -1, w],
    [last + w - 1, -1, -w],
    [last, 1, -w],
    [0, w, 1],
    [last, -w, 1],
    [last + w - 1, -w, -1],
    [w - 1, w, -1],
  ];
  const [base, dx, dy] = maps[o - 2];
  const uw = o >= 5 ? h : w;
  const uh = o >= 5 ? w : h;
  const out = new Uint8Array(data.length);
  for (let y = 0, d = 0; y < uh; y++)
    for (let x = 0, s = (base + y * dy) * ch; x < uw; x++, s += dx * ch, d += ch) for (let k = 0; k < ch; k++) out[d + k] = data[s + k];
  return { data: out, width: uw, height: uh };
}

/**
 * Decode a progressive JPEG's DC coefficients into its 1/8-scale image (upright), or null when
 * the file is anything else or anything is unclear (see the module comment): the caller then
 * decodes it in full. Never throws.
 */
export function decodeJpegDc(bytes: Uint8Array, options: JpegDcOptions = {}): JpegDcImage | null {
  try {
    return decode(bytes, options.maxPixels ?? Infinity, options.accept);
  } catch {
    // NotForUs, or anything unforeseen (a RangeError from an allocation, a bug): the full decoder
    // is the fallback, so it gets the file rather than the caller an exception.
    return null;
  }
}

function decode(b: Uint8Array, maxPixels: number, accept: JpegDcOptions['accept']): JpegDcImage | null {
  const n = b.length;
  if (n < 4 || b[0] !== 0xff || b[1] !== 0xd8) return null;
  const quant: (Uint16Array | null)[] = [null, null, null, null];
  const dcTables: (RawTable | null)[] = [null, null, null, null];
  const acTables: (RawTable | null)[] = [null, null, null, null];
  let restart = 0;
  const comps: Component[] = [];
  let width = 0;
  let height = 0;
  let hmax = 1;
  let vmax = 1;
  let mcusX = 0;
  let mcusY = 0;
  let sawSof = false;
  let started = false; // a scan has been read: later APPn no longer count (libvips reads markers up to the first SOS)
  let jfif = false;
  let adobe = -1;
  let exifCount = 0;
  let orientation = 1;
  let i = 2;
  for (;;) {
    const mi = nextMarker(b, i, true);
    if (mi < 0) return null; // no EOI: truncated, libvips says so
    const m = b[mi];
    i = mi + 1;
    if (m === 0xd9) break; // EOI
    if (m === 0xd8 || m === 0x01) fail(); // a second SOI is an error for libjpeg; TEM is never seen in practice
    if (i + 2 > n) return null;
    const len = (b[i] << 8) | b[i + 1];
    const body = i + 2;
    const end = i + len;
    if (len < 2 || end > n) return null; // truncated inside a segment (or a nonsense length)
    i = end;
    if (m >= 0xe0 && m <= 0xef) {
      if (started) continue;
      const dl = len - 2;
      if (m === 0xe0 && dl >= 14 && ascii(b, body, end, 'JFIF\0')) jfif = true;
      else if (m === 0xee && dl >= 12 && ascii(b, body, end, 'Adobe')) adobe = b[body + 11];
      else if (m === 0xe1 && dl > 4 && ascii(b, body, end, 'Exif')) {
        // Several EXIF blocks (which one would libvips read?) are left to it.
        if (++exifCount > 1) fail();
        orientation = exifOrientation(b, body, end);
      }
      continue;
    }
    switch (m) {
      case 0xfe: // COM
      case 0xdc: // DNL (libjpeg ignores it)
        continue;
      case 0xdb: {
        // DQT: one or more tables, 8- or 16-bit; the length must be used up exactly.
        let p = body;
        while (p < end) {
          const pq = b[p] >> 4;
          const tq = b[p] & 15;
          if (tq > 3 || pq > 1) fail();
          const size = pq ? 128 : 64;
          if (p + 1 + size > end) fail();
          const t = new Uint16Array(64);
          for (let k = 0; k < 64; k++) t[k] = pq ? (b[p + 1 + 2 * k] << 8) | b[p + 2 + 2 * k] : b[p + 1 + k];
          quant[tq] = t;
          p += 1 + size;
        }
        continue;
      }
      case 0xc4: {
        let p = body;
        while (p < end) {
          if (p + 17 > end) fail();
          const tc = b[p] >> 4;
          const th = b[p] & 15;
          if (tc > 1 || th > 3) fail();
          const counts = b.slice(p + 1, p + 17);
          let total = 0;
          for (const c of counts) total += c;
          if (total > 256 || p + 17 + total > end) fail();
          const t: RawTable = { counts, values: b.slice(p + 17, p + 17 + total), built: null };
          if (tc === 0) dcTables[th] = t;
          else acTables[th] = t;
          p += 17 + total;
        }
        continue;
      }
      case 0xdd:
        if (len !== 4) fail();
        restart = (b[body] << 8) | b[body + 1];
        continue;
      case 0xc2: {
        if (sawSof) fail();
        sawSof = true;
        if (len < 8) fail();
        const precision = b[body];
        height = (b[body + 1] << 8) | b[body + 2];
        width = (b[body + 3] << 8) | b[body + 4];
        const nc = b[body + 5];
        if (precision !== 8 || width === 0 || height === 0 || (nc !== 1 && nc !== 3) || len !== 8 + 3 * nc) fail();
        if (width * height > maxPixels) return null; // libvips refuses it with the usual message
        for (let k = 0; k < nc; k++) {
          const p = body + 6 + 3 * k;
          const h = b[p + 1] >> 4;
          const v = b[p + 1] & 15;
          if (h < 1 || h > 4 || v < 1 || v > 4 || b[p + 2] > 3) fail();
          if (comps.some((c) => c.id === b[p])) fail();
          comps.push({ id: b[p], h, v, tq: b[p + 2], padW: 0, padH: 0, bw: 0, bh: 0, dc: new Int16Array(0), q0: -1, al: -1 });
        }
        hmax = Math.max(...comps.map((c) => c.h));
        vmax = Math.max(...comps.map((c) => c.v));
        if (comps.some((c) => hmax % c.h !== 0 || vmax % c.v !== 0)) fail(); // fractional sampling: libjpeg refuses
        mcusX = Math.ceil(width / (8 * hmax));
        mcusY = Math.ceil(height / (8 * vmax));
        let blocks = 0;
        for (const c of comps) {
          c.padW = mcusX * c.h;
          c.padH = mcusY * c.v;
          c.bw = Math.ceil(Math.ceil((width * c.h) / hmax) / 8);
          c.bh = Math.ceil(Math.ceil((height * c.v) / vmax) / 8);
          blocks += c.bw * c.bh;
        }
        // Each block costs at least one bit in its first DC scan: a header that promises more
        // blocks than the file has bits is not worth allocating for.
        if (blocks > 8 * n) return null;
        for (const c of comps) c.dc = new Int16Array(c.padW * c.padH);
        continue;
      }
      case 0xda: {
        if (!sawSof) fail();
        if (len < 6) fail();
        const ns = b[body];
        if (ns < 1 || ns > 4 || len !== 6 + 2 * ns) fail();
        const scan: { c: Component; td: number; ta: number }[] = [];
        for (let k = 0; k < ns; k++) {
          const c = comps.find((x) => x.id === b[body + 1 + 2 * k]);
          if (!c || scan.some((s) => s.c === c)) fail();
          scan.push({ c, td: b[body + 2 + 2 * k] >> 4, ta: b[body + 2 + 2 * k] & 15 });
        }
        const p = body + 1 + 2 * ns;
        const ss = b[p];
        const se = b[p + 1];
        const ah = b[p + 2] >> 4;
        const al = b[p + 2] & 15;
        // libjpeg's progression checks (jdphuff.c start_pass): anything else is an error there.
        if (ss === 0 ? se !== 0 : ss > se || se > 63 || ns !== 1) fail();
        if ((ah !== 0 && al !== ah - 1) || al > 13) fail();
        if (ns > 1 && scan.reduce((t, s) => t + s.c.h * s.c.v, 0) > 10) fail();
        if (!started) {
          started = true;
          const upright = orientation >= 5 ? [height, width] : [width, height];
          if (accept && !accept(upright[0], upright[1])) return null;
        }
        // Quantisers are latched at the first scan that includes a component (jdinput.c).
        for (const s of scan)
          if (s.c.q0 < 0) {
            const q = quant[s.c.tq];
            if (!q) fail();
            s.c.q0 = q[0];
          }
        if (ss !== 0) {
          // An AC scan: its table must exist and be sound (libjpeg checks), its data is skipped.
          const t = scan[0].ta < 4 ? acTables[scan[0].ta] : null;
          if (!t) fail();
          buildHuffman(t, false);
          continue; // i is at the data; the marker walk skips it
        }
        i = dcScan(b, end, scan, ah, al, ns > 1 ? null : scan[0].c, mcusX, mcusY, restart, dcTables);
        continue;
      }
      default:
        // Other frame types (baseline, extended, lossless, hierarchical, arithmetic), DAC, and
        // reserved markers, which libjpeg refuses: not ours.
        fail();
    }
  }
  if (!sawSof || !started) return null;
  const colour = comps.length === 3;
  if (comps.some((c) => c.al < 0)) return null; // a component without DC: libvips decides
  // libjpeg's 1/8 output is ⌈w/8⌉ × ⌈h/8⌉; libvips keeps ⌊w/8⌋ × ⌊h/8⌋ of it (jpeg2vips.c: "strictly
  // round down"), dropping a partial last block column and row. Upsampling uses the full grid.
  const fw = Math.ceil(width / 8);
  const fh = Math.ceil(height / 8);
  const planes = comps.map((c) => componentPlane(c, hmax, vmax, fw, fh));
  const ids = comps.map((c) => c.id);
  // libjpeg's guess (jdapimin.c): JFIF means YCbCr, else Adobe's transform, else ids 'R','G','B'.
  const rgb = jfif ? false : adobe >= 0 ? adobe === 0 : ids[0] === 82 && ids[1] === 71 && ids[2] === 66;
  const ow = Math.floor(width / 8);
  const oh = Math.floor(height / 8);
  if (ow < 1 || oh < 1) return null;
  const data = assemble(planes, fw, ow, oh, rgb);
  const channels = colour ? 3 : 1;
  const up = orient(data, ow, oh, channels, orientation);
  const swap = orientation >= 5;
  return { width: up.width, height: up.height, channels, data: up.data, fullWidth: swap ? height : width, fullHeight: swap ? width : height, orientation };
}

/**
 * One scan's entropy-coded data from `start`, unstuffed (FF 00 → FF, fill FFs dropped) up to the
 * first marker that is not RSTn, split at each RSTn. With the bytes clean, the decoder's only
 * state is a bit position.
 */
function entropyData(b: Uint8Array, start: number): { data: Uint8Array; size: number; starts: number[]; markers: number[]; stop: number } {
  const stop = nextMarker(b, start, true);
  if (stop < 0) fail(); // the file ends inside the scan
  // 64 zero bytes of slack: reads a few blocks past the data land there before the overrun check.
  const data = new Uint8Array(stop - start + 64);
  const starts = [0];
  const markers: number[] = [];
  let n = 0;
  for (let i = start; i < stop; ) {
    const c = b[i++];
    if (c !== 0xff) {
      data[n++] = c;
      continue;
    }
    while (i < stop && b[i] === 0xff) i++;
    if (i >= stop) break; // the FF of the final marker
    const m = b[i++];
    if (m === 0) data[n++] = 0xff;
    else {
      starts.push(n); // nextMarker stopped only at the final marker, so this is an RSTn
      markers.push(m);
    }
  }
  return { data, size: n, starts, markers, stop };
}

/** The 32 bits of `d` from bit `bp`, most significant first (25 or more of them meaningful). */
const peek = (d: Uint8Array, bp: number): number => {
  const p = bp >>> 3;
  return ((d[p] << 24) | (d[p + 1] << 16) | (d[p + 2] << 8) | d[p + 3]) << (bp & 7);
};

/** JPEG's EXTEND: `v`, `s` magnitude bits, as a signed difference. */
const extend = (v: number, s: number): number => (v < 1 << (s - 1) ? v - (1 << s) + 1 : v);

/**
 * Decodes one DC scan (first or refinement) starting at `start`; returns the index where the
 * marker walk resumes. `single`: a one-component scan, whose blocks come in the component's own
 * raster order (not MCU-padded).
 */
function dcScan(
  b: Uint8Array,
  start: number,
  scan: { c: Component; td: number }[],
  ah: number,
  al: number,
  single: Component | null,
  mcusX: number,
  mcusY: number,
  restart: number,
  dcTables: (RawTable | null)[],
): number {
  const first = ah === 0;
  for (const s of scan) {
    if (first) {
      if (s.c.al >= 0) fail(); // a second first scan for the same DC
    } else if (s.c.al !== ah) fail(); // refinement without (or out of order with) its predecessor
  }
  // The blocks of one MCU, in order: which component (predictor slot, coefficients, table) and
  // where in its padded grid, as offset + my·rowStep + mx·colStep.
  const unitK: number[] = [];
  const unitDc: Int16Array[] = [];
  const unitTable: Huffman[] = [];
  const unitOffset: number[] = [];
  const unitRowStep: number[] = [];
  const unitColStep: number[] = [];
  for (let k = 0; k < scan.length; k++) {
    const c = scan[k].c;
    let table: Huffman | null = null;
    if (first) {
      const t = scan[k].td < 4 ? dcTables[scan[k].td] : null;
      if (!t) fail();
      table = buildHuffman(t, true);
    }
    const hs = single ? 1 : c.h;
    const vs = single ? 1 : c.v;
    for (let v = 0; v < vs; v++)
      for (let h = 0; h < hs; h++) {
        unitK.push(k);
        unitDc.push(c.dc);
        if (table) unitTable.push(table);
        unitOffset.push(v * c.padW + h);
        unitRowStep.push(vs * c.padW);
        unitColStep.push(hs);
      }
  }
  const { data: d, size, starts, markers, stop } = entropyData(b, start);
  const geometry: ScanGeometry = {
    units: unitK.length,
    unitK: Int32Array.from(unitK),
    unitDc,
    unitTable,
    unitOffset: Int32Array.from(unitOffset),
    unitRowStep: Int32Array.from(unitRowStep),
    unitColStep: Int32Array.from(unitColStep),
    cols: single ? single.bw : mcusX,
    rows: single ? single.bh : mcusY,
    restart,
    starts,
    markers,
    size,
    comps: scan.length,
  };
  if (first) firstPass(d, geometry, 1 << al);
  else refinePass(d, geometry, 1 << al);
  for (const s of scan) s.c.al = al;
  return stop - 1;
}

/** Where each block of an MCU goes, and the scan's entropy segments (one per restart interval). */
interface ScanGeometry {
  units: number;
  unitK: Int32Array;
  unitDc: Int16Array[];
  unitTable: Huffman[];
  unitOffset: Int32Array;
  unitRowStep: Int32Array;
  unitColStep: Int32Array;
  cols: number;
  rows: number;
  restart: number;
  starts: number[];
  markers: number[];
  size: number;
  comps: number;
}

/**
 * The bit position of restart interval `seg`, after checking that it follows the expected RSTn
 * (libjpeg would resynchronise with warnings: left to it).
 */
function intervalStart(g: ScanGeometry, seg: number): number {
  if (seg >= g.starts.length || g.markers[seg - 1] !== 0xd0 + ((seg - 1) & 7)) fail();
  return g.starts[seg] * 8;
}

const intervalEnd = (g: ScanGeometry, seg: number): number => (seg + 1 < g.starts.length ? g.starts[seg + 1] : g.size) * 8;

/** A DC first scan: Huffman-coded differences from the previous block of the same component, shifted left by Al. */
function firstPass(d: Uint8Array, g: ScanGeometry, bit: number): void {
  const { units, unitK, unitDc, unitTable, unitOffset, unitRowStep, unitColStep, cols, rows, restart } = g;
  const pred = new Int32Array(g.comps);
  const at = new Int32Array(units); // each unit's block index in the current MCU
  let untilRestart = restart;
  let seg = 0;
  let bp = 0;
  let segEnd = intervalEnd(g, 0);
  for (let my = 0; my < rows; my++) {
    for (let u = 0; u < units; u++) at[u] = unitOffset[u] + my * unitRowStep[u];
    for (let mx = 0; mx < cols; mx++) {
      if (restart) {
        if (untilRestart === 0) {
          bp = intervalStart(g, ++seg);
          segEnd = intervalEnd(g, seg);
          pred.fill(0);
          untilRestart = restart;
        }
        untilRestart--;
      }
      for (let u = 0; u < units; u++) {
        const t = unitTable[u];
        const w = peek(d, bp);
        const fast = (t.fastDc as Int32Array)[w >>> (32 - LOOK)];
        let diff: number;
        if (fast !== 0) {
          bp += fast & 0xff;
          diff = fast >> 8;
        } else {
          const e = t.look[w >>> (32 - LOOK)];
          let len: number;
          let sym: number;
          if (e !== 0) {
            len = e >> 8;
            sym = e & 0xff;
          } else {
            len = LOOK + 1;
            while (len <= 16 && w >>> (32 - len) > t.maxcode[len]) len++;
            if (len > 16) fail(); // no such code: corrupt data (libjpeg warns and guesses; libvips decides)
            sym = t.values[t.valptr[len] + (w >>> (32 - len)) - t.mincode[len]];
          }
          bp += len;
          diff = sym ? extend(peek(d, bp) >>> (32 - sym), sym) : 0;
          bp += sym;
        }
        const p = (pred[unitK[u]] += diff);
        unitDc[u][at[u]] = p * bit; // LEFT_SHIFT, stored as a 16-bit JCOEF
        at[u] += unitColStep[u];
      }
      if (bp > segEnd) fail(); // the data ended (a marker) inside the interval
    }
  }
}

/** A DC refinement scan: one raw bit per block, the next bit of each coefficient. */
function refinePass(d: Uint8Array, g: ScanGeometry, bit: number): void {
  const { units, unitDc, unitOffset, unitRowStep, unitColStep, cols, rows, restart } = g;
  const at = new Int32Array(units);
  let untilRestart = restart;
  let seg = 0;
  let bp = 0;
  let segEnd = intervalEnd(g, 0);
  for (let my = 0; my < rows; my++) {
    for (let u = 0; u < units; u++) at[u] = unitOffset[u] + my * unitRowStep[u];
    for (let mx = 0; mx < cols; mx++) {
      if (restart) {
        if (untilRestart === 0) {
          bp = intervalStart(g, ++seg);
          segEnd = intervalEnd(g, seg);
          untilRestart = restart;
        }
        untilRestart--;
      }
      for (let u = 0; u < units; u++) {
        unitDc[u][at[u]] |= ((d[bp >>> 3] >> (7 - (bp & 7))) & 1) * bit; // no branch: the bits are random
        at[u] += unitColStep[u];
        bp++;
      }
      if (bp > segEnd) fail();
    }
  }
}
