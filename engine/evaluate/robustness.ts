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
import { ablateInputs, evaluateModel, missingFill } from './index';

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
  data: Pick<TrainingSet, 'heads' | 'fitted'>,
  split: SplitData,
  train: SplitData,
  /** kinds: input node id → its kind (`input.text` inputs get token noise). */
  opts: { noise?: number; seed?: number; batchSize?: number; kinds?: Record<string, string> } = {},
): RobustnessReport {
  const noise = opts.noise ?? 0.5;
  const means = missingFill(Object.entries(opts.kinds ?? {}).map(([nodeId, kind]) => ({ nodeId, kind })), train, data.fitted);
  const stds = inputStds(train, means);
  const ablation = ablateInputs(tf, model, io, data, split, train.count > 0 ? means : undefined, { batchSize: opts.batchSize });
  const regress = ablation.baseline.rmse !== undefined && ablation.baseline.accuracy === undefined;
  const score = (o: { accuracy?: number; rmse?: number }) => (regress ? (o.rmse ?? NaN) : (o.accuracy ?? NaN));
  const rows: RobustnessRow[] = [];
  io.inputs.forEach((inp, k) => {
    const x = split.inputs[inp.nodeId];
    const s = stds[inp.nodeId];
    const rand = gaussian((opts.seed ?? 7) + 1013 * k);
    const noisy = new Float32Array(x.length);
    const size = s?.length ?? 0;
    if (opts.kinds?.[inp.nodeId] === 'input.text') {
      // Token ids are not numbers to perturb: each word becomes <unk> with probability min(noise, 1).
      const p = Math.min(1, noise);
      const u = mulberry32((opts.seed ?? 7) + 1013 * k);
      for (let i = 0; i < x.length; i++) noisy[i] = x[i] > UNK_ID && u() < p ? UNK_ID : x[i];
    } else for (let i = 0; i < x.length; i++) noisy[i] = x[i] + noise * (size ? s[i % size] : 0) * rand();
    const rep = evaluateModel(tf, model, io, data, { ...split, inputs: { ...split.inputs, [inp.nodeId]: noisy } }, { batchSize: opts.batchSize, worst: 0 });
    const missing = ablation.rows.find((r) => r.nodeId === inp.nodeId);
    rows.push({ input: inp.nodeId, missing: missing ? score(missing) : NaN, noisy: score(rep.outputs[ablation.primary]), noisyLoss: rep.outputs[ablation.primary].loss });
  });
  return { primary: ablation.primary, metric: regress ? 'rmse' : 'accuracy', clean: score(ablation.baseline), noise, robustness: rows };
}
