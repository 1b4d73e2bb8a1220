/**
 * `fusionlab train <graph.json> --data <dir|zip> [--epochs --batch-size --lr --seed --optimizer
 *  --patience --out <bundle.zip>] [--compare] [--json]`: train on the WASM backend, progress on stderr,
 *  results (final metrics per output, test accuracy) on stdout. `--compare` then trains each input
 *  alone with the same settings (engine/compare.ts) and reports it beside the fused model.
 */
import { writeFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend, type NodeBackendKind } from '../../engine/backend/node-backend';
import { writeBundle } from '../../engine/bundle';
import { compileGraph } from '../../engine/compile';
import { createComparison, type ComparisonReport } from '../../engine/compare';
import { loadDataset, type LoadedDataset } from '../../engine/data/loader';
import { createNodeAdapter } from '../../engine/data/node-decoders';
import { openPathSource } from '../../engine/data/node-source';
import { hasErrors } from '../../engine/diagnostics';
import type { GraphDoc } from '../../engine/graph';
import { evaluateModel, type EvaluationReport } from '../../engine/evaluate';
import { createTrainer, OPTIMIZERS, type ModelIO, type OptimizerName, type OutputMetrics, type TrainConfig } from '../../engine/train';
import { registry } from '../../nodes';
import { numberOption, parseArgs, UsageError, type ParsedArgs } from '../args';
import { formatDiagnostic, printJson, readGraphFile } from '../io';

const USAGE = 'usage: fusionlab train <graph.json> --data <dir|zip> [--epochs N] [--batch-size N] [--lr X] [--seed N] [--optimizer adam|sgd|rmsprop] [--patience N] [--out bundle.zip] [--compare] [--json]';

/** Options every model command reads the same way. */
export function backendOption(args: ParsedArgs): NodeBackendKind {
  const b = args.flags.get('backend') ?? 'wasm';
  if (b !== 'wasm' && b !== 'cpu') throw new UsageError('--backend is wasm or cpu');
  return b;
}

/** Load a dataset for a graph, printing problems on stderr; throws when nothing loads. */
export async function loadForGraph(dataPath: string, graph: GraphDoc, quiet: boolean): Promise<LoadedDataset> {
  const opened = await openPathSource(dataPath);
  if (!opened.source) throw new Error(opened.problems.map((p) => p.message).join('\n') || `cannot open ${dataPath}`);
  let lastPct = -1;
  const ds = await loadDataset(opened.source, {
    graph,
    registry,
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
  return ds;
}

function fmt(m: Record<string, OutputMetrics>): string {
  return Object.entries(m)
    .map(([id, o]) => `${id} loss ${o.loss.toFixed(4)}${o.accuracy !== undefined ? ` acc ${(100 * o.accuracy).toFixed(1)}%` : ''}${o.mae !== undefined ? ` mae ${o.mae.toPrecision(3)}` : ''}`)
    .join(', ');
}

/** Short per-output numbers of an evaluation, for JSON and bundle metadata. */
export function evaluationNumbers(rep: EvaluationReport): Record<string, { loss: number; accuracy?: number; mae?: number; rmse?: number; macroF1?: number }> {
  const out: Record<string, { loss: number; accuracy?: number; mae?: number; rmse?: number; macroF1?: number }> = {};
  for (const [id, o] of Object.entries(rep.outputs)) out[id] = { loss: o.loss, accuracy: o.accuracy, mae: o.mae, rmse: o.rmse, macroF1: o.macroF1 };
  return out;
}

/** `fusionlab train`. */
export async function trainCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['data', 'epochs', 'batch-size', 'lr', 'seed', 'optimizer', 'patience', 'out', 'backend', 'metrics-every']);
  const file = args.positional[0];
  const dataPath = args.flags.get('data');
  if (!file || typeof dataPath !== 'string') throw new UsageError(USAGE);
  const json = args.flags.has('json');
  const optimizer = (args.flags.get('optimizer') ?? 'adam') as OptimizerName;
  if (!OPTIMIZERS.includes(optimizer)) throw new UsageError(`--optimizer is one of ${OPTIMIZERS.join(', ')}`);
  const config: Partial<TrainConfig> = {
    epochs: numberOption(args, 'epochs', 10),
    batchSize: numberOption(args, 'batch-size', 32),
    learningRate: numberOption(args, 'lr', 1e-3),
    seed: numberOption(args, 'seed', 42),
    patience: numberOption(args, 'patience', 0),
    optimizer,
    metricsEvery: numberOption(args, 'metrics-every', 1),
  };
  const backend = backendOption(args);

  const read = await readGraphFile(file);
  if (!read.graph || hasErrors(read.diagnostics)) {
    if (json) printJson({ ok: false, diagnostics: read.diagnostics });
    else for (const d of read.diagnostics) console.error(formatDiagnostic(d));
    return 1;
  }
  const graph = read.graph;
  const info = await initNodeBackend(backend);
  if (!json) process.stderr.write(`backend: ${info.backend}${info.simd ? ' (SIMD)' : ''}, ${info.threads} thread(s)\n`);
  const data = await loadForGraph(dataPath, graph, false);
  process.stderr.write(`data: ${data.summary.bySplit.train} train, ${data.summary.bySplit.val} val, ${data.summary.bySplit.test} test\n`);

  const compiled = compileGraph(graph, registry, { tf, seed: config.seed });
  if (!compiled.ok) {
    if (json) printJson({ ok: false, diagnostics: compiled.diagnostics });
    else for (const d of compiled.diagnostics) console.error(formatDiagnostic(d));
    return 1;
  }
  const trainer = createTrainer(tf, compiled, data, config);
  const started = Date.now();
  const tty = process.stderr.isTTY;
  let lastLine = 0;
  const result = await trainer.train({
    onStage: (stage, detail) => process.stderr.write(`${stage}: ${detail}\n`),
    onBatchEnd: (m) => {
      const t = Date.now();
      if (t - lastLine < (tty ? 200 : 5000) && m.batch !== m.batchesPerEpoch) return;
      lastLine = t;
      const line = `epoch ${m.epoch}/${config.epochs} batch ${m.batch}/${m.batchesPerEpoch} loss ${m.loss.toFixed(4)} · ${m.samplesPerSecond.toFixed(0)} samples/s · ${Math.round(m.secondsLeft)} s left`;
      process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
    },
    onEpochEnd: (m) => {
      if (tty) process.stderr.write('\r\x1b[K');
      process.stderr.write(`epoch ${m.epoch}: ${fmt(m.outputs)}${m.val ? ` | val ${fmt(m.val.outputs)}` : ''} (${m.seconds.toFixed(1)} s, ${m.samplesPerSecond.toFixed(0)} samples/s)\n`);
    },
  });
  if (result.error) {
    process.stderr.write(`${result.error.message}\n${result.error.suggestion}\n`);
  }
  const evalSplit = data.splits.test.count > 0 ? 'test' : data.splits.val.count > 0 ? 'val' : 'train';
  const io = { inputs: compiled.summary.inputs, outputs: compiled.summary.outputs };
  const report = evaluateModel(tf, compiled.model, io, data, data.splits[evalSplit]);
  const numbers = evaluationNumbers(report);
  const primary = report.outputs[report.primary];
  process.stderr.write(`${evalSplit} (${report.count} samples): ${Object.entries(numbers).map(([id, o]) => `${id} ${o.accuracy !== undefined ? `acc ${(100 * o.accuracy).toFixed(2)}%` : `rmse ${o.rmse?.toPrecision(3)}`}`).join(', ')}\n`);

  let bundlePath: string | undefined;
  const out = args.flags.get('out');
  if (typeof out === 'string') {
    const metrics: Record<string, number> = {};
    for (const [id, o] of Object.entries(numbers)) for (const [k, v] of Object.entries(o)) if (typeof v === 'number') metrics[`${evalSplit}.${id}.${k}`] = v;
    const zip = await writeBundle(tf, {
      model: compiled.model,
      graph,
      fitted: data.fitted,
      io,
      training: { config: trainer.config, history: result.history, epochs: result.epochsDone, backend: info.backend, metrics },
    });
    await writeFile(out, zip);
    bundlePath = out;
    process.stderr.write(`bundle written: ${out} (${(zip.length / 1024).toFixed(0)} KiB)\n`);
  }
  const last = result.history[result.history.length - 1];
  const ok = result.status !== 'failed';
  let comparison: ComparisonReport | undefined;
  if (args.flags.has('compare') && ok) comparison = await compareVariants(graph, data, trainer.config, evalSplit, { model: compiled.model, io });
  if (json) {
    printJson({
      ok,
      status: result.status,
      error: result.error,
      backend: info.backend,
      epochs: result.epochsDone,
      bestEpoch: result.bestEpoch,
      seconds: (Date.now() - started) / 1000,
      samplesPerSecond: last?.samplesPerSecond,
      final: last ? { train: last.outputs, val: last.val?.outputs } : undefined,
      evaluation: { split: evalSplit, count: report.count, primary: report.primary, outputs: numbers },
      testAccuracy: evalSplit === 'test' ? primary.accuracy : undefined,
      bundle: bundlePath,
      compare: comparison,
      history: result.history,
    });
  }
  trainer.dispose();
  compiled.model.dispose();
  return ok ? 0 : 1;
}

/** `--compare`: each input alone with the fused model's settings, evaluated on the same split. */
async function compareVariants(graph: GraphDoc, data: LoadedDataset, config: TrainConfig, split: 'train' | 'val' | 'test', fused: { model: tf.LayersModel; io: ModelIO }): Promise<ComparisonReport> {
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
