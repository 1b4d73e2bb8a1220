/**
 * Audio featurisation: fixed-length clips, a log-mel spectrogram (window, real FFT, mel
 * filterbank, log) or the raw waveform (featurise-core.ts); and training-time augmentation.
 */
import { clipSamples, melFrames, type AudioFeatureParams as CoreAudioParams, type AudioRepresentation } from './featurise-core';
import type { Rng } from './rng';

// The featurisation itself is featurise-core.ts, the same code the TypeScript export ships.
export { clipSamples, melFrames, fixLength, nextPow2, fft, realPowerSpectrum, hzToMel, melToHz, melFilterbank, LOG_FLOOR, logMelSpectrogram, featuriseAudioRaw } from './featurise-core';
export type { AudioRepresentation, WindowKind } from './featurise-core';

export interface AudioFeatureParams extends CoreAudioParams {
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

/** The tensor shape of one featurised clip: `[frames, melBins, 1]` or `[samples]`. */
export function audioFeatureShape(p: AudioFeatureParams): number[] {
  return p.representation === 'logmel' ? [melFrames(p), p.melBins, 1] : [clipSamples(p)];
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
