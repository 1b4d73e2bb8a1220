/**
 * `input.audio`: a file per row, mono at the node's rate, cut or padded to the clip, as a waveform
 * or a log-mel spectrogram standardised with the train split's scalar mean and std.
 */
import { AUDIO_EXTENSIONS, DecodeError } from '../adapter';
import { augmentAudio, clipSamples, featuriseAudioRaw } from '../audio';
import { envelope, heatImage } from '../preview-values';
import { problem } from '../problems';
import { clipWav, isRiffWave } from '../wav';
import { at, countNonFinite, decodeProblem, floatLength, readFile } from './row';
import type { InputData } from './types';

export const audioData: InputData<'input.audio'> = {
  kind: 'input.audio',
  columnTypes: ['audio'],
  // .webm: what browsers record sound as (it is also a video container).
  file: { type: 'audio', noun: 'a sound', accept: `audio/*,${AUDIO_EXTENSIONS.map((e) => `.${e}`).join(',')},.webm` },
  async prepare(b, cells, ctx) {
    const p = b.params;
    const f = await readFile(ctx, p.column, cells[0]);
    if (!f.ok) return [f];
    try {
      // A WAV is cut to the frames the clip reads before any adapter decodes it: resampling and
      // mixing down then cost the clip, not the file (a 1 Hz or hour-long header cannot stall the
      // row), and the clip's samples are exactly those of the whole file. The header's rate,
      // channels and sizes are checked here too (clipWav throws a DecodeError with the reason).
      const bytes = isRiffWave(f.value.bytes) ? clipWav(f.value.bytes, p.sampleRate, clipSamples(p)) : f.value.bytes;
      const samples = await ctx.adapter.decodeAudio(bytes, p.sampleRate, f.value.path);
      if (samples.length === 0) throw new DecodeError('the recording holds no samples');
      const bad = countNonFinite(samples);
      if (bad > 0) return [{ ok: false, problem: problem('non-finite', `Row ${ctx.row}: ${f.value.path} holds ${bad} NaN or infinite sample(s) of ${samples.length}; the row is skipped.`, at(ctx, p.column, b.nodeId)) }];
      return [{ ok: true, value: featuriseAudioRaw(samples, p) }];
    } catch (e) {
      return [{ ok: false, problem: decodeProblem(ctx, p.column, f.value.path, 'audio', e) }];
    }
  },
  rawLength: floatLength,
  fit(b, raws) {
    const p = b.params;
    let mean = 0;
    let std = 1;
    if (p.representation === 'logmel' && p.standardise && raws.length) {
      let s = 0;
      let n = 0;
      for (const r of raws as Float32Array[]) for (let i = 0; i < r.length; i++) {
        s += r[i];
        n++;
      }
      mean = s / n;
      let v = 0;
      for (const r of raws as Float32Array[]) for (let i = 0; i < r.length; i++) v += (r[i] - mean) ** 2;
      std = Math.sqrt(v / n) || 1;
    }
    return { kind: 'input.audio', columns: b.columns, shape: b.shape, params: p, mean, std };
  },
  encoder(f) {
    const standardise = f.params.representation === 'logmel' && f.params.standardise;
    return (raw, out, offset) => {
      const r = raw as Float32Array;
      if (standardise) for (let i = 0; i < r.length; i++) out[offset + i] = (r[i] - f.mean) / f.std;
      else out.set(r, offset);
    };
  },
  preview(nodeId, f, values) {
    if (f.params.representation === 'waveform') {
      const { min, max } = envelope(values);
      return { kind: 'waveform', nodeId, min, max, samples: values.length, sampleRate: f.params.sampleRate };
    }
    const [frames, bins] = f.shape;
    const logMel = f.params.standardise ? Float32Array.from(values, (v) => v * f.std + f.mean) : values;
    return { kind: 'spectrogram', nodeId, width: frames, height: bins, rgba: heatImage(logMel, frames, bins) };
  },
  augmenter(f) {
    const { timeShift, gainDb, noise, representation, standardise } = f.params;
    if (timeShift <= 0 && gainDb <= 0 && noise <= 0) return null;
    return (x, rng) => augmentAudio(x, f.shape, representation, { timeShift, gainDb, noise }, standardise ? f.std : 1, rng);
  },
};
