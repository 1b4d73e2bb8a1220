/**
 * `fusionlab predict <bundle.zip|project.fusionlab> --input column=value ... [--json]`: one sample →
 * class probabilities (or values) per output, from a bundle or the model a project file holds. For image, audio and video columns the value is a file
 * path; for text the text; for tabular columns a number or category.
 */
import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import { initNodeBackend } from '../../engine/backend/node-backend';
import { extensionOf } from '../../engine/data/adapter';
import { featuriseSample } from '../../engine/data/loader';
import { INPUT_DATA } from '../../engine/data/inputs';
import { createNodeAdapter } from '../../engine/data/node-decoders';
import { memorySource } from '../../engine/data/source';
import { predictArrays } from '../../engine/evaluate';
import { readModelFile } from '../../engine/project/project-file';
import { describePrediction } from '../../engine/predict';
import { registerCustomLayers } from '../../nodes/shared';
import '../../nodes';
import { parseArgs, UsageError } from '../args';
import { printJson, say, sayErr, modelLimitsFromEnv } from '../io';
import { backendOption } from './train';

const USAGE = 'usage: fusionlab predict <bundle.zip|project.fusionlab> --input column=value [--input column=value ...] [--json]';

/** `fusionlab predict`. */
export async function predictCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['input', 'backend']);
  const file = args.positional[0];
  const pairs = args.lists.get('input') ?? [];
  if (!file || pairs.length === 0) throw new UsageError(USAGE);
  const cells: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new UsageError(`--input takes column=value, got "${p}"`);
    cells[p.slice(0, eq)] = p.slice(eq + 1);
  }
  await initNodeBackend(backendOption(args));
  const read = await readModelFile(tf, new Uint8Array(await readFile(file)), (t) => registerCustomLayers(t), modelLimitsFromEnv());
  if (!read.ok) throw new Error(read.message);
  const { model, fitted, meta } = read.bundle;
  if (!args.flags.has('json')) for (const w of read.project?.warnings ?? []) sayErr(`warning: ${w}`);

  // File columns: read the files into a memory source under safe relative names.
  const files = new Map<string, Uint8Array>();
  let k = 0;
  for (const f of Object.values(fitted.inputs)) {
    if (!INPUT_DATA[f.kind].file) continue;
    for (const c of f.columns) {
      const v = cells[c];
      // An empty cell stays empty: a kept-missing input (missing = keep) is then missing, as in training.
      if (v === undefined || v.trim() === '') continue;
      let bytes: Buffer;
      try {
        bytes = await readFile(v);
      } catch (e) {
        throw new Error(`--input ${c}=${v}: cannot read the file (${e instanceof Error ? e.message : String(e)})`);
      }
      const name = `input${k++}.${extensionOf(v) || 'bin'}`;
      files.set(name, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      cells[c] = name;
    }
  }
  const sample = await featuriseSample(fitted, cells, memorySource('predict', files), createNodeAdapter());
  if (!sample.ok) throw new Error(sample.problems.map((p) => p.message).join('\n'));
  const warnings = sample.warnings.map((w) => w.message);
  if (!args.flags.has('json')) for (const w of warnings) sayErr(`warning: ${w}`);
  const report = describePrediction(fitted, meta.io, predictArrays(tf, model, meta.io, sample.inputs, 1));
  // The CLI's JSON shape: values for regression, else the answer and probabilities by class name.
  const outputs = report.outputs.map((o) =>
    o.values
      ? { nodeId: o.nodeId, role: o.role, values: o.values }
      : { nodeId: o.nodeId, role: o.role, predicted: o.task === 'multilabel' ? (o.predictedLabels ?? []) : o.predicted, probabilities: Object.fromEntries((o.classes ?? []).map((c, j) => [c, o.probabilities?.[j] ?? 0])) },
  );
  const primary = report.primary;
  if (args.flags.has('json')) printJson({ ok: true, primary, outputs, warnings });
  else {
    for (const o of outputs) {
      const tag = o.nodeId === primary ? ' (model answer)' : '';
      if ('values' in o && o.values) say(`${o.nodeId}${tag}: ${o.values.map((v) => v.toPrecision(4)).join(', ')}`);
      else if ('probabilities' in o && o.probabilities) {
        const top = Object.entries(o.probabilities).sort((a, b) => b[1] - a[1]).slice(0, 5);
        say(`${o.nodeId}${tag}: ${Array.isArray(o.predicted) ? o.predicted.join(', ') : o.predicted}   (${top.map(([c, p]) => `${c} ${(100 * p).toFixed(1)}%`).join(', ')})`);
      }
    }
  }
  model.dispose();
  return 0;
}
