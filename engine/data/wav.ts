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

/** Decode a RIFF/WAVE file. Throws a {@link DecodeError} saying what is wrong. */
export function decodeWav(bytes: Uint8Array): DecodedWav {
  if (bytes.length < 12 || ascii(bytes, 0, 4) !== 'RIFF' || ascii(bytes, 8, 4) !== 'WAVE') throw new DecodeError('not a WAV file (no RIFF/WAVE header)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let off = 12;
  let fmt: { format: number; channels: number; rate: number; bits: number; align: number } | null = null;
  let data: Uint8Array | null = null;
  while (off + 8 <= bytes.length) {
    const id = ascii(bytes, off, 4);
    let size = view.getUint32(off + 4, true);
    const body = off + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.length) throw new DecodeError('truncated WAV: the fmt chunk is cut short');
      let format = view.getUint16(body, true);
      const channels = view.getUint16(body + 2, true);
      const rate = view.getUint32(body + 4, true);
      const align = view.getUint16(body + 12, true);
      const bits = view.getUint16(body + 14, true);
      if (format === 0xfffe && size >= 26 && body + 26 <= bytes.length) format = view.getUint16(body + 24, true); // WAVE_FORMAT_EXTENSIBLE: sub-format
      fmt = { format, channels, rate, bits, align };
    } else if (id === 'data') {
      const avail = bytes.length - body;
      // 0 and 0xFFFFFFFF are written by streaming recorders that never patched the size.
      if (size === 0xffffffff || size === 0) size = avail;
      if (size > avail) throw new DecodeError(`truncated WAV: the data chunk declares ${size} bytes but the file holds ${avail}`);
      data = bytes.subarray(body, body + size);
      if (fmt) break;
    }
    off = body + size + (size & 1);
  }
  if (!fmt) throw new DecodeError('WAV has no fmt chunk');
  if (!data) throw new DecodeError('WAV has no data chunk (truncated?)');
  const { format, channels, rate, bits } = fmt;
  if (channels < 1 || channels > 64) throw new DecodeError(`WAV has ${channels} channels`);
  if (rate < 1 || rate > 1_000_000) throw new DecodeError(`WAV sample rate ${rate} Hz is not plausible`);
  const bps = bits / 8;
  if (!((format === 1 && [8, 16, 24, 32].includes(bits)) || (format === 3 && (bits === 32 || bits === 64)))) {
    throw new DecodeError(`unsupported WAV encoding (format ${format}, ${bits} bits); use PCM 8/16/24/32-bit or 32/64-bit float`);
  }
  const frameBytes = bps * channels;
  const frames = Math.floor(data.length / frameBytes);
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out = new Float32Array(frames);
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
  return { sampleRate: rate, channels, samples: out };
}

/**
 * Resample with a Hann-windowed sinc (16 zero crossings each side), low-passed at the lower of
 * the two Nyquist frequencies so that downsampling does not alias. Same rate → the input.
 */
export function resample(x: Float32Array, fromRate: number, toRate: number): Float32Array {
  if (fromRate === toRate) return x;
  const ratio = toRate / fromRate;
  const n = Math.max(1, Math.round(x.length * ratio));
  const out = new Float32Array(n);
  const cutoff = Math.min(1, ratio);
  const zeros = 16;
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

/** Decode a WAV and return mono samples at `targetRate`. */
export function decodeWavAt(bytes: Uint8Array, targetRate: number): Float32Array {
  const w = decodeWav(bytes);
  return resample(w.samples, w.sampleRate, targetRate);
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
