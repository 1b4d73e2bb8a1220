/**
 * One training session: the code behind the worker (train.worker.ts) and behind the main-thread
 * fallback. It receives {@link ToWorker} messages and posts {@link FromWorker} messages; the
 * engine does the work (compileGraph, createTrainer, evaluateModel, writeBundle).
 */
import * as tf from '@tensorflow/tfjs';
import { writeBundle } from '@/engine/bundle';
import { compileGraph } from '@/engine/compile';
import { generateDemoDataset } from '@/engine/data/demo';
import { loadDataset } from '@/engine/data/loader';
import { memorySource } from '@/engine/data/source';
import { ablateInputs, evaluateModel, inputMeans } from '@/engine/evaluate';
import { exportZip } from '@/engine/export';
import type { ExportTarget } from '@/engine/spec';
import type { GraphDoc } from '@/engine/graph';
import { createTrainer, type Trainer, type TrainingSet } from '@/engine/train';
import { registry } from '@/nodes';
import { startBackend } from './backend';
import { continueOnCpu, guardGpu, leaveLostGpu, recoveredReport, runDebugAction, type GpuGuard } from './contextLoss';
import { describeFailure } from './failures';
import { createCompareRunner, worstSamples } from './compareSession';
import type { AblationSummary, BackendPreference, BackendReport, EvaluationSummary, FromWorker, PanelConfig, ToWorker } from './protocol';
import { createWorkerAdapter } from './workerAdapter';
import { createPredictor } from './predictSession';

export type Post = (msg: FromWorker, transfer?: Transferable[]) => void;

interface Active {
  trainer: Trainer;
  /** Where the data came from, for the progress line. */
  dataSource: string;
  model: tf.LayersModel;
  graph: GraphDoc;
  data: TrainingSet;
  io: { inputs: { nodeId: string; name: string; shape: number[] }[]; outputs: { nodeId: string; name: string; role: 'head' | 'late'; shape: number[] }[] };
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
    active: () => active,
    running: () => running,
    ready: async () => {
      // A task later: an 'init' received just before has then set pendingBackend (after its own awaits).
      await new Promise((r) => setTimeout(r, 0));
      await pendingBackend;
    },
    dropActive: () => disposeActive(),
  });

  function disposeActive(): void {
    if (!active) return;
    active.trainer.dispose();
    active.model.dispose();
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

  function evaluate(a: Active): EvaluationSummary | undefined {
    const s = a.data.splits;
    const split = s.test.count > 0 ? 'test' : s.val.count > 0 ? 'val' : 'train';
    const rep = evaluateModel(tf, a.model, a.io, a.data, s[split], { worst: 0 });
    return {
      split,
      count: rep.count,
      primary: rep.primary,
      outputs: Object.values(rep.outputs).map((o) => ({
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
      worst: worstSamples(a),
    };
  }

  /** Modality ablation on the validation split (test without one): what each input contributes. */
  function ablate(a: Active): AblationSummary | undefined {
    const s = a.data.splits;
    const split = s.val.count > 0 ? 'val' : s.test.count > 0 ? 'test' : 'train';
    if (s[split].count === 0) return undefined;
    const rep = ablateInputs(tf, a.model, a.io, a.data, s[split], s.train.count > 0 ? inputMeans(s.train) : undefined);
    const regress = rep.baseline.accuracy === undefined;
    return {
      split,
      count: s[split].count,
      primary: rep.primary,
      metric: regress ? 'loss' : 'accuracy',
      baseline: regress ? rep.baseline.loss : (rep.baseline.accuracy ?? 0),
      // For regression the drop is the loss gained when the input is masked (the engine's drop is RMSE).
      rows: rep.rows.map((r) => (regress ? { nodeId: r.nodeId, value: r.loss, drop: r.loss - rep.baseline.loss } : { nodeId: r.nodeId, value: r.accuracy ?? 0, drop: r.drop })),
    };
  }

  async function run(a: Active, fresh: boolean): Promise<void> {
    running = true;
    try {
      const primary = (a.io.outputs.find((o) => o.role === 'late') ?? a.io.outputs[0]).nodeId;
      const trainCount = a.data.splits.train.count;
      post({
        type: 'started',
        fresh,
        outputs: a.io.outputs.map((o) => ({ nodeId: o.nodeId, role: o.role, task: a.trainer.outputs.find((p) => p.nodeId === o.nodeId)?.task ?? 'classify' })),
        primary,
        train: trainCount,
        val: a.data.splits.val.count,
        epochs: a.trainer.config.epochs,
        dataSource: a.dataSource,
      });
      // On WebGL/WebGPU: stop when the GPU is lost, keep a CPU copy of the weights per epoch.
      const gpu = guardGpu(tf, a.model, a.trainer.epochsDone, () => a.trainer.stop());
      const result = await a.trainer.train({
        onBatchEnd: (m) => {
          if (!gpu.lost()) post({ type: 'batch', m }); // a lost context reads back zeros
        },
        onEpochEnd: (m) => {
          gpu.epochEnd(a.model, m.epoch);
          if (!gpu.lost()) post({ type: 'epoch', m });
        },
        onStage: (stage, detail) => post({ type: 'stage', text: stage === 'validate' ? `Validating (${detail})…` : `Caching frozen features: ${detail}…` }),
      });
      gpu.detach();
      if (gpu.lost() && gpu.snapshot) {
        await recoverAfterGpuLoss(a, gpu);
        return;
      }
      let evaluation: EvaluationSummary | undefined;
      if (result.status === 'finished' || result.status === 'early-stopped') {
        post({ type: 'stage', text: 'Evaluating…' });
        try {
          evaluation = evaluate(a);
        } catch (e) {
          post({ type: 'stage', text: `Evaluation failed: ${errorText(e)}` });
        }
      }
      let ablation: AblationSummary | undefined;
      if (result.status === 'finished' || result.status === 'early-stopped' || result.status === 'stopped') {
        post({ type: 'stage', text: 'Masking each input in turn…' });
        try {
          ablation = ablate(a);
        } catch (e) {
          post({ type: 'stage', text: `Modality ablation failed: ${errorText(e)}` });
        }
      }
      post({ type: 'done', status: result.status, epochsDone: result.epochsDone, bestEpoch: result.bestEpoch, error: result.error, evaluation, ablation });
    } finally {
      running = false;
    }
  }

  /** The GPU was lost mid-run: continue on WASM from the last epoch's CPU copy (contextLoss.ts). */
  async function recoverAfterGpuLoss(a: Active, gpu: GpuGuard): Promise<void> {
    const why = gpu.why() ?? 'the GPU was lost';
    const snap = gpu.snapshot as NonNullable<GpuGuard['snapshot']>;
    post({ type: 'stage', text: `Training was interrupted: ${why}. Moving to WASM…` });
    const lost = { graph: a.graph, data: a.data, config: a.trainer.config, history: a.trainer.history, snapshot: snap, disposeOld: () => { a.trainer.dispose(); a.model.dispose(); } };
    const r = await continueOnCpu(tf, lost, gpu.backend ?? 'webgl');
    backend = recoveredReport(backend, r.backend, why, snap.epoch, opts.mainThread);
    post({ type: 'backend', report: backend });
    active = { ...a, trainer: r.trainer, model: r.compiled.model };
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
    const compiled = compileGraph(graph, registry, { tf, seed: config.seed });
    if (!compiled.ok) {
      const errs = compiled.diagnostics.filter((d) => d.severity === 'error').slice(0, 3);
      post({ type: 'error', message: `The graph does not compile: ${errs.map((d) => d.message).join(' ')}`, suggestion: 'Fix the problems listed in the Diagnostics panel, then train again.' });
      return;
    }
    let trainer: Trainer;
    try {
      trainer = createTrainer(tf, compiled, data, { ...config, metricsEvery: backend?.backend === 'webgl' || backend?.backend === 'webgpu' ? 4 : 1 });
    } catch (e) {
      compiled.model.dispose();
      post({ type: 'error', message: `Training cannot start: ${errorText(e)}`, suggestion: 'Check that the dataset loaded in the Data panel belongs to this graph (its inputs and heads).' });
      return;
    }
    const dataSource = dataset ? 'the Data panel\'s dataset' : 'the built-in demo dataset';
    active = { trainer, dataSource, model: compiled.model, graph, data, io: { inputs: compiled.summary.inputs, outputs: compiled.summary.outputs } };
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
    if (!active.data.fitted) {
      post({ type: 'error', message: 'This dataset has no fitted preprocessing state, so a bundle could not predict again.' });
      return;
    }
    const a = active;
    const bytes = await writeBundle(tf, {
      model: a.model,
      graph: a.graph,
      fitted: a.data.fitted as NonNullable<TrainingSet['fitted']>,
      io: a.io,
      training: { config: a.trainer.config, history: a.trainer.history, epochs: a.trainer.epochsDone, backend: backend?.backend },
    });
    const name = `${a.graph.name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase() || 'model'}.fusionlab.zip`;
    post({ type: 'bundle', bytes, name }, [bytes.buffer]);
  }

  /** The trained model as exported code + weights + preprocessing state, for the Code panel. */
  async function exportTrained(target: ExportTarget): Promise<void> {
    // The trained model, or the one opened from a bundle in the Predict panel.
    const a = active ? { model: active.model, graph: active.graph, fitted: active.data.fitted } : predictor.openedModel();
    if (!a) {
      post({ type: 'error', message: 'There is no trained model to export yet: train it in the Train panel first, or open a bundle in the Predict panel.' });
      return;
    }
    const slug = a.graph.name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase() || 'model';
    const r = await exportZip(tf, a.graph, registry, target, { model: a.model, fitted: a.fitted, folder: `${slug}-${target}` });
    if (!r.ok || !r.zip) {
      post({ type: 'error', message: `The trained model could not be exported: ${r.diagnostics.map((d) => d.message).join(' ') || 'unknown problem'}` });
      return;
    }
    post({ type: 'bundle', bytes: r.zip, name: `${slug}-${target}-trained.zip` }, [r.zip.buffer as ArrayBuffer]);
  }

  /** Handle one message; never throws (errors become 'error' messages). */
  return async function handle(msg: ToWorker): Promise<void> {
    try {
      // Anything that retrains the model or changes the backend ends a running comparison first.
      if (msg.type === 'train' || msg.type === 'resume' || msg.type === 'reset' || msg.type === 'init') await compare.cancel();
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
          active.trainer.updateConfig({ ...msg.config, batchSize: active.trainer.config.batchSize, seed: active.trainer.config.seed });
          await run(active, false);
          return;
        case 'stop':
          active?.trainer.stop();
          compare.stop();
          return;
        case 'compare':
          if (running || !active) {
            post({ type: 'compare-done', error: running ? 'Training is running: compare when it has finished.' : 'Train a model first: Compare trains each input alone with the same settings.' });
            return;
          }
          await compare.run(active);
          return;
        case 'reset':
          if (running) active?.trainer.stop();
          active?.trainer.resetWeights();
          post({ type: 'reset-done' });
          return;
        case 'bundle':
          await bundle();
          return;
        case 'export':
          await exportTrained(msg.target);
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
