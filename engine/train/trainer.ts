/**
 * The training loop: a custom loop over a compiled model (see executor.ts for why not
 * `model.fit`), with Adam / SGD with momentum / RMSprop, seeded shuffling, augmentation in
 * training only, one loss per head plus the late nodes' weighted losses, early stopping with
 * best-weight restore, Stop at any batch, Resume, Reset weights, NaN detection, and frozen
 * features computed once. Pure TS: runs in a Web Worker or Node; `tf` comes in as an argument.
 *
 * Backend reads: the batch metrics (total loss, loss and score per output) are one small stacked
 * tensor per batch; they are read every `metricsEvery` batches in one `dataSync`, and the
 * validation pass accumulates its sums on the backend and reads them once per epoch.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { createAdamOptimizer } from '../backend/adam-update';
import { createRng, hashString, type Rng } from '../data/rng';
import { sizeOf } from '../spec';
import { batchTensor, buildAugmenters, permutation, type Augmenter } from './batches';
import { missingFill } from '../evaluate';
import { dropModalities, modalityDropoutRate } from './modality-dropout';
import { findBatchNormSites, recomputeBatchNormStats, type BatchNormSite } from './bn-stats';
import { outputActivations, planExecution, runPlan, runPlanWithLogits, type ExecutionPlan, type OutputActivation } from './executor';
import { findFrozenFrontier } from './frozen';
import { lossFromLogits, lossTensor, scoreSumTensor } from './losses';
import { planOutputs, targetRows, type OutputPlan } from './outputs';
import {
  DEFAULT_TRAIN_CONFIG,
  type BatchMetrics,
  type EpochMetrics,
  type ModelIO,
  type OutputMetrics,
  type SplitData,
  type TrainCallbacks,
  type TrainConfig,
  type TrainingSet,
  type TrainResult,
  type TrainStatus,
} from './types';

/**
 * A batch loss this many times the run's first (or 1, if larger) means the run diverged: no
 * healthy run gets there (a cross-entropy of 10⁴ is a logit gap of 10⁴), and taken from the logits
 * the loss of a run whose weights blow up stays finite much longer than its probabilities.
 */
export const DIVERGED_LOSS_FACTOR = 1e4;

type TF = typeof tfTypes;
type Tensor = tfTypes.Tensor;
type SymbolicTensor = tfTypes.SymbolicTensor;

export interface TrainerOptions {
  tf: TF;
  model: tfTypes.LayersModel;
  /** Inputs and outputs by node id (the compile summary has them). */
  io: ModelIO;
  data: TrainingSet;
  config?: Partial<TrainConfig>;
  /** Loss weights of late nodes (see `lateLossWeights`); heads always weigh 1. */
  lateWeights?: Record<string, number>;
}

/** Rows of one split used for one purpose (train rows, or the validation rows). */
interface View {
  split: SplitData;
  rows: Int32Array;
  /** Cached frozen features per cached tensor id: `rows.length × size`, indexed by view position. */
  cache: Map<number, Float32Array>;
}

/** Where a fed tensor's values come from. */
interface FeedSource {
  tensor: SymbolicTensor;
  shape: number[];
  dtype: 'float32' | 'int32';
  /** Input node id when it is a model input. */
  nodeId?: string;
}

/** Yield to the event loop so that a Stop message can arrive (cheap in Node and workers). */
function yieldNow(): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => void };
  if (typeof g.setImmediate === 'function') return new Promise((r) => g.setImmediate?.(r));
  if (typeof MessageChannel !== 'undefined') {
    return new Promise((r) => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => {
        ch.port1.close();
        r();
      };
      ch.port2.postMessage(0);
    });
  }
  return new Promise((r) => setTimeout(r, 0));
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

/** Hold a training run's state so that Stop, Resume and Reset work at any batch. */
export class Trainer {
  readonly tf: TF;
  readonly model: tfTypes.LayersModel;
  readonly io: ModelIO;
  readonly data: TrainingSet;
  readonly outputs: OutputPlan[];
  config: TrainConfig;
  history: EpochMetrics[] = [];
  status: TrainStatus = 'idle';
  /** Number of frozen-feature tensors cached (0 when the whole model trains). */
  cachedFeatures = 0;

  private optimizer: tfTypes.Optimizer;
  private readonly initialWeights: Tensor[];
  private bestWeights: Tensor[] | null = null;
  private bestLoss = Infinity;
  private bestEpoch = 0;
  private sinceBest = 0;
  private stopRequested = false;
  /** The first batch loss of this run (before any update had effect): the scale divergence is judged by. */
  private startLoss: number | null = null;
  /** Early stopping fired: nothing more to train until a reset. */
  private stoppedEarly = false;
  private epoch = 0; // epochs completed
  private batchInEpoch = 0; // next batch of the current epoch
  private perm: Int32Array | null = null;
  private epochSums: { loss: number; outputs: { loss: number; score: number }[]; samples: number; seconds: number } | null = null;
  private trainView!: View;
  private valView: View | null = null;
  private prepared = false;
  private feeds: FeedSource[] = [];
  private trainPlan!: ExecutionPlan;
  /** Per output: the activation whose logits training takes its loss from, or null. */
  private logitActs: (OutputActivation | null)[] = [];
  private bnSites: BatchNormSite[] = [];
  private readonly augmenters: Record<string, Augmenter>;
  /** Modality dropout's fill sample per input (null when it is off). */
  private dropFill: Record<string, Float32Array> | null = null;
  private readonly varList: tfTypes.Variable[];

  constructor(opts: TrainerOptions) {
    this.tf = opts.tf;
    this.model = opts.model;
    this.io = opts.io;
    this.data = opts.data;
    this.config = { ...DEFAULT_TRAIN_CONFIG, ...opts.config };
    const planned = planOutputs(opts.io, opts.data, opts.lateWeights);
    if (!planned.ok) throw new Error(planned.message);
    this.outputs = planned.plans;
    if (opts.model.outputs.length !== this.outputs.length) throw new Error('the model outputs do not match its summary');
    this.optimizer = this.makeOptimizer();
    this.initialWeights = this.snapshot();
    this.augmenters = buildAugmenters(opts.data.fitted);
    this.varList = opts.model.trainableWeights.map((w) => w.read() as tfTypes.Variable);
  }

  /** Epochs completed (over every `train` call since the last reset). */
  get epochsDone(): number {
    return this.epoch;
  }

  /** Ask a running `train` to stop after the current batch; `train()` again resumes there. */
  stop(): void {
    this.stopRequested = true;
  }

  /** Change settings between runs; a new optimizer or learning rate takes effect at once. */
  updateConfig(patch: Partial<TrainConfig>): void {
    const before = this.config;
    this.config = { ...this.config, ...patch };
    if (before.optimizer !== this.config.optimizer || before.learningRate !== this.config.learningRate || before.momentum !== this.config.momentum) {
      this.optimizer.dispose();
      this.optimizer = this.makeOptimizer();
    }
    if (before.seed !== this.config.seed || before.validationFraction !== this.config.validationFraction || before.cacheFrozen !== this.config.cacheFrozen || before.augment !== this.config.augment || before.modalityDropout !== this.config.modalityDropout) {
      this.prepared = false; // views and caches depend on these
    }
  }

  /** Put back the initial weights and forget all progress (a fresh optimizer too). */
  resetWeights(): void {
    this.model.setWeights(this.initialWeights);
    this.optimizer.dispose();
    this.optimizer = this.makeOptimizer();
    this.restoreProgress(0, []);
  }

  /**
   * Continue from `epochs` epochs trained elsewhere (a trainer of the same graph whose backend
   * was lost, e.g. a WebGL context loss): take over their history, so that the next `train`
   * starts at the following epoch. Early stopping starts afresh (the best weights were lost).
   */
  restoreProgress(epochs: number, history: EpochMetrics[]): void {
    this.disposeBest();
    this.history = history.slice(0, epochs);
    this.epoch = epochs;
    this.batchInEpoch = 0;
    this.perm = null;
    this.epochSums = null;
    this.status = 'idle';
    this.stopRequested = false;
    this.stoppedEarly = false;
    this.startLoss = null;
  }

  /** Free everything the trainer holds (not the model). */
  dispose(): void {
    this.optimizer.dispose();
    this.tf.dispose(this.initialWeights);
    this.disposeBest();
  }

  /**
   * Train until the configured number of epochs is done, Stop is pressed, early stopping fires,
   * or the loss goes NaN. Call again after a Stop to resume at the next batch.
   */
  async train(cb: TrainCallbacks = {}): Promise<TrainResult> {
    this.stopRequested = false;
    if (this.stoppedEarly) {
      this.status = 'early-stopped';
      return this.result();
    }
    if (this.epoch >= this.config.epochs) {
      this.status = 'finished';
      return this.result();
    }
    this.status = 'running';
    try {
      if (!this.prepared) this.prepare(cb);
      return await this.loop(cb);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      const oom = /memory|allocat|OOM/i.test(message);
      this.status = 'failed';
      return {
        ...this.result(),
        error: oom
          ? { code: 'out-of-memory', message: `The backend ran out of memory: ${message}`, suggestion: 'Lower the batch size, shrink the inputs (image size, sequence length) or the encoders, then Reset and train again.' }
          : { code: 'error', message, suggestion: 'Check the graph and the data; Reset weights and try again.' },
      };
    }
  }

  private result(): TrainResult {
    return { status: this.status, epochsDone: this.epoch, history: this.history, bestEpoch: this.bestEpoch || undefined };
  }

  private makeOptimizer(): tfTypes.Optimizer {
    const { tf } = this;
    const c = this.config;
    switch (c.optimizer) {
      case 'adam':
        // tf.train.adam's optimizer, with its update as one kernel per variable on wasm.
        return createAdamOptimizer(tf, c.learningRate);
      case 'sgd':
        return c.momentum > 0 ? tf.train.momentum(c.learningRate, c.momentum) : tf.train.sgd(c.learningRate);
      case 'rmsprop':
        return tf.train.rmsprop(c.learningRate);
      default: {
        const _x: never = c.optimizer;
        return _x;
      }
    }
  }

  private snapshot(): Tensor[] {
    return this.model.weights.map((w) => this.tf.clone(w.read()));
  }

  private disposeBest(): void {
    if (this.bestWeights) this.tf.dispose(this.bestWeights);
    this.bestWeights = null;
    this.bestLoss = Infinity;
    this.bestEpoch = 0;
    this.sinceBest = 0;
  }

  // -------------------------------------------------------------------------------------------
  // Preparation: views, feeds, frozen cache.

  private prepare(cb: TrainCallbacks): void {
    const { tf } = this;
    const c = this.config;
    const train = this.data.splits.train;
    if (train.count === 0) throw new Error('The train split is empty: there is nothing to learn from.');
    const all = Int32Array.from({ length: train.count }, (_, i) => i);
    let trainRows = all;
    let val: View | null = null;
    if (this.data.splits.val.count > 0) {
      val = { split: this.data.splits.val, rows: Int32Array.from({ length: this.data.splits.val.count }, (_, i) => i), cache: new Map() };
    } else if (c.validationFraction > 0 && train.count >= 10) {
      const p = permutation(train.count, createRng(c.seed ^ 0x5eed));
      const nVal = Math.max(1, Math.round(train.count * c.validationFraction));
      val = { split: train, rows: p.slice(0, nVal).sort(), cache: new Map() };
      trainRows = p.slice(nVal).sort();
    }
    if (this.trainView && this.trainView.rows.length !== trainRows.length) {
      // The train rows changed between runs: start the epoch again.
      this.perm = null;
      this.batchInEpoch = 0;
    }
    this.trainView = { split: train, rows: trainRows, cache: new Map() };
    this.valView = val;

    // Feeds: model inputs, or the frozen frontier.
    const inputByTensor = new Map<number, string>();
    this.model.inputs.forEach((t, i) => inputByTensor.set(t.id, this.io.inputs[i].nodeId));
    const augmented = new Set<number>();
    if (c.augment) this.model.inputs.forEach((t) => inputByTensor.get(t.id) !== undefined && this.augmenters[inputByTensor.get(t.id) as string] && augmented.add(t.id));
    // A masked input changes from batch to batch: what it feeds cannot be cached either.
    const dropout = modalityDropoutRate(c);
    if (dropout > 0 && this.model.inputs.length > 1) this.model.inputs.forEach((t) => augmented.add(t.id));
    // The fill a missing input gets everywhere (missingFill), its mean over the rows trained on.
    const modelInputs = new Set(this.io.inputs.map((i) => i.nodeId));
    this.dropFill = dropout > 0 && this.model.inputs.length > 1 ? missingFill(this.data.inputs.filter((i) => modelInputs.has(i.nodeId)), train, this.data.fitted, trainRows) : null;
    const frontier = c.cacheFrozen ? findFrozenFrontier(this.model, augmented) : { feeds: [...this.model.inputs], cached: [] };
    const feedTensors = frontier.cached.length > 0 ? frontier.feeds : [...this.model.inputs];
    this.feeds = feedTensors.map((t) => ({
      tensor: t,
      shape: t.shape.slice(1) as number[],
      dtype: t.dtype === 'int32' ? 'int32' : 'float32',
      nodeId: inputByTensor.get(t.id),
    }));
    this.trainPlan = planExecution(this.model.outputs, feedTensors);
    // The loss is taken from the logits where a head's softmax/sigmoid is its Dense layer's own.
    const acts = outputActivations(this.trainPlan);
    this.logitActs = this.outputs.map((o, k) => ((o.task === 'classify' && acts[k] === 'softmax') || (o.task === 'multilabel' && acts[k] === 'sigmoid') ? acts[k] : null));
    this.bnSites = findBatchNormSites(this.trainPlan);
    this.cachedFeatures = frontier.cached.length;
    for (const v of [this.trainView, this.valView]) v?.cache.clear();
    if (frontier.cached.length > 0) {
      cb.onStage?.('cache-frozen', `computing ${frontier.cached.length} frozen feature tensor(s) once`);
      const plan = planExecution(frontier.cached, [...this.model.inputs]);
      const inputFeeds: FeedSource[] = this.model.inputs.map((t) => ({ tensor: t, shape: t.shape.slice(1) as number[], dtype: t.dtype === 'int32' ? 'int32' : 'float32', nodeId: inputByTensor.get(t.id) }));
      for (const v of [this.trainView, this.valView]) {
        if (!v) continue;
        const outs = frontier.cached.map((t) => new Float32Array(v.rows.length * sizeOf(t.shape.slice(1) as number[])));
        for (let start = 0; start < v.rows.length; start += c.evalBatchSize) {
          const pos = Int32Array.from({ length: Math.min(c.evalBatchSize, v.rows.length - start) }, (_, i) => start + i);
          const xs = inputFeeds.map((f) => this.feedTensor(f, v, pos, null));
          const ys = tf.tidy(() => runPlan(plan, xs, { training: false }));
          ys.forEach((y, k) => outs[k].set(y.dataSync() as Float32Array, start * sizeOf(frontier.cached[k].shape.slice(1) as number[])));
          tf.dispose([...xs, ...ys]);
        }
        frontier.cached.forEach((t, k) => v.cache.set(t.id, outs[k]));
      }
    }
    this.prepared = true;
  }

  /** One feed's batch tensor for view positions `pos`; `dropped`: the samples whose input is masked. */
  private feedTensor(f: FeedSource, v: View, pos: Int32Array, rng: Rng | null, dropped?: Map<string, Uint8Array>): Tensor {
    const cached = v.cache.get(f.tensor.id);
    if (cached) return batchTensor(this.tf, cached, f.shape, pos, f.dtype);
    if (!f.nodeId) throw new Error(`internal: no data for ${f.tensor.name}`);
    const data = v.split.inputs[f.nodeId];
    if (!data) throw new Error(`The data has no values for input "${f.nodeId}".`);
    const rows = pos.map((p) => v.rows[p]);
    const aug = rng && this.config.augment ? this.augmenters[f.nodeId] : undefined;
    const mask = dropped?.get(f.nodeId);
    const fill = this.dropFill?.[f.nodeId];
    return batchTensor(this.tf, data, f.shape, rows, f.dtype, aug && rng ? { fn: aug, rng } : undefined, mask && fill ? { dropped: mask, fill } : undefined);
  }

  private targetTensors(v: View, pos: Int32Array): Tensor[] {
    const rows = pos.map((p) => v.rows[p]);
    return this.outputs.map((o) => {
      const labels = v.split.labels[o.labelHead];
      if (!labels) throw new Error(`The data has no labels for head "${o.labelHead}".`);
      return this.tf.tensor(targetRows(o, labels, rows), [rows.length, o.width]);
    });
  }

  // -------------------------------------------------------------------------------------------
  // The loop.

  private async loop(cb: TrainCallbacks): Promise<TrainResult> {
    const { tf } = this;
    const c = this.config;
    const n = this.trainView.rows.length;
    const bs = Math.max(1, Math.min(c.batchSize, n));
    const batches = Math.ceil(n / bs);
    const K = this.outputs.length;
    const pending: { t: Tensor; size: number; batch: number }[] = [];
    let runSamples = 0;
    let runStart = now();
    let epochStart = now();

    const flush = (epochIndex: number): { nan: boolean; last?: BatchMetrics; grew?: { from: number; to: number } } => {
      if (pending.length === 0) return { nan: false };
      const stacked = tf.stack(pending.map((p) => p.t));
      const vals = stacked.dataSync();
      stacked.dispose();
      let nan = false;
      let last: BatchMetrics | undefined;
      let grew: { from: number; to: number } | undefined;
      const sums = this.epochSums as NonNullable<Trainer['epochSums']>;
      pending.forEach((p, i) => {
        const row = vals.subarray(i * (2 + 2 * K), (i + 1) * (2 + 2 * K));
        const total = row[0];
        if (!Number.isFinite(total) || !Number.isFinite(row[1 + 2 * K])) nan = true;
        else if (this.startLoss === null) this.startLoss = total;
        else if (total > DIVERGED_LOSS_FACTOR * Math.max(1, this.startLoss)) {
          // Finite but exploded: from the logits the cross-entropy stays finite when the weights blow up.
          nan = true;
          grew = { from: this.startLoss, to: total };
        }
        sums.loss += total * p.size;
        sums.samples += p.size;
        const outputs: Record<string, OutputMetrics> = {};
        this.outputs.forEach((o, k) => {
          const loss = row[1 + k];
          const score = row[1 + K + k];
          sums.outputs[k].loss += loss * p.size;
          sums.outputs[k].score += score;
          outputs[o.nodeId] = this.metricsOf(o, loss, score, p.size);
        });
        const elapsed = (now() - runStart) / 1000;
        const sps = elapsed > 0 ? runSamples / elapsed : 0;
        const samplesLeft = (c.epochs - epochIndex - 1) * n + (batches - p.batch - 1) * bs;
        last = { epoch: epochIndex + 1, batch: p.batch + 1, batchesPerEpoch: batches, loss: total, outputs, samplesPerSecond: sps, secondsLeft: sps > 0 ? Math.max(0, samplesLeft) / sps : 0 };
        cb.onBatchEnd?.(last);
      });
      pending.forEach((p) => p.t.dispose());
      pending.length = 0;
      return { nan, last, grew };
    };

    while (this.epoch < c.epochs) {
      if (this.stopRequested) {
        // Stop pressed at an epoch boundary (e.g. from onEpochEnd).
        this.status = 'stopped';
        return this.result();
      }
      const e = this.epoch;
      if (!this.perm || this.batchInEpoch === 0) {
        this.perm = permutation(n, createRng(hashString(`epoch${e}`, c.seed)));
        this.epochSums = { loss: 0, outputs: this.outputs.map(() => ({ loss: 0, score: 0 })), samples: 0, seconds: 0 };
      }
      epochStart = now();
      while (this.batchInEpoch < batches) {
        const b = this.batchInEpoch;
        const pos = this.perm.subarray(b * bs, Math.min(n, (b + 1) * bs));
        const rng = createRng(hashString(`aug${e}/${b}`, c.seed));
        const dropped = this.dropFill ? dropModalities(Object.keys(this.dropFill), pos.length, modalityDropoutRate(c), createRng(hashString(`drop${e}/${b}`, c.seed))) : undefined;
        const xs = this.feeds.map((f) => this.feedTensor(f, this.trainView, pos, rng, dropped));
        const ys = this.targetTensors(this.trainView, pos);
        let metrics: Tensor | null = null;
        const cost = this.optimizer.minimize(
          () => {
            const { outs, logits } = runPlanWithLogits(tf, this.trainPlan, xs, { training: true }, this.logitActs);
            const losses = this.outputs.map((o, k) => {
              const z = logits[k];
              return z ? lossFromLogits(tf, o.task, z, ys[k]) : lossTensor(tf, o.task, outs[k], ys[k]);
            });
            const scores = this.outputs.map((o, k) => scoreSumTensor(tf, o.task, outs[k], ys[k]));
            let total: Tensor = tf.scalar(0);
            this.outputs.forEach((o, k) => {
              if (o.weight > 0) total = tf.add(total, o.weight === 1 ? losses[k] : tf.mul(losses[k], o.weight));
            });
            // 0 when every prediction is finite, NaN otherwise: the loss alone can hide NaN
            // predictions (tfjs-wasm's clipByValue turns NaN into the lower bound).
            const check = tf.mul(tf.addN(outs.map((y) => tf.sum(y))), 0);
            metrics = tf.keep(tf.stack([total, ...losses, ...scores, check]));
            return total as tfTypes.Scalar;
          },
          false,
          this.varList,
        );
        cost?.dispose();
        tf.dispose([...xs, ...ys]);
        pending.push({ t: metrics as unknown as Tensor, size: pos.length, batch: b });
        this.batchInEpoch++;
        runSamples += pos.length;
        if (pending.length >= c.metricsEvery || this.batchInEpoch === batches) {
          const { nan, last, grew } = flush(e);
          if (nan) return this.failNaN(last, grew);
        }
        await yieldNow();
        if (this.stopRequested) {
          const { nan, last, grew } = flush(e);
          if (nan) return this.failNaN(last, grew);
          (this.epochSums as NonNullable<Trainer['epochSums']>).seconds += (now() - epochStart) / 1000;
          // A stopped model is used (predict, bundle) as it stands: give it its own statistics.
          if (!this.weightsFinite()) return this.failNaN(last);
          this.refreshBatchNormStats();
          this.status = 'stopped';
          return this.result();
        }
      }
      // End of epoch.
      const sums = this.epochSums as NonNullable<Trainer['epochSums']>;
      sums.seconds += (now() - epochStart) / 1000;
      const trainSeconds = sums.seconds;
      const outputs: Record<string, OutputMetrics> = {};
      this.outputs.forEach((o, k) => {
        outputs[o.nodeId] = this.metricsOf(o, sums.outputs[k].loss / Math.max(1, sums.samples), sums.outputs[k].score, sums.samples);
      });
      const m: EpochMetrics = { epoch: e + 1, loss: sums.loss / Math.max(1, sums.samples), outputs, samplesPerSecond: trainSeconds > 0 ? sums.samples / trainSeconds : 0, seconds: trainSeconds };
      // One reduction over every weight per epoch: NaN weights never pass as a trained model.
      if (!Number.isFinite(m.loss) || !this.weightsFinite()) return this.failNaN();
      if (c.preciseBatchNorm && this.bnSites.length > 0) cb.onStage?.('batch-norm', `epoch ${e + 1}: ${this.bnSites.length} layer(s)`);
      this.refreshBatchNormStats();
      if (this.valView) {
        cb.onStage?.('validate', `epoch ${e + 1}`);
        m.val = this.validate(this.valView);
      }
      this.history.push(m);
      this.epoch++;
      this.batchInEpoch = 0;
      this.perm = null;
      await cb.onEpochEnd?.(m);
      runSamples = 0;
      runStart = now();
      // Early stopping on the validation loss; the best weights are kept for the end.
      if (m.val && Number.isFinite(m.val.loss)) {
        if (m.val.loss < this.bestLoss - 1e-7) {
          this.bestLoss = m.val.loss;
          this.bestEpoch = m.epoch;
          this.sinceBest = 0;
          if (this.keepsBest) {
            if (this.bestWeights) tf.dispose(this.bestWeights);
            this.bestWeights = this.snapshot();
          }
        } else if (c.patience > 0 && ++this.sinceBest >= c.patience) {
          if (this.bestWeights) this.model.setWeights(this.bestWeights);
          this.status = 'early-stopped';
          this.stoppedEarly = true; // Resume does not train further without a reset
          return this.result();
        }
      }
    }
    // Finished: end on the best validation weights seen.
    if (this.keepsBest && this.bestWeights && this.history.length > 0 && this.history[this.history.length - 1].epoch !== this.bestEpoch) {
      this.model.setWeights(this.bestWeights);
    }
    this.status = 'finished';
    return this.result();
  }

  private metricsOf(o: OutputPlan, loss: number, scoreSum: number, count: number): OutputMetrics {
    const m: OutputMetrics = { loss };
    if (o.task === 'regress') m.mae = (scoreSum / Math.max(1, count)) * o.std;
    else m.accuracy = scoreSum / Math.max(1, count);
    return m;
  }

  /** Early stopping or `restoreBest`: the best validation epoch's weights are kept for the end. */
  private get keepsBest(): boolean {
    return this.config.patience > 0 || this.config.restoreBest;
  }

  /** Are all weights (and batch-norm statistics) finite? One reduction, one read. */
  weightsFinite(): boolean {
    const { tf } = this;
    const ws = this.model.weights.map((w) => w.read()).filter((t) => t.dtype === 'float32');
    if (ws.length === 0) return true;
    const total = tf.tidy(() => tf.addN(ws.map((t) => tf.sum(tf.abs(t)))));
    const v = total.dataSync()[0];
    total.dispose();
    return Number.isFinite(v);
  }

  /** Batch-norm statistics over (a seeded sample of) the training rows, in inference mode (bn-stats.ts). */
  private refreshBatchNormStats(): void {
    const c = this.config;
    if (!c.preciseBatchNorm || this.bnSites.length === 0) return;
    const v = this.trainView;
    const n = Math.min(v.rows.length, Math.max(1, c.batchNormRows));
    const order = n < v.rows.length ? permutation(v.rows.length, createRng(hashString('batch-norm', c.seed))).slice(0, n) : Int32Array.from({ length: n }, (_, i) => i);
    const bs = c.evalBatchSize;
    const self = this;
    recomputeBatchNormStats(this.tf, this.feeds.map((f) => f.tensor), this.bnSites, function* () {
      for (let start = 0; start < n; start += bs) {
        const pos = order.subarray(start, Math.min(n, start + bs));
        yield self.feeds.map((f) => self.feedTensor(f, v, pos, null));
      }
    });
  }

  /**
   * The rows a view uses: `train` = the rows trained on (without a held-out validation share),
   * `val` = the validation rows (the val split, or the share of train held out). Null before the
   * first `train` call or when there are none.
   */
  viewRows(which: 'train' | 'val'): { split: SplitData; rows: Int32Array } | null {
    if (!this.prepared) return null;
    const v = which === 'train' ? this.trainView : this.valView;
    return v && v.rows.length > 0 ? { split: v.split, rows: v.rows } : null;
  }

  private failNaN(last?: BatchMetrics, grew?: { from: number; to: number }): TrainResult {
    const lr = this.config.learningRate;
    // Never leave non-finite weights in the model: the best epoch's, else the initial ones.
    if (this.bestWeights) this.model.setWeights(this.bestWeights);
    else this.model.setWeights(this.initialWeights);
    this.status = 'failed';
    const where = last ? ` at epoch ${last.epoch}, batch ${last.batch}` : ` in epoch ${this.epoch + 1}`;
    return {
      ...this.result(),
      error: {
        code: 'nan-loss',
        message: `Training diverged${where}: ${grew ? `the loss grew from ${+grew.from.toPrecision(3)} at the start to ${grew.to.toPrecision(3)} (more than ${DIVERGED_LOSS_FACTOR.toExponential(0)} times), on its way to NaN or infinite values` : 'the loss, the predictions or the weights became NaN or infinite'}, most often because the learning rate (${lr}) is too high for this model. ${this.bestWeights ? `The best weights so far (epoch ${this.bestEpoch}) were put back.` : 'The model was put back to its initial weights.'}`,
        suggestion: `Lower the learning rate (try ${lr > 0.01 ? 0.001 : +(lr / 10).toPrecision(2)}), Reset weights and train again. If it persists, check the data for extreme values, standardise tabular and audio inputs, or use Adam.`,
      },
    };
  }

  /** Validation loss and metrics in inference mode; sums stay on the backend until the end. */
  private validate(v: View): { loss: number; outputs: Record<string, OutputMetrics> } {
    const { tf } = this;
    const K = this.outputs.length;
    const bs = this.config.evalBatchSize;
    let acc: Tensor | null = null;
    for (let start = 0; start < v.rows.length; start += bs) {
      const pos = Int32Array.from({ length: Math.min(bs, v.rows.length - start) }, (_, i) => start + i);
      const xs = this.feeds.map((f) => this.feedTensor(f, v, pos, null));
      const ys = this.targetTensors(v, pos);
      const next: Tensor = tf.tidy(() => {
        const outs = runPlan(this.trainPlan, xs, { training: false });
        const losses = this.outputs.map((o, k) => tf.mul(lossTensor(tf, o.task, outs[k], ys[k]), pos.length));
        const scores = this.outputs.map((o, k) => scoreSumTensor(tf, o.task, outs[k], ys[k]));
        const row = tf.stack([...losses, ...scores]);
        return acc ? tf.add(acc, row) : row;
      });
      if (acc) (acc as Tensor).dispose();
      acc = next;
      tf.dispose([...xs, ...ys]);
    }
    const sums = acc ? (acc as Tensor).dataSync() : new Float32Array(2 * K);
    if (acc) (acc as Tensor).dispose();
    const count = Math.max(1, v.rows.length);
    const outputs: Record<string, OutputMetrics> = {};
    let loss = 0;
    this.outputs.forEach((o, k) => {
      outputs[o.nodeId] = this.metricsOf(o, sums[k] / count, sums[K + k], count);
      if (o.weight > 0) loss += o.weight * (sums[k] / count);
    });
    return { loss, outputs };
  }
}
