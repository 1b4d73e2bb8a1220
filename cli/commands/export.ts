/**
 * `fusionlab export <graph.json|bundle.zip|project.fusionlab> --target tfjs|keras|pytorch|onnx [--out file] [--json]`:
 * readable code for a graph (untrained), or code plus trained weights, preprocessing state and a
 * README for a model bundle or the model a project file holds. `--out x.zip` writes a zip, `--out dir` writes the files into a
 * folder, no `--out` prints the main file.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { GraphDoc } from '../../engine/graph';
import { compileGraph } from '../../engine/compile';
import { exportFiles, exportZip } from '../../engine/export';
import { ONNX_OPSET, onnxFiles } from '../../engine/export/onnx';
import { DEFAULT_TRAIN_CONFIG } from '../../engine/train/types';
import { readModelFile } from '../../engine/project/project-file';
import type { ExportTarget } from '../../engine/spec';
import { registry } from '../../nodes';
import { registerCustomLayers } from '../../nodes/shared';
import { parseArgs, UsageError } from '../args';
import { formatDiagnostic, printJson, readGraphFile, writeFileAtomic, say, sayErr, modelLimitsFromEnv } from '../io';

const TARGETS: readonly (ExportTarget | 'onnx')[] = ['tfjs', 'keras', 'pytorch', 'onnx'];
const USAGE = 'usage: fusionlab export <graph.json|bundle.zip|project.fusionlab> --target tfjs|keras|pytorch|onnx [--out file.zip|dir|model.onnx] [--json]';

/** Run `fusionlab export`. */
export async function exportCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['target', 'out']);
  const file = args.positional[0];
  const target = args.flags.get('target');
  if (!file || typeof target !== 'string') throw new UsageError(USAGE);
  if (!TARGETS.includes(target as ExportTarget)) throw new UsageError(`--target must be one of ${TARGETS.join(', ')}, not "${target}"\n${USAGE}`);
  const json = args.flags.has('json');
  const out = args.flags.get('out');
  if (out === true) throw new UsageError(`--out needs a file or folder name\n${USAGE}`);
  if (target === 'onnx') {
    if (typeof out !== 'string' || !out.toLowerCase().endsWith('.onnx')) throw new UsageError(`--target onnx writes one binary file: give --out model.onnx\n${USAGE}`);
    return onnxCommand(file, out, json);
  }
  const t = target as ExportTarget;
  if (typeof out === 'string') await checkOut(out);
  await tf.setBackend('cpu');

  let graph: GraphDoc;
  let model: tf.LayersModel | undefined;
  let fitted: unknown;
  const lower = file.toLowerCase();
  if (lower.endsWith('.zip') || lower.endsWith('.fusionlab')) {
    const read = await readModelFile(tf, new Uint8Array(await readFile(file)), (x) => registerCustomLayers(x), modelLimitsFromEnv());
    if (!read.ok) throw new Error(read.message);
    ({ graph, model, fitted } = read.bundle);
    if (!json) for (const w of read.project?.warnings ?? []) sayErr(`warning: ${w}`);
  } else {
    const read = await readGraphFile(file);
    if (!read.graph) {
      if (json) printJson({ ok: false, diagnostics: read.diagnostics });
      else for (const d of read.diagnostics) sayErr(formatDiagnostic(d));
      return 1;
    }
    graph = read.graph;
  }

  try {
    if (typeof out === 'string' && out.toLowerCase().endsWith('.zip')) {
      const res = await exportZip(tf, graph, registry, t, { model, fitted });
      if (!res.ok || !res.zip) return fail(res.diagnostics, json);
      await writeFileAtomic(out, res.zip);
      if (json) printJson({ ok: true, target: t, out, files: res.files, trained: model !== undefined, diagnostics: res.diagnostics });
      else say(`wrote ${out} (${res.files.length} files${model ? ', with trained weights' : ''})`);
      return 0;
    }
    const res = await exportFiles(tf, graph, registry, t, { model, fitted });
    if (!res.ok) return fail(res.diagnostics, json);
    if (typeof out === 'string') {
      await mkdir(out, { recursive: true });
      for (const [p, bytes] of Object.entries(res.files)) {
        await mkdir(path.dirname(path.join(out, p)), { recursive: true });
        await writeFileAtomic(path.join(out, p), bytes);
      }
      if (json) printJson({ ok: true, target: t, out, files: Object.keys(res.files), main: res.program.main, trained: model !== undefined, diagnostics: res.diagnostics });
      else say(`wrote ${Object.keys(res.files).length} files to ${out} (main: ${res.program.main})`);
      return 0;
    }
    if (json) printJson({ ok: true, target: t, main: res.program.main, files: res.program.files, nodeRanges: Object.fromEntries(res.program.nodeRanges), diagnostics: res.diagnostics });
    else process.stdout.write(res.program.files[res.program.main]);
    return 0;
  } finally {
    model?.dispose();
  }
}

/**
 * `--target onnx`: the graph (freshly initialised, seed 42, as `train` would start) or the trained
 * model of a bundle or project as `model.onnx`, with `model.preprocess.json` beside it (the
 * inputs and outputs by name, shape and type, and the fitted preprocessing state when trained).
 */
async function onnxCommand(file: string, out: string, json: boolean): Promise<number> {
  await tf.setBackend('cpu');
  let graph: GraphDoc;
  let model: tf.LayersModel;
  let fitted: unknown = null;
  const lower = file.toLowerCase();
  if (lower.endsWith('.zip') || lower.endsWith('.fusionlab')) {
    const read = await readModelFile(tf, new Uint8Array(await readFile(file)), (x) => registerCustomLayers(x), modelLimitsFromEnv());
    if (!read.ok) throw new Error(read.message);
    ({ graph, model, fitted } = read.bundle);
  } else {
    const read = await readGraphFile(file);
    if (!read.graph) return fail(read.diagnostics, json);
    graph = read.graph;
    const compiled = compileGraph(graph, registry, { tf, seed: DEFAULT_TRAIN_CONFIG.seed });
    if (!compiled.ok) return fail(compiled.diagnostics, json);
    model = compiled.model;
  }
  try {
    const files = onnxFiles(graph, registry, model, fitted);
    if (!files.ok) return fail(files.diagnostics, json);
    const r = files.export;
    const bytes = files.files['model.onnx'];
    const side = `${out.slice(0, -'.onnx'.length)}.preprocess.json`;
    await writeFileAtomic(out, bytes);
    await writeFileAtomic(side, files.files['model.preprocess.json']);
    if (json) printJson({ ok: true, target: 'onnx', out, preprocess: side, opset: ONNX_OPSET, bytes: bytes.length, trained: fitted !== null, inputs: r.inputs, outputs: r.outputs, diagnostics: r.diagnostics });
    else say(`wrote ${out} (ONNX opset ${ONNX_OPSET}, ${bytes.length} bytes${fitted ? ', trained weights' : ', untrained'}) and ${side}`);
    return 0;
  } finally {
    model.dispose();
  }
}

/**
 * `--out` is a `.zip` file or a folder. A name like `model.py` is a file the user meant, and a
 * folder of that name would surprise them; an existing file is never turned into a folder.
 */
async function checkOut(out: string): Promise<void> {
  if (out.toLowerCase().endsWith('.zip')) return;
  const ext = path.extname(out);
  if (ext && /^\.[A-Za-z][A-Za-z0-9]{0,4}$/.test(ext)) {
    throw new UsageError(`--out ${out} looks like a single file, but an export is several files (the model, its layers, weights, data and training scripts). Give a folder name (e.g. --out ${out.slice(0, -ext.length) || 'export'}) or a .zip file.\n${USAGE}`);
  }
  const info = await stat(out).catch(() => undefined);
  if (info && !info.isDirectory()) throw new UsageError(`--out ${out} is an existing file, not a folder; nothing was written.\n${USAGE}`);
}

function fail(diagnostics: { severity: string; message: string }[], json: boolean): number {
  if (json) printJson({ ok: false, diagnostics });
  else for (const d of diagnostics) sayErr(formatDiagnostic(d as Parameters<typeof formatDiagnostic>[0]));
  return 1;
}
