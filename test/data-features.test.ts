import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { audioFeatureShape, fft, hzToMel, LOG_FLOOR, logMelSpectrogram, melFilterbank, melFrames, melToHz, realPowerSpectrum, featuriseAudioRaw, augmentAudio } from '../engine/data/audio';
import { featuriseImage, resizeBilinear, augmentImage } from '../engine/data/image';
import { encodePng, crc32 } from '../engine/data/png';
import { decodeWav, encodeWav16, resample } from '../engine/data/wav';
import { decodeImageNode, decodeAudioNode, createNodeAdapter } from '../engine/data/node-decoders';
import { createRng } from '../engine/data/rng';

function tone(freq: number, rate: number, n: number, amp = 1): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => amp * Math.sin((2 * Math.PI * freq * i) / rate));
}

/** A WAV with any encoding, written by hand for the decoder tests. */
function wav(channels: number[][], rate: number, format: 1 | 3, bits: number): Uint8Array {
  const n = channels[0].length;
  const c = channels.length;
  const bps = bits / 8;
  const out = new Uint8Array(44 + n * c * bps);
  const v = new DataView(out.buffer);
  const w = (o: number, s: string) => [...s].forEach((ch, i) => (out[o + i] = ch.charCodeAt(0)));
  w(0, 'RIFF');
  v.setUint32(4, 36 + n * c * bps, true);
  w(8, 'WAVE');
  w(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, format, true);
  v.setUint16(22, c, true);
  v.setUint32(24, rate, true);
  v.setUint32(28, rate * c * bps, true);
  v.setUint16(32, c * bps, true);
  v.setUint16(34, bits, true);
  w(36, 'data');
  v.setUint32(40, n * c * bps, true);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < c; k++) {
      const o = 44 + (i * c + k) * bps;
      const x = channels[k][i];
      if (format === 3) v.setFloat32(o, x, true);
      else if (bits === 8) out[o] = Math.round(x * 127 + 128);
      else if (bits === 16) v.setInt16(o, Math.round(x * 32767), true);
      else if (bits === 24) {
        const q = Math.round(x * 8388607) & 0xffffff;
        out[o] = q & 255;
        out[o + 1] = (q >> 8) & 255;
        out[o + 2] = (q >> 16) & 255;
      } else v.setInt32(o, Math.round(x * 2147483647), true);
    }
  return out;
}

describe('FFT and log-mel', () => {
  it('matches a direct DFT', () => {
    const rng = createRng(3);
    const n = 64;
    const x = Float64Array.from({ length: n }, () => rng.normal());
    const re = Float64Array.from(x);
    const im = new Float64Array(n);
    fft(re, im);
    const pow = realPowerSpectrum(Float64Array.from(x));
    for (let k = 0; k <= n / 2; k++) {
      let r = 0;
      let i = 0;
      for (let j = 0; j < n; j++) {
        r += x[j] * Math.cos((2 * Math.PI * j * k) / n);
        i -= x[j] * Math.sin((2 * Math.PI * j * k) / n);
      }
      expect(re[k]).toBeCloseTo(r, 9);
      expect(im[k]).toBeCloseTo(i, 9);
      expect(pow[k]).toBeCloseTo((r * r + i * i) / n, 9);
    }
  });

  it('matches a hand-computed reference on a pure tone, and the peak mel bin is where the tone is', () => {
    // A tone exactly on FFT bin k0: with a periodic Hann window the spectrum is A·N/4 at k0 and
    // A·N/8 at k0 ± 1, zero elsewhere; so the power |X|²/N is A²N/16 and A²N/64 there.
    const sr = 8000;
    const N = 256;
    const k0 = 40; // 1250 Hz
    const A = 0.5;
    const f0 = (k0 * sr) / N;
    const p = { sampleRate: sr, clipSeconds: 0.1, frameLength: N, hop: 128, melBins: 24, window: 'hann' as const };
    const x = tone(f0, sr, 800, A);
    const spec = logMelSpectrogram(x, p);
    const frames = melFrames(p);
    expect(frames).toBe(1 + Math.floor((800 - 256) / 128));
    expect(spec.length).toBe(frames * 24);
    const filters = melFilterbank(24, N, sr);
    const pk = (A * A * N) / 16;
    const side = (A * A * N) / 64;
    for (let f = 0; f < frames; f++) {
      // Phase differs per frame but the power does not.
      for (let b = 0; b < 24; b++) {
        const w = filters[b];
        const expected = Math.log(w[k0] * pk + (w[k0 - 1] + w[k0 + 1]) * side + LOG_FLOOR);
        expect(Math.abs(spec[f * 24 + b] - expected)).toBeLessThan(1e-3);
      }
    }
    // The loudest mel bin is the one whose centre is nearest the tone on the mel scale.
    const row = Array.from(spec.subarray(0, 24));
    const peak = row.indexOf(Math.max(...row));
    const mMax = hzToMel(sr / 2);
    const centres = Array.from({ length: 24 }, (_, b) => melToHz((mMax * (b + 1)) / 25));
    const nearest = centres.map((c, b) => [Math.abs(c - f0), b]).sort((a, b) => a[0] - b[0])[0][1];
    expect(peak).toBe(nearest);
  });

  it('moves the peak with the pitch and gives silence the log floor', () => {
    const p = { sampleRate: 8000, clipSeconds: 0.25, representation: 'logmel' as const, melBins: 16, frameLength: 256, hop: 128, window: 'hann' as const, standardise: false };
    const peakOf = (hz: number) => {
      const s = featuriseAudioRaw(tone(hz, 8000, 2000), p);
      const row = Array.from(s.subarray(16 * 3, 16 * 4));
      return row.indexOf(Math.max(...row));
    };
    expect(peakOf(300)).toBeLessThan(peakOf(1000));
    expect(peakOf(1000)).toBeLessThan(peakOf(3000));
    const silent = featuriseAudioRaw(new Float32Array(10), p); // padded to the clip
    expect(silent.length).toBe(audioFeatureShape(p).reduce((a, b) => a * b, 1));
    expect(Math.max(...silent)).toBeCloseTo(Math.log(LOG_FLOOR), 6);
    const wave = featuriseAudioRaw(tone(440, 8000, 5000), { ...p, representation: 'waveform' });
    expect(wave.length).toBe(2000);
  });

  it('augments audio only by the amounts asked', () => {
    const data = Float32Array.from({ length: 20 }, (_, i) => i);
    const copy = data.slice();
    augmentAudio(data, [20], 'waveform', { timeShift: 0, gainDb: 0, noise: 0 }, 1, createRng(1));
    expect(data).toEqual(copy);
    augmentAudio(data, [20], 'waveform', { timeShift: 0, gainDb: 6, noise: 0 }, 1, createRng(1));
    const g = data[10] / copy[10];
    expect(g).toBeGreaterThan(0.5);
    expect(g).toBeLessThan(2);
    for (let i = 1; i < 20; i++) expect(data[i] / copy[i]).toBeCloseTo(g, 5);
  });
});

describe('WAV', () => {
  const sig = Array.from(tone(440, 8000, 400, 0.5));
  it.each([
    [1, 8, 1 / 64],
    [1, 16, 1e-4],
    [1, 24, 1e-6],
    [1, 32, 1e-6],
    [3, 32, 1e-7],
  ] as const)('decodes format %i, %i bits', (format, bits, tol) => {
    const d = decodeWav(wav([sig], 8000, format, bits));
    expect(d.sampleRate).toBe(8000);
    expect(d.samples.length).toBe(400);
    for (let i = 0; i < 400; i++) expect(Math.abs(d.samples[i] - sig[i])).toBeLessThan(tol);
  });

  it('mixes stereo down to mono', () => {
    const d = decodeWav(wav([sig, sig.map(() => 0)], 8000, 1, 16));
    expect(d.channels).toBe(2);
    expect(d.samples[10]).toBeCloseTo(sig[10] / 2, 3);
  });

  it('resamples, keeping the pitch', () => {
    const x = tone(500, 16000, 16000);
    const y = resample(x, 16000, 8000);
    expect(y.length).toBe(8000);
    // Count zero crossings in the middle half: 500 Hz → 1000 per second.
    let z = 0;
    for (let i = 2001; i < 6000; i++) if (Math.sign(y[i]) !== Math.sign(y[i - 1])) z++;
    expect(z).toBeGreaterThan(480);
    expect(z).toBeLessThan(520);
    // A tone above the new Nyquist frequency is filtered out instead of aliasing.
    const hi = resample(tone(6000, 16000, 16000), 16000, 8000);
    const rms = Math.sqrt(hi.subarray(1000, 7000).reduce((a, v) => a + v * v, 0) / 6000);
    expect(rms).toBeLessThan(0.05);
  });

  it('names what is wrong with a truncated or foreign file', () => {
    const good = encodeWav16(tone(440, 8000, 800), 8000);
    expect(() => decodeWav(good.subarray(0, 300))).toThrow(/truncated/);
    expect(() => decodeWav(good.subarray(0, 20))).toThrow();
    expect(() => decodeWav(new Uint8Array(100))).toThrow(/not a WAV/);
    expect(() => decodeAudioNode(new Uint8Array(100), 8000, 'x.mp3')).toThrow(/browser app/);
    expect(decodeAudioNode(good, 8000, 'a.wav').length).toBe(800);
  });
});

describe('images', () => {
  it('resizes bilinearly with stretch, crop and pad', () => {
    // 2×2 → 4×4 stretch: corners keep their values, centre is the mean.
    const src = Float32Array.from([0, 100, 200, 300]);
    const up = resizeBilinear(src, 2, 2, 1, 4, 4, 'stretch');
    expect(up[0]).toBe(0);
    expect(up[15]).toBe(300);
    expect(up[5]).toBeCloseTo(0.75 * 0.75 * 0 + 0.75 * 0.25 * 100 + 0.25 * 0.75 * 200 + 0.25 * 0.25 * 300, 4);
    // A 4×2 (wide) image into 2×2: crop keeps the middle columns, pad adds black rows.
    const wide = Float32Array.from([1, 2, 3, 4, 1, 2, 3, 4]);
    expect([...resizeBilinear(wide, 4, 2, 1, 2, 2, 'crop')]).toEqual([2, 3, 2, 3]);
    const padded = resizeBilinear(wide, 4, 2, 1, 4, 4, 'pad');
    expect([...padded.subarray(0, 4)]).toEqual([0, 0, 0, 0]);
    expect([...padded.subarray(4, 8)]).toEqual([1, 2, 3, 4]);
    expect([...padded.subarray(12, 16)]).toEqual([0, 0, 0, 0]);
  });

  it('converts channels and normalises', () => {
    const img = { width: 1, height: 1, channels: 4 as const, data: Uint8Array.from([255, 0, 0, 7]) };
    const base = { height: 1, width: 1, resize: 'stretch' as const };
    expect(featuriseImage(img, { ...base, channels: 1, normalise: 'none' })[0]).toBeCloseTo(0.299 * 255, 4);
    expect([...featuriseImage(img, { ...base, channels: 3, normalise: 'unit' })]).toEqual([1, 0, 0]);
    expect([...featuriseImage(img, { ...base, channels: 3, normalise: 'signed' })]).toEqual([1, -1, -1]);
    const gray = { width: 2, height: 1, channels: 1 as const, data: Uint8Array.from([0, 255]) };
    expect([...featuriseImage(gray, { height: 1, width: 2, resize: 'stretch', channels: 3, normalise: 'per-image' })]).toEqual([-1, -1, -1, 1, 1, 1]);
  });

  it('flips and shifts for augmentation', () => {
    const d = Float32Array.from([1, 2, 3, 4]);
    // Find a seed whose first draw flips.
    let seed = 0;
    while (createRng(seed).next() >= 0.5) seed++;
    augmentImage(d, [1, 4, 1], { flip: true, shift: 0, brightness: 0 }, 'unit', createRng(seed));
    expect([...d]).toEqual([4, 3, 2, 1]);
    const e = Float32Array.from([1, 2, 3, 4]);
    augmentImage(e, [1, 4, 1], { flip: false, shift: 0, brightness: 0.1 }, 'unit', createRng(1));
    const delta = e[0] - 1;
    expect(Math.abs(delta)).toBeLessThanOrEqual(0.1);
    expect(e[3] - 4).toBeCloseTo(delta, 6);
  });

  it('encodes PNGs that pngjs reads back exactly', async () => {
    const rng = createRng(5);
    for (const ch of [1, 3, 4] as const) {
      const data = Uint8Array.from({ length: 7 * 5 * ch }, () => rng.int(256));
      const png = encodePng(7, 5, ch, data);
      const back = PNG.sync.read(Buffer.from(png));
      expect([back.width, back.height]).toEqual([7, 5]);
      const dec = await decodeImageNode(png);
      expect(dec.channels).toBe(ch);
      expect(Array.from(dec.data)).toEqual(Array.from(data));
      for (let i = 0; i < 35; i++) {
        const src = ch === 1 ? [data[i], data[i], data[i]] : [data[i * ch], data[i * ch + 1], data[i * ch + 2]];
        expect([back.data[i * 4], back.data[i * 4 + 1], back.data[i * 4 + 2]]).toEqual(src);
      }
    }
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('decodes JPEG and refuses broken or oversized images with a reason', async () => {
    const raw = { width: 8, height: 8, data: new Uint8Array(8 * 8 * 4).fill(128) };
    const jpg = jpeg.encode(raw, 95).data;
    const dec = await decodeImageNode(new Uint8Array(jpg));
    expect([dec.width, dec.height]).toEqual([8, 8]);
    expect(Math.abs(dec.data[0] - 128)).toBeLessThan(4);
    const png = encodePng(4, 4, 1, new Uint8Array(16));
    await expect(decodeImageNode(png.subarray(0, 40))).rejects.toThrow(/truncated PNG/);
    await expect(decodeImageNode(png, 'a.png', 10)).rejects.toThrow(/maxImagePixels/);
    await expect(decodeImageNode(new Uint8Array([1, 2, 3]), 'a.webp')).rejects.toThrow(/not an image/);
    await expect(decodeImageNode(new Uint8Array([0x42, 0x4d, 3, 4]), 'a.bmp')).rejects.toThrow(/truncated BMP/);
    await expect(createNodeAdapter().decodeVideo(new Uint8Array(4), { frames: 2 }, 'a.mp4')).rejects.toThrow(/needs the app|browser app/);
  });
});

describe('batch augmentation', () => {
  it('augments a copy, only when the params ask for it', async () => {
    const { augmentBatch, hasAugmentation } = await import('../engine/data/augment');
    const base = { columns: ['text'], shape: [4] };
    const off = { kind: 'input.text' as const, ...base, params: { column: 'text', tokenizer: 'word' as const, vocabSize: 10, seqLength: 4, lowercase: true, tokenDropout: 0 }, vocab: [] };
    const data = Float32Array.from([2, 3, 4, 0, 5, 6, 0, 0]);
    expect(hasAugmentation(off)).toBe(false);
    expect(augmentBatch(off, data, 2, createRng(1))).toBe(data);
    const on = { ...off, params: { ...off.params, tokenDropout: 0.5 } };
    const out = augmentBatch(on, data, 2, createRng(1));
    expect(out).not.toBe(data);
    expect([...data]).toEqual([2, 3, 4, 0, 5, 6, 0, 0]);
    // Padding stays padding; some tokens became <unk> (1), the rest are unchanged.
    out.forEach((v, i) => expect(data[i] === 0 ? v === 0 : v === data[i] || v === 1).toBe(true));
    expect([...out].filter((v) => v === 1).length).toBeGreaterThan(0);
  });
});
