/**
 * Evaluation of a trained model on one split: loss and accuracy per output, MAE/RMSE for
 * regression, per-class precision/recall/F1, the confusion matrix (as data), the worst-classified
 * samples; modality ablation; saliency maps. Predictions run in inference mode in batches; every
 * metric is computed on the CPU from the predictions (one read per batch).
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { fillSample } from '../data/missing';
import type { FittedState } from '../data/loader';
import { sizeOf } from '../spec';
import { gatherRows } from '../train/batches';
import { planExecution, runPlan } from '../train/executor';
import { EPSILON } from '../train/losses';
import { planOutputs, type OutputPlan } from '../train/outputs';
import type { HeadTask, ModelIO, SplitData, TrainingSet } from '../train/types';

type TF = typeof tfTypes;
type Tensor = tfTypes.Tensor;

export interface ClassMetrics {
  name: string;
  precision: number;
  recall: number;
  f1: number;
  /** True samples of this class. */
  support: number;
}

export interface WorstSample {
  /** Position in the split. */
  index: number;
  id?: string;
  label: string;
  predicted: string;
  /** Probability given to the true class. */
  trueProbability: number;
  probabilities: number[];
}

export interface OutputEvaluation {
  nodeId: string;
  role: 'head' | 'late';
  task: HeadTask;
  count: number;
  loss: number;
  /** Classify: argmax hits; multilabel: correct labels at 0.5. */
  accuracy?: number;
  classes?: string[];
  perClass?: ClassMetrics[];
  macroF1?: number;
  /** Rows: true class; columns: predicted class. */
  confusion?: number[][];
  worst?: WorstSample[];
  mae?: number;
  rmse?: number;
}

export interface EvaluationReport {
  count: number;
  /** The output that is "the model's answer": the late node when there is one, else the first head. */
  primary: string;
  outputs: Record<string, OutputEvaluation>;
}

/** Run the model on flat input arrays; returns one `count × width` array per model output. */
export function predictArrays(tf: TF, model: tfTypes.LayersModel, io: ModelIO, inputs: Record<string, Float32Array>, count: number, batchSize = 128): Float32Array[] {
  const plan = planExecution(model.outputs, [...model.inputs]);
  const shapes = model.inputs.map((t) => t.shape.slice(1) as number[]);
  const widths = model.outputs.map((t) => sizeOf(t.shape.slice(1) as number[]));
  const outs = widths.map((w) => new Float32Array(count * w));
  for (let start = 0; start < count; start += batchSize) {
    const rows = Array.from({ length: Math.min(batchSize, count - start) }, (_, i) => start + i);
    const xs = io.inputs.map((inp, k) => {
      const data = inputs[inp.nodeId];
      if (!data) throw new Error(`No values for input "${inp.nodeId}".`);
      const vals = gatherRows(data, sizeOf(shapes[k]), rows);
      return model.inputs[k].dtype === 'int32' ? tf.tensor(Int32Array.from(vals), [rows.length, ...shapes[k]], 'int32') : tf.tensor(vals, [rows.length, ...shapes[k]]);
    });
    const ys = tf.tidy(() => runPlan(plan, xs, { training: false }));
    ys.forEach((y, k) => outs[k].set(y.dataSync() as Float32Array, start * widths[k]));
    tf.dispose([...xs, ...ys]);
  }
  return outs;
}

function argmax(a: Float32Array | number[], off: number, n: number): number {
  let best = 0;
  for (let j = 1; j < n; j++) if (a[off + j] > a[off + best]) best = j;
  return best;
}

/** Metrics of one output from its predictions and the split's labels (all on the CPU). */
export function scoreOutput(plan: OutputPlan, pred: Float32Array, labels: Float32Array, count: number, opts: { ids?: string[]; worst?: number } = {}): OutputEvaluation {
  const w = plan.width;
  const base: OutputEvaluation = { nodeId: plan.nodeId, role: plan.role, task: plan.task, count, loss: 0 };
  if (count === 0) return base;
  switch (plan.task) {
    case 'classify': {
      const C = w;
      const confusion = Array.from({ length: C }, () => new Array<number>(C).fill(0));
      let loss = 0;
      let hits = 0;
      const scored: WorstSample[] = [];
      for (let i = 0; i < count; i++) {
        const t = argmax(labels, i * C, C);
        const p = argmax(pred, i * C, C);
        confusion[t][p]++;
        if (t === p) hits++;
        const pt = Math.min(1 - EPSILON, Math.max(EPSILON, pred[i * C + t]));
        loss -= Math.log(pt);
        scored.push({ index: i, id: opts.ids?.[i], label: plan.classes[t] ?? String(t), predicted: plan.classes[p] ?? String(p), trueProbability: pred[i * C + t], probabilities: Array.from(pred.subarray(i * C, (i + 1) * C)) });
      }
      const perClass: ClassMetrics[] = [];
      for (let c = 0; c < C; c++) {
        const tp = confusion[c][c];
        const support = confusion[c].reduce((a, b) => a + b, 0);
        const predicted = confusion.reduce((a, row) => a + row[c], 0);
        const precision = predicted > 0 ? tp / predicted : 0;
        const recall = support > 0 ? tp / support : 0;
        const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
        perClass.push({ name: plan.classes[c] ?? String(c), precision, recall, f1, support });
      }
      const present = perClass.filter((c) => c.support > 0);
      const worst = scored
        .filter((s) => s.label !== s.predicted)
        .sort((a, b) => a.trueProbability - b.trueProbability)
        .slice(0, opts.worst ?? 10);
      return {
        ...base,
        loss: loss / count,
        accuracy: hits / count,
        classes: plan.classes,
        perClass,
        macroF1: present.length ? present.reduce((a, c) => a + c.f1, 0) / present.length : 0,
        confusion,
        worst,
      };
    }
    case 'multilabel': {
      let loss = 0;
      let correct = 0;
      const perClass: ClassMetrics[] = [];
      const tp = new Array<number>(w).fill(0);
      const fp = new Array<number>(w).fill(0);
      const fn = new Array<number>(w).fill(0);
      for (let i = 0; i < count * w; i++) {
        const y = labels[i] > 0.5;
        const p = Math.min(1 - EPSILON, Math.max(EPSILON, pred[i]));
        loss -= y ? Math.log(p) : Math.log(1 - p);
        const yes = pred[i] > 0.5;
        if (yes === y) correct++;
        const c = i % w;
        if (yes && y) tp[c]++;
        else if (yes) fp[c]++;
        else if (y) fn[c]++;
      }
      for (let c = 0; c < w; c++) {
        const precision = tp[c] + fp[c] > 0 ? tp[c] / (tp[c] + fp[c]) : 0;
        const recall = tp[c] + fn[c] > 0 ? tp[c] / (tp[c] + fn[c]) : 0;
        perClass.push({ name: plan.classes[c] ?? String(c), precision, recall, f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0, support: tp[c] + fn[c] });
      }
      return { ...base, loss: loss / (count * w), accuracy: correct / (count * w), classes: plan.classes, perClass, macroF1: perClass.reduce((a, c) => a + c.f1, 0) / Math.max(1, w) };
    }
    case 'regress': {
      // Predictions are standardised; labels are raw values.
      let se = 0;
      let ae = 0;
      let lossSum = 0;
      for (let i = 0; i < count * w; i++) {
        const p = pred[i] * plan.std + plan.mean;
        const d = p - labels[i];
        se += d * d;
        ae += Math.abs(d);
        lossSum += (d / plan.std) ** 2;
      }
      const n = count * w;
      return { ...base, loss: lossSum / n, mae: ae / n, rmse: Math.sqrt(se / n) };
    }
    default: {
      const _x: never = plan.task;
      return _x;
    }
  }
}

function primaryOutput(plans: OutputPlan[]): string {
  return (plans.find((p) => p.role === 'late') ?? plans[0]).nodeId;
}

/** Evaluate a model on one split. */
export function evaluateModel(
  tf: TF,
  model: tfTypes.LayersModel,
  io: ModelIO,
  data: Pick<TrainingSet, 'heads' | 'fitted'>,
  split: SplitData,
  opts: { batchSize?: number; worst?: number } = {},
): EvaluationReport {
  const planned = planOutputs(io, data);
  if (!planned.ok) throw new Error(planned.message);
  const preds = predictArrays(tf, model, io, split.inputs, split.count, opts.batchSize);
  const outputs: Record<string, OutputEvaluation> = {};
  planned.plans.forEach((p, k) => {
    outputs[p.nodeId] = scoreOutput(p, preds[k], split.labels[p.labelHead], split.count, { ids: split.ids, worst: opts.worst });
  });
  return { count: split.count, primary: primaryOutput(planned.plans), outputs };
}

/** Per-feature mean of each input over a split (the fill value of ablation). */
export function inputMeans(split: SplitData): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const [id, data] of Object.entries(split.inputs)) {
    const size = split.count > 0 ? data.length / split.count : 0;
    const m = new Float64Array(size);
    for (let i = 0; i < split.count; i++) for (let j = 0; j < size; j++) m[j] += data[i * size + j];
    out[id] = Float32Array.from(m, (v) => (split.count > 0 ? v / split.count : 0));
  }
  return out;
}

/**
 * What a missing input is filled with, wherever one is missing: the ablation, robustness and
 * modality dropout in training. The fill the fitted state keeps (engine/data/missing.ts: the
 * train mean sample; for a kept-missing input the mean of the rows that have it, presence 0),
 * else the train split's mean sample; token inputs (`input.text`), where a mean of token ids
 * means nothing, get all padding, an empty text.
 */
export function missingFill(inputs: readonly { nodeId: string; kind: string }[], train: SplitData, fitted?: FittedState, rows?: ArrayLike<number>): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const i of inputs) {
    const data = train.inputs[i.nodeId];
    if (!data) continue;
    const f = fitted?.inputs[i.nodeId];
    // With no train rows (data scored with a saved model's state), the fitted shape gives the size.
    const size = train.count > 0 ? data.length / train.count : f ? sizeOf(f.shape) : 0;
    if (i.kind === 'input.text') out[i.nodeId] = new Float32Array(size);
    else if (f?.missing && sizeOf(f.shape) === size) out[i.nodeId] = fillSample(f);
    else out[i.nodeId] = meanOfRows(data, size, rows ?? Array.from({ length: train.count }, (_, r) => r));
  }
  return out;
}

/** The mean of rows `rows` of a `[n, size]` array. */
function meanOfRows(data: Float32Array, size: number, rows: ArrayLike<number>): Float32Array {
  const m = new Float64Array(size);
  for (let i = 0; i < rows.length; i++) for (let j = 0, o = rows[i] * size; j < size; j++) m[j] += data[o + j];
  return Float32Array.from(m, (v) => (rows.length > 0 ? v / rows.length : 0));
}

export interface AblationRow {
  /** The input node masked. */
  nodeId: string;
  /** Primary output's accuracy (classify/multilabel) with this input masked. */
  accuracy?: number;
  /** Primary output's RMSE (regress) with this input masked. */
  rmse?: number;
  loss: number;
  /** Accuracy lost (or RMSE gained) against the unmasked model: what this modality contributes. */
  drop: number;
}

export interface AblationReport {
  /** How a masked input is filled: every sample gets the train split's mean sample. */
  fill: 'train-mean' | 'zeros';
  primary: string;
  baseline: { accuracy?: number; rmse?: number; loss: number };
  rows: AblationRow[];
}

/**
 * Modality ablation: evaluate with each input node masked in turn. A masked input is replaced by
 * the train split's mean sample (per feature), which carries no information about the sample but
 * stays in the range the model saw (zeros would be an unusual, out-of-range input for
 * standardised features); when no means are given, zeros are used.
 */
export function ablateInputs(
  tf: TF,
  model: tfTypes.LayersModel,
  io: ModelIO,
  data: Pick<TrainingSet, 'heads' | 'fitted'>,
  split: SplitData,
  means?: Record<string, Float32Array>,
  opts: { batchSize?: number } = {},
): AblationReport {
  const full = evaluateModel(tf, model, io, data, split, { ...opts, worst: 0 });
  const primary = full.outputs[full.primary];
  const rows: AblationRow[] = [];
  for (const inp of io.inputs) {
    const size = sizeOf(inp.shape);
    const masked = new Float32Array(split.count * size);
    const m = means?.[inp.nodeId];
    if (m) for (let i = 0; i < split.count; i++) masked.set(m, i * size);
    const rep = evaluateModel(tf, model, io, data, { ...split, inputs: { ...split.inputs, [inp.nodeId]: masked } }, { ...opts, worst: 0 });
    const o = rep.outputs[full.primary];
    rows.push(
      o.task === 'regress'
        ? { nodeId: inp.nodeId, rmse: o.rmse, loss: o.loss, drop: (o.rmse ?? 0) - (primary.rmse ?? 0) }
        : { nodeId: inp.nodeId, accuracy: o.accuracy, loss: o.loss, drop: (primary.accuracy ?? 0) - (o.accuracy ?? 0) },
    );
  }
  return {
    fill: means ? 'train-mean' : 'zeros',
    primary: full.primary,
    baseline: primary.task === 'regress' ? { rmse: primary.rmse, loss: primary.loss } : { accuracy: primary.accuracy, loss: primary.loss },
    rows,
  };
}

export interface SaliencyMap {
  inputId: string;
  outputId: string;
  classIndex: number;
  /** Height and width of the map (the input's first two dimensions). */
  height: number;
  width: number;
  /** |∂score/∂x| maxed over channels, scaled to [0, 1]; row-major `height × width`. */
  values: Float32Array;
}

/**
 * Saliency of one sample: the gradient of the predicted class's score (its probability) with
 * respect to an image `[h, w, c]` or spectrogram `[frames, bins, 1]` input, as |gradient| maxed
 * over channels and scaled to [0, 1] (Simonyan et al. 2014, "Deep inside convolutional networks").
 */
export function saliencyMap(
  tf: TF,
  model: tfTypes.LayersModel,
  io: ModelIO,
  sample: Record<string, Float32Array>,
  inputId: string,
  opts: { outputId?: string; classIndex?: number } = {},
): SaliencyMap {
  const k = io.inputs.findIndex((i) => i.nodeId === inputId);
  if (k < 0) throw new Error(`No input "${inputId}".`);
  const shape = io.inputs[k].shape;
  if (shape.length !== 3) throw new Error(`Saliency needs an image or spectrogram input; "${inputId}" has shape [${shape.join(', ')}].`);
  const outIdx = opts.outputId ? io.outputs.findIndex((o) => o.nodeId === opts.outputId) : Math.max(0, io.outputs.findIndex((o) => o.role === 'late'));
  if (outIdx < 0) throw new Error(`No output "${opts.outputId}".`);
  const plan = planExecution([model.outputs[outIdx]], [...model.inputs]);
  const xs = io.inputs.map((inp, j) => {
    const d = sample[inp.nodeId];
    if (!d) throw new Error(`No values for input "${inp.nodeId}".`);
    return model.inputs[j].dtype === 'int32' ? tf.tensor(Int32Array.from(d), [1, ...inp.shape], 'int32') : tf.tensor(d, [1, ...inp.shape]);
  });
  let classIndex = opts.classIndex ?? -1;
  if (classIndex < 0) {
    const p = tf.tidy(() => runPlan(plan, xs, { training: false })[0]);
    const v = p.dataSync();
    classIndex = argmax(v as Float32Array, 0, v.length);
    p.dispose();
  }
  const ci = classIndex;
  const [h, w] = shape;
  const map = tf.tidy(() => {
    const g = tf.grad((x: Tensor) => {
      const vals = xs.map((t, j) => (j === k ? x : t));
      const out = runPlan(plan, vals, { training: false })[0];
      return tf.sum(tf.slice(out, [0, ci], [1, 1]));
    })(xs[k]);
    const m = tf.max(tf.abs(g), -1).reshape([h * w]);
    return tf.div(m, tf.maximum(tf.max(m), 1e-12));
  });
  const values = map.dataSync() as Float32Array;
  map.dispose();
  tf.dispose(xs);
  return { inputId, outputId: io.outputs[outIdx].nodeId, classIndex: ci, height: h, width: w, values: Float32Array.from(values) };
}
