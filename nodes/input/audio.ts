import { z } from 'zod';
import { defineNode, type NodeDiagnostic } from '../../engine/spec';
import { presenceShape } from '../../engine/data/missing';
import { columnName, missingParam } from '../shared';

/** The params of `input.audio` (exported for the data pipeline's type check). */
export const audioParams = z.object({
  column: columnName().default('audio').describe('Dataset column holding the audio file path (WAV everywhere; MP3, OGG, FLAC, M4A in the browser).'),
  sampleRate: z.number().int().min(1000).max(96000).default(8000).describe('Samples per second the recording is resampled to. 8000 Hz keeps speech intelligible and is fast.'),
  clipSeconds: z.number().min(0.05).max(60).default(1).describe('Clip length in seconds: longer recordings are cut, shorter ones padded with silence.'),
  representation: z.enum(['logmel', 'waveform']).default('logmel').describe('logmel = a log-mel spectrogram [frames, melBins, 1] (the usual choice); waveform = the raw samples [samples].'),
  melBins: z.number().int().min(4).max(256).default(40).describe('Mel frequency bands of the spectrogram.'),
  frameLength: z.number().int().min(16).max(8192).default(256).describe('Samples per analysis frame (256 at 8 kHz = 32 ms).'),
  hop: z.number().int().min(1).max(8192).default(128).describe('Samples between the starts of two frames (128 at 8 kHz = 16 ms).'),
  window: z.enum(['hann', 'hamming']).default('hann').describe('Taper applied to each frame before the FFT, against spectral leakage.'),
  standardise: z.boolean().default(true).describe('Log-mel only: subtract the train split mean and divide by its standard deviation.'),
  timeShift: z.number().min(0).max(0.5).default(0).describe('Augmentation (training only): largest random shift in time as a fraction of the clip (0 = off).'),
  gainDb: z.number().min(0).max(24).default(0).describe('Augmentation (training only): largest random volume change in dB (0 = off).'),
  noise: z.number().min(0).max(1).default(0).describe('Augmentation (training only): standard deviation of added Gaussian noise in feature units (0 = off).'),
  missing: missingParam,
});

type AudioParams = z.infer<typeof audioParams>;

/** The featurised shape, the same formula as engine/data/audio.ts (the loader checks they agree). */
function audioShape(p: AudioParams): number[] {
  const n = Math.max(1, Math.round(p.sampleRate * p.clipSeconds));
  if (p.representation === 'waveform') return [n];
  const frames = n < p.frameLength ? 1 : 1 + Math.floor((n - p.frameLength) / p.hop);
  return [frames, p.melBins, 1];
}

export default defineNode({
  kind: 'input.audio',
  category: 'input',
  label: 'Audio',
  summary: 'Recordings from a dataset column as a log-mel spectrogram or a waveform.',
  doc: `Reads the audio file named in each row, mixes it to mono, resamples it to \`sampleRate\` and
cuts or pads it to \`clipSeconds\`.

**logmel** (default) gives **[frames, melBins, 1]**, an image-like picture of the sound:
frames = 1 + ⌊(sampleRate·clipSeconds − frameLength) / hop⌋. Each frame is windowed (Hann),
Fourier-transformed to a power spectrum |X|², summed into \`melBins\` triangular bands evenly spaced
on the mel scale (m = 2595·log₁₀(1 + f/700), how we hear pitch), then log(energy + 10⁻⁶). With
\`standardise\` the values are centred and scaled by the train split's mean and standard deviation
(saved with the model). Connect it to an audio CNN.

**waveform** gives the raw samples **[sampleRate·clipSeconds]** for a 1-D CNN.

Augmentation (training only): time shift, gain in dB, Gaussian noise.

Reference: Davis & Mermelstein (1980), mel-scale features for speech recognition.`,
  params: audioParams,
  ports: () => ({ inputs: [], outputs: [{ id: 'out', label: 'Audio', accepts: ['audio'] }] }),
  infer(_inputs, p) {
    const n = Math.round(p.sampleRate * p.clipSeconds);
    if (p.representation === 'logmel' && n < p.frameLength) {
      const d: NodeDiagnostic = { severity: 'warning', code: 'bad-shape', message: `The clip (${n} samples) is shorter than one frame (${p.frameLength}); the spectrogram has a single frame. Lengthen clipSeconds or shorten frameLength.`, path: ['params', 'frameLength'] };
      return { ok: true, outputs: { out: { kind: 'audio', shape: presenceShape('input.audio', audioShape(p), p) } }, diagnostics: [d] };
    }
    return { ok: true, outputs: { out: { kind: 'audio', shape: presenceShape('input.audio', audioShape(p), p) } } };
  },
  build(ctx, _inputs, p) {
    return { out: ctx.tf.input({ shape: presenceShape('input.audio', audioShape(p), p), name: ctx.name('input') }) };
  },
  input: { columns: (p) => [p.column] },
});
