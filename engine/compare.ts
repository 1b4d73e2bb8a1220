/**
 * "Compare": train the single-modality variants of a graph (engine/variants.ts) on the same data
 * and settings as the fused model, and evaluate each on the same split, so that the fused model's
 * score can be shown beside what every input reaches alone. Used by the app's training worker
 * (components/train/compareSession.ts) and usable from the CLI; `tf` is passed in.
 *
 * ```ts
 * const run = createComparison(tf, graph, registry, data, { config, fused: { model, io }, onProgress });
 * const report = await run.result;      // run.stop() from a message ends it after the current batch
 * ```
 *
 * A variant that does not validate or compile, or cannot train on the data, is reported with its
 * reason and diagnostics, never thrown. Every variant model and trainer is disposed.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { compileGraph } from './compile';
import type { Diagnostic } from './diagnostics';
import { evaluateModel, type OutputEvaluation } from './evaluate';
import type { GraphDoc } from './graph';
import type { NodeRegistry } from './spec';
import { createTrainer, type Trainer } from './train';
import type { ModelIO, TrainConfig, TrainingSet } from './train/types';
import { singleModalityVariants, type GraphVariant } from './variants';
import { evaluationSplit, type SplitName } from './run';
import { collapsedClass } from './train/warnings';

export { evaluationSplit };

type TF = typeof tfTypes;
export type { SplitName };

/** Accuracy for classify/multilabel outputs (higher is better), RMSE for regression (lower is better). */
export type CompareMetric = 'accuracy' | 'rmse';

export interface CompareProgress {
  /** 1-based index of the variant training now, of `variants`. */
  variant: number;
  variants: number;
  inputId: string;
  epoch: number;
  epochs: number;
  /** Batch within the epoch (1-based, 0 before the first batch). */
  batch: number;
  batches: number;
}

export interface VariantOutcome {
  /** The input node kept by this variant. */
  inputId: string;
  /** ok: trained and evaluated; failed: could not compile or train (see `reason`); stopped/skipped: Stop was pressed. */
  status: 'ok' | 'failed' | 'stopped' | 'skipped';
  metric?: CompareMetric;
  /** The primary output's accuracy or RMSE on the split. */
  value?: number;
  /** The one class this variant answers for (almost) everything, when it collapsed. */
  collapsed?: string;
  loss?: number;
  epochs: number;
  reason?: string;
  diagnostics: Diagnostic[];
}

export interface ComparisonReport {
  split: SplitName;
  count: number;
  metric: CompareMetric;
  /**
   * The fused model's score on the same split (when a fused model was given); `collapsed` names
   * the one class it answers for (almost) everything, when it does: then the comparison says
   * the training went wrong, not the fusion.
   */
  fused?: { value: number; loss: number; collapsed?: string };
  rows: VariantOutcome[];
  stopped: boolean;
}

export interface ComparisonOptions {
  /** The same settings the fused model trained with (epochs, seed, optimizer…). */
  config?: Partial<TrainConfig>;
  /** The split to evaluate on; default: the one the app evaluates the fused model on (test, else val, else train). */
  split?: SplitName;
  /** The trained fused model, evaluated on the same split for the report. */
  fused?: { model: tfTypes.LayersModel; io: ModelIO };
  /** Variants to train (default: `singleModalityVariants(graph, registry)`). */
  variants?: GraphVariant[];
  onProgress?(p: CompareProgress): void;
}

export interface Comparison {
  result: Promise<ComparisonReport>;
  /** Stop after the current batch; later variants are skipped. */
  stop(): void;
}


/** The TrainingSet restricted to some input nodes (inputs, split arrays and fitted state). */
export function subsetTrainingSet(data: TrainingSet, inputIds: readonly string[]): TrainingSet {
  const keep = new Set(inputIds);
  const pick = <T>(rec: Record<string, T>): Record<string, T> => Object.fromEntries(Object.entries(rec).filter(([k]) => keep.has(k)));
  const split = (s: TrainingSet['splits']['train']) => ({ ...s, inputs: pick(s.inputs) });
  return {
    inputs: data.inputs.filter((i) => keep.has(i.nodeId)),
    heads: data.heads,
    splits: { train: split(data.splits.train), val: split(data.splits.val), test: split(data.splits.test) },
    fitted: data.fitted ? { ...data.fitted, inputs: pick(data.fitted.inputs) } : undefined,
  };
}

function metricOf(o: OutputEvaluation): { metric: CompareMetric; value: number; loss: number; collapsed?: string } {
  const collapsed = collapsedClass(o)?.name;
  return o.task === 'regress' ? { metric: 'rmse', value: o.rmse ?? NaN, loss: o.loss } : { metric: 'accuracy', value: o.accuracy ?? NaN, loss: o.loss, ...(collapsed !== undefined ? { collapsed } : {}) };
}

/** The primary output's score of a model on one split (and the class it collapsed to, if it did). */
export function primaryScore(tf: TF, model: tfTypes.LayersModel, io: ModelIO, data: TrainingSet, split: SplitName): { metric: CompareMetric; value: number; loss: number; collapsed?: string } {
  const rep = evaluateModel(tf, model, io, data, data.splits[split], { worst: 0 });
  return metricOf(rep.outputs[rep.primary]);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** What one graph's training and scoring gave (a compare row, or one seed of a study row). */
export interface ScoredRun {
  status: 'ok' | 'failed' | 'stopped';
  metric?: CompareMetric;
  value?: number;
  loss?: number;
  collapsed?: string;
  epochs: number;
  /** Parameters of the compiled model. */
  params?: number;
  /** Wall-clock seconds of compiling, training and scoring. */
  seconds?: number;
  /** Why it failed; `{what}` stands for the caller's name of the graph. */
  reason?: string;
  diagnostics?: Diagnostic[];
}

/**
 * Compile `graph` (seeded by `config.seed`), train it on the inputs it uses, and score its primary
 * output on `split`. Problems come back as a failed run, never thrown; the model and trainer are
 * disposed.
 */
export async function trainAndScore(
  tf: TF,
  graph: GraphDoc,
  registry: NodeRegistry,
  data: TrainingSet,
  config: Partial<TrainConfig>,
  split: SplitName,
  hooks: { isStopped(): boolean; onTrainer?(t: Trainer | null): void; onProgress?(epoch: number, epochs: number, batch: number, batches: number): void },
): Promise<ScoredRun> {
  const started = Date.now();
  const compiled = compileGraph(graph, registry, { tf, seed: config.seed });
  if (!compiled.ok) {
    const errs = compiled.diagnostics.filter((d) => d.severity === 'error');
    return { status: 'failed', epochs: 0, diagnostics: errs, reason: `{what} does not compile: ${errs.map((d) => d.message).slice(0, 2).join(' ')}` };
  }
  const io: ModelIO = { inputs: compiled.summary.inputs, outputs: compiled.summary.outputs };
  const subset = subsetTrainingSet(data, io.inputs.map((i) => i.nodeId));
  const params = compiled.summary.totalParams;
  let trainer: Trainer | null = null;
  try {
    trainer = createTrainer(tf, compiled, subset, config);
    hooks.onTrainer?.(trainer);
    const epochs = trainer.config.epochs;
    hooks.onProgress?.(1, epochs, 0, 0);
    if (hooks.isStopped()) trainer.stop();
    const result = await trainer.train({ onBatchEnd: (m) => hooks.onProgress?.(m.epoch, epochs, m.batch, m.batchesPerEpoch) });
    if (result.status === 'failed' || result.error) return { status: 'failed', epochs: result.epochsDone, params, reason: `Training failed: ${result.error?.message ?? 'unknown problem'}` };
    if (result.status === 'stopped' || hooks.isStopped()) return { status: 'stopped', epochs: result.epochsDone, params };
    const s = primaryScore(tf, compiled.model, io, subset, split);
    return { status: 'ok', metric: s.metric, value: s.value, loss: s.loss, epochs: result.epochsDone, params, seconds: (Date.now() - started) / 1000, ...(s.collapsed !== undefined ? { collapsed: s.collapsed } : {}) };
  } catch (e) {
    return { status: 'failed', epochs: 0, params, reason: `{what} could not train: ${message(e)}` };
  } finally {
    hooks.onTrainer?.(null);
    trainer?.dispose();
    compiled.model.dispose();
  }
}

/** Train and evaluate every single-modality variant of `graph`; see the module comment. */
export function createComparison(tf: TF, graph: GraphDoc, registry: NodeRegistry, data: TrainingSet, opts: ComparisonOptions = {}): Comparison {
  let stopRequested = false;
  let current: Trainer | null = null;
  const stop = () => {
    stopRequested = true;
    current?.stop();
  };

  async function run(): Promise<ComparisonReport> {
    const split = opts.split ?? evaluationSplit(data);
    const variants = opts.variants ?? singleModalityVariants(graph, registry);
    const config = opts.config ?? {};
    let metric: CompareMetric | undefined;
    let fused: ComparisonReport['fused'];
    if (opts.fused) {
      const s = primaryScore(tf, opts.fused.model, opts.fused.io, data, split);
      metric = s.metric;
      fused = { value: s.value, loss: s.loss, ...(s.collapsed !== undefined ? { collapsed: s.collapsed } : {}) };
    }
    const rows: VariantOutcome[] = [];
    for (let k = 0; k < variants.length; k++) {
      const v = variants[k];
      const base = { inputId: v.inputId, epochs: 0, diagnostics: v.diagnostics.filter((d) => d.severity === 'error') };
      if (stopRequested) {
        rows.push({ ...base, status: 'skipped' });
        continue;
      }
      if (!v.ok) {
        rows.push({ ...base, status: 'failed', reason: `The graph with only this input does not validate: ${base.diagnostics.map((d) => d.message).slice(0, 2).join(' ')}` });
        continue;
      }
      const r = await trainAndScore(tf, v.graph, registry, data, config, split, {
        isStopped: () => stopRequested,
        onTrainer: (t) => (current = t),
        onProgress: (epoch, epochs, batch, batches) => opts.onProgress?.({ variant: k + 1, variants: variants.length, inputId: v.inputId, epoch, epochs, batch, batches }),
      });
      if (r.status === 'ok') metric ??= r.metric;
      rows.push({ ...base, ...r, diagnostics: r.diagnostics ?? base.diagnostics, reason: r.reason?.replace('{what}', 'The graph with only this input') });
    }
    const count = data.splits[split].count;
    return { split, count, metric: metric ?? 'accuracy', fused, rows, stopped: stopRequested };
  }

  return { result: run(), stop };
}
