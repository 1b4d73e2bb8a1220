/**
 * The model bundle: one zip holding everything needed to predict again.
 *
 * ```
 * model.json     tfjs layers model (topology + weights manifest), as `tf.loadLayersModel` reads it
 * weights.bin    the weights
 * graph.json     the graph document the model was compiled from
 * fitted.json    the fitted preprocessing state (vocabularies, statistics, class names)
 * bundle.json    format, version, inputs and outputs by node id, training metadata
 * ```
 *
 * Custom layers must be registered before reading (the app and the CLI import nodes/ and call
 * `registerCustomLayers(tf)`; `readBundle` takes that as a hook so that engine/ stays free of nodes/).
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import type { FittedState } from './data/loader';
import { concatBytes } from './bytes';
import { parseGraph, type GraphDoc } from './graph';
import type { EpochMetrics, ModelIO, TrainConfig } from './train/types';

export const BUNDLE_FORMAT = 'fusionlab/bundle';
export const BUNDLE_VERSION = 1;

/** Training metadata kept in the bundle. */
export interface BundleTraining {
  config?: Partial<TrainConfig>;
  history?: EpochMetrics[];
  epochs?: number;
  backend?: string;
  /** Final metrics (e.g. test accuracy per head), free-form numbers. */
  metrics?: Record<string, number>;
  createdAt?: string;
}

/** `bundle.json`. */
export interface BundleMeta {
  format: typeof BUNDLE_FORMAT;
  version: number;
  name: string;
  io: ModelIO;
  training: BundleTraining;
}

/** A bundle read back: a model that predicts at once, and what it needs around it. */
export interface LoadedBundle {
  model: tfTypes.LayersModel;
  graph: GraphDoc;
  fitted: FittedState;
  meta: BundleMeta;
}

export interface BundleContents {
  model: tfTypes.LayersModel;
  graph: GraphDoc;
  fitted: FittedState;
  io: ModelIO;
  training?: BundleTraining;
}


/**
 * A model as the two files `tf.loadLayersModel` reads: `model.json` (topology + a manifest that
 * points at `weights.bin`) and the weights in one buffer.
 */
export async function serialiseModel(tf: typeof tfTypes, model: tfTypes.LayersModel): Promise<{ modelJson: Uint8Array; weights: Uint8Array }> {
  let artifacts: tfTypes.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const a = artifacts as tfTypes.io.ModelArtifacts | null;
  if (!a) throw new Error('the model could not be serialised');
  const data = a.weightData;
  const weights = !data ? new Uint8Array(0) : Array.isArray(data) ? concatBytes(data.map((b) => new Uint8Array(b))) : new Uint8Array(data as ArrayBuffer);
  const modelJson = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: 'FusionLab',
    modelTopology: a.modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs ?? [] }],
  };
  return { modelJson: strToU8(JSON.stringify(modelJson)), weights };
}

/** Write a bundle zip. */
export async function writeBundle(tf: typeof tfTypes, contents: BundleContents): Promise<Uint8Array> {
  const { modelJson, weights } = await serialiseModel(tf, contents.model);
  const meta: BundleMeta = {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    name: contents.graph.name,
    io: contents.io,
    training: { createdAt: new Date().toISOString(), ...contents.training },
  };
  return zipSync({
    'model.json': modelJson,
    // Float weights hardly compress, and storing them keeps per-epoch checkpoints cheap.
    'weights.bin': [weights, { level: 0 }],
    'graph.json': strToU8(JSON.stringify(contents.graph, null, 2)),
    'fitted.json': strToU8(JSON.stringify(contents.fitted)),
    'bundle.json': strToU8(JSON.stringify(meta, null, 2)),
  });
}

export type ReadBundleResult = { ok: true; bundle: LoadedBundle } | { ok: false; message: string };

/**
 * Read a bundle zip into a model that predicts at once. Never throws on a bad file: the message
 * says what is wrong. `registerLayers` registers the custom layer classes (nodes/shared's
 * `registerCustomLayers`) before the model is built.
 */
export async function readBundle(tf: typeof tfTypes, bytes: Uint8Array, registerLayers?: (tf: typeof tfTypes) => void): Promise<ReadBundleResult> {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (e) {
    return { ok: false, message: `This is not a FusionLab bundle (not a readable zip: ${e instanceof Error ? e.message : String(e)}).` };
  }
  // Bundles re-zipped by hand may hold everything in one folder.
  const find = (name: string): Uint8Array | undefined => files[name] ?? Object.entries(files).find(([k]) => k.endsWith(`/${name}`))?.[1];
  const need = ['model.json', 'weights.bin', 'graph.json', 'fitted.json', 'bundle.json'];
  const missing = need.filter((n) => !find(n));
  if (missing.length) return { ok: false, message: `This is not a FusionLab bundle: ${missing.join(', ')} missing.` };
  try {
    const meta = JSON.parse(strFromU8(find('bundle.json') as Uint8Array)) as BundleMeta;
    if (meta.format !== BUNDLE_FORMAT) return { ok: false, message: `bundle.json has format "${String(meta.format)}", not ${BUNDLE_FORMAT}.` };
    if (typeof meta.version !== 'number' || meta.version > BUNDLE_VERSION) {
      return { ok: false, message: `This bundle has version ${String(meta.version)}, newer than this FusionLab reads (${BUNDLE_VERSION}). Update FusionLab.` };
    }
    const g = parseGraph(JSON.parse(strFromU8(find('graph.json') as Uint8Array)));
    if (!g.ok) return { ok: false, message: `The bundle's graph.json is not valid: ${g.diagnostics.map((d) => d.message).join(' ')}` };
    const fitted = JSON.parse(strFromU8(find('fitted.json') as Uint8Array)) as FittedState;
    if (fitted.format !== 'fusionlab/fitted') return { ok: false, message: 'The bundle\'s fitted.json is not FusionLab preprocessing state.' };
    const modelJson = JSON.parse(strFromU8(find('model.json') as Uint8Array)) as { modelTopology: object; weightsManifest: { weights: tfTypes.io.WeightsManifestEntry[] }[] };
    const w = find('weights.bin') as Uint8Array;
    const weightData = w.buffer.slice(w.byteOffset, w.byteOffset + w.byteLength) as ArrayBuffer;
    registerLayers?.(tf);
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: modelJson.weightsManifest.flatMap((m) => m.weights), weightData }),
    );
    if (model.inputs.length !== meta.io.inputs.length || model.outputs.length !== meta.io.outputs.length) {
      model.dispose();
      return { ok: false, message: 'The bundle\'s model does not match its bundle.json (inputs or outputs differ).' };
    }
    return { ok: true, bundle: { model, graph: g.graph, fitted, meta } };
  } catch (e) {
    return { ok: false, message: `The bundle could not be read: ${e instanceof Error ? e.message : String(e)}` };
  }
}
