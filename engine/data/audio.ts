/**
 * Audio featurisation: fixed-length clips, a log-mel spectrogram (window, real FFT, mel
 * filterbank, log) or the raw waveform; and training-time augmentation.
 */
import type { Rng } from './rng';

export type AudioRepresentation = 'logmel' | 'waveform';
export type WindowKind = 'hann' | 'hamming';

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
  /** Standardise log-mel values with the train split's mean and standard deviation. */
  standardise: boolean;
}

export interface AudioAugmentParams {
  /** Largest shift in time as a fraction of the clip (0 = off). */
  timeShift: number;
  /** Largest gain change in dB, up or down (0 = off). */
  gainDb: number;
  /** Standard deviation of added Gaussian noise, in feature units (0 = off). */
  noise: number;
}

/** Samples in one clip. */
export function clipSamples(p: Pick<AudioFeatureParams, 'sampleRate' | 'clipSeconds'>): number {
  return Math.max(1, Math.round(p.sampleRate * p.clipSeconds));
}

/** Frames of a log-mel spectrogram of one clip: 1 + ⌊(N − frameLength) / hop⌋ (at least 1). */
export function melFrames(p: Pick<AudioFeatureParams, 'sampleRate' | 'clipSeconds' | 'frameLength' | 'hop'>): number {
  const n = clipSamples(p);
  return n < p.frameLength ? 1 : 1 + Math.floor((n - p.frameLength) / p.hop);
}

/** The tensor shape of one featurised clip: `[frames, melBins, 1]` or `[samples]`. */
export function audioFeatureShape(p: AudioFeatureParams): number[] {
  return p.representation === 'logmel' ? [melFrames(p), p.melBins, 1] : [clipSamples(p)];
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

function windowFn(kind: WindowKind, n: number): Float64Array {
  const key = `${kind}/${n}`;
  const hit = windowCache.get(key);
  if (hit) return hit;
  const w = new Float64Array(n);
  windowCache.set(key, w);
  // Periodic windows (as in STFT practice): divide by n, not n − 1.
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
 * Log-mel spectrogram of a clip of exactly `clipSamples(p)` samples: frames of `frameLength`
 * samples every `hop`, each windowed and zero-padded to the next power of two, power spectrum
 * |X|²/n, mel filterbank, then ln(energy + 1e-6). Output `[frames, melBins]` row-major.
 */
export function logMelSpectrogram(samples: Float32Array, p: Pick<AudioFeatureParams, 'sampleRate' | 'clipSeconds' | 'frameLength' | 'hop' | 'melBins' | 'window'>): Float32Array {
  const frames = melFrames(p);
  const n = nextPow2(p.frameLength);
  const filters = melFilterbank(p.melBins, n, p.sampleRate);
  const win = windowFn(p.window, p.frameLength);
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

/**
 * Augment one featurised clip in place for training: shift in time (zero fill), gain (a product
 * on the waveform; an offset of ln(10^(dB/10)) on log-mel, scaled by the fitted std when the
 * features are standardised) and Gaussian noise.
 */
export function augmentAudio(data: Float32Array, shape: number[], representation: AudioRepresentation, aug: AudioAugmentParams, std: number, rng: Rng): void {
  const steps = shape[0];
  const width = data.length / steps;
  if (aug.timeShift > 0) {
    const m = Math.round(aug.timeShift * steps);
    const d = rng.int(2 * m + 1) - m;
    if (d !== 0) {
      const copy = data.slice();
      const fillValue = representation === 'logmel' ? Math.min(...copy.subarray(0, Math.min(copy.length, 4096))) : 0;
      for (let t = 0; t < steps; t++) {
        const s = t - d;
        for (let j = 0; j < width; j++) data[t * width + j] = s >= 0 && s < steps ? copy[s * width + j] : fillValue;
      }
    }
  }
  if (aug.gainDb > 0) {
    const db = (rng.next() * 2 - 1) * aug.gainDb;
    if (representation === 'waveform') {
      const g = 10 ** (db / 20);
      for (let i = 0; i < data.length; i++) data[i] *= g;
    } else {
      const off = (db / 10) * Math.LN10 / (std || 1);
      for (let i = 0; i < data.length; i++) data[i] += off;
    }
  }
  if (aug.noise > 0) for (let i = 0; i < data.length; i++) data[i] += aug.noise * rng.normal();
}
