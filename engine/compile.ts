/**
 * The compiler: graph → `tf.LayersModel` through the functional API. Inputs are the input nodes
 * that reach a head; outputs are every head and every model-level fusion node (so a late-fusion
 * model outputs each branch head and the fused prediction). Problems come back as diagnostics.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { error, hasErrors, type Diagnostic } from './diagnostics';
import type { GraphDoc } from './graph';
import type { BuildContext, NodeRegistry, TensorType } from './spec';
import { DEFAULT_MODEL_LIMITS, elementCount, measureModel, outputShapeOf, withoutWeights, type ModelLimits, type ModelSize } from './model-size';
import { analyzeGraph, isOutputNode, labelColumnOf, type GraphAnalysis } from './validate';

export interface CompileOptions {
  /** The tfjs module, with its backend already chosen by the caller. */
  tf: typeof tfTypes;
  /** Base seed for the initializers (default 42). */
  seed?: number;
  /** User-supplied models for `encoder.pretrained`, by asset name. */
  assets?: ReadonlyMap<string, tfTypes.LayersModel>;
  /** Re-use an analysis of the same graph. */
  analysis?: GraphAnalysis;
  /** The model budget (README, "Limits"); defaults to {@link DEFAULT_MODEL_LIMITS}. */
  limits?: Partial<ModelLimits>;
}

/** One tfjs layer in the summary. */
export interface LayerSummary {
  name: string;
  className: string;
  /** Output shape with `null` for the batch dimension. */
  outputShape: (number | null)[] | (number | null)[][];
  params: number;
  trainable: boolean;
}

/** One graph node in the summary: its layers and their parameter counts. */
export interface NodeSummary {
  nodeId: string;
  kind: string;
  label: string;
  params: number;
  trainableParams: number;
  layers: LayerSummary[];
  outputs: Record<string, TensorType>;
}

/** A model input: which node and which columns. */
export interface ModelInput {
  nodeId: string;
  name: string;
  shape: number[];
}

/** A model output: a head or a model-level fusion node. */
export interface ModelOutput {
  nodeId: string;
  name: string;
  role: 'head' | 'late';
  shape: number[];
  /** The label column it predicts. */
  labelColumn?: string;
}

export interface ModelSummary {
  totalParams: number;
  trainableParams: number;
  nodes: Record<string, NodeSummary>;
  inputs: ModelInput[];
  outputs: ModelOutput[];
  layerCount: number;
}

export type CompileResult =
  | { ok: true; model: tfTypes.LayersModel; summary: ModelSummary; analysis: GraphAnalysis; diagnostics: Diagnostic[] }
  | { ok: false; diagnostics: Diagnostic[]; analysis?: GraphAnalysis };

/**
 * Compile a graph into a tfjs functional model. Never throws on a user's graph: a graph with
 * errors, or a node whose build fails, comes back as diagnostics.
 */
export function compileGraph(graph: GraphDoc, registry: NodeRegistry, options: CompileOptions): CompileResult {
  try {
    return compileUnsafe(graph, registry, options);
  } catch (e) {
    return { ok: false, diagnostics: [error('build-failed', `The model could not be built: ${e instanceof Error ? e.message : String(e)}`)] };
  }
}

/** What building a graph's layers on symbolic inputs gives. */
interface SymbolicBuild {
  inputs: { nodeId: string; tensor: tfTypes.SymbolicTensor; shape: number[] }[];
  outputs: { nodeId: string; tensor: tfTypes.SymbolicTensor; role: 'head' | 'late'; shape: number[] }[];
  layerOwner: Map<string, string>;
  model: tfTypes.LayersModel;
}

/** Build every active node's layers and assemble the model; a failure is a diagnostic. */
function buildModel(graph: GraphDoc, analysis: GraphAnalysis, active: string[], options: CompileOptions): SymbolicBuild | Diagnostic {
  const { tf } = options;
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  let seed = options.seed ?? 42;
  const symbolic = new Map<string, Record<string, tfTypes.SymbolicTensor>>();
  const layerOwner = new Map<string, string>();
  const inputs: SymbolicBuild['inputs'] = [];
  const outputs: SymbolicBuild['outputs'] = [];
  const assets = options.assets ?? new Map<string, tfTypes.LayersModel>();

  for (const id of active) {
    const entry = analysis.nodes.get(id);
    const node = byId.get(id);
    if (!entry?.spec || !entry.params || !entry.ports || !node) continue;
    const buildInputs: Record<string, tfTypes.SymbolicTensor[]> = {};
    for (const port of entry.ports.inputs) {
      buildInputs[port.id] = (entry.incoming[port.id] ?? []).map((e) => {
        const t = symbolic.get(e.source)?.[e.sourcePort];
        if (!t) throw new Error(`internal: ${e.source}.${e.sourcePort} was not built before ${id}`);
        return t;
      });
    }
    const ownNames: string[] = [];
    const ctx: BuildContext = {
      tf,
      nodeId: id,
      name: (suffix: string) => {
        const name = suffix ? `${id}__${suffix}` : id;
        ownNames.push(name);
        return name;
      },
      seed: () => seed++,
      inputTypes: entry.inputs,
      outputTypes: entry.outputs,
      assets,
    };
    let out: Record<string, tfTypes.SymbolicTensor>;
    try {
      out = entry.spec.build(ctx, buildInputs, entry.params);
    } catch (e) {
      return error('build-failed', `${entry.spec.label} "${node.label || id}" could not be built: ${e instanceof Error ? e.message : String(e)}`, { nodeId: id });
    }
    for (const n of ownNames) layerOwner.set(n, id);
    symbolic.set(id, out);
    if (entry.spec.category === 'input') {
      const t = out.out ?? Object.values(out)[0];
      inputs.push({ nodeId: id, tensor: t, shape: entry.outputs.out?.shape ?? [] });
    }
    if (isOutputNode(entry.spec)) {
      const t = out.out ?? Object.values(out)[0];
      outputs.push({ nodeId: id, tensor: t, role: entry.spec.category === 'late' ? 'late' : 'head', shape: entry.outputs.out?.shape ?? [] });
    }
  }

  try {
    const model = tf.model({ inputs: inputs.map((i) => i.tensor), outputs: outputs.map((o) => o.tensor), name: safeModelName(graph.name) });
    // Frozen nodes: their layers keep their weights in training.
    for (const layer of model.layers) {
      const owner = layerOwner.get(layer.name);
      if (owner && byId.get(owner)?.frozen) layer.trainable = false;
    }
    return { inputs, outputs, layerOwner, model };
  } catch (e) {
    const deep = e instanceof RangeError;
    const message = deep ? 'The model is too deep for tfjs to assemble (its chain of layers overflows the call stack). Use fewer nodes in a row.' : `The model could not be assembled: ${e instanceof Error ? e.message : String(e)}`;
    return error(deep ? 'graph-too-deep' : 'build-failed', message);
  }
}

/** The nodes a model is built from, or the reason there is none. */
function activeNodes(analysis: GraphAnalysis): { active: string[] } | { diagnostics: Diagnostic[] } {
  if (hasErrors(analysis.diagnostics)) return { diagnostics: analysis.diagnostics };
  const active = analysis.order.filter((id) => analysis.nodes.get(id)?.reachesOutput);
  if (active.length === 0) return { diagnostics: [...analysis.diagnostics, error('no-output', 'Nothing is connected to a head yet, so there is no model to build.')] };
  return { active };
}

/** A model's size measured and judged against the budget. */
export interface SizeCheck {
  size: ModelSize;
  limits: ModelLimits;
  /** `model-too-large` errors (empty when the model fits). */
  diagnostics: Diagnostic[];
}

/**
 * Judge a summary against the model budget: too many parameters names the node that holds the
 * most; too many activations names the node whose layers output the most values per sample.
 */
export function checkModelSize(summary: ModelSummary, size: ModelSize, limits: ModelLimits): Diagnostic[] {
  const out: Diagnostic[] = [];
  const nodes = Object.values(summary.nodes);
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  if (size.params > limits.maxParams) {
    const biggest = nodes.reduce<NodeSummary | undefined>((a, b) => (!a || b.params > a.params ? b : a), undefined);
    const where = biggest ? ` "${biggest.label || biggest.nodeId}" alone holds ${n(biggest.params)}; shrink it (fewer units, a smaller input, pooling before it).` : '';
    out.push(error('model-too-large', `The model would have ${n(size.params)} parameters (${formatMB(size.params * 4)} of weights), over the budget of ${n(limits.maxParams)}.${where}`, biggest ? { nodeId: biggest.nodeId } : {}));
  }
  if (size.activationsPerSample > limits.maxActivationsPerSample) {
    const act = (s: NodeSummary) => s.layers.reduce((a, l) => a + layerActivations(l.outputShape), 0);
    const biggest = nodes.reduce<NodeSummary | undefined>((a, b) => (!a || act(b) > act(a) ? b : a), undefined);
    const where = biggest ? ` "${biggest.label || biggest.nodeId}" produces ${n(act(biggest))}; shrink its input or its layers.` : '';
    out.push(error('model-too-large', `The model's layers would produce ${n(size.activationsPerSample)} values per sample (${formatMB(size.activationsPerSample * 4)} for each sample, more in training), over the budget of ${n(limits.maxActivationsPerSample)}.${where}`, biggest ? { nodeId: biggest.nodeId } : {}));
  }
  return out;
}

function layerActivations(shape: LayerSummary['outputShape']): number {
  const list = Array.isArray(shape[0]) ? (shape as (number | null)[][]) : [shape as (number | null)[]];
  return list.reduce((a, s) => a + elementCount(s), 0);
}

function formatMB(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

export type MeasureResult =
  | { ok: true; summary: ModelSummary; analysis: GraphAnalysis; check: SizeCheck; diagnostics: Diagnostic[] }
  | { ok: false; diagnostics: Diagnostic[]; analysis?: GraphAnalysis };

/**
 * The model's summary (layers, output shapes, parameter counts) and its size against the budget,
 * from shapes alone: layers are built without weights ({@link withoutWeights}), so this costs
 * milliseconds and no memory whatever the graph asks for. A graph over the budget is still
 * summarised (`ok: true` with `check.diagnostics`), so the numbers can be shown.
 */
export function measureGraph(graph: GraphDoc, registry: NodeRegistry, options: CompileOptions): MeasureResult {
  try {
    const analysis = options.analysis ?? analyzeGraph(graph, registry);
    const nodes = activeNodes(analysis);
    if ('diagnostics' in nodes) return { ok: false, diagnostics: nodes.diagnostics, analysis };
    const built = withoutWeights(options.tf, () => buildModel(graph, analysis, nodes.active, options));
    if (!('model' in built)) return { ok: false, diagnostics: [...analysis.diagnostics, built], analysis };
    const summary = summarize(built.model, graph, analysis, built.layerOwner, built.inputs, built.outputs);
    const size = measureModel(built.model);
    built.model.dispose();
    const limits = { ...DEFAULT_MODEL_LIMITS, ...options.limits };
    return { ok: true, summary, analysis, check: { size, limits, diagnostics: checkModelSize(summary, size, limits) }, diagnostics: analysis.diagnostics };
  } catch (e) {
    return { ok: false, diagnostics: [error('build-failed', `The model could not be built: ${e instanceof Error ? e.message : String(e)}`)] };
  }
}

function compileUnsafe(graph: GraphDoc, registry: NodeRegistry, options: CompileOptions): CompileResult {
  const analysis = options.analysis ?? analyzeGraph(graph, registry);
  // The budget is checked on a weightless build first: no weight exists until the model fits.
  const measured = measureGraph(graph, registry, { ...options, analysis });
  if (!measured.ok) return measured;
  if (measured.check.diagnostics.length) return { ok: false, diagnostics: [...analysis.diagnostics, ...measured.check.diagnostics], analysis };
  const nodes = activeNodes(analysis);
  if ('diagnostics' in nodes) return { ok: false, diagnostics: nodes.diagnostics, analysis };
  const built = buildModel(graph, analysis, nodes.active, options);
  if (!('model' in built)) return { ok: false, diagnostics: [...analysis.diagnostics, built], analysis };
  const summary = summarize(built.model, graph, analysis, built.layerOwner, built.inputs, built.outputs);
  return { ok: true, model: built.model, summary, analysis, diagnostics: analysis.diagnostics };
}

function safeModelName(name: string): string {
  const s = name.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  return s ? `fusionlab_${s}`.slice(0, 64) : 'fusionlab_model';
}

function countWeights(weights: tfTypes.LayerVariable[]): number {
  return weights.reduce((a, w) => a + w.shape.reduce((x: number, y) => x * (y ?? 1), 1), 0);
}

function summarize(
  model: tfTypes.LayersModel,
  graph: GraphDoc,
  analysis: GraphAnalysis,
  layerOwner: Map<string, string>,
  inputs: { nodeId: string; tensor: tfTypes.SymbolicTensor; shape: number[] }[],
  outputs: { nodeId: string; tensor: tfTypes.SymbolicTensor; role: 'head' | 'late'; shape: number[] }[],
): ModelSummary {
  // Ids are never names of Object.prototype's properties (engine/graph.ts), so a plain object
  // keyed by id is safe here, and it is what `summary --json` prints.
  const nodes: Record<string, NodeSummary> = {};
  for (const n of graph.nodes) {
    const a = analysis.nodes.get(n.id);
    if (!a?.reachesOutput) continue;
    nodes[n.id] = { nodeId: n.id, kind: n.kind, label: n.label, params: 0, trainableParams: 0, layers: [], outputs: a.outputs };
  }
  for (const layer of model.layers) {
    const owner = layerOwner.get(layer.name);
    if (!owner || !nodes[owner]) continue;
    const params = countWeights(layer.weights);
    const trainable = countWeights(layer.trainableWeights);
    nodes[owner].layers.push({ name: layer.name, className: layer.getClassName(), outputShape: outputShapeOf(layer), params, trainable: layer.trainable });
    nodes[owner].params += params;
    nodes[owner].trainableParams += trainable;
  }
  return {
    totalParams: countWeights(model.weights),
    trainableParams: countWeights(model.trainableWeights),
    nodes,
    inputs: inputs.map((i) => ({ nodeId: i.nodeId, name: i.tensor.name, shape: i.shape })),
    outputs: outputs.map((o) => ({ nodeId: o.nodeId, name: o.tensor.name, role: o.role, shape: o.shape, labelColumn: labelColumnOf(o.nodeId, analysis.nodes) })),
    layerCount: model.layers.length,
  };
}
