/**
 * `fusionlab evaluate <bundle.zip|project.fusionlab> [--data <dir|zip>] [--split test] [--ablate] [--robustness [--noise X]] [--json]`:
 * accuracy and loss per output, per-class precision/recall/F1, confusion matrix, worst samples,
 * and with --ablate the accuracy lost when each input is masked. A project file that includes its
 * dataset is evaluated on it when `--data` is not given.
 */
import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../engine/backend/node-backend';
import type { LoadedDataset } from '../../engine/data/loader';
import type { Split } from '../../engine/data/split';
import { ablateInputs, evaluateModel, missingFill } from '../../engine/evaluate';
import { robustnessReport } from '../../engine/evaluate/robustness';
import { isProjectFile, readModelFile, type ProjectDataset } from '../../engine/project/project-file';
import { registerCustomLayers } from '../../nodes/shared';
import '../../nodes';
import { parseArgs, positiveOption, UsageError } from '../args';
import { printJson, table, say, sayErr, modelLimitsFromEnv } from '../io';
import { backendOption, describeProjectDataset, evaluationNumbers, loadForGraph, loadForSource, manifestOption, openProjectDataset } from './train';

const USAGE = 'usage: fusionlab evaluate <bundle.zip|project.fusionlab> --data <dir|zip> [--split test|val|train] [--manifest table.csv] [--ablate] [--robustness [--noise X]] [--json]\n  (a project file that includes its dataset needs no --data: it is evaluated on that dataset)';

/** `fusionlab evaluate`. */
export async function evaluateCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['data', 'split', 'backend', 'manifest', 'noise']);
  const file = args.positional[0];
  const dataFlag = args.flags.get('data');
  if (!file || dataFlag === true) throw new UsageError(USAGE);
  const dataPath = dataFlag;
  const split = (args.flags.get('split') ?? 'test') as Split;
  if (!['train', 'val', 'test'].includes(split)) throw new UsageError('--split is train, val or test');
  const json = args.flags.has('json');
  const bytes = new Uint8Array(await readFile(file));
  // Only a project file can bring its own dataset; say so before loading a model.
  if (dataPath === undefined && !isProjectFile(bytes)) throw new UsageError(USAGE);
  await initNodeBackend(backendOption(args));
  const read = await readModelFile(tf, bytes, (t) => registerCustomLayers(t), modelLimitsFromEnv());
  if (!read.ok) throw new Error(read.message);
  const { model, graph, fitted, meta } = read.bundle;
  if (!json) for (const w of read.project?.warnings ?? []) sayErr(`warning: ${w}`);
  const included = read.project?.dataset;
  if (dataPath === undefined && !included) {
    model.dispose();
    throw new UsageError(`${file} includes no dataset: pass --data <dir|zip>.\n${USAGE}`);
  }
  let dataName: string;
  let data: LoadedDataset;
  if (dataPath !== undefined) {
    dataName = dataPath;
    // Encoded with the model's own fitted state (vocabulary, scaling, classes), as the saved model runs.
    ({ data } = await loadForGraph(dataPath, graph, json, { manifest: manifestOption(args), fitted }));
  } else {
    const dataset = included as ProjectDataset;
    dataName = `the dataset included in ${file}`;
    if (!json) sayErr(`data: ${dataName}: ${describeProjectDataset(dataset)}`);
    ({ data } = await loadForSource(openProjectDataset(dataset, file), graph, json, { manifest: manifestOption(args) ?? read.project?.project.dataset?.manifest, fitted }));
  }
  // Rows whose label the model never learnt were skipped by the loader (unknown-label); say how many.
  const unknown = data.problems.filter((p) => p.code === 'unknown-label').length;
  if (unknown > 0 && !json) sayErr(`${unknown} row(s) skipped: their label is not one of the classes the model learnt`);
  const ds = data.splits[split];
  if (ds.count === 0) throw new Error(`The ${split} split of ${dataName} is empty.`);
  const evalData = { heads: data.heads, fitted };
  const report = evaluateModel(tf, model, meta.io, evalData, ds);
  const noise = positiveOption(args, 'noise', 0.5);
  // A missing input is filled as the model learnt it (the bundle's fitted state).
  const fill = missingFill(data.inputs, data.splits.train, data.fitted);
  const robust = args.flags.has('robustness') ? robustnessReport(tf, model, meta.io, { ...evalData, inputs: data.inputs }, ds, data.splits.train, { noise, fill }) : undefined;
  // --robustness holds the ablation already (each input missing).
  const ablation = args.flags.has('ablate') ? (robust?.ablation ?? ablateInputs(tf, model, meta.io, evalData, ds, fill)) : undefined;
  if (json) {
    printJson({
      ok: true,
      split,
      count: ds.count,
      // Rows skipped because their label is not one the model learnt.
      unknownLabels: unknown,
      primary: report.primary,
      summary: evaluationNumbers(report),
      outputs: report.outputs,
      ablation,
      ...(robust ? { robustness: robust.robustness, robustnessBaseline: { metric: robust.metric, clean: robust.clean, noise: robust.noise } } : {}),
    });
  } else {
    say(`${meta.name}: ${split} split, ${ds.count} samples\n`);
    for (const o of Object.values(report.outputs)) {
      if (o.accuracy !== undefined) say(`${o.nodeId} (${o.role}): accuracy ${(100 * o.accuracy).toFixed(2)}%, loss ${o.loss.toFixed(4)}${o.macroF1 !== undefined ? `, macro F1 ${o.macroF1.toFixed(3)}` : ''}`);
      else say(`${o.nodeId} (${o.role}): MAE ${o.mae?.toPrecision(4)}, RMSE ${o.rmse?.toPrecision(4)}`);
      if (o.perClass && o.nodeId === report.primary) {
        const rows = [['class', 'precision', 'recall', 'F1', 'support'], ...o.perClass.map((c) => [c.name, c.precision.toFixed(3), c.recall.toFixed(3), c.f1.toFixed(3), String(c.support)])];
        say(table(rows, ['l', 'r', 'r', 'r', 'r']));
      }
      if (o.confusion && o.classes && o.nodeId === report.primary) {
        say('\nconfusion (rows: true, columns: predicted)');
        say(table([['', ...o.classes], ...o.confusion.map((r, i) => [o.classes?.[i] ?? '', ...r.map(String)])], ['l', ...o.classes.map(() => 'r' as const)]));
      }
      if (o.worst?.length && o.nodeId === report.primary) {
        say('\nworst classified:');
        for (const w of o.worst.slice(0, 5)) say(`  ${w.id ?? w.index}: true ${w.label} (p=${w.trueProbability.toFixed(3)}), predicted ${w.predicted}`);
      }
      say('');
    }
    if (ablation) {
      say(`modality ablation (${report.primary}; masked input = ${ablation.fill === 'train-mean' ? 'the train mean sample' : 'zeros'}):`);
      const base = ablation.baseline.accuracy !== undefined ? `${(100 * ablation.baseline.accuracy).toFixed(2)}%` : `rmse ${ablation.baseline.rmse?.toPrecision(4)}`;
      say(table([['masked input', 'score', 'drop'], ['(none)', base, ''], ...ablation.rows.map((r) => [r.nodeId, r.accuracy !== undefined ? `${(100 * r.accuracy).toFixed(2)}%` : `rmse ${r.rmse?.toPrecision(4)}`, r.accuracy !== undefined ? `${(100 * r.drop).toFixed(2)} pts` : r.drop.toPrecision(4)])], ['l', 'r', 'r']));
    }
    if (robust) {
      const f = (v: number) => (robust.metric === 'accuracy' ? `${(100 * v).toFixed(2)}%` : `rmse ${v.toPrecision(4)}`);
      say(`\nrobustness (${robust.primary}; clean ${f(robust.clean)}; missing = the train mean sample, noisy = + N(0, (${robust.noise}·σ)²) per feature):`);
      say(table([['input', 'missing', 'noisy'], ...robust.robustness.map((r) => [r.input, f(r.missing), f(r.noisy)])], ['l', 'r', 'r']));
    }
  }
  model.dispose();
  return 0;
}
