/**
 * One training run, the same for the app's training worker and the CLI: compile → train →
 * evaluate in inference mode (the held-out split, and the training rows themselves) → warnings →
 * modality ablation → bundle. Every fix to how a run is judged lands here once.
 *
 * ```ts
 * const prepared = prepareRun(tf, graph, registry, data, config);
 * if (!prepared.ok) return prepared.diagnostics;
 * const report = await prepared.run.train(callbacks, { ablate: true });   // run.trainer.stop() to stop
 * if (report.status !== 'failed') bytes = await prepared.run.bundle({ backend });
 * prepared.run.dispose();
 * ```
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { writeBundle } from './bundle';
import { compileGraph } from './compile';
import type { ModelLimits } from './model-size';
import type { Diagnostic } from './diagnostics';
import { ablateInputs, evaluateModel, type AblationReport, type EvaluationReport } from './evaluate';
import { worstWithPreviews, type WorstReport } from './evaluate/preview';
import { robustnessReport, type RobustnessReport } from './evaluate/robustness';
import type { GraphDoc } from './graph';
import type { NodeRegistry } from './spec';
import { createTrainer, splitRows, type Trainer } from './train';
import type { ModelIO, TrainCallbacks, TrainConfig, TrainingSet, TrainResult } from './train/types';
import { runWarnings, type RunWarning } from './train/warnings';

type TF = typeof tfTypes;
export type SplitName = 'train' | 'val' | 'test';

/** The split a model is judged on: test when there is one, else val, else train. */
export function evaluationSplit(data: Pick<TrainingSet, 'splits'>): SplitName {
  const s = data.splits;
  return s.test.count > 0 ? 'test' : s.val.count > 0 ? 'val' : 'train';
}

/** The split looked into (modality ablation, worst samples): val, else test, else train. */
export function inspectionSplit(data: Pick<TrainingSet, 'splits'>): SplitName {
  const s = data.splits;
  return s.val.count > 0 ? 'val' : s.test.count > 0 ? 'test' : 'train';
}

/** The short numbers of one output. */
export interface OutputNumbers {
  loss: number;
  accuracy?: number;
  mae?: number;
  rmse?: number;
  macroF1?: number;
}

/** Per-output numbers of an evaluation (for JSON, the panel's readouts and bundle metadata). */
export function evaluationNumbers(rep: EvaluationReport): Record<string, OutputNumbers> {
  const out: Record<string, OutputNumbers> = {};
  for (const [id, o] of Object.entries(rep.outputs)) out[id] = { loss: o.loss, accuracy: o.accuracy, mae: o.mae, rmse: o.rmse, macroF1: o.macroF1 };
  return out;
}

/** What a run ends with. */
export interface RunReport {
  status: TrainResult['status'];
  epochsDone: number;
  bestEpoch?: number;
  error?: TrainResult['error'];
  history: TrainResult['history'];
  /**
   * The model as it is saved, in inference mode: on the rows it trained on and on its validation
   * rows (the val split, or the share of train held out).
   */
  final?: { train?: { count: number; outputs: Record<string, OutputNumbers> }; val?: { count: number; outputs: Record<string, OutputNumbers> } };
  /** The held-out evaluation (split from {@link evaluationSplit}). */
  evaluation?: { split: SplitName; report: EvaluationReport };
  /** Each input masked in turn, on {@link inspectionSplit}. */
  ablation?: { split: SplitName; count: number; report: AblationReport };
  /** With `ablate`: the same split scored with each input noisy (and missing, as the ablation). */
  robustness?: RobustnessReport;
  /** The worst-classified samples of the inspection split with previews of their inputs. */
  worst?: WorstReport;
  /** Plain-words warnings (collapse, overfitting, …); empty when all looks right. */
  warnings: RunWarning[];
}

export interface RunOptions {
  /** Mask each input in turn after training (the app's "what each modality contributes"). */
  ablate?: boolean;
  /** Worst samples with previews to include (0 = none). */
  worst?: number;
  /** Evaluate after a Stop too (the app does: the stopped model can predict and be saved). */
  evaluateStopped?: boolean;
}

/** A failed preparation: the graph's diagnostics (none when the data does not fit the model) and one message. */
export type PrepareResult = { ok: true; run: TrainingRun } | { ok: false; diagnostics: Diagnostic[]; message: string };

/** Compile `graph` and set up its trainer on `data`; problems come back as diagnostics. */
export function prepareRun(tf: TF, graph: GraphDoc, registry: NodeRegistry, data: TrainingSet, config: Partial<TrainConfig> = {}, assets?: ReadonlyMap<string, tfTypes.LayersModel>, limits?: Partial<ModelLimits>): PrepareResult {
  const compiled = compileGraph(graph, registry, { tf, seed: config.seed, assets, limits });
  if (!compiled.ok) {
    const errs = compiled.diagnostics.filter((d) => d.severity === 'error');
    return { ok: false, diagnostics: compiled.diagnostics, message: `The graph does not compile: ${errs.slice(0, 3).map((d) => d.message).join(' ')}` };
  }
  try {
    const trainer = createTrainer(tf, compiled, data, config);
    return { ok: true, run: new TrainingRun(tf, graph, compiled.model, trainer, data) };
  } catch (e) {
    compiled.model.dispose();
    const message = `Training cannot start: ${e instanceof Error ? e.message : String(e)}`;
    return { ok: false, diagnostics: [], message };
  }
}

/** A compiled model with its trainer and data; see the module comment. */
export class TrainingRun {
  readonly io: ModelIO;
  /** The last report (after `train`). */
  last: RunReport | null = null;

  constructor(
    readonly tf: TF,
    readonly graph: GraphDoc,
    readonly model: tfTypes.LayersModel,
    readonly trainer: Trainer,
    readonly data: TrainingSet,
  ) {
    this.io = trainer.io;
  }

  /** Train (or resume) and report. */
  async train(cb: TrainCallbacks = {}, opts: RunOptions = {}): Promise<RunReport> {
    const result = await this.trainer.train(cb);
    return this.report(result, opts);
  }

  /** Judge a training result: evaluations in inference mode, warnings, ablation. */
  report(result: TrainResult, opts: RunOptions = {}): RunReport {
    const { tf, model, io, data } = this;
    const rep: RunReport = { status: result.status, epochsDone: result.epochsDone, bestEpoch: result.bestEpoch, error: result.error, history: result.history, warnings: [] };
    const judged = result.status === 'finished' || result.status === 'early-stopped' || (opts.evaluateStopped === true && result.status === 'stopped' && result.epochsDone > 0);
    if (judged) {
      const trainRows = this.trainer.viewRows('train');
      const valRows = this.trainer.viewRows('val');
      const trainRep = trainRows ? evaluateModel(tf, model, io, data, splitRows(trainRows.split, trainRows.rows), { worst: 0 }) : undefined;
      const valRep = valRows ? evaluateModel(tf, model, io, data, splitRows(valRows.split, valRows.rows), { worst: 0 }) : undefined;
      rep.final = {
        train: trainRep && { count: trainRep.count, outputs: evaluationNumbers(trainRep) },
        val: valRep && { count: valRep.count, outputs: evaluationNumbers(valRep) },
      };
      const split = evaluationSplit(data);
      if (data.splits[split].count > 0) rep.evaluation = { split, report: evaluateModel(tf, model, io, data, data.splits[split], { worst: 0 }) };
      const lastEpoch = result.history[result.history.length - 1];
      rep.warnings = runWarnings({
        // Judged on held-out rows: the evaluation split unless that is the train split itself.
        evaluation: rep.evaluation && split !== 'train' ? rep.evaluation : valRep ? { split: 'validation', report: valRep } : undefined,
        train: trainRep,
        trainingMode: lastEpoch?.outputs,
        labelStd: Object.fromEntries(this.trainer.outputs.filter((o) => o.task === 'regress').map((o) => [o.nodeId, o.std])),
        labels: Object.fromEntries(this.graph.nodes.map((n) => [n.id, n.label ?? n.id])),
      });
    }
    const canInspect = judged || (result.status === 'stopped' && result.epochsDone > 0);
    if (canInspect && opts.ablate) {
      const split = inspectionSplit(data);
      const s = data.splits[split];
      if (s.count > 0 && data.splits.train.count > 0) {
        // One pass gives both: each input missing (the ablation) and each input noisy.
        rep.robustness = robustnessReport(tf, model, io, data, s, data.splits.train, { seed: this.trainer.config.seed });
        rep.ablation = { split, count: s.count, report: rep.robustness.ablation };
      } else if (s.count > 0) rep.ablation = { split, count: s.count, report: ablateInputs(tf, model, io, data, s) };
    }
    // The worst samples go with the evaluation (a stopped run has none to show them with).
    if (judged && (opts.worst ?? 0) > 0) {
      try {
        rep.worst = worstWithPreviews(tf, model, io, data, inspectionSplit(data), opts.worst);
      } catch {
        // Previews are extra: the results must still arrive.
      }
    }
    this.last = rep;
    return rep;
  }

  /**
   * The model as a bundle zip, with its training settings, history and final numbers. Refused
   * (null) after a failed run: a diverged model is never saved.
   */
  async bundle(extra: { backend?: string } = {}): Promise<Uint8Array | null> {
    if (!this.data.fitted) throw new Error('This dataset has no fitted preprocessing state, so a bundle could not predict again.');
    if (this.trainer.status === 'failed') return null;
    const metrics: Record<string, number> = {};
    const put = (prefix: string, numbers: Record<string, OutputNumbers> | undefined) => {
      for (const [id, o] of Object.entries(numbers ?? {})) for (const [k, v] of Object.entries(o)) if (typeof v === 'number' && Number.isFinite(v)) metrics[`${prefix}.${id}.${k}`] = v;
    };
    const last = this.last;
    if (last?.evaluation) put(last.evaluation.split, evaluationNumbers(last.evaluation.report));
    put('final.train', last?.final?.train?.outputs);
    put('final.val', last?.final?.val?.outputs);
    return writeBundle(this.tf, {
      model: this.model,
      graph: this.graph,
      fitted: this.data.fitted,
      io: this.io,
      training: { config: this.trainer.config, history: this.trainer.history, epochs: this.trainer.epochsDone, backend: extra.backend, metrics },
    });
  }

  /** Free the trainer and the model. */
  dispose(): void {
    this.trainer.dispose();
    this.model.dispose();
  }
}
