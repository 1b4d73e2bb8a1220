/**
 * `fusionlab train <graph.json> --data <dir|zip> [--epochs --batch-size --lr --seed --optimizer
 *  --patience --out <bundle.zip>] [--compare] [--json]`: train on the WASM backend, progress on stderr,
 *  results (final metrics per output, test accuracy) on stdout. `--compare` then trains each input
 *  alone with the same settings (engine/compare.ts) and reports it beside the fused model.
 */
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend, type NodeBackendKind } from '../../engine/backend/node-backend';
import { createComparison, type ComparisonReport } from '../../engine/compare';
import { loadDataset, type LoadedDataset } from '../../engine/data/loader';
import { createNodeAdapter } from '../../engine/data/node-decoders';
import { openPathSource } from '../../engine/data/node-source';
import { fitGraphToSource } from '../../engine/data/fit-graph';
import { hasErrors } from '../../engine/diagnostics';
import type { GraphDoc } from '../../engine/graph';
import { evaluationNumbers, prepareRun, type OutputNumbers, type SplitName } from '../../engine/run';
import { DEFAULT_TRAIN_CONFIG, OPTIMIZERS, type ModelIO, type OptimizerName, type OutputMetrics, type TrainConfig } from '../../engine/train';
import { registry } from '../../nodes';
import { integerOption, parseArgs, positiveOption, UsageError, type ParsedArgs } from '../args';
import { formatDiagnostic, printJson, readGraphFile, writeFileAtomic } from '../io';

const USAGE = 'usage: fusionlab train <graph.json> --data <dir|zip> [--epochs N] [--batch-size N] [--lr X] [--seed N] [--optimizer adam|sgd|rmsprop] [--patience N] [--out bundle.zip] [--manifest table.csv] [--keep-graph] [--compare] [--json]';

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

/**
 * Load a dataset for a graph, printing problems on stderr; throws when nothing loads. With `fit`,
 * the graph is first fitted to the data's columns (engine/data/fit-graph.ts): each change is
 * printed, and the fitted graph is what trains and is saved.
 */
export async function loadForGraph(dataPath: string, given: GraphDoc, quiet: boolean, options: { manifest?: string; fit?: boolean } = {}): Promise<{ data: LoadedDataset; graph: GraphDoc }> {
  const opened = await openPathSource(dataPath);
  if (!opened.source) throw new Error(opened.problems.map((p) => p.message).join('\n') || `cannot open ${dataPath}`);
  let graph = given;
  if (options.fit) {
    const fitted = await fitGraphToSource(opened.source, given, registry, { manifest: options.manifest });
    graph = fitted.graph;
    if (!quiet) {
      for (const f of fitted.applied) process.stderr.write(`fitted to the data: ${f.message} (${f.nodeId}.${f.param})\n`);
      for (const f of fitted.suggested) process.stderr.write(`suggestion: ${f.message}: set ${f.nodeId}.${f.param} to ${JSON.stringify(f.value)}\n`);
      if (fitted.applied.length) process.stderr.write('  (pass --keep-graph to train the graph exactly as written)\n');
    }
  }
  let lastPct = -1;
  const ds = await loadDataset(opened.source, {
    graph,
    registry,
    manifest: options.manifest,
    adapter: createNodeAdapter(),
    onProgress: (p) => {
      if (quiet || p.stage !== 'decode') return;
      const pct = Math.floor((100 * p.done) / Math.max(1, p.total));
      if (pct >= lastPct + 10 || p.done === p.total) {
        lastPct = pct;
        process.stderr.write(`loading data: ${p.done}/${p.total} rows\n`);
      }
    },
  });
  const errors = ds.problems.filter((p) => p.severity === 'error');
  if (!quiet && ds.problems.length) {
    process.stderr.write(`${ds.problems.length} data problem(s); ${ds.summary.skipped} row(s) skipped\n`);
    for (const p of ds.problems.slice(0, 5)) process.stderr.write(`  ${p.severity} [${p.code}] ${p.message}\n`);
  }
  if (!ds.ok) throw new Error(`the data could not be loaded: ${errors.map((p) => p.message).slice(0, 5).join(' ') || 'no rows'}`);
  return { data: ds, graph };
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
  const args = parseArgs(argv, ['data', 'epochs', 'batch-size', 'lr', 'seed', 'optimizer', 'patience', 'out', 'backend', 'metrics-every', 'manifest']);
  const file = args.positional[0];
  const dataPath = args.flags.get('data');
  if (!file || typeof dataPath !== 'string') throw new UsageError(USAGE);
  const json = args.flags.has('json');
  const optimizer = (args.flags.get('optimizer') ?? DEFAULT_TRAIN_CONFIG.optimizer) as OptimizerName;
  if (!OPTIMIZERS.includes(optimizer)) throw new UsageError(`--optimizer is one of ${OPTIMIZERS.join(', ')}`);
  // The app's Train panel starts from the same defaults (engine/train/types.ts).
  const config: Partial<TrainConfig> = {
    epochs: integerOption(args, 'epochs', DEFAULT_TRAIN_CONFIG.epochs, 1),
    batchSize: integerOption(args, 'batch-size', DEFAULT_TRAIN_CONFIG.batchSize, 1),
    learningRate: positiveOption(args, 'lr', DEFAULT_TRAIN_CONFIG.learningRate),
    seed: integerOption(args, 'seed', DEFAULT_TRAIN_CONFIG.seed, -(2 ** 31)),
    patience: integerOption(args, 'patience', DEFAULT_TRAIN_CONFIG.patience, 0),
    optimizer,
    metricsEvery: integerOption(args, 'metrics-every', 1, 1),
  };
  const backend = backendOption(args);
  const outFlag = args.flags.get('out');
  if (outFlag === true) throw new UsageError('--out needs a file name, e.g. --out model.zip');
  const out = outFlag;
  if (out !== undefined) await checkOutPath(out);

  const read = await readGraphFile(file);
  if (!read.graph || hasErrors(read.diagnostics)) {
    if (json) printJson({ ok: false, diagnostics: read.diagnostics });
    else for (const d of read.diagnostics) console.error(formatDiagnostic(d));
    return 1;
  }
  const info = await initNodeBackend(backend);
  if (!json) process.stderr.write(`backend: ${info.backend}${info.simd ? ' (SIMD)' : ''}, ${info.threads} thread(s)\n`);
  const { data, graph } = await loadForGraph(dataPath, read.graph, false, { manifest: manifestOption(args), fit: !args.flags.has('keep-graph') });
  process.stderr.write(`data: ${data.summary.bySplit.train} train, ${data.summary.bySplit.val} val, ${data.summary.bySplit.test} test\n`);

  const prepared = prepareRun(tf, graph, registry, data, config);
  if (!prepared.ok) {
    if (json) printJson({ ok: false, message: prepared.message, diagnostics: prepared.diagnostics });
    else if (prepared.diagnostics.length) for (const d of prepared.diagnostics) console.error(formatDiagnostic(d));
    else console.error(prepared.message);
    return 1;
  }
  const run = prepared.run;
  const started = Date.now();
  const tty = process.stderr.isTTY;
  let lastLine = 0;
  const epochs = run.trainer.config.epochs;
  const report = await run.train({
    onStage: (stage, detail) => {
      if (stage !== 'batch-norm') process.stderr.write(`${stage}: ${detail}\n`);
    },
    onBatchEnd: (m) => {
      const t = Date.now();
      if (t - lastLine < (tty ? 200 : 5000) && m.batch !== m.batchesPerEpoch) return;
      lastLine = t;
      const line = `epoch ${m.epoch}/${epochs} batch ${m.batch}/${m.batchesPerEpoch} loss ${m.loss.toFixed(4)} · ${m.samplesPerSecond.toFixed(0)} samples/s · ${Math.round(m.secondsLeft)} s left`;
      process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
    },
    onEpochEnd: (m) => {
      if (tty) process.stderr.write('\r\x1b[K');
      process.stderr.write(`epoch ${m.epoch}: ${fmt(m.outputs)}${m.val ? ` | val ${fmt(m.val.outputs)}` : ''} (${m.seconds.toFixed(1)} s, ${m.samplesPerSecond.toFixed(0)} samples/s)\n`);
    },
  });
  const ok = report.status !== 'failed';
  if (report.error) process.stderr.write(`${report.error.message}\n${report.error.suggestion}\n`);
  if (report.bestEpoch && report.bestEpoch !== report.epochsDone && ok) process.stderr.write(`kept the weights of epoch ${report.bestEpoch} (lowest validation loss)\n`);
  if (report.final?.train) process.stderr.write(`final, as the saved model predicts: train ${fmt(report.final.train.outputs)}${report.final.val ? ` | val ${fmt(report.final.val.outputs)}` : ''}\n`);
  const ev = report.evaluation;
  const numbers = ev ? evaluationNumbers(ev.report) : undefined;
  if (ev && numbers) process.stderr.write(`${ev.split} (${ev.report.count} samples): ${Object.entries(numbers).map(([id, o]) => `${id} ${o.accuracy !== undefined ? `acc ${(100 * o.accuracy).toFixed(2)}%` : `rmse ${o.rmse?.toPrecision(3)}`}`).join(', ')}\n`);
  for (const w of report.warnings) process.stderr.write(`warning [${w.code}]: ${w.message}\n  ${w.suggestion}\n`);

  let bundlePath: string | undefined;
  if (ok && out !== undefined) {
    const zip = await run.bundle({ backend: info.backend });
    if (zip) {
      await writeFileAtomic(out, zip);
      bundlePath = out;
      process.stderr.write(`bundle written: ${out} (${(zip.length / 1024).toFixed(0)} KiB)\n`);
    }
  } else if (!ok && out !== undefined) {
    process.stderr.write(`training failed: ${out} was not written${existsSync(out) ? ' (the file already there is untouched)' : ''}\n`);
  } else if (ok) {
    process.stderr.write('the model was not saved: add --out model.zip to keep it (for evaluate, predict and export)\n');
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
      compare: comparison,
      history: report.history,
    });
  }
  run.dispose();
  return ok ? 0 : 1;
}

/** `--compare`: each input alone with the fused model's settings, evaluated on the same split. */
async function compareVariants(graph: GraphDoc, data: LoadedDataset, config: TrainConfig, split: SplitName, fused: { model: tf.LayersModel; io: ModelIO }): Promise<ComparisonReport> {
  process.stderr.write('compare: training each input alone with the same settings\n');
  let lastLine = 0;
  const run = createComparison(tf, graph, registry, data, {
    config,
    split,
    fused,
    onProgress: (p) => {
      const t = Date.now();
      if (t - lastLine < 5000 && p.batch !== p.batches) return;
      lastLine = t;
      process.stderr.write(`compare ${p.variant}/${p.variants} (${p.inputId} alone): epoch ${p.epoch}/${p.epochs} batch ${p.batch}/${p.batches}\n`);
    },
  });
  const rep = await run.result;
  const show = (x: number | undefined) => (x === undefined ? '—' : rep.metric === 'accuracy' ? `${(100 * x).toFixed(2)}%` : `rmse ${x.toPrecision(3)}`);
  process.stderr.write(`compare on ${rep.split} (${rep.count} samples): fused ${show(rep.fused?.value)}\n`);
  for (const r of rep.rows) process.stderr.write(`  ${r.inputId} alone: ${r.status === 'ok' ? show(r.value) : (r.reason ?? r.status)}\n`);
  return rep;
}
