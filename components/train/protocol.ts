/**
 * The train panel's message protocol between the page and the training worker
 * (components/train/train.worker.ts), plus the pure reducer that turns worker messages into what
 * the panel draws (progress, chart series, final metrics). No DOM, no React: unit tested in
 * test/train-ui-protocol.test.ts.
 */
import type { BackendName } from '@/engine/backend/select';
import { reduceCompare, type CompareFromWorker, type CompareToWorker, type CompareView } from './compareView';
import type { WorstReport } from '@/engine/evaluate/preview';
import type { PredictFromWorker, PredictToWorker } from '@/components/predict/protocol';
import type { OutputEvaluation } from '@/engine/evaluate';
import type { ExportTarget } from '@/engine/spec';
import type { GraphDoc } from '@/engine/graph';
import { MAX_MODALITY_DROPOUT, type BatchMetrics, type EpochMetrics, type HeadTask, type TrainConfig, type TrainingSet, type TrainStatus } from '@/engine/train/types';
import type { RunReport } from '@/engine/run';
import type { RunWarning } from '@/engine/train/warnings';

/** What a test can simulate. */
export type DebugAction = 'lose-context' | 'crash';

/** The backend the user asked for ('auto' = let engine/backend/select.ts decide). */
export type BackendPreference = 'auto' | BackendName;

/** What runs, and why (from the worker, or the main-thread fallback). */
export interface BackendReport {
  backend: BackendName;
  reason: string;
  threads: number;
  /** True when training runs on the main thread because the worker could not. */
  mainThread: boolean;
  /** Why it runs on the main thread (shown to the user). */
  mainThreadReason?: string;
  /** Backends this runtime can start, for the chooser. */
  available: BackendName[];
  /** The backend the user asked for when this runtime cannot run it. */
  unavailable?: BackendName;
  /** Something the user must know about the backend (e.g. the GPU was lost and training moved to WASM). */
  notice?: string;
}

/** Settings the panel edits: the engine's TrainConfig subset exposed in the UI. */
export type PanelConfig = Pick<TrainConfig, 'optimizer' | 'learningRate' | 'momentum' | 'batchSize' | 'epochs' | 'patience' | 'seed' | 'modalityDropout'>;

/** One output's evaluation, trimmed to what the panel draws (all plain numbers, cloneable). */
export type OutputReport = Omit<OutputEvaluation, 'worst'>;

export interface EvaluationSummary {
  split: 'test' | 'val' | 'train';
  count: number;
  primary: string;
  outputs: OutputReport[];
  /** The worst-classified validation samples of the primary output, with previews of their inputs. */
  worst?: WorstReport;
}

/**
 * Modality ablation (engine ablateInputs), trimmed for the panel: the primary output's metric
 * with each input node masked (filled with the train split's mean sample) against the full model.
 */
export interface AblationSummary {
  split: 'val' | 'test' | 'train';
  count: number;
  primary: string;
  /** Accuracy for classify/multilabel outputs; loss for regression (lower is better). */
  metric: 'accuracy' | 'loss';
  /** The full model's metric on the split. */
  baseline: number;
  /**
   * Per input node: the metric with it masked, and how much worse that is (positive = the input
   * helps); `noisy`: the metric with Gaussian noise of `noise` × each feature's train σ added to it
   * (engine/evaluate/robustness.ts).
   */
  rows: { nodeId: string; value: number; drop: number; noisy?: number }[];
  /** The noise level of the `noisy` scores. */
  noise?: number;
}

/** Page → worker. */
export type ToWorker =
  | { type: 'init'; preferred: BackendPreference; wasmUrls: Record<string, string> }
  | { type: 'train'; graph: GraphDoc; config: PanelConfig; dataset: TrainingSet | null }
  | { type: 'resume'; config: PanelConfig }
  | { type: 'stop' }
  | { type: 'reset' }
  /** Let go of the model (another project opens, one without a trained model). */
  | { type: 'forget' }
  | { type: 'bundle' }
  /** Export the trained model as code + weights (engine/export exportZip); answered with 'bundle'. */
  | { type: 'export'; target: ExportTarget }
  /** ONNX (engine/export/onnx): the trained (or opened) model, else `graph` freshly initialised; answered with 'bundle' (a zip of model.onnx and model.preprocess.json). */
  | { type: 'export-onnx'; graph: GraphDoc }
  /** Test hooks from window.__fusionlabTrain only (see failures.ts, contextLoss.ts): lose the GPU, crash the worker. */
  | { type: 'debug'; action: DebugAction }
  /** Compare button: train the single-modality variants (compareSession.ts). */
  | CompareToWorker
  /** The Predict panel (predictSession.ts). */
  | PredictToWorker;

/** Worker → page. */
export type FromWorker =
  | { type: 'backend'; report: BackendReport }
  | { type: 'stage'; text: string }
  | { type: 'started'; fresh: boolean; outputs: { nodeId: string; role: 'head' | 'late'; task: HeadTask }[]; primary: string; train: number; val: number; epochs: number; dataSource: string }
  | { type: 'batch'; m: BatchMetrics }
  | { type: 'epoch'; m: EpochMetrics }
  | {
      type: 'done';
      status: TrainStatus;
      epochsDone: number;
      bestEpoch?: number;
      error?: { code: string; message: string; suggestion: string };
      evaluation?: EvaluationSummary;
      ablation?: AblationSummary;
      /** The saved model's numbers in inference mode, on the rows it trained on and on its validation rows. */
      final?: RunReport['final'];
      /** Collapse, overfitting and the like, in plain words (engine/train/warnings.ts). */
      warnings?: RunWarning[];
    }
  | { type: 'reset-done' }
  /**
   * The model as a bundle after a completed epoch (`complete` false) or at the end of a run (its
   * kept weights): the page stores it with the project (components/project), so that a crash or
   * a closed tab leaves the last completed epoch.
   */
  | { type: 'checkpoint'; bytes: Uint8Array; epoch: number; complete: boolean }
  | { type: 'bundle'; bytes: Uint8Array; name: string }
  | { type: 'error'; message: string; suggestion?: string }
  | CompareFromWorker
  | PredictFromWorker;

// ---------------------------------------------------------------------------------------------
// The panel state and its reducer.

/** One point of a chart: x in epochs (batch points are fractional), y values may be absent. */
export interface ChartPoint {
  x: number;
  loss?: number;
  accuracy?: number;
  valLoss?: number;
  valAccuracy?: number;
}

export type PanelStatus = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'finished' | 'early-stopped' | 'failed';

export interface TrainView {
  status: PanelStatus;
  backend: BackendReport | null;
  stage: string;
  outputs: { nodeId: string; role: 'head' | 'late'; task: HeadTask }[];
  primary: string;
  sizes: { train: number; val: number } | null;
  dataSource: string;
  progress: { epoch: number; epochs: number; batch: number; batches: number; samplesPerSecond: number; secondsLeft: number } | null;
  /** Per output: per-batch train points (downsampled to at most `maxBatchPoints`). */
  batchSeries: Record<string, ChartPoint[]>;
  /** Per output: one point per epoch, train and validation. */
  epochSeries: Record<string, ChartPoint[]>;
  /** Batches merged into each batch point (doubles each time the series is halved). */
  batchStride: number;
  /** Raw batch points waiting to be merged into one point (when the stride is above 1). */
  pendingBatches: Record<string, ChartPoint[]>;
  lastEpoch: EpochMetrics | null;
  epochsDone: number;
  bestEpoch?: number;
  evaluation: EvaluationSummary | null;
  /** After a run: the model's numbers in inference mode (what the readouts show then). */
  final: RunReport['final'] | null;
  warnings: RunWarning[];
  /** What each input contributes (after training finishes or is stopped). */
  ablation: AblationSummary | null;
  /** The Compare button's run: single-modality variants beside the fused model (compareView.ts). */
  compare: CompareView | null;
  /** The file name of a bundle opened in the Predict panel, while its model is the session's model. */
  openedBundle: string | null;
  /**
   * True when the results and the model were reopened from the project (after a reload): the
   * model predicts and downloads, but its optimizer state is gone, so Resume is off.
   */
  restored: boolean;
  error: { message: string; suggestion?: string } | null;
}

export const MAX_BATCH_POINTS = 400;

export function initialView(): TrainView {
  return {
    status: 'idle',
    backend: null,
    stage: '',
    outputs: [],
    primary: '',
    sizes: null,
    dataSource: '',
    progress: null,
    batchSeries: {},
    epochSeries: {},
    batchStride: 1,
    pendingBatches: {},
    lastEpoch: null,
    epochsDone: 0,
    evaluation: null,
    final: null,
    warnings: [],
    ablation: null,
    compare: null,
    openedBundle: null,
    restored: false,
    error: null,
  };
}

function mean(xs: (number | undefined)[]): number | undefined {
  const v = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : undefined;
}

/** Merge consecutive points into one (mean x and mean y): how batch series stay bounded. */
export function mergePoints(points: ChartPoint[]): ChartPoint {
  return { x: mean(points.map((p) => p.x)) ?? 0, loss: mean(points.map((p) => p.loss)), accuracy: mean(points.map((p) => p.accuracy)) };
}

/** Halve a series by merging neighbouring pairs (an odd last point stays as it is). */
export function halve(points: ChartPoint[]): ChartPoint[] {
  const out: ChartPoint[] = [];
  for (let i = 0; i < points.length; i += 2) out.push(i + 1 < points.length ? mergePoints([points[i], points[i + 1]]) : points[i]);
  return out;
}

/** A finite number or undefined (NaN and ±Infinity cannot be drawn). */
function finite(x: number | undefined): number | undefined {
  return typeof x === 'number' && Number.isFinite(x) ? x : undefined;
}

function addBatch(v: TrainView, m: BatchMetrics, maxPoints: number): TrainView {
  const x = m.epoch - 1 + m.batch / Math.max(1, m.batchesPerEpoch);
  let stride = v.batchStride;
  let series = { ...v.batchSeries };
  const pending: Record<string, ChartPoint[]> = { ...v.pendingBatches };
  for (const [id, o] of Object.entries(m.outputs)) {
    const p: ChartPoint = { x, loss: finite(o.loss), accuracy: finite(o.accuracy ?? o.mae) };
    const waiting = [...(pending[id] ?? []), p];
    if (waiting.length >= stride) {
      series[id] = [...(series[id] ?? []), stride === 1 ? p : mergePoints(waiting)];
      pending[id] = [];
    } else {
      pending[id] = waiting;
    }
  }
  if (Object.values(series).some((s) => s.length > maxPoints)) {
    series = Object.fromEntries(Object.entries(series).map(([id, s]) => [id, halve(s)]));
    stride *= 2;
  }
  return {
    ...v,
    status: v.status === 'stopping' ? 'stopping' : 'running',
    stage: '',
    batchSeries: series,
    pendingBatches: pending,
    batchStride: stride,
    progress: { epoch: m.epoch, epochs: v.progress?.epochs ?? m.epoch, batch: m.batch, batches: m.batchesPerEpoch, samplesPerSecond: m.samplesPerSecond, secondsLeft: m.secondsLeft },
  };
}

function addEpoch(v: TrainView, m: EpochMetrics): TrainView {
  const series = { ...v.epochSeries };
  for (const [id, o] of Object.entries(m.outputs)) {
    const val = m.val?.outputs[id];
    series[id] = [
      ...(series[id] ?? []).filter((p) => p.x !== m.epoch),
      { x: m.epoch, loss: finite(o.loss), accuracy: finite(o.accuracy ?? o.mae), valLoss: finite(val?.loss), valAccuracy: finite(val?.accuracy ?? val?.mae) },
    ];
  }
  return { ...v, epochSeries: series, lastEpoch: m, epochsDone: m.epoch };
}

/** The panel state after one worker message. */
export function reduceView(v: TrainView, msg: FromWorker, maxBatchPoints = MAX_BATCH_POINTS): TrainView {
  switch (msg.type) {
    case 'backend':
      return { ...v, backend: msg.report };
    case 'stage':
      return { ...v, stage: msg.text };
    case 'started': {
      // A fresh run starts with empty charts; a resumed run keeps them.
      const base = msg.fresh ? { ...initialView(), backend: v.backend } : v;
      return {
        ...base,
        status: 'running',
        error: null,
        evaluation: null,
        final: null,
        warnings: [],
        ablation: null,
        outputs: msg.outputs,
        primary: msg.primary,
        sizes: { train: msg.train, val: msg.val },
        dataSource: msg.dataSource,
        progress: base.progress ? { ...base.progress, epochs: msg.epochs } : { epoch: 0, epochs: msg.epochs, batch: 0, batches: 0, samplesPerSecond: 0, secondsLeft: 0 },
      };
    }
    case 'batch':
      return addBatch(v, msg.m, maxBatchPoints);
    case 'epoch':
      return addEpoch(v, msg.m);
    case 'done': {
      const status: PanelStatus = msg.status === 'idle' || msg.status === 'running' ? 'stopped' : msg.status;
      return {
        ...v,
        status,
        stage: '',
        epochsDone: msg.epochsDone,
        bestEpoch: msg.bestEpoch,
        evaluation: msg.evaluation ?? v.evaluation,
        final: msg.final ?? null,
        warnings: msg.warnings ?? [],
        ablation: msg.ablation ?? v.ablation,
        error: msg.error ? { message: msg.error.message, suggestion: msg.error.suggestion } : null,
        progress: v.progress && status !== 'stopped' ? { ...v.progress, secondsLeft: 0 } : v.progress,
      };
    }
    case 'reset-done':
      return { ...initialView(), backend: v.backend };
    case 'bundle':
    case 'checkpoint':
      return v;
    case 'error':
      return { ...v, status: 'failed', stage: '', error: { message: msg.message, suggestion: msg.suggestion } };
    case 'compare-progress':
    case 'compare-done':
      return { ...v, compare: reduceCompare(v.compare, msg) };
    case 'bundle-opened':
      // The project's saved model, reopened: the results drawn are its own.
      if (msg.restore) return { ...v, restored: true };
      // The session now holds the bundle's model: Bundle and the trained export work with it.
      return { ...v, openedBundle: msg.model.fileName ?? 'bundle.zip', restored: false };
    // The Predict panel's other messages: its own store draws them (components/predict/predictStore.ts).
    case 'predict-model':
    case 'prediction':
    case 'predict-error':
      return v;
    default: {
      const _x: never = msg;
      return _x;
    }
  }
}

/**
 * A readout of an output: after a run, the saved model's numbers in inference mode (`final`);
 * while training, the last epoch's (train: the running mean over its batches).
 */
export function lastMetric(v: TrainView, outputId: string, which: 'val-accuracy' | 'val-loss' | 'train-accuracy' | 'train-loss'): number | undefined {
  const f = v.final;
  if (f) {
    const part = which.startsWith('val') ? f.val : f.train;
    const o = part?.outputs[outputId];
    if (o) return which.endsWith('accuracy') ? o.accuracy : o.loss;
  }
  const e = v.lastEpoch;
  if (!e) return undefined;
  switch (which) {
    case 'val-accuracy':
      return e.val?.outputs[outputId]?.accuracy;
    case 'val-loss':
      return e.val?.outputs[outputId]?.loss;
    case 'train-accuracy':
      return e.outputs[outputId]?.accuracy;
    case 'train-loss':
      return e.outputs[outputId]?.loss;
    default: {
      const _x: never = which;
      return _x;
    }
  }
}

/** "1 min 05 s", "12 s", "—" for the time-left readout. */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '—';
  const r = Math.round(s);
  if (r < 60) return `${r} s`;
  const m = Math.floor(r / 60);
  if (m < 60) return `${m} min ${String(r % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** Check the panel's settings; returns a message per bad field (empty when all are fine). */
export function checkConfig(c: PanelConfig): Partial<Record<keyof PanelConfig, string>> {
  const out: Partial<Record<keyof PanelConfig, string>> = {};
  if (!(c.learningRate > 0 && c.learningRate <= 10)) out.learningRate = 'a learning rate above 0 (e.g. 0.001)';
  if (!(c.momentum >= 0 && c.momentum < 1)) out.momentum = 'momentum in [0, 1)';
  if (!(Number.isInteger(c.batchSize) && c.batchSize >= 1 && c.batchSize <= 4096)) out.batchSize = 'a whole number from 1 to 4096';
  if (!(Number.isInteger(c.epochs) && c.epochs >= 1 && c.epochs <= 10_000)) out.epochs = 'a whole number from 1 to 10000';
  if (!(Number.isInteger(c.patience) && c.patience >= 0)) out.patience = 'a whole number, 0 = off';
  if (!Number.isInteger(c.seed)) out.seed = 'a whole number';
  if (!(c.modalityDropout >= 0 && c.modalityDropout <= MAX_MODALITY_DROPOUT)) out.modalityDropout = `a share from 0 to ${MAX_MODALITY_DROPOUT}, 0 = off`;
  return out;
}
