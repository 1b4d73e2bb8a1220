/**
 * Robustness to a missing or noisy modality at test time: the primary output's score with each
 * input in turn missing (filled as the ablation does: `missingFill`) and with
 * Gaussian noise added to it (σ = `noise` × that feature's train standard deviation; for text,
 * each token replaced by <unk> with probability min(noise, 1)); seeded, so a report repeats. MultiBench reports this axis beside accuracy; it shows whether a fused
 * model leans on one input so much that losing it breaks the model.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { UNK_ID } from '../data/featurise-core';
import { mulberry32 } from '../data/rng';
import type { ModelIO, SplitData, TrainingSet } from '../train/types';
import { hasPresence } from '../data/missing';
import { ablateInputs, evaluateModel, inputMeans, missingFill, type AblationReport } from './index';

type TF = typeof tfTypes;

export interface RobustnessRow {
  /** The input node missing or made noisy. */
  input: string;
  /** Score with this input missing (train-mean sample). */
  missing: number;
  /** Score with noise added to this input. */
  noisy: number;
  /** The primary output's loss with noise added to this input. */
  noisyLoss: number;
}

export interface RobustnessReport {
  /** The ablation it contains (each input missing), to show or save without computing it again. */
  ablation: AblationReport;
  primary: string;
  metric: 'accuracy' | 'rmse';
  /** Score with every input as it is. */
  clean: number;
  /** Noise level: σ in units of each feature's train standard deviation. */
  noise: number;
  robustness: RobustnessRow[];
}

/** Per-feature standard deviation of each input over a split. */
export function inputStds(split: SplitData, means: Record<string, Float32Array>): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const [id, data] of Object.entries(split.inputs)) {
    const m = means[id];
    const size = m.length;
    const v = new Float64Array(size);
    for (let i = 0; i < split.count; i++) for (let j = 0; j < size; j++) v[j] += (data[i * size + j] - m[j]) ** 2;
    out[id] = Float32Array.from(v, (x) => (split.count > 1 ? Math.sqrt(x / (split.count - 1)) : 0));
  }
  return out;
}

/** One standard normal draw per call (Box–Muller on a seeded uniform stream). */
function gaussian(seed: number): () => number {
  const u = mulberry32(seed);
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/**
 * Score `split` with each input missing and with each input noisy; see the module comment.
 * `train` gives the fill values and the noise scale (the train split the model learnt from).
 */
export function robustnessReport(
  tf: TF,
  model: tfTypes.LayersModel,
  io: ModelIO,
  /** `inputs` gives each input's kind (`input.text` inputs get token noise). */
  data: Pick<TrainingSet, 'heads' | 'fitted' | 'inputs'>,
  split: SplitData,
  train: SplitData,
  /** fill: each input's missing value (default `missingFill` of `train` and the fitted state). */
  opts: { noise?: number; seed?: number; batchSize?: number; fill?: Record<string, Float32Array> } = {},
): RobustnessReport {
  const noise = opts.noise ?? 0.5;
  const fill = opts.fill ?? missingFill(data.inputs, train, data.fitted);
  const stds = inputStds(train, inputMeans(train));
  // A kept-missing input's presence channel says present or not: it gets no noise.
  for (const [id, f] of Object.entries(data.fitted?.inputs ?? {})) {
    const s = stds[id];
    if (!s || !hasPresence(f.kind, f.params)) continue;
    const c = f.shape[f.shape.length - 1];
    for (let j = c - 1; j < s.length; j += c) s[j] = 0;
  }
  const kinds = Object.fromEntries(data.inputs.map((i) => [i.nodeId, i.kind]));
  const ablation = ablateInputs(tf, model, io, data, split, train.count > 0 ? fill : undefined, { batchSize: opts.batchSize });
  const regress = ablation.baseline.rmse !== undefined && ablation.baseline.accuracy === undefined;
  const score = (o: { accuracy?: number; rmse?: number }) => (regress ? (o.rmse ?? NaN) : (o.accuracy ?? NaN));
  const rows: RobustnessRow[] = [];
  io.inputs.forEach((inp, k) => {
    const x = split.inputs[inp.nodeId];
    const s = stds[inp.nodeId];
    const rand = gaussian((opts.seed ?? 7) + 1013 * k);
    const noisy = new Float32Array(x.length);
    const size = s?.length ?? 0;
    if (kinds[inp.nodeId] === 'input.text') {
      // Token ids are not numbers to perturb: each word becomes <unk> with probability min(noise, 1).
      const p = Math.min(1, noise);
      const u = mulberry32((opts.seed ?? 7) + 1013 * k);
      for (let i = 0; i < x.length; i++) noisy[i] = x[i] > UNK_ID && u() < p ? UNK_ID : x[i];
    } else for (let i = 0; i < x.length; i++) noisy[i] = x[i] + noise * (size ? s[i % size] : 0) * rand();
    const rep = evaluateModel(tf, model, io, data, { ...split, inputs: { ...split.inputs, [inp.nodeId]: noisy } }, { batchSize: opts.batchSize, worst: 0 });
    const missing = ablation.rows.find((r) => r.nodeId === inp.nodeId);
    rows.push({ input: inp.nodeId, missing: missing ? score(missing) : NaN, noisy: score(rep.outputs[ablation.primary]), noisyLoss: rep.outputs[ablation.primary].loss });
  });
  return { ablation, primary: ablation.primary, metric: regress ? 'rmse' : 'accuracy', clean: score(ablation.baseline), noise, robustness: rows };
}
