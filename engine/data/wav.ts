/**
 * WAV in pure TypeScript: decoding (PCM 8/16/24/32-bit integer and 32/64-bit float, mono
 * mixdown), band-limited resampling, and a 16-bit PCM encoder (for the demo dataset).
 * Pure code: usable in the browser and in Node alike.
 */
import { DecodeError } from './adapter';

export interface DecodedWav {
  sampleRate: number;
  channels: number;
  /** Mono samples in [-1, 1] (channels averaged). */
  samples: Float32Array;
}

function ascii(b: Uint8Array, o: number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(b[o + i]);
  return s;
}

/**
 * Sample rates a WAV may declare. Below 1 kHz nothing is speech or music (a 1 Hz header is a broken
 * or hostile file: resampling it to 16 kHz would make 16,000 samples of each one); 384 kHz is the
 * highest rate audio interfaces record. Outside the range the row is refused with the range named.
 */
export const MIN_WAV_RATE = 1000;
export const MAX_WAV_RATE = 384_000;
/** Most channels a WAV may declare (WAVE_FORMAT_EXTENSIBLE's channel mask names 18; 64 leaves room). */
export const MAX_WAV_CHANNELS = 64;

/** A WAV's header, read without decoding a sample. */
export interface WavInfo {
  /** 1 = integer PCM, 3 = IEEE float (the sub-format for WAVE_FORMAT_EXTENSIBLE). */
  format: number;
  channels: number;
  sampleRate: number;
  bits: number;
  /** Bytes per frame (one sample of every channel). */
  frameBytes: number;
  /** Whole frames the data chunk holds. */
  frames: number;
  seconds: number;
  /** Byte offset and length of the fmt chunk's body, and of the data chunk's body. */
  fmtBody: number;
  fmtSize: number;
  dataBody: number;
  dataSize: number;
}

/**
 * Read and check a RIFF/WAVE header: every declared size is checked against the bytes that are
 * there (a chunk that claims more than the file holds is "truncated"; a data chunk smaller than
 * one frame holds no samples), channels are 1–{@link MAX_WAV_CHANNELS}, the rate
 * {@link MIN_WAV_RATE}–{@link MAX_WAV_RATE} Hz. Throws a {@link DecodeError} saying what is wrong.
 * Work is bounded by the number of chunks (each at least 8 bytes), never by declared sizes.
 */
export function readWavInfo(bytes: Uint8Array): WavInfo {
  if (bytes.length < 12 || ascii(bytes, 0, 4) !== 'RIFF' || ascii(bytes, 8, 4) !== 'WAVE') throw new DecodeError('not a WAV file (no RIFF/WAVE header)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let off = 12;
  let fmt: { format: number; channels: number; rate: number; bits: number; body: number; size: number } | null = null;
  let data: { body: number; size: number } | null = null;
  while (off + 8 <= bytes.length) {
    const id = ascii(bytes, off, 4);
    let size = view.getUint32(off + 4, true);
    const body = off + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.length) throw new DecodeError('truncated WAV: the fmt chunk is cut short');
      let format = view.getUint16(body, true);
      const channels = view.getUint16(body + 2, true);
      const rate = view.getUint32(body + 4, true);
      const bits = view.getUint16(body + 14, true);
      if (format === 0xfffe && size >= 26 && body + 26 <= bytes.length) format = view.getUint16(body + 24, true); // WAVE_FORMAT_EXTENSIBLE: sub-format
      fmt = { format, channels, rate, bits, body, size: Math.min(size, bytes.length - body) };
    } else if (id === 'data') {
      const avail = bytes.length - body;
      // 0 and 0xFFFFFFFF are written by streaming recorders that never patched the size.
      if (size === 0xffffffff || size === 0) size = avail;
      if (size > avail) throw new DecodeError(`truncated WAV: the data chunk declares ${size} bytes but the file holds ${avail}`);
      data = { body, size };
      if (fmt) break;
    }
    off = body + size + (size & 1);
  }
  if (!fmt) throw new DecodeError('WAV has no fmt chunk');
  if (!data) throw new DecodeError('WAV has no data chunk (truncated?)');
  const { format, channels, rate, bits } = fmt;
  if (channels < 1 || channels > MAX_WAV_CHANNELS) throw new DecodeError(`WAV declares ${channels} channels; 1 to ${MAX_WAV_CHANNELS} are supported`);
  if (rate < MIN_WAV_RATE || rate > MAX_WAV_RATE) {
    throw new DecodeError(`the WAV sample rate ${rate} Hz is outside the supported range ${MIN_WAV_RATE.toLocaleString('en-US')}–${MAX_WAV_RATE.toLocaleString('en-US')} Hz`);
  }
  if (!((format === 1 && [8, 16, 24, 32].includes(bits)) || (format === 3 && (bits === 32 || bits === 64)))) {
    throw new DecodeError(`unsupported WAV encoding (format ${format}, ${bits} bits); use PCM 8/16/24/32-bit or 32/64-bit float`);
  }
  const frameBytes = (bits / 8) * channels;
  if (data.size > 0 && data.size < frameBytes) throw new DecodeError(`the WAV data chunk holds ${data.size} bytes, less than one frame (${channels} channels of ${bits} bits)`);
  const frames = Math.floor(data.size / frameBytes);
  return { format, channels, sampleRate: rate, bits, frameBytes, frames, seconds: frames / rate, fmtBody: fmt.body, fmtSize: fmt.size, dataBody: data.body, dataSize: data.size };
}

/** Mono samples of the first `frames` frames (channels averaged). */
function decodeFrames(bytes: Uint8Array, info: WavInfo, frames: number): Float32Array {
  const { format, channels, bits, frameBytes } = info;
  const bps = bits / 8;
  const data = bytes.subarray(info.dataBody, info.dataBody + info.dataSize);
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out = new Float32Array(frames);
  wavStats.framesDecoded += frames;
  for (let i = 0; i < frames; i++) {
    let acc = 0;
    for (let c = 0; c < channels; c++) {
      const o = i * frameBytes + c * bps;
      let v: number;
      if (format === 3) v = bits === 32 ? dv.getFloat32(o, true) : dv.getFloat64(o, true);
      else if (bits === 8) v = (data[o] - 128) / 128;
      else if (bits === 16) v = dv.getInt16(o, true) / 32768;
      else if (bits === 24) {
        let x = data[o] | (data[o + 1] << 8) | (data[o + 2] << 16);
        if (x & 0x800000) x -= 0x1000000;
        v = x / 8388608;
      } else v = dv.getInt32(o, true) / 2147483648;
      acc += v;
    }
    out[i] = acc / channels;
  }
  return out;
}

/**
 * Decode a RIFF/WAVE file (see {@link readWavInfo} for what is checked); with `maxFrames`, only
 * that many frames from the start. Throws a {@link DecodeError} saying what is wrong.
 */
export function decodeWav(bytes: Uint8Array, maxFrames = Infinity): DecodedWav {
  const info = readWavInfo(bytes);
  return { sampleRate: info.sampleRate, channels: info.channels, samples: decodeFrames(bytes, info, Math.min(info.frames, Math.max(0, Math.floor(maxFrames)))) };
}

/**
 * Work done since the process started: frames decoded from WAV data and output samples computed
 * by {@link resample} (tests check that a clip costs the clip, not the file).
 */
export const wavStats = { framesDecoded: 0, samplesResampled: 0 };

/** Zero crossings of the resampling kernel on each side. */
const SINC_ZEROS = 16;

/**
 * Resample with a Hann-windowed sinc (16 zero crossings each side), low-passed at the lower of
 * the two Nyquist frequencies so that downsampling does not alias. Same rate → the input. With
 * `maxOut`, only the first `maxOut` output samples are computed (the rest of a clip is cut anyway).
 */
export function resample(x: Float32Array, fromRate: number, toRate: number, maxOut = Infinity): Float32Array {
  if (fromRate === toRate) return x.length > maxOut ? x.subarray(0, maxOut) : x;
  const ratio = toRate / fromRate;
  const n = Math.min(Math.max(1, Math.round(x.length * ratio)), Math.max(1, Math.floor(maxOut)));
  wavStats.samplesResampled += n;
  const out = new Float32Array(n);
  const cutoff = Math.min(1, ratio);
  const zeros = SINC_ZEROS;
  const half = zeros / cutoff;
  for (let i = 0; i < n; i++) {
    const t = i / ratio;
    const lo = Math.max(0, Math.ceil(t - half));
    const hi = Math.min(x.length - 1, Math.floor(t + half));
    let acc = 0;
    for (let j = lo; j <= hi; j++) {
      const d = j - t;
      const a = d * cutoff;
      const sinc = a === 0 ? 1 : Math.sin(Math.PI * a) / (Math.PI * a);
      const w = 0.5 + 0.5 * Math.cos((Math.PI * d) / half);
      acc += x[j] * sinc * w * cutoff;
    }
    out[i] = acc;
  }
  return out;
}

/**
 * How many input frames {@link resample} reads to compute its first `outSamples` outputs: the
 * last output's kernel reaches ⌊(outSamples − 1)/ratio + half⌋ (one more frame for rounding).
 * Decoding only these gives outputs identical to resampling the whole file and cutting.
 */
export function framesForOutput(outSamples: number, fromRate: number, toRate: number): number {
  const m = Math.max(1, Math.ceil(outSamples));
  if (fromRate === toRate) return m;
  const ratio = toRate / fromRate;
  const half = SINC_ZEROS / Math.min(1, ratio);
  return Math.floor((m - 1) / ratio + half) + 2;
}

/**
 * Decode a WAV and return mono samples at `targetRate`. With `maxSamples` (a clip's length at the
 * target rate), only the frames the first `maxSamples` outputs need are decoded and resampled, so
 * the work is bounded by the clip, not the file; those samples equal the whole file's.
 */
export function decodeWavAt(bytes: Uint8Array, targetRate: number, maxSamples?: number): Float32Array {
  const info = readWavInfo(bytes);
  const frames = maxSamples === undefined ? info.frames : Math.min(info.frames, framesForOutput(maxSamples, info.sampleRate, targetRate));
  return resample(decodeFrames(bytes, info, frames), info.sampleRate, targetRate, maxSamples);
}

/**
 * A WAV cut to what a clip of `maxSamples` samples at `targetRate` reads (see
 * {@link framesForOutput}): the same fmt chunk, a data chunk of those frames only. Any adapter
 * decoding it (Node, the browser worker, the training worker) then does work bounded by the clip,
 * and the clip's samples are those of the whole file. A file no longer than that is returned as
 * is. Throws a {@link DecodeError} for a bad header (an unsupported rate, channels, truncation).
 */
export function clipWav(bytes: Uint8Array, targetRate: number, maxSamples: number): Uint8Array {
  const info = readWavInfo(bytes);
  const frames = framesForOutput(maxSamples, info.sampleRate, targetRate);
  if (frames >= info.frames) return bytes;
  const fmtSize = info.fmtSize + (info.fmtSize & 1);
  const dataSize = frames * info.frameBytes;
  const out = new Uint8Array(12 + 8 + fmtSize + 8 + dataSize);
  const v = new DataView(out.buffer);
  const put = (o: number, s: string) => {
    for (let i = 0; i < s.length; i++) out[o + i] = s.charCodeAt(i);
  };
  put(0, 'RIFF');
  v.setUint32(4, out.length - 8, true);
  put(8, 'WAVE');
  put(12, 'fmt ');
  v.setUint32(16, fmtSize, true);
  out.set(bytes.subarray(info.fmtBody, info.fmtBody + info.fmtSize), 20);
  const d = 20 + fmtSize;
  put(d, 'data');
  v.setUint32(d + 4, dataSize, true);
  out.set(bytes.subarray(info.dataBody, info.dataBody + dataSize), d + 8);
  return out;
}

/** Whether bytes start with a RIFF/WAVE header. */
export function isRiffWave(b: Uint8Array): boolean {
  return b.length >= 12 && b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46 && b[8] === 0x57 && b[9] === 0x41 && b[10] === 0x56 && b[11] === 0x45;
}

/** Encode mono samples in [-1, 1] as a 16-bit PCM WAV. */
export function encodeWav16(samples: Float32Array, sampleRate: number): Uint8Array {
  const n = samples.length;
  const out = new Uint8Array(44 + n * 2);
  const v = new DataView(out.buffer);
  const w = (o: number, s: string) => {
    for (let i = 0; i < s.length; i++) out[o + i] = s.charCodeAt(i);
  };
  w(0, 'RIFF');
  v.setUint32(4, 36 + n * 2, true);
  w(8, 'WAVE');
  w(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true);
  v.setUint16(22, 1, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * 2, true);
  v.setUint16(32, 2, true);
  v.setUint16(34, 16, true);
  w(36, 'data');
  v.setUint32(40, n * 2, true);
  for (let i = 0; i < n; i++) v.setInt16(44 + i * 2, Math.max(-32768, Math.min(32767, Math.round(samples[i] * 32767))), true);
  return out;
}
