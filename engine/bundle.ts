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
 *
 * A bundle may come from anyone: {@link readBundle} bounds everything before it expands, parses or
 * builds it (zip-limits.ts, fitted-schema.ts, model-json.ts; the limits are {@link BundleLimits}).
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { strToU8, zipSync } from 'fflate';
import { z } from 'zod';
import type { FittedState } from './data/loader';
import { DEFAULT_LIMITS, type DataLimits } from './data/problems';
import { concatBytes } from './bytes';
import { parseFitted, schemaMessage, showValue } from './fitted-schema';
import { parseGraph, type GraphDoc } from './graph';
import { allowedLayerClasses, checkModelJson, DEFAULT_MODEL_JSON_LIMITS, loadCheckedModel, measureModelJson, tfjsErrorText, type ModelJsonLimits } from './model-json';
import { DEFAULT_MODEL_LIMITS, type ModelLimits } from './model-size';
import type { EpochMetrics, ModelIO, TrainConfig } from './train/types';
import { parseJsonEntry, unzipWithinLimits, type EntryRule } from './zip-limits';

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

/** The bundle's files, as `writeBundle` names them. */
export const BUNDLE_ENTRIES = ['model.json', 'weights.bin', 'graph.json', 'fitted.json', 'bundle.json'] as const;

/**
 * Every limit a bundle is read under (README, "Limits"): the dataset limits for the zip
 * (`maxArchiveEntries`, `maxArchiveExpandedBytes`, and `maxManifestBytes` for each JSON entry), the
 * model limits (`maxParams`, which also bounds weights.bin at 4 bytes a parameter, and
 * `maxActivationsPerSample`) and the bounds on model.json's structure.
 */
export type BundleLimits = DataLimits & ModelLimits & ModelJsonLimits;

export const DEFAULT_BUNDLE_LIMITS: BundleLimits = { ...DEFAULT_LIMITS, ...DEFAULT_MODEL_LIMITS, ...DEFAULT_MODEL_JSON_LIMITS };

/** The bundle file an entry is (a bundle re-zipped by hand may hold everything in one folder). */
function bundleEntryOf(name: string): (typeof BUNDLE_ENTRIES)[number] | undefined {
  return BUNDLE_ENTRIES.find((n) => name === n || name.endsWith(`/${n}`));
}

/** How a bundle's entries are held to the limits (project files hold the same entries). */
export function bundleEntryRule(name: string, lim: BundleLimits, over: EntryRule['over']): EntryRule | null {
  const entry = bundleEntryOf(name);
  if (!entry) return null;
  if (entry === 'weights.bin') return { maxBytes: 4 * lim.maxParams, limitName: '4 bytes × maxParams', over };
  return { maxBytes: lim.maxManifestBytes, limitName: 'maxManifestBytes', over };
}

const count = z.number().int().min(0).max(1_000_000);
/** A metric: a number, or null where training saved NaN (JSON has no NaN). */
const metric = z.number().nullable();
const outputMetrics = z.object({ loss: metric, accuracy: metric.optional(), mae: metric.optional() });
const bounded = <T extends z.ZodType>(value: T) =>
  z.record(z.string().max(200), value).refine((r) => Object.keys(r).length <= 1000, { message: 'must hold at most 1000 entries' });
const shapeSchema = z.array(z.number().int().min(1).max(2 ** 31 - 1)).min(1).max(8);
const nodeIdSchema = z.string().min(1).max(64);

/** `bundle.json` after its format and version (checked first, so that a newer bundle says so). */
const bundleMetaSchema = z.object({
  name: z.string().max(200),
  io: z.object({
    inputs: z.array(z.object({ nodeId: nodeIdSchema, name: z.string().min(1).max(256), shape: shapeSchema })).min(1).max(1000),
    outputs: z
      .array(z.object({ nodeId: nodeIdSchema, name: z.string().min(1).max(256), role: z.enum(['head', 'late']), shape: shapeSchema, labelColumn: z.string().max(1000).optional() }))
      .min(1)
      .max(1000),
  }),
  training: z
    .object({
      config: bounded(z.union([z.number(), z.string().max(200), z.boolean(), z.null()])).optional(),
      history: z
        .array(
          z.object({
            epoch: count,
            loss: metric,
            outputs: bounded(outputMetrics),
            val: z.object({ loss: metric, outputs: bounded(outputMetrics) }).optional(),
            samplesPerSecond: metric,
            seconds: metric,
          }),
        )
        .max(10_000)
        .optional(),
      epochs: count.optional(),
      backend: z.string().max(100).optional(),
      metrics: bounded(metric).optional(),
      createdAt: z.string().max(100).optional(),
    })
    .default({}),
});

/** Parse `bundle.json`: format and version first, then the rest against the graph. Never throws. */
export function parseBundleMeta(value: unknown, graph?: Pick<GraphDoc, 'nodes'>): { ok: true; meta: BundleMeta } | { ok: false; message: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, message: `bundle.json must be a JSON object (it is ${showValue(value)}).` };
  const v = value as Record<string, unknown>;
  if (v.format !== BUNDLE_FORMAT) {
    return { ok: false, message: v.format === undefined ? `bundle.json has no format (it must be ${BUNDLE_FORMAT}).` : `bundle.json has format ${showValue(v.format)}, not ${BUNDLE_FORMAT}.` };
  }
  const version = v.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) return { ok: false, message: `bundle.json: version must be a whole number of at least 1 (it is ${showValue(version)}).` };
  if (version > BUNDLE_VERSION) return { ok: false, message: `This bundle has version ${version}, newer than this FusionLab reads (${BUNDLE_VERSION}). Update FusionLab.` };
  if (!graph) return { ok: true, meta: v as unknown as BundleMeta };
  const r = bundleMetaSchema.safeParse(v);
  if (!r.success) return { ok: false, message: schemaMessage('bundle.json', r.error, v) };
  const meta = { format: BUNDLE_FORMAT, version, ...r.data } as BundleMeta;
  const nodes = new Map(graph.nodes.map((n) => [n.id, n]));
  const seen = new Set<string>();
  const ios = [...meta.io.inputs.map((x, i) => ({ x, path: `io.inputs.${i}`, want: 'input.' })), ...meta.io.outputs.map((x, i) => ({ x, path: `io.outputs.${i}`, want: x.role === 'late' ? 'late.' : 'head.' }))];
  for (const { x, path, want } of ios) {
    const node = nodes.get(x.nodeId);
    if (!node) return { ok: false, message: `bundle.json: ${path}.nodeId ${showValue(x.nodeId)} names no node of graph.json.` };
    if (!node.kind.startsWith(want)) return { ok: false, message: `bundle.json: ${path}.nodeId names the node "${x.nodeId}", which is ${node.kind}, not ${want.slice(0, -1)}.*.` };
    if (seen.has(x.nodeId)) return { ok: false, message: `bundle.json: ${path}.nodeId "${x.nodeId}" is listed twice.` };
    seen.add(x.nodeId);
  }
  return { ok: true, meta };
}

function sameShape(a: readonly (number | null)[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Read a bundle zip into a model that predicts at once. Never throws on a bad file, and never
 * lets it hang or exhaust memory: the zip's directory is checked against the limits before
 * anything is expanded, every JSON file is checked by schema with bounds (`fitted.json`:
 * fitted-schema.ts, `model.json`: model-json.ts), the model is measured with shape-only
 * weights before tfjs allocates one, and once built it must run one blank sample to the shapes
 * bundle.json gives. The message says what is wrong, naming the file and field.
 * `registerLayers` registers the custom layer classes (nodes/shared's `registerCustomLayers`)
 * before the model is checked: the layer classes a bundle may use are the ones registered then.
 */
export async function readBundle(
  tf: typeof tfTypes,
  bytes: Uint8Array,
  registerLayers?: (tf: typeof tfTypes) => unknown,
  limits: Partial<BundleLimits> = {},
): Promise<ReadBundleResult> {
  const lim: BundleLimits = { ...DEFAULT_BUNDLE_LIMITS, ...limits };
  const z0 = unzipWithinLimits(bytes, 'The bundle', lim, (name) => bundleEntryRule(name, lim, 'refuse'));
  if (!z0.ok) return { ok: false, message: z0.unreadable ? `This is not a FusionLab bundle (not a readable zip: ${z0.message}).` : z0.message };
  const found = new Map<string, Uint8Array>();
  for (const [name, b] of z0.files) {
    const entry = bundleEntryOf(name) as string;
    if (found.has(entry)) return { ok: false, message: `The bundle holds two ${entry} files.` };
    found.set(entry, b);
  }
  const missing = BUNDLE_ENTRIES.filter((n) => !found.has(n));
  if (missing.length) return { ok: false, message: `This is not a FusionLab bundle: ${missing.join(', ')} missing.` };
  const json = (name: string) => parseJsonEntry(name, found.get(name) as Uint8Array, lim.maxJsonDepth, lim.maxJsonValues);

  const metaJson = json('bundle.json');
  if (!metaJson.ok) return metaJson;
  const head = parseBundleMeta(metaJson.value);
  if (!head.ok) return head;
  const graphJson = json('graph.json');
  if (!graphJson.ok) return graphJson;
  const g = parseGraph(graphJson.value);
  // zod says "received undefined" of a missing field; the message says it is missing.
  if (!g.ok) return { ok: false, message: `The bundle's graph.json is not valid: ${g.diagnostics.slice(0, 5).map((d) => d.message.replace(/, received undefined/g, ', but it is missing')).join(' ')}` };
  const m = parseBundleMeta(metaJson.value, g.graph);
  if (!m.ok) return m;
  const meta = m.meta;
  const fittedJson = json('fitted.json');
  if (!fittedJson.ok) return fittedJson;
  const f = parseFitted(fittedJson.value, g.graph);
  if (!f.ok) return f;
  const fitted = f.fitted;
  for (const inp of meta.io.inputs) {
    const fi = fitted.inputs[inp.nodeId];
    if (fi && !sameShape(fi.shape, inp.shape)) {
      return { ok: false, message: `fitted.json: inputs.${inp.nodeId}.shape is [${fi.shape.join(', ')}], but bundle.json gives the model's input "${inp.nodeId}" the shape [${inp.shape.join(', ')}].` };
    }
  }
  const modelJson = json('model.json');
  if (!modelJson.ok) return modelJson;
  const w = found.get('weights.bin') as Uint8Array;
  try {
    registerLayers?.(tf);
  } catch (e) {
    return { ok: false, message: `The custom layers could not be registered: ${e instanceof Error ? e.message : String(e)}` };
  }
  const checked = checkModelJson(modelJson.value, w.byteLength, { layerClasses: allowedLayerClasses(tf), limits: lim });
  if (!checked.ok) return checked;
  const measured = await measureModelJson(tf, checked, lim);
  if (!measured.ok) return measured;
  const weightData = w.buffer.slice(w.byteOffset, w.byteOffset + w.byteLength) as ArrayBuffer;
  const loaded = await loadCheckedModel(tf, checked, weightData);
  if (!loaded.ok) return loaded;
  const model = loaded.model;
  const refuse = (message: string): ReadBundleResult => {
    model.dispose();
    return { ok: false, message };
  };
  if (model.inputs.length !== meta.io.inputs.length || model.outputs.length !== meta.io.outputs.length) {
    return refuse('The bundle\'s model does not match its bundle.json (inputs or outputs differ).');
  }
  for (const [k, list] of [['inputs', model.inputs], ['outputs', model.outputs]] as const) {
    for (let i = 0; i < list.length; i++) {
      const io = meta.io[k][i];
      const shape = list[i].shape.slice(1);
      if (!sameShape(shape, io.shape)) {
        return refuse(`The bundle's model does not match its bundle.json: io.${k}.${i} ("${io.nodeId}") has the shape [${io.shape.join(', ')}], the model's [${shape.map((d) => String(d)).join(', ')}].`);
      }
    }
  }
  // One blank sample through the model: a topology that builds can still fail to run (a custom
  // layer given inputs of the wrong rank), and that is found here rather than at the first
  // prediction. Its cost is bounded by the activation limit.
  let ran: string | null = null;
  try {
    tf.tidy(() => {
      const xs = model.inputs.map((t) => tf.zeros([1, ...(t.shape.slice(1) as number[])], t.dtype));
      const ys = [model.predict(xs)].flat() as tfTypes.Tensor[];
      ys.forEach((y, i) => {
        if (!sameShape(y.shape.slice(1), meta.io.outputs[i].shape)) ran = `output ${i + 1} has the shape [${y.shape.slice(1).join(', ')}], not [${meta.io.outputs[i].shape.join(', ')}]`;
      });
    });
  } catch (e) {
    ran = tfjsErrorText(e);
  }
  if (ran !== null) return refuse(`The bundle's model does not run: ${ran}.`);
  return { ok: true, bundle: { model, graph: g.graph, fitted, meta } };
}
