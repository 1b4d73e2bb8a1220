/**
 * `fusionlab train <graph.json|project.fusionlab> [--data <dir|zip>] [--epochs --batch-size --lr
 *  --seed --optimizer --patience --out <bundle.zip|project.fusionlab>] [--compare] [--json]`: train
 *  on the WASM backend, progress on stderr, results (final metrics per output, test accuracy) on
 *  stdout. `--compare` then trains each input alone with the same settings (engine/compare.ts) and
 *  reports it beside the fused model. A project file gives the graph, the default settings (flags
 *  override them) and, without `--data`, the dataset it includes; `--out x.fusionlab` writes the
 *  project back with the trained model inside.
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend, type NodeBackendKind } from '../../engine/backend/node-backend';
import { createComparison, type ComparisonReport } from '../../engine/compare';
import { loadDataset, type FittedState, type LoadedDataset } from '../../engine/data/loader';
import { createNodeAdapter } from '../../engine/data/node-decoders';
import { openPathSource } from '../../engine/data/node-source';
import type { FileSource } from '../../engine/data/source';
import { fitGraphToSource } from '../../engine/data/fit-graph';
import { hasErrors, type Diagnostic } from '../../engine/diagnostics';
import type { GraphDoc } from '../../engine/graph';
import { PROJECT_LIMITS, newProject, type ProjectDoc, type ProjectTrainSettings } from '../../engine/project/project';
import { isProjectFile, projectDatasetSource, readProjectFile, writeProjectFile, type ProjectDataset, type ProjectFileRead } from '../../engine/project/project-file';
import { evaluationNumbers, prepareRun, type OutputNumbers, type SplitName } from '../../engine/run';
import { DEFAULT_TRAIN_CONFIG, MAX_MODALITY_DROPOUT, OPTIMIZERS, type ModelIO, type OptimizerName, type OutputMetrics, type TrainConfig } from '../../engine/train';
import { registry } from '../../nodes';
import { integerOption, parseArgs, positiveOption, shareOption, UsageError, type ParsedArgs } from '../args';
import { formatDiagnostic, modelLimitsFromEnv, printJson, readGraphFile, sayErr, terminalSafe, writeFileAtomic } from '../io';

const USAGE = 'usage: fusionlab train <graph.json|project.fusionlab> --data <dir|zip> [--epochs N] [--batch-size N] [--lr X] [--seed N] [--optimizer adam|sgd|rmsprop] [--patience N] [--modality-dropout P] [--out bundle.zip|project.fusionlab] [--manifest table.csv] [--keep-graph] [--compare] [--json]\n  (a project file that includes its dataset needs no --data; its train settings are the defaults)';

/** `--manifest NAME`: the table to read when a dataset's top level holds several. */
export function manifestOption(args: ParsedArgs): string | undefined {
  const m = args.flags.get('manifest');
  if (m === true) throw new UsageError('--manifest needs a file name, e.g. --manifest labels.csv');
  return m;
}

/** Options every model command reads the same way. */
export function backendOption(args: ParsedArgs): NodeBackendKind {
  const b = args.flags.get('backend') ?? 'wasm';
  if (b !== 'wasm' && b !== 'cpu') throw new UsageError('--backend is wasm or cpu');
  return b;
}

/** How {@link loadForGraph} loads: the table to read, whether to fit the graph to the data, and a saved model's state to encode with. */
export interface LoadForOptions {
  manifest?: string;
  fit?: boolean;
  /** Encode with this state (a saved model's) instead of fitting one on the data's train split. */
  fitted?: FittedState;
}

/**
 * Load a dataset for a graph, printing problems on stderr; throws when nothing loads. With `fit`,
 * the graph is first fitted to the data's columns (engine/data/fit-graph.ts): each change is
 * printed, and the fitted graph is what trains and is saved.
 */
export async function loadForGraph(dataPath: string, given: GraphDoc, quiet: boolean, options: LoadForOptions = {}): Promise<{ data: LoadedDataset; graph: GraphDoc }> {
  const opened = await openPathSource(dataPath);
  if (!opened.source) throw new Error(opened.problems.map((p) => p.message).join('\n') || `cannot open ${dataPath}`);
  return loadForSource(opened.source, given, quiet, options);
}

/**
 * {@link loadForGraph} for a source already open (a project file's dataset): the same fitting,
 * loader and messages as a path.
 */
export async function loadForSource(source: FileSource, given: GraphDoc, quiet: boolean, options: LoadForOptions = {}): Promise<{ data: LoadedDataset; graph: GraphDoc }> {
  let graph = given;
  if (options.fit) {
    const fitted = await fitGraphToSource(source, given, registry, { manifest: options.manifest });
    graph = fitted.graph;
    if (!quiet) {
      for (const f of fitted.applied) sayErr(`fitted to the data: ${f.message} (${f.nodeId}.${f.param})`);
      for (const f of fitted.suggested) sayErr(`suggestion: ${f.message}: set ${f.nodeId}.${f.param} to ${JSON.stringify(f.value)}`);
      if (fitted.applied.length) sayErr('  (pass --keep-graph to train the graph exactly as written)');
    }
  }
  let lastPct = -1;
  const ds = await loadDataset(source, {
    graph,
    registry,
    manifest: options.manifest,
    fitted: options.fitted,
    adapter: createNodeAdapter(),
    onProgress: (p) => {
      if (quiet || p.stage !== 'decode') return;
      const pct = Math.floor((100 * p.done) / Math.max(1, p.total));
      if (pct >= lastPct + 10 || p.done === p.total) {
        lastPct = pct;
        sayErr(`loading data: ${p.done}/${p.total} rows`);
      }
    },
  });
  const errors = ds.problems.filter((p) => p.severity === 'error');
  if (!quiet && ds.problems.length) {
    sayErr(`${ds.problems.length} data problem(s); ${ds.summary.skipped} row(s) skipped`);
    for (const p of ds.problems.slice(0, 5)) sayErr(`  ${p.severity} [${p.code}] ${p.message}`);
  }
  if (!ds.ok) throw new Error(`the data could not be loaded: ${errors.map((p) => p.message).slice(0, 5).join(' ') || 'no rows'}`);
  return { data: ds, graph };
}

/** Open the dataset a project file includes; throws (a message) when it cannot be opened. */
export function openProjectDataset(dataset: ProjectDataset, file: string): FileSource {
  const opened = projectDatasetSource(dataset);
  if (!opened.source) throw new Error(`the dataset included in ${file} could not be opened: ${opened.problems.map((p) => p.message).join(' ') || 'unreadable'}`);
  return opened.source;
}

/** A short description of the dataset a project file includes, for messages. */
export function describeProjectDataset(dataset: ProjectDataset): string {
  if (dataset.kind === 'demo') return `the demo dataset (seed ${dataset.seed}, ${dataset.rows} rows)`;
  return `${dataset.name} (${dataset.kind === 'zip' ? 'a zip' : `${dataset.files.length} files`})`;
}

/**
 * Read the file `train` was given when it is a project file (a zip with project.json): the
 * project, or a thrown message when it is a zip that cannot be read. `undefined` for anything
 * else (a graph.json, or a file that cannot be read, which readGraphFile then reports).
 */
async function readProjectInput(file: string): Promise<ProjectFileRead | undefined> {
  let bytes: Uint8Array;
  try {
    const b = await readFile(file);
    bytes = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch {
    return undefined;
  }
  const zip = bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
  const named = file.toLowerCase().endsWith('.fusionlab');
  if (!zip && !named) return undefined;
  if (zip && !isProjectFile(bytes)) throw new Error(`${file} is a zip but not a FusionLab project file (no project.json). train takes a graph.json or a project.fusionlab; a model bundle is for evaluate, predict and export.`);
  const read = readProjectFile(bytes);
  if (!read.ok) throw new Error(read.message);
  return read;
}

/** The settings a run used, as a project keeps them. */
function projectSettings(config: TrainConfig): ProjectTrainSettings {
  const { optimizer, learningRate, momentum, batchSize, epochs, patience, seed, modalityDropout } = config;
  return { optimizer, learningRate, momentum, batchSize, epochs, patience, seed, modalityDropout };
}

/**
 * The project after a run: the trained graph (the one before, when fitting changed it, becomes an
 * undo step), the settings used, the model's epoch and the dataset kept only when it came from the
 * project file.
 */
function trainedProject(base: ProjectDoc, graph: GraphDoc, config: TrainConfig, epoch: number, keepDataset: boolean, now: string): ProjectDoc {
  const changed = JSON.stringify(base.graph) !== JSON.stringify(graph);
  return {
    ...base,
    updatedAt: now,
    graph,
    undo: changed ? [...base.undo, base.graph].slice(-PROJECT_LIMITS.historySteps) : base.undo,
    redo: changed ? [] : base.redo,
    train: projectSettings(config),
    model: { epoch, complete: true, savedAt: now },
    dataset: keepDataset ? base.dataset : undefined,
  };
}

function fmt(m: Record<string, OutputMetrics | OutputNumbers>): string {
  return Object.entries(m)
    .map(([id, o]) => `${id} loss ${o.loss.toFixed(4)}${o.accuracy !== undefined ? ` acc ${(100 * o.accuracy).toFixed(1)}%` : ''}${o.mae !== undefined ? ` mae ${o.mae.toPrecision(3)}` : ''}`)
    .join(', ');
}

export { evaluationNumbers };

/** Check that `--out` can be written before spending minutes on training. */
async function checkOutPath(out: string): Promise<void> {
  const st = await stat(out).catch(() => null);
  if (st?.isDirectory()) throw new UsageError(`--out ${out} is a folder; give a file name such as ${path.join(out, 'model.zip')}`);
  const dir = await stat(path.dirname(path.resolve(out))).catch(() => null);
  if (!dir?.isDirectory()) throw new UsageError(`--out ${out}: the folder ${path.dirname(path.resolve(out))} does not exist`);
}

/** `fusionlab train`. */
export async function trainCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['data', 'epochs', 'batch-size', 'lr', 'seed', 'optimizer', 'patience', 'out', 'backend', 'metrics-every', 'manifest', 'modality-dropout']);
  const file = args.positional[0];
  const dataFlag = args.flags.get('data');
  if (!file || dataFlag === true) throw new UsageError(USAGE);
  const dataPath = dataFlag;
  // A project file (a zip with project.json) brings its graph, settings and maybe its dataset.
  const project = await readProjectInput(file);
  if (!project && dataPath === undefined) throw new UsageError(USAGE);
  if (project && dataPath === undefined && !project.dataset) {
    throw new UsageError(`${file} includes no dataset: pass --data <dir|zip> (or include the dataset when saving the project in the app).\n${USAGE}`);
  }
  const json = args.flags.has('json');
  // The project's settings are the defaults; the app's Train panel starts from the same defaults as the CLI (engine/train/types.ts).
  const defaults: TrainConfig = { ...DEFAULT_TRAIN_CONFIG, ...project?.project.train };
  const optimizer = (args.flags.get('optimizer') ?? defaults.optimizer) as OptimizerName;
  if (!OPTIMIZERS.includes(optimizer)) throw new UsageError(`--optimizer is one of ${OPTIMIZERS.join(', ')}`);
  const config: Partial<TrainConfig> = {
    epochs: integerOption(args, 'epochs', defaults.epochs, 1),
    batchSize: integerOption(args, 'batch-size', defaults.batchSize, 1),
    learningRate: positiveOption(args, 'lr', defaults.learningRate),
    seed: integerOption(args, 'seed', defaults.seed, -(2 ** 31)),
    patience: integerOption(args, 'patience', defaults.patience, 0),
    optimizer,
    metricsEvery: integerOption(args, 'metrics-every', 1, 1),
    modalityDropout: shareOption(args, 'modality-dropout', defaults.modalityDropout, MAX_MODALITY_DROPOUT),
  };
  if (project?.project.train.momentum !== undefined) config.momentum = project.project.train.momentum;
  const backend = backendOption(args);
  const outFlag = args.flags.get('out');
  if (outFlag === true) throw new UsageError('--out needs a file name, e.g. --out model.zip');
  const out = outFlag;
  if (out !== undefined) await checkOutPath(out);
  const outProject = out !== undefined && out.toLowerCase().endsWith('.fusionlab');

  let given: GraphDoc;
  if (project) {
    given = project.project.graph;
    if (!json) for (const w of project.warnings) sayErr(`warning: ${w}`);
  } else {
    const read = await readGraphFile(file);
    if (!read.graph || hasErrors(read.diagnostics)) return graphFailed(read.diagnostics, json);
    given = read.graph;
  }
  const info = await initNodeBackend(backend);
  if (!json) sayErr(`backend: ${info.backend}${info.simd ? ' (SIMD)' : ''}, ${info.threads} thread(s)`);
  const fit = !args.flags.has('keep-graph');
  let loaded: { data: LoadedDataset; graph: GraphDoc };
  if (dataPath !== undefined) loaded = await loadForGraph(dataPath, given, false, { manifest: manifestOption(args), fit });
  else {
    // Checked above: without --data, the project file includes a dataset.
    const dataset = project?.dataset as ProjectDataset;
    sayErr(`data: the dataset included in ${file}: ${describeProjectDataset(dataset)}`);
    loaded = await loadForSource(openProjectDataset(dataset, file), given, false, { manifest: manifestOption(args) ?? project?.project.dataset?.manifest, fit });
  }
  const { data, graph } = loaded;
  sayErr(`data: ${data.summary.bySplit.train} train, ${data.summary.bySplit.val} val, ${data.summary.bySplit.test} test`);

  const prepared = prepareRun(tf, graph, registry, data, config, undefined, modelLimitsFromEnv());
  if (!prepared.ok) {
    if (json) printJson({ ok: false, message: prepared.message, diagnostics: prepared.diagnostics });
    else if (prepared.diagnostics.length) for (const d of prepared.diagnostics) sayErr(formatDiagnostic(d));
    else sayErr(prepared.message);
    return 1;
  }
  const run = prepared.run;
  const started = Date.now();
  const tty = process.stderr.isTTY;
  let lastLine = 0;
  const epochs = run.trainer.config.epochs;
  const report = await run.train({
    onStage: (stage, detail) => {
      if (stage !== 'batch-norm') sayErr(`${stage}: ${detail}`);
    },
    onBatchEnd: (m) => {
      const t = Date.now();
      if (t - lastLine < (tty ? 200 : 5000) && m.batch !== m.batchesPerEpoch) return;
      lastLine = t;
      const line = `epoch ${m.epoch}/${epochs} batch ${m.batch}/${m.batchesPerEpoch} loss ${m.loss.toFixed(4)} · ${m.samplesPerSecond.toFixed(0)} samples/s · ${Math.round(m.secondsLeft)} s left`;
      process.stderr.write(tty ? `\r${terminalSafe(line)}\x1b[K` : `${terminalSafe(line)}\n`);
    },
    onEpochEnd: (m) => {
      if (tty) process.stderr.write('\r\x1b[K');
      sayErr(`epoch ${m.epoch}: ${fmt(m.outputs)}${m.val ? ` | val ${fmt(m.val.outputs)}` : ''} (${m.seconds.toFixed(1)} s, ${m.samplesPerSecond.toFixed(0)} samples/s)`);
    },
  });
  const ok = report.status !== 'failed';
  if (report.error) sayErr(`${report.error.message}\n${report.error.suggestion}`);
  if (report.bestEpoch && report.bestEpoch !== report.epochsDone && ok) sayErr(`kept the weights of epoch ${report.bestEpoch} (lowest validation loss)`);
  if (report.final?.train) sayErr(`final, as the saved model predicts: train ${fmt(report.final.train.outputs)}${report.final.val ? ` | val ${fmt(report.final.val.outputs)}` : ''}`);
  const ev = report.evaluation;
  const numbers = ev ? evaluationNumbers(ev.report) : undefined;
  if (ev && numbers) sayErr(`${ev.split} (${ev.report.count} samples): ${Object.entries(numbers).map(([id, o]) => `${id} ${o.accuracy !== undefined ? `acc ${(100 * o.accuracy).toFixed(2)}%` : `rmse ${o.rmse?.toPrecision(3)}`}`).join(', ')}`);
  for (const w of report.warnings) sayErr(`warning [${w.code}]: ${w.message}\n  ${w.suggestion}`);

  let bundlePath: string | undefined;
  let projectPath: string | undefined;
  if (ok && out !== undefined) {
    const zip = await run.bundle({ backend: info.backend });
    if (zip && outProject) {
      const now = new Date().toISOString();
      const keepDataset = project !== undefined && dataPath === undefined;
      const base = project?.project ?? newProject(given, { name: given.name });
      const doc = trainedProject(base, graph, run.trainer.config, report.bestEpoch ?? report.epochsDone, keepDataset, now);
      if (project?.results !== undefined) sayErr('the results the app saved in the project were from an earlier run and were left out');
      if (project?.dataset && !keepDataset) sayErr(`the dataset included in ${file} was left out (this model was trained on ${dataPath})`);
      const bytes = writeProjectFile({ project: doc, bundle: zip, dataset: keepDataset ? project?.dataset : undefined });
      await writeFileAtomic(out, bytes);
      bundlePath = out;
      projectPath = out;
      sayErr(`project file written: ${out} (${(bytes.length / 1024).toFixed(0)} KiB, with the trained model${keepDataset ? ' and the dataset' : ''})`);
    } else if (zip) {
      await writeFileAtomic(out, zip);
      bundlePath = out;
      sayErr(`bundle written: ${out} (${(zip.length / 1024).toFixed(0)} KiB)`);
    }
  } else if (!ok && out !== undefined) {
    sayErr(`training failed: ${out} was not written${existsSync(out) ? ' (the file already there is untouched)' : ''}`);
  } else if (ok) {
    sayErr(project
      ? `the model was not saved: add --out ${path.basename(file).toLowerCase().endsWith('.fusionlab') ? path.basename(file) : 'project.fusionlab'} to keep it in the project (or --out model.zip for a bundle)`
      : 'the model was not saved: add --out model.zip to keep it (for evaluate, predict and export)');
  }
  const last = report.history[report.history.length - 1];
  let comparison: ComparisonReport | undefined;
  if (args.flags.has('compare') && ok && ev) comparison = await compareVariants(graph, data, run.trainer.config, ev.split, { model: run.model, io: run.io });
  if (json) {
    printJson({
      ok,
      status: report.status,
      error: report.error,
      backend: info.backend,
      epochs: report.epochsDone,
      bestEpoch: report.bestEpoch,
      seconds: (Date.now() - started) / 1000,
      samplesPerSecond: last?.samplesPerSecond,
      final: report.final,
      trainingMode: last ? { train: last.outputs } : undefined,
      evaluation: ev && numbers ? { split: ev.split, count: ev.report.count, primary: ev.report.primary, outputs: numbers } : undefined,
      testAccuracy: ev?.split === 'test' ? ev.report.outputs[ev.report.primary].accuracy : undefined,
      warnings: report.warnings,
      bundle: bundlePath,
      project: projectPath,
      compare: comparison,
      history: report.history,
    });
  }
  run.dispose();
  return ok ? 0 : 1;
}

function graphFailed(diagnostics: Diagnostic[], json: boolean): number {
  if (json) printJson({ ok: false, diagnostics });
  else for (const d of diagnostics) sayErr(formatDiagnostic(d));
  return 1;
}

/** `--compare`: each input alone with the fused model's settings, evaluated on the same split. */
async function compareVariants(graph: GraphDoc, data: LoadedDataset, config: TrainConfig, split: SplitName, fused: { model: tf.LayersModel; io: ModelIO }): Promise<ComparisonReport> {
  sayErr('compare: training each input alone with the same settings');
  let lastLine = 0;
  const run = createComparison(tf, graph, registry, data, {
    config,
    split,
    fused,
    onProgress: (p) => {
      const t = Date.now();
      if (t - lastLine < 5000 && p.batch !== p.batches) return;
      lastLine = t;
      sayErr(`compare ${p.variant}/${p.variants} (${p.inputId} alone): epoch ${p.epoch}/${p.epochs} batch ${p.batch}/${p.batches}`);
    },
  });
  const rep = await run.result;
  const show = (x: number | undefined) => (x === undefined ? '—' : rep.metric === 'accuracy' ? `${(100 * x).toFixed(2)}%` : `rmse ${x.toPrecision(3)}`);
  sayErr(`compare on ${rep.split} (${rep.count} samples): fused ${show(rep.fused?.value)}`);
  for (const r of rep.rows) sayErr(`  ${r.inputId} alone: ${r.status === 'ok' ? show(r.value) : (r.reason ?? r.status)}`);
  return rep;
}
