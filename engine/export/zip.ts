/**
 * The download bundle of an export: the code, and for a trained model its weights in the
 * target's format (PyTorch/Keras `.npz`, tfjs `model.json` + `weights.bin`), the fitted
 * preprocessing state (`preprocess.json`) and a README on running it.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { strToU8, zipSync } from 'fflate';
import type { Diagnostic } from '../diagnostics';
import type { GraphDoc } from '../graph';
import type { ExportTarget, NodeRegistry } from '../spec';
import { exportProgram, type ExportResult } from './program';
import { weightsNpz } from './weights';
import { serialiseModel } from '../bundle';

export interface ExportZipOptions {
  /** The trained model (compiled from `graph`, or read from a bundle); without it the zip holds code only. */
  model?: tfTypes.LayersModel;
  /** Fitted preprocessing state of the trained model. */
  fitted?: unknown;
  /** Folder inside the zip (default `fusionlab-<target>`). */
  folder?: string;
}

export interface ExportZipResult {
  ok: boolean;
  zip?: Uint8Array;
  /** Paths inside the zip. */
  files: string[];
  diagnostics: Diagnostic[];
  program?: ExportResult;
}

/** The files of an export with its trained weights, as path → bytes (what the zip holds). */
export async function exportFiles(tf: typeof tfTypes, graph: GraphDoc, registry: NodeRegistry, target: ExportTarget, opts: ExportZipOptions = {}): Promise<{ ok: boolean; files: Record<string, Uint8Array>; diagnostics: Diagnostic[]; program: ExportResult }> {
  const weightsFile = opts.model ? (target === 'tfjs' ? 'model.json' : 'weights.npz') : undefined;
  const program = exportProgram(graph, registry, target, { fitted: opts.fitted, weightsFile });
  if (!program.ok) return { ok: false, files: {}, diagnostics: program.diagnostics, program };
  const files: Record<string, Uint8Array> = {};
  for (const [p, text] of Object.entries(program.files)) files[p] = strToU8(text);
  if (opts.fitted !== undefined) files['preprocess.json'] = strToU8(JSON.stringify(opts.fitted, null, 2));
  if (opts.model) {
    if (target === 'tfjs') {
      const { modelJson, weights } = await serialiseModel(tf, opts.model);
      files['model.json'] = modelJson;
      files['weights.bin'] = weights;
    } else {
      files['weights.npz'] = weightsNpz(tf, opts.model, target, program.weights);
    }
  }
  return { ok: true, files, diagnostics: program.diagnostics, program };
}

/** A zip of {@link exportFiles} under one folder. */
export async function exportZip(tf: typeof tfTypes, graph: GraphDoc, registry: NodeRegistry, target: ExportTarget, opts: ExportZipOptions = {}): Promise<ExportZipResult> {
  const r = await exportFiles(tf, graph, registry, target, opts);
  if (!r.ok) return { ok: false, files: [], diagnostics: r.diagnostics, program: r.program };
  const folder = (opts.folder ?? `fusionlab-${target}`).replace(/[^A-Za-z0-9_.-]+/g, '_');
  const entries: Record<string, Uint8Array> = {};
  for (const [p, b] of Object.entries(r.files)) entries[`${folder}/${p}`] = b;
  return { ok: true, zip: zipSync(entries), files: Object.keys(entries), diagnostics: r.diagnostics, program: r.program };
}
