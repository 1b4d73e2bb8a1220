/**
 * FusionLab's featurisation core: text tokens, image pixels and audio spectrograms exactly as the
 * app and the CLI compute them (the data pipeline in engine/data uses these functions).
 *
 * This file has no imports and touches no global at load time on purpose: its text is also the
 * preprocessing code of every TypeScript (tfjs) export, copied in whole, so an exported program
 * featurises its inputs with the same code as the app, not with a second copy of it.
 *
 *   tokenize → vocabularyIndex → encodeTokens        text cell → token ids (0 = padding, 1 = unknown)
 *   featuriseImage (toChannels, resizeBilinear, normalisePixels)   decoded pixels → [h, w, c]
 *   featuriseAudioRaw (fixLength, logMelSpectrogram) → standardise  mono samples → [frames, melBins, 1] or [samples]
 */

export type Tokenizer = 'word' | 'char';
export type ResizeMode = 'stretch' | 'crop' | 'pad';
export type ImageNormalisation = 'unit' | 'signed' | 'per-image' | 'none';
export type AudioRepresentation = 'logmel' | 'waveform';
export type WindowKind = 'hann' | 'hamming';

// ---------------------------------------------------------------------------------------- text

export const PAD_TOKEN = '<pad>';
export const UNK_TOKEN = '<unk>';
export const PAD_ID = 0;
export const UNK_ID = 1;

/**
 * UTF-16 code units of one cell that are tokenised (1 Mi): normalising, lower-casing and
 * splitting cost this much at most per cell, however large the cell. 4096 tokens of any
 * ordinary text fit many times over; a cell cut here may end its last kept token mid-word.
 */
export const MAX_TEXT_CHARS = 1 << 20;

// Words are runs of letters, digits and inner apostrophes; every other visible character is a token.
const WORD_RE = /[\p{L}\p{N}\p{M}]+(?:['’][\p{L}\p{N}\p{M}]+)*|[^\s\p{L}\p{N}\p{M}]/gu;

/**
 * Split text into word (or character) tokens. Unicode-aware; NFC-normalised, optionally
 * lower-cased. Reads at most {@link MAX_TEXT_CHARS} of the text and stops after `maxTokens`
 * tokens, so the work and the memory are bounded by what is kept, not by the cell.
 */
export function tokenize(text: string, tokenizer: Tokenizer = 'word', lowercase = true, maxTokens = Infinity): string[] {
  let s = text;
  if (s.length > MAX_TEXT_CHARS) {
    let cut = MAX_TEXT_CHARS;
    const c = s.charCodeAt(cut - 1);
    if (c >= 0xd800 && c <= 0xdbff) cut--; // do not split a surrogate pair
    s = s.slice(0, cut);
  }
  s = s.normalize('NFC');
  if (lowercase) s = s.toLowerCase();
  const out: string[] = [];
  if (maxTokens <= 0) return out;
  switch (tokenizer) {
    case 'word':
      for (const m of s.matchAll(WORD_RE)) {
        out.push(m[0]);
        if (out.length >= maxTokens) break;
      }
      return out;
    case 'char':
      // Code points, with runs of white space folded to one space.
      for (const ch of s.replace(/\s+/g, ' ').trim()) {
        out.push(ch);
        if (out.length >= maxTokens) break;
      }
      return out;
    default: {
      const _x: never = tokenizer;
      throw new Error(`unknown tokenizer ${String(_x)}`);
    }
  }
}

/** Map token → id for a vocabulary (entry 0 `<pad>`, entry 1 `<unk>`, then the fitted tokens). */
export function vocabularyIndex(vocab: string[]): Map<string, number> {
  return new Map(vocab.map((t, i) => [t, i]));
}

/** Token ids of a token list, truncated or padded (at the end) to `seqLength`. */
export function encodeTokens(tokens: string[], index: ReadonlyMap<string, number>, seqLength: number, out: Float32Array = new Float32Array(seqLength), offset = 0): Float32Array {
  for (let i = 0; i < seqLength; i++) out[offset + i] = i < tokens.length ? (index.get(tokens[i]) ?? UNK_ID) : PAD_ID;
  return out;
}

// -------------------------------------------------------------------------------------- images

/** Decoded pixels: `channels` (1 gray, 2 gray + alpha, 3 RGB, 4 RGBA) values 0…255 per pixel, row by row. */
export interface PixelImage {
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  data: ArrayLike<number>;
}

/** What the image featuriser reads (a subset of `input.image`'s params). */
export interface ImageFeatureParams {
  height: number;
  width: number;
  channels: 1 | 3;
  resize: ResizeMode;
  normalise: ImageNormalisation;
}

/** Convert to `channels` (1: ITU-R BT.601 luma; 3: RGB) as float 0..255, alpha dropped. */
export function toChannels(img: PixelImage, channels: 1 | 3): Float32Array {
  const n = img.width * img.height;
  const out = new Float32Array(n * channels);
  const src = img.data;
  const c = img.channels;
  for (let i = 0; i < n; i++) {
    let r: number, g: number, b: number;
    if (c === 1 || c === 2) {
      r = g = b = src[i * c];
    } else {
      r = src[i * c];
      g = src[i * c + 1];
      b = src[i * c + 2];
    }
    if (channels === 1) out[i] = c <= 2 ? r : 0.299 * r + 0.587 * g + 0.114 * b;
    else {
      out[i * 3] = r;
      out[i * 3 + 1] = g;
      out[i * 3 + 2] = b;
    }
  }
  return out;
}

/**
 * Resample `src` (sw × sh × c) to `w × h` with bilinear interpolation (pixel centres aligned, as
 * in OpenCV and tf.image.resizeBilinear with halfPixelCenters). `mode` decides the geometry:
 * stretch fills the target exactly, crop scales the short side and cuts the centre, pad scales the
 * long side and fills the rest with 0.
 */
export function resizeBilinear(src: Float32Array, sw: number, sh: number, c: number, w: number, h: number, mode: ResizeMode = 'stretch'): Float32Array {
  const out = new Float32Array(w * h * c);
  let sx: number, sy: number, ox: number, oy: number;
  switch (mode) {
    case 'stretch':
      sx = w / sw;
      sy = h / sh;
      ox = 0;
      oy = 0;
      break;
    case 'crop':
    case 'pad': {
      const s = mode === 'crop' ? Math.max(w / sw, h / sh) : Math.min(w / sw, h / sh);
      sx = sy = s;
      ox = (sw * s - w) / 2;
      oy = (sh * s - h) / 2;
      break;
    }
    default: {
      const _x: never = mode;
      throw new Error(`unknown resize mode ${String(_x)}`);
    }
  }
  for (let y = 0; y < h; y++) {
    const fy = (y + oy + 0.5) / sy - 0.5;
    if (fy < -0.5 || fy > sh - 0.5) continue; // padding
    const y0 = Math.max(0, Math.min(sh - 1, Math.floor(fy)));
    const y1 = Math.min(sh - 1, y0 + 1);
    const dy = Math.max(0, Math.min(1, fy - y0));
    for (let x = 0; x < w; x++) {
      const fx = (x + ox + 0.5) / sx - 0.5;
      if (fx < -0.5 || fx > sw - 0.5) continue;
      const x0 = Math.max(0, Math.min(sw - 1, Math.floor(fx)));
      const x1 = Math.min(sw - 1, x0 + 1);
      const dx = Math.max(0, Math.min(1, fx - x0));
      for (let k = 0; k < c; k++) {
        const a = src[(y0 * sw + x0) * c + k];
        const b = src[(y0 * sw + x1) * c + k];
        const cc = src[(y1 * sw + x0) * c + k];
        const d = src[(y1 * sw + x1) * c + k];
        out[(y * w + x) * c + k] = (a * (1 - dx) + b * dx) * (1 - dy) + (cc * (1 - dx) + d * dx) * dy;
      }
    }
  }
  return out;
}

/**
 * Scale 0…255 pixels in place (and return them): unit = x/255, signed = x/127.5 − 1,
 * per-image = z-score over the whole image, none = as they are.
 */
export function normalisePixels(px: Float32Array, mode: ImageNormalisation = 'unit'): Float32Array {
  switch (mode) {
    case 'unit':
      for (let i = 0; i < px.length; i++) px[i] /= 255;
      return px;
    case 'signed':
      for (let i = 0; i < px.length; i++) px[i] = px[i] / 127.5 - 1;
      return px;
    case 'per-image': {
      let m = 0;
      for (let i = 0; i < px.length; i++) m += px[i];
      m /= px.length || 1;
      let v = 0;
      for (let i = 0; i < px.length; i++) v += (px[i] - m) ** 2;
      const sd = Math.sqrt(v / (px.length || 1)) || 1;
      for (let i = 0; i < px.length; i++) px[i] = (px[i] - m) / sd;
      return px;
    }
    case 'none':
      return px;
    default: {
      const _x: never = mode;
      throw new Error(`unknown normalisation ${String(_x)}`);
    }
  }
}

/** Decoded pixels → the `[height, width, channels]` tensor data `input.image` promises. */
export function featuriseImage(img: PixelImage, p: ImageFeatureParams): Float32Array {
  const chans = toChannels(img, p.channels);
  const same = img.width === p.width && img.height === p.height;
  const px = same ? chans : resizeBilinear(chans, img.width, img.height, p.channels, p.width, p.height, p.resize);
  normalisePixels(px, p.normalise);
  return px;
}

// --------------------------------------------------------------------------------------- audio

/** What the audio featuriser reads (a subset of `input.audio`'s params). */
export interface AudioFeatureParams {
  sampleRate: number;
  clipSeconds: number;
  representation: AudioRepresentation;
  melBins: number;
  /** Samples per analysis frame. */
  frameLength: number;
  /** Samples between frame starts. */
  hop: number;
  window: WindowKind;
}

/** Samples in one clip. */
export function clipSamples(p: { sampleRate: number; clipSeconds: number }): number {
  return Math.max(1, Math.round(p.sampleRate * p.clipSeconds));
}

/** Frames of a log-mel spectrogram of one clip: 1 + ⌊(N − frameLength) / hop⌋ (at least 1). */
export function melFrames(p: { sampleRate: number; clipSeconds: number; frameLength: number; hop: number }): number {
  const n = clipSamples(p);
  return n < p.frameLength ? 1 : 1 + Math.floor((n - p.frameLength) / p.hop);
}

/** Truncate (keep the start) or zero-pad (at the end) to exactly `n` samples. */
export function fixLength(samples: Float32Array, n: number): Float32Array {
  if (samples.length === n) return samples;
  const out = new Float32Array(n);
  out.set(samples.subarray(0, Math.min(n, samples.length)));
  return out;
}

/** The smallest power of two ≥ n. */
export function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p <<= 1;
  return p;
}

const twiddleCache = new Map<number, { cos: Float64Array; sin: Float64Array; rev: Uint32Array }>();

function fftTables(n: number) {
  let t = twiddleCache.get(n);
  if (!t) {
    const cos = new Float64Array(n / 2);
    const sin = new Float64Array(n / 2);
    for (let i = 0; i < n / 2; i++) {
      cos[i] = Math.cos((2 * Math.PI * i) / n);
      sin[i] = -Math.sin((2 * Math.PI * i) / n);
    }
    const rev = new Uint32Array(n);
    const bits = Math.log2(n);
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      rev[i] = r;
    }
    t = { cos, sin, rev };
    twiddleCache.set(n, t);
  }
  return t;
}

/** In-place iterative radix-2 complex FFT (n a power of two): X[k] = Σ x[j]·e^(−2πijk/n). */
export function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  if (n <= 1) return;
  if ((n & (n - 1)) !== 0) throw new Error('fft size must be a power of two');
  const { cos, sin, rev } = fftTables(n);
  for (let i = 0; i < n; i++) {
    const j = rev[i];
    if (j > i) {
      let t = re[i];
      re[i] = re[j];
      re[j] = t;
      t = im[i];
      im[i] = im[j];
      im[j] = t;
    }
  }
  for (let size = 2; size <= n; size <<= 1) {
    const half = size >> 1;
    const step = n / size;
    for (let start = 0; start < n; start += size) {
      for (let k = 0; k < half; k++) {
        const wr = cos[k * step];
        const wi = sin[k * step];
        const a = start + k;
        const b = a + half;
        const xr = re[b] * wr - im[b] * wi;
        const xi = re[b] * wi + im[b] * wr;
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
      }
    }
  }
}

const splitCache = new Map<number, { cos: Float64Array; sin: Float64Array }>();
const scratchCache = new Map<number, { re: Float64Array; im: Float64Array }>();

/**
 * Power spectrum |X[k]|²/n of a real signal for k = 0..n/2, via one complex FFT of half the size
 * (the even samples as real parts, the odd ones as imaginary parts).
 */
export function realPowerSpectrum(x: Float64Array, out?: Float64Array): Float64Array {
  const n = x.length;
  const m = n >> 1;
  const res = out ?? new Float64Array(m + 1);
  if (n < 4) {
    // Tiny sizes: direct DFT.
    for (let k = 0; k <= m; k++) {
      let r = 0,
        i = 0;
      for (let j = 0; j < n; j++) {
        r += x[j] * Math.cos((2 * Math.PI * j * k) / n);
        i -= x[j] * Math.sin((2 * Math.PI * j * k) / n);
      }
      res[k] = (r * r + i * i) / n;
    }
    return res;
  }
  let tw = splitCache.get(n);
  if (!tw) {
    tw = { cos: new Float64Array(m + 1), sin: new Float64Array(m + 1) };
    for (let k = 0; k <= m; k++) {
      tw.cos[k] = Math.cos((-2 * Math.PI * k) / n);
      tw.sin[k] = Math.sin((-2 * Math.PI * k) / n);
    }
    splitCache.set(n, tw);
  }
  // Scratch reused across calls (sync code, one thread): allocating two arrays per frame made
  // featurisation several times slower in browsers, where typed-array allocation is costly.
  let scratch = scratchCache.get(m);
  if (!scratch) {
    scratch = { re: new Float64Array(m), im: new Float64Array(m) };
    scratchCache.set(m, scratch);
  }
  const { re, im } = scratch;
  for (let j = 0; j < m; j++) {
    re[j] = x[2 * j];
    im[j] = x[2 * j + 1];
  }
  fft(re, im);
  for (let k = 0; k <= m; k++) {
    const k1 = k === m ? 0 : k;
    const k2 = k === 0 ? 0 : m - k;
    // Even and odd parts: E = (Z[k] + conj(Z[m−k]))/2, O = (Z[k] − conj(Z[m−k]))/(2i).
    const er = (re[k1] + re[k2]) / 2;
    const ei = (im[k1] - im[k2]) / 2;
    const or = (im[k1] + im[k2]) / 2;
    const oi = -(re[k1] - re[k2]) / 2;
    const c = tw.cos[k];
    const s = tw.sin[k];
    const xr = er + (or * c - oi * s);
    const xi = ei + (or * s + oi * c);
    res[k] = (xr * xr + xi * xi) / n;
  }
  return res;
}

/** Hz → mel (HTK): 2595·log10(1 + f/700). */
export function hzToMel(f: number): number {
  return 2595 * Math.log10(1 + f / 700);
}

/** mel → Hz (HTK). */
export function melToHz(m: number): number {
  return 700 * (10 ** (m / 2595) - 1);
}

const filterCache = new Map<string, Float64Array[]>();

/**
 * Triangular mel filters over the bins of an `fftSize` spectrum: `melBins` filters whose centres
 * are evenly spaced on the mel scale between 0 Hz and sampleRate/2. Row b holds the weight of
 * every spectrum bin k (frequency k·sampleRate/fftSize). A filter narrower than one bin takes the
 * nearest bin so that no mel bin is always empty.
 */
export function melFilterbank(melBins: number, fftSize: number, sampleRate: number): Float64Array[] {
  const key = `${melBins}/${fftSize}/${sampleRate}`;
  const hit = filterCache.get(key);
  if (hit) return hit;
  const nBins = fftSize / 2 + 1;
  const mMax = hzToMel(sampleRate / 2);
  const hz = Array.from({ length: melBins + 2 }, (_, i) => melToHz((mMax * i) / (melBins + 1)));
  const filters: Float64Array[] = [];
  for (let b = 0; b < melBins; b++) {
    const lo = hz[b];
    const mid = hz[b + 1];
    const hi = hz[b + 2];
    const w = new Float64Array(nBins);
    let any = false;
    for (let k = 0; k < nBins; k++) {
      const f = (k * sampleRate) / fftSize;
      let v = 0;
      if (f > lo && f <= mid) v = (f - lo) / (mid - lo);
      else if (f > mid && f < hi) v = (hi - f) / (hi - mid);
      if (v > 0) any = true;
      w[k] = v;
    }
    if (!any) w[Math.min(nBins - 1, Math.round((mid * fftSize) / sampleRate))] = 1;
    filters.push(w);
  }
  filterCache.set(key, filters);
  return filters;
}

const windowCache = new Map<string, Float64Array>();

/** A periodic Hann or Hamming window of `n` samples (as in STFT practice: divided by n, not n − 1). */
export function analysisWindow(kind: WindowKind, n: number): Float64Array {
  const key = `${kind}/${n}`;
  const hit = windowCache.get(key);
  if (hit) return hit;
  const w = new Float64Array(n);
  windowCache.set(key, w);
  for (let i = 0; i < n; i++) {
    const c = Math.cos((2 * Math.PI * i) / n);
    switch (kind) {
      case 'hann':
        w[i] = 0.5 - 0.5 * c;
        break;
      case 'hamming':
        w[i] = 0.54 - 0.46 * c;
        break;
      default: {
        const _x: never = kind;
        throw new Error(`unknown window ${String(_x)}`);
      }
    }
  }
  return w;
}

const frameScratch = new Map<number, { buf: Float64Array; pow: Float64Array }>();
const spanCache = new WeakMap<Float64Array[], number[][]>();

/** Floor added before the log so that silence stays finite: ln(1e-6) ≈ −13.8. */
export const LOG_FLOOR = 1e-6;

/**
 * Log-mel spectrogram of a clip of `clipSamples(p)` samples (samples past the end of `samples`
 * read as 0): frames of `frameLength` samples every `hop`, each windowed and zero-padded to the
 * next power of two, power spectrum |X|²/n, mel filterbank, then ln(energy + 1e-6). Output
 * `[frames, melBins]` row-major.
 */
export function logMelSpectrogram(samples: Float32Array, p: { sampleRate: number; clipSeconds: number; frameLength: number; hop: number; melBins: number; window: WindowKind }): Float32Array {
  const frames = melFrames(p);
  const n = nextPow2(p.frameLength);
  const filters = melFilterbank(p.melBins, n, p.sampleRate);
  const win = analysisWindow(p.window, p.frameLength);
  const out = new Float32Array(frames * p.melBins);
  // Frame buffers reused across clips (sync code, one thread; every element is rewritten per
  // frame): per-clip typed arrays cost more than the maths in browsers.
  let scratch = frameScratch.get(n);
  if (!scratch) {
    scratch = { buf: new Float64Array(n), pow: new Float64Array(n / 2 + 1) };
    frameScratch.set(n, scratch);
  }
  const { buf, pow } = scratch;
  // Each filter's non-zero span, so the sum skips the zeros (cached with the filterbank).
  let spans = spanCache.get(filters);
  if (!spans) {
    spans = filters.map((w) => {
      let a = 0;
      while (a < w.length && w[a] === 0) a++;
      let b = w.length - 1;
      while (b > a && w[b] === 0) b--;
      return [a, b];
    });
    spanCache.set(filters, spans);
  }
  for (let f = 0; f < frames; f++) {
    buf.fill(0);
    const start = f * p.hop;
    for (let i = 0; i < p.frameLength; i++) {
      const s = start + i;
      buf[i] = s < samples.length ? samples[s] * win[i] : 0;
    }
    realPowerSpectrum(buf, pow);
    for (let b = 0; b < p.melBins; b++) {
      const w = filters[b];
      const [lo, hi] = spans[b];
      let e = 0;
      for (let k = lo; k <= hi; k++) e += w[k] * pow[k];
      out[f * p.melBins + b] = Math.log(e + LOG_FLOOR);
    }
  }
  return out;
}

/**
 * Featurise decoded mono samples (already at `p.sampleRate`) before fitting: the fixed-length
 * waveform, or the log-mel spectrogram not yet standardised.
 */
export function featuriseAudioRaw(samples: Float32Array, p: AudioFeatureParams): Float32Array {
  const n = clipSamples(p);
  if (p.representation === 'waveform') return fixLength(samples, n);
  // The spectrogram reads samples past the end as 0, exactly what zero padding would hold, so
  // the clip is only cut (a view), never copied.
  return logMelSpectrogram(samples.length > n ? samples.subarray(0, n) : samples, p);
}

// ------------------------------------------------------------------------------------ statistics

/**
 * Standardise values with a fitted mean and standard deviation (a log-mel clip with the train
 * split's scalar statistics; a number column with its own), into `out` from `offset`.
 */
export function standardise(values: ArrayLike<number>, mean: number, std: number, out: Float32Array = new Float32Array(values.length), offset = 0): Float32Array {
  const s = std || 1;
  for (let i = 0; i < values.length; i++) out[offset + i] = (values[i] - mean) / s;
  return out;
}
