/**
 * `fusionlab compare <graph.json> --data <dir|zip> [--seeds N] [--sweep] [--epochs E] [--batch-size
 *  --lr --seed --optimizer] [--json]`: is fusion really helping? Trains the fused graph, each input
 *  alone and, with `--sweep`, every compatible fusion operator and the late variants, over N seeds
 *  (engine/study.ts); prints each row's mean with its 95 % interval, parameters and seconds.
 *  `--json` prints `{ ok, split, count, metric, seeds, takeaway, rows: [{ name, kind, mean, ci95,
 *  seeds, params, seconds, status }] }`.
 */
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../engine/backend/node-backend';
import { hasErrors } from '../../engine/diagnostics';
import { createStudy, MAX_SEEDS, type StudyRow } from '../../engine/study';
import { DEFAULT_TRAIN_CONFIG, OPTIMIZERS, type OptimizerName, type TrainConfig } from '../../engine/train';
import { registry } from '../../nodes';
import { integerOption, parseArgs, positiveOption, UsageError } from '../args';
import { formatDiagnostic, printJson, readGraphFile, say, sayErr, table, terminalSafe } from '../io';
import { backendOption, loadForGraph, manifestOption } from './train';

const USAGE = `usage: fusionlab compare <graph.json> --data <dir|zip> [--seeds N (1–${MAX_SEEDS}, default 3)] [--sweep] [--epochs N] [--batch-size N] [--lr X] [--seed N] [--optimizer adam|sgd|rmsprop] [--manifest table.csv] [--keep-graph] [--json]`;

const num = (x: number | undefined, digits = 3): string => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits));

/** Run `fusionlab compare`; returns the exit code. */
export async function compareCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['data', 'seeds', 'epochs', 'batch-size', 'lr', 'seed', 'optimizer', 'backend', 'manifest']);
  const file = args.positional[0];
  const dataPath = args.flags.get('data');
  if (!file || dataPath === undefined || dataPath === true) throw new UsageError(USAGE);
  const json = args.flags.has('json');
  const seeds = integerOption(args, 'seeds', 3, 1);
  if (seeds > MAX_SEEDS) throw new UsageError(`--seeds is at most ${MAX_SEEDS}`);
  const optimizer = (args.flags.get('optimizer') ?? DEFAULT_TRAIN_CONFIG.optimizer) as OptimizerName;
  if (!OPTIMIZERS.includes(optimizer)) throw new UsageError(`--optimizer is one of ${OPTIMIZERS.join(', ')}`);
  const config: Partial<TrainConfig> = {
    epochs: integerOption(args, 'epochs', DEFAULT_TRAIN_CONFIG.epochs, 1),
    batchSize: integerOption(args, 'batch-size', DEFAULT_TRAIN_CONFIG.batchSize, 1),
    learningRate: positiveOption(args, 'lr', DEFAULT_TRAIN_CONFIG.learningRate),
    seed: integerOption(args, 'seed', DEFAULT_TRAIN_CONFIG.seed, -(2 ** 31)),
    optimizer,
  };
  const read = await readGraphFile(file);
  if (!read.graph || hasErrors(read.diagnostics)) {
    if (json) printJson({ ok: false, diagnostics: read.diagnostics });
    else for (const d of read.diagnostics) sayErr(formatDiagnostic(d));
    return 1;
  }
  const info = await initNodeBackend(backendOption(args));
  if (!json) sayErr(`backend: ${info.backend}${info.simd ? ' (SIMD)' : ''}, ${info.threads} thread(s)`);
  const { data, graph } = await loadForGraph(dataPath, read.graph, json, { manifest: manifestOption(args), fit: !args.flags.has('keep-graph') });
  const sweep = args.flags.has('sweep');
  let lastLine = 0;
  const study = createStudy(tf, graph, registry, data, {
    seeds,
    sweep,
    config,
    onProgress: (p) => {
      const now = Date.now();
      if (json || now - lastLine < 1000) return;
      lastLine = now;
      sayErr(`compare ${p.row}/${p.rows} (${terminalSafe(p.name)}) seed ${p.seed}/${p.seeds}: epoch ${p.epoch}/${p.epochs} batch ${p.batch}/${p.batches}`);
    },
  });
  const stopOnSignal = () => study.stop();
  process.once('SIGINT', stopOnSignal);
  const rep = await study.result;
  process.off('SIGINT', stopOnSignal);
  const rows = rep.rows.map((r: StudyRow) => ({
    name: r.name,
    kind: r.kind,
    status: r.status,
    mean: r.mean ?? null,
    ci95: r.ci95 ?? null,
    seeds: r.seeds,
    params: r.params ?? null,
    seconds: r.seconds ?? null,
    ...(r.reason ? { reason: r.reason } : {}),
  }));
  const ok = rep.rows.some((r) => r.kind === 'fused' && r.status === 'ok');
  if (json) {
    printJson({ ok, split: rep.split, count: rep.count, metric: rep.metric, seeds: rep.seeds, stopped: rep.stopped, takeaway: rep.takeaway, rows });
  } else {
    say(`${rep.metric} on ${rep.split} (${rep.count} samples), ${rep.seeds} seed(s) per row:`);
    say(
      table(
        [['row', 'kind', 'mean', '95 % interval', 'seeds', 'params', 's/seed'], ...rep.rows.map((r) => [terminalSafe(r.name), r.kind, num(r.mean), r.ci95 ? `[${num(r.ci95[0])}, ${num(r.ci95[1])}]` : r.status, String(r.seeds), r.params === undefined ? '—' : String(r.params), num(r.seconds, 1)])],
        ['l', 'l', 'r', 'r', 'r', 'r', 'r'],
      ),
    );
    for (const r of rep.rows) if (r.reason) say(`${terminalSafe(r.name)}: ${terminalSafe(r.reason)}`);
    say(rep.takeaway);
  }
  return ok ? 0 : 1;
}
