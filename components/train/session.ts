/**
 * One training session: the code behind the worker (train.worker.ts) and behind the main-thread
 * fallback. It receives {@link ToWorker} messages and posts {@link FromWorker} messages; the
 * engine's training run (engine/run.ts, the same one `fusionlab train` uses) does the work.
 */
import * as tf from '@tensorflow/tfjs';
import { generateDemoDataset } from '@/engine/data/demo';
import { loadDataset } from '@/engine/data/loader';
import { memorySource } from '@/engine/data/source';
import { zipSync } from 'fflate';
import { compileGraph } from '@/engine/compile';
import { exportZip } from '@/engine/export';
import { onnxFiles } from '@/engine/export/onnx';
import { fileSlug } from '../code/targets';
import { prepareRun, TrainingRun, type RunReport } from '@/engine/run';
import type { ExportTarget } from '@/engine/spec';
import type { GraphDoc } from '@/engine/graph';
import { DEFAULT_TRAIN_CONFIG, type TrainingSet } from '@/engine/train';
import { registry } from '@/nodes';
import { startBackend } from './backend';
import { continueOnCpu, guardGpu, leaveLostGpu, recoveredReport, runDebugAction, type GpuGuard } from './contextLoss';
import { describeFailure } from './failures';
import { createCompareRunner, WORST_SAMPLES } from './compareSession';
import type { AblationSummary, BackendPreference, BackendReport, EvaluationSummary, FromWorker, PanelConfig, ToWorker } from './protocol';
import { createWorkerAdapter } from './workerAdapter';
import { createPredictor } from './predictSession';

export type Post = (msg: FromWorker, transfer?: Transferable[]) => void;

function stageText(stage: 'cache-frozen' | 'batch-norm' | 'validate', detail: string): string {
  switch (stage) {
    case 'validate':
      return `Validating (${detail})…`;
    case 'batch-norm':
      return `Batch-norm statistics over the training rows (${detail})…`;
    case 'cache-frozen':
      return `Caching frozen features: ${detail}…`;
    default: {
      const _x: never = stage;
      return _x;
    }
  }
}

interface Active {
  run: TrainingRun;
  /** Where the data came from, for the progress line. */
  dataSource: string;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Create a session bound to `post`; returns the message handler. */
export function createSession(post: Post, opts: { mainThread: boolean; mainThreadReason?: string }) {
  let active: Active | null = null;
  let running = false;
  let backend: BackendReport | null = null;
  let pendingBackend: Promise<void> = Promise.resolve();
  let demoCache: { graphKey: string; data: TrainingSet } | null = null;
  const compare = createCompareRunner(post);
  // The Predict panel: predicts with `active`, or with a bundle it opened (which replaces `active`).
  const predictor = createPredictor(post, {
    active: () => active?.run ?? null,
    running: () => running,
    ready: () => backendReady(),
    dropActive: () => disposeActive(),
  });

  /** Resolves when the backend is up (a task later: an 'init' received just before has then set pendingBackend, after its own awaits). */
  async function backendReady(): Promise<void> {
    await new Promise((r) => setTimeout(r, 0));
    await pendingBackend;
  }

  function disposeActive(): void {
    if (!active) return;
    active.run.dispose();
    active = null;
  }

  async function init(preferred: BackendPreference, wasmUrls: Record<string, string>): Promise<void> {
    disposeActive();
    const r = await startBackend(preferred, wasmUrls, opts.mainThread);
    backend = { backend: r.backend, reason: r.reason, threads: r.threads, mainThread: opts.mainThread, mainThreadReason: opts.mainThreadReason, available: r.available };
    if (!r.requestedAvailable && preferred !== 'auto') backend.unavailable = preferred;
    post({ type: 'backend', report: backend });
  }

  /** The built-in demo dataset, loaded for this graph (cached while the graph's inputs stay the same). */
  async function demoData(graph: GraphDoc): Promise<TrainingSet> {
    const key = JSON.stringify(graph.nodes.map((n) => [n.id, n.kind, n.params]));
    if (demoCache?.graphKey === key) return demoCache.data;
    post({ type: 'stage', text: 'Generating and loading the built-in demo dataset…' });
    const { files } = generateDemoDataset();
    const ds = await loadDataset(memorySource('demo', files), { graph, registry, adapter: createWorkerAdapter() });
    if (!ds.ok || ds.splits.train.count === 0) {
      const why = ds.problems.filter((p) => p.severity === 'error').slice(0, 3).map((p) => p.message).join(' ');
      throw new Error(`No dataset is loaded, and the built-in demo dataset does not fit this graph. ${why} Load your data in the Data panel first.`);
    }
    const data: TrainingSet = { inputs: ds.inputs, heads: ds.heads, splits: ds.splits, fitted: ds.fitted };
    demoCache = { graphKey: key, data };
    return data;
  }

  /** The report's held-out evaluation, trimmed for the panel. */
  function evaluationSummary(r: RunReport): EvaluationSummary | undefined {
    const ev = r.evaluation;
    if (!ev) return undefined;
    return {
      split: ev.split,
      count: ev.report.count,
      primary: ev.report.primary,
      outputs: Object.values(ev.report.outputs).map((o) => ({
        nodeId: o.nodeId,
        role: o.role,
        task: o.task,
        count: o.count,
        loss: o.loss,
        accuracy: o.accuracy,
        mae: o.mae,
        rmse: o.rmse,
        macroF1: o.macroF1,
        classes: o.classes,
        perClass: o.perClass,
        confusion: o.confusion,
      })),
      worst: r.worst,
    };
  }

  /** The report's modality ablation, as the panel's chart draws it. */
  function ablationSummary(r: RunReport): AblationSummary | undefined {
    const ab = r.ablation;
    if (!ab) return undefined;
    const rep = ab.report;
    const regress = rep.baseline.accuracy === undefined;
    const robust = r.robustness;
    const noisy = (id: string) => {
      const x = robust?.robustness.find((y) => y.input === id);
      return x ? { noisy: regress ? x.noisyLoss : x.noisy } : {};
    };
    return {
      split: ab.split,
      count: ab.count,
      primary: rep.primary,
      metric: regress ? 'loss' : 'accuracy',
      baseline: regress ? rep.baseline.loss : (rep.baseline.accuracy ?? 0),
      // For regression the drop is the loss gained when the input is masked (the engine's drop is RMSE).
      rows: rep.rows.map((x) => ({ ...(regress ? { nodeId: x.nodeId, value: x.loss, drop: x.loss - rep.baseline.loss } : { nodeId: x.nodeId, value: x.accuracy ?? 0, drop: x.drop }), ...noisy(x.nodeId) })),
      ...(robust ? { noise: robust.noise } : {}),
    };
  }

  /** The model as a bundle for the page to keep with the project (never after a failed run). */
  async function checkpoint(r: TrainingRun, epoch: number, complete: boolean): Promise<void> {
    try {
      const bytes = await r.bundle({ backend: backend?.backend });
      if (bytes) post({ type: 'checkpoint', bytes, epoch, complete }, [bytes.buffer as ArrayBuffer]);
    } catch (e) {
      post({ type: 'stage', text: `The model could not be saved with the project: ${errorText(e)}` });
    }
  }

  async function run(a: Active, fresh: boolean): Promise<void> {
    running = true;
    const r = a.run;
    try {
      const primary = (r.io.outputs.find((o) => o.role === 'late') ?? r.io.outputs[0]).nodeId;
      const trainCount = r.data.splits.train.count;
      post({
        type: 'started',
        fresh,
        outputs: r.io.outputs.map((o) => ({ nodeId: o.nodeId, role: o.role, task: r.trainer.outputs.find((p) => p.nodeId === o.nodeId)?.task ?? 'classify' })),
        primary,
        train: trainCount,
        val: r.data.splits.val.count,
        epochs: r.trainer.config.epochs,
        dataSource: a.dataSource,
      });
      // On WebGL/WebGPU: stop when the GPU is lost, keep a CPU copy of the weights per epoch.
      const gpu = guardGpu(tf, r.model, r.trainer.epochsDone, () => r.trainer.stop());
      const result = await r.trainer.train({
        onBatchEnd: (m) => {
          if (!gpu.lost()) post({ type: 'batch', m }); // a lost context reads back zeros
        },
        onEpochEnd: async (m) => {
          gpu.epochEnd(r.model, m.epoch);
          if (gpu.lost()) return;
          post({ type: 'epoch', m });
          await checkpoint(r, m.epoch, false);
        },
        onStage: (stage, detail) => post({ type: 'stage', text: stageText(stage, detail) }),
      });
      gpu.detach();
      if (gpu.lost() && gpu.snapshot) {
        await recoverAfterGpuLoss(a, gpu);
        return;
      }
      if (result.status !== 'failed') post({ type: 'stage', text: 'Evaluating, as the saved model will predict…' });
      let report: RunReport;
      try {
        report = r.report(result, { ablate: true, worst: WORST_SAMPLES, evaluateStopped: false });
      } catch (e) {
        post({ type: 'stage', text: `Evaluation failed: ${errorText(e)}` });
        report = { status: result.status, epochsDone: result.epochsDone, bestEpoch: result.bestEpoch, error: result.error, history: result.history, warnings: [] };
      }
      post({
        type: 'done',
        status: report.status,
        epochsDone: report.epochsDone,
        bestEpoch: report.bestEpoch,
        error: report.error,
        evaluation: evaluationSummary(report),
        ablation: ablationSummary(report),
        final: report.final,
        warnings: report.warnings,
      });
      if (report.status !== 'failed' && report.epochsDone > 0) await checkpoint(r, report.epochsDone, true);
    } finally {
      running = false;
    }
  }

  /** The GPU was lost mid-run: continue on WASM from the last epoch's CPU copy (contextLoss.ts). */
  async function recoverAfterGpuLoss(a: Active, gpu: GpuGuard): Promise<void> {
    const why = gpu.why() ?? 'the GPU was lost';
    const snap = gpu.snapshot as NonNullable<GpuGuard['snapshot']>;
    post({ type: 'stage', text: `Training was interrupted: ${why}. Moving to WASM…` });
    const old = a.run;
    const lost = { graph: old.graph, data: old.data, config: old.trainer.config, history: old.trainer.history, snapshot: snap, disposeOld: () => old.dispose() };
    const r = await continueOnCpu(tf, lost, gpu.backend ?? 'webgl');
    backend = recoveredReport(backend, r.backend, why, snap.epoch, opts.mainThread);
    post({ type: 'backend', report: backend });
    active = { ...a, run: new TrainingRun(tf, old.graph, r.compiled.model, r.trainer, old.data) };
    await run(active, false);
  }

  async function startTraining(graph: GraphDoc, config: PanelConfig, dataset: TrainingSet | null): Promise<void> {
    await pendingBackend;
    disposeActive();
    const moved = await leaveLostGpu(tf); // the GPU was lost while idle: train on WASM instead
    if (moved) {
      backend = recoveredReport(backend, moved.backend, moved.why, -1, opts.mainThread);
      post({ type: 'backend', report: backend });
    }
    const data = dataset ?? (await demoData(graph));
    post({ type: 'stage', text: 'Compiling the graph…' });
    const prepared = prepareRun(tf, graph, registry, data, { ...config, metricsEvery: backend?.backend === 'webgl' || backend?.backend === 'webgpu' ? 4 : 1 });
    if (!prepared.ok) {
      post({
        type: 'error',
        message: prepared.message,
        suggestion: prepared.diagnostics.length ? 'Fix the problems listed in the Diagnostics panel, then train again.' : 'Check that the dataset loaded in the Data panel belongs to this graph (its inputs and heads).',
      });
      return;
    }
    const dataSource = dataset ? 'the Data panel\'s dataset' : 'the built-in demo dataset';
    active = { run: prepared.run, dataSource };
    await run(active, true);
  }

  async function bundle(): Promise<void> {
    const opened = active ? null : predictor.openedBundle();
    if (opened) {
      post({ type: 'bundle', bytes: opened.bytes.slice(), name: opened.name });
      return;
    }
    if (!active) {
      post({ type: 'error', message: 'There is no trained model to download yet.' });
      return;
    }
    const a = active.run;
    const bytes = await a.bundle({ backend: backend?.backend });
    if (!bytes) {
      post({ type: 'error', message: 'Training failed, so there is no model worth saving: the bundle was not written.', suggestion: 'Lower the learning rate, Reset weights and train again.' });
      return;
    }
    const name = `${fileSlug(a.graph.name)}.fusionlab.zip`;
    post({ type: 'bundle', bytes, name }, [bytes.buffer]);
  }

  /** The trained model as exported code + weights + preprocessing state, for the Code panel. */
  async function exportTrained(target: ExportTarget): Promise<void> {
    // The trained model, or the one opened from a bundle in the Predict panel.
    const a = active ? { model: active.run.model, graph: active.run.graph, fitted: active.run.data.fitted } : predictor.openedModel();
    if (!a) {
      post({ type: 'error', message: 'There is no trained model to export yet: train it in the Train panel first, or open a bundle in the Predict panel.' });
      return;
    }
    const slug = fileSlug(a.graph.name);
    const r = await exportZip(tf, a.graph, registry, target, { model: a.model, fitted: a.fitted, folder: `${slug}-${target}` });
    if (!r.ok || !r.zip) {
      post({ type: 'error', message: `The trained model could not be exported: ${r.diagnostics.map((d) => d.message).join(' ') || 'unknown problem'}` });
      return;
    }
    post({ type: 'bundle', bytes: r.zip, name: `${slug}-${target}-trained.zip` }, [r.zip.buffer as ArrayBuffer]);
  }

  /**
   * ONNX for the Code panel: the trained (or opened) model with its weights and preprocessing
   * state; before any training, the canvas's graph freshly initialised (seed 42, as Train starts).
   */
  async function exportOnnxZip(graph: GraphDoc): Promise<void> {
    const a = active ? { model: active.run.model, graph: active.run.graph, fitted: active.run.data.fitted } : predictor.openedModel();
    let fresh: tf.LayersModel | null = null;
    let use: { model: tf.LayersModel; graph: GraphDoc; fitted?: unknown } | null = a;
    let why = '';
    if (!use) {
      // The backend may still be starting (the Code panel can ask before anything trained).
      await backendReady();
      const c = compileGraph(graph, registry, { tf, seed: DEFAULT_TRAIN_CONFIG.seed });
      if (c.ok) {
        fresh = c.model;
        use = { model: c.model, graph };
      } else why = c.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message).join(' ');
    }
    try {
      if (!use) {
        post({ type: 'error', message: `The graph does not compile, so there is no model to write as ONNX: ${why}` });
        return;
      }
      const r = onnxFiles(use.graph, registry, use.model, use.fitted ?? null);
      if (!r.ok) {
        post({ type: 'error', message: `The ONNX export could not be written: ${r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message).join(' ')}` });
        return;
      }
      const slug = fileSlug(use.graph.name);
      const zip = zipSync(Object.fromEntries(Object.entries(r.files).map(([k, v]) => [`${slug}-onnx/${k}`, v])));
      post({ type: 'bundle', bytes: zip, name: `${slug}-onnx${a ? '-trained' : ''}.zip` }, [zip.buffer as ArrayBuffer]);
    } finally {
      fresh?.dispose();
    }
  }

  /** Handle one message; never throws (errors become 'error' messages). */
  return async function handle(msg: ToWorker): Promise<void> {
    try {
      // Anything that retrains the model or changes the backend ends a running comparison first.
      if (msg.type === 'train' || msg.type === 'resume' || msg.type === 'reset' || msg.type === 'forget' || msg.type === 'init') await compare.cancel();
      switch (msg.type) {
        case 'init':
          if (running) {
            post({ type: 'error', message: 'Stop training before changing the backend.' });
            return;
          }
          pendingBackend = init(msg.preferred, msg.wasmUrls).then(() => predictor.reopen());
          await pendingBackend;
          return;
        case 'train':
          if (running) return;
          predictor.close();
          await startTraining(msg.graph, msg.config, msg.dataset);
          return;
        case 'resume':
          if (running || !active) return;
          active.run.trainer.updateConfig({ ...msg.config, batchSize: active.run.trainer.config.batchSize, seed: active.run.trainer.config.seed });
          await run(active, false);
          return;
        case 'stop':
          active?.run.trainer.stop();
          compare.stop();
          return;
        case 'compare':
          if (running || !active) {
            post({ type: 'compare-done', error: running ? 'Training is running: compare when it has finished.' : 'Train a model first: Compare trains the fused model and each input alone with the same settings.' });
            return;
          }
          await compare.run(active.run, { seeds: msg.seeds, sweep: msg.sweep });
          return;
        case 'reset':
          if (running) active?.run.trainer.stop();
          active?.run.trainer.resetWeights();
          post({ type: 'reset-done' });
          return;
        case 'forget':
          if (running) return; // the page does not switch projects while training runs
          disposeActive();
          predictor.close();
          post({ type: 'predict-model', model: null });
          return;
        case 'bundle':
          await bundle();
          return;
        case 'export':
          await exportTrained(msg.target);
          return;
        case 'export-onnx':
          await exportOnnxZip(msg.graph);
          return;
        case 'predict-info':
        case 'predict':
        case 'open-bundle':
          await predictor.handle(msg);
          return;
        case 'debug':
          post({ type: 'stage', text: runDebugAction(tf, msg.action, opts.mainThread) });
          return;
        default: {
          const _x: never = msg;
          return _x;
        }
      }
    } catch (e) {
      running = false;
      post({ type: 'error', ...describeFailure(e) });
    }
  };
}
