/**
 * The compiler: graph → `tf.LayersModel` through the functional API. Inputs are the input nodes
 * that reach a head; outputs are every head and every model-level fusion node (so a late-fusion
 * model outputs each branch head and the fused prediction). Problems come back as diagnostics.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { error, hasErrors, type Diagnostic } from './diagnostics';
import type { GraphDoc } from './graph';
import type { BuildContext, NodeRegistry, TensorType } from './spec';
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

function compileUnsafe(graph: GraphDoc, registry: NodeRegistry, options: CompileOptions): CompileResult {
  const analysis = options.analysis ?? analyzeGraph(graph, registry);
  if (hasErrors(analysis.diagnostics)) return { ok: false, diagnostics: analysis.diagnostics, analysis };
  const { tf } = options;
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const active = analysis.order.filter((id) => analysis.nodes[id].reachesOutput);
  if (active.length === 0) {
    return { ok: false, diagnostics: [...analysis.diagnostics, error('no-output', 'Nothing is connected to a head yet, so there is no model to build.')], analysis };
  }

  let seed = options.seed ?? 42;
  const symbolic = new Map<string, Record<string, tfTypes.SymbolicTensor>>();
  const layerOwner = new Map<string, string>();
  const inputs: { nodeId: string; tensor: tfTypes.SymbolicTensor; shape: number[] }[] = [];
  const outputs: { nodeId: string; tensor: tfTypes.SymbolicTensor; role: 'head' | 'late'; shape: number[] }[] = [];
  const assets = options.assets ?? new Map<string, tfTypes.LayersModel>();

  for (const id of active) {
    const entry = analysis.nodes[id];
    const node = byId.get(id);
    if (!entry.spec || !entry.params || !entry.ports || !node) continue;
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
      return {
        ok: false,
        diagnostics: [...analysis.diagnostics, error('build-failed', `${entry.spec.label} "${node.label || id}" could not be built: ${e instanceof Error ? e.message : String(e)}`, { nodeId: id })],
        analysis,
      };
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

  let model: tfTypes.LayersModel;
  try {
    model = tf.model({ inputs: inputs.map((i) => i.tensor), outputs: outputs.map((o) => o.tensor), name: safeModelName(graph.name) });
  } catch (e) {
    return { ok: false, diagnostics: [...analysis.diagnostics, error('build-failed', `The model could not be assembled: ${e instanceof Error ? e.message : String(e)}`)], analysis };
  }

  // Frozen nodes: their layers keep their weights in training.
  for (const layer of model.layers) {
    const owner = layerOwner.get(layer.name);
    if (owner && byId.get(owner)?.frozen) layer.trainable = false;
  }

  const summary = summarize(model, graph, analysis, layerOwner, inputs, outputs);
  return { ok: true, model, summary, analysis, diagnostics: analysis.diagnostics };
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
  const nodes: Record<string, NodeSummary> = {};
  for (const n of graph.nodes) {
    const a = analysis.nodes[n.id];
    if (!a.reachesOutput) continue;
    nodes[n.id] = { nodeId: n.id, kind: n.kind, label: n.label, params: 0, trainableParams: 0, layers: [], outputs: a.outputs };
  }
  for (const layer of model.layers) {
    const owner = layerOwner.get(layer.name);
    if (!owner || !nodes[owner]) continue;
    const params = countWeights(layer.weights);
    const trainable = countWeights(layer.trainableWeights);
    nodes[owner].layers.push({ name: layer.name, className: layer.getClassName(), outputShape: layer.outputShape as LayerSummary['outputShape'], params, trainable: layer.trainable });
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
