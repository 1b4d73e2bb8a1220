/**
 * ONNX straight from the graph, in the browser and the CLI alike, with no Python: every node is
 * written by its own emitter through the ONNX layer vocabulary (./layers.ts), with the weights of
 * the compiled (trained, or freshly seeded) tfjs model as initializers. The graph's inputs are
 * named by their input nodes' ids, its outputs by the heads' (and model-level fusion nodes') ids;
 * token inputs are int32, every other tensor float32, with a symbolic batch dimension.
 *
 * ```ts
 * const r = exportOnnx(graph, registry, model);   // model: the compiled tfjs model whose weights go in
 * if (r.ok) download(r.bytes, 'model.onnx'); else show(r.diagnostics);
 * ```
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { isOutputNode } from '../../validate';
import { error, hasErrors, type Diagnostic } from '../../diagnostics';
import type { GraphDoc } from '../../graph';
import type { EmitContext, NodeRegistry, TensorType } from '../../spec';
import { Namer } from '../ident';
import { exportableNodes } from '../program';
import type { ProgramState } from '../layers';
import { modelWeights, OnnxLayers, type WeightLookup } from './layers';
import { DTYPE, ONNX_OPSET, OnnxGraph } from './model-proto';

export { ONNX_OPSET } from './model-proto';

/** A graph input or output of the ONNX model. */
export interface OnnxTensorInfo {
  /** The FusionLab node (and the ONNX tensor name). */
  nodeId: string;
  kind: string;
  shape: number[];
  dtype: 'float32' | 'int32';
}

export interface OnnxExport {
  ok: boolean;
  /** The `.onnx` file (ModelProto), when ok. */
  bytes?: Uint8Array;
  diagnostics: Diagnostic[];
  inputs: OnnxTensorInfo[];
  outputs: OnnxTensorInfo[];
}

/** Export `graph` with the weights of `model` (compiled from the same graph) as an ONNX model. */
export function exportOnnx(graph: GraphDoc, registry: NodeRegistry, model: tfTypes.LayersModel | WeightLookup, opts: { metadata?: Record<string, string> } = {}): OnnxExport {
  const empty: OnnxExport = { ok: false, diagnostics: [], inputs: [], outputs: [] };
  const start = exportableNodes(graph, registry);
  if (!start.ok) return { ...empty, diagnostics: start.diagnostics };
  const { analysis, active } = start;
  const weights = typeof model === 'function' ? model : modelWeights(model);
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const g = new OnnxGraph();
  // The graph's own names first: inputs and outputs are named by their node ids.
  for (const id of active) {
    const spec = analysis.nodes.get(id)?.spec;
    if (spec && (spec.category === 'input' || isOutputNode(spec))) g.fresh(id);
  }
  const namer = new Namer('snake');
  // The layer vocabulary's bookkeeping (custom classes used); ONNX writes no program text, so the code target is moot.
  const state: ProgramState = { target: 'tfjs', customClasses: new Set(), customLayers: new Map(), weights: [], declared: new Set() };
  const shapes = new Map<string, number[]>();
  const outVars = new Map<string, Record<string, string>>();
  const inputs: OnnxTensorInfo[] = [];
  const outputs: OnnxTensorInfo[] = [];
  const diagnostics: Diagnostic[] = [...analysis.diagnostics];

  for (const id of active) {
    const entry = analysis.nodes.get(id);
    const node = byId.get(id);
    const spec = entry?.spec;
    if (!entry || !spec || !entry.params || !entry.ports || !node) continue;
    if (spec.category === 'input') {
      const t = entry.outputs.out as TensorType;
      const dtype = t.kind === 'tokens' ? 'int32' : 'float32';
      g.inputs.push(g.valueInfo(id, dtype === 'int32' ? DTYPE.int32 : DTYPE.float, t.shape));
      shapes.set(id, t.shape);
      inputs.push({ nodeId: id, kind: spec.kind, shape: t.shape, dtype });
      outVars.set(id, { out: id });
      continue;
    }
    const emit = spec.emit?.tfjs;
    if (!emit) {
      diagnostics.push(error('build-failed', `${spec.label} "${node.label || id}" cannot be exported to ONNX yet.`, { nodeId: id }));
      continue;
    }
    const portVars: Record<string, string[]> = {};
    for (const port of entry.ports.inputs) portVars[port.id] = (entry.incoming[port.id] ?? []).map((e) => outVars.get(e.source)?.[e.sourcePort] ?? '');
    // Downstream of a node that could not be written: its diagnostic says it all.
    if (Object.values(portVars).some((vs) => vs.includes(''))) continue;
    const ident = namer.take(node.label || id, id);
    const layers = new OnnxLayers(state, ident, id, shapes, g, weights);
    const ctx: EmitContext = { target: 'tfjs', ident, inputs: portVars, inputTypes: entry.inputs, outputTypes: entry.outputs, layers };
    let result;
    try {
      result = emit(ctx, entry.params as never);
    } catch (e) {
      diagnostics.push(error('build-failed', `${spec.label} "${node.label || id}" cannot be exported to ONNX yet: ${e instanceof Error ? e.message : String(e)}.`, { nodeId: id }));
      continue;
    }
    outVars.set(id, result.outputs);
    if (isOutputNode(spec)) {
      const t = entry.outputs.out as TensorType;
      // The output tensor carries the node's id exactly (reserved above).
      g.nodes.push({ opType: 'Identity', input: [result.outputs.out], output: [id], name: g.fresh(`Identity_${id}`), attribute: [] });
      g.outputs.push(g.valueInfo(id, DTYPE.float, t.shape));
      outputs.push({ nodeId: id, kind: spec.kind, shape: t.shape, dtype: 'float32' });
    }
  }
  if (hasErrors(diagnostics)) return { ...empty, diagnostics, inputs, outputs };
  const bytes = g.encode({ graphName: graph.name || 'fusionlab', docString: `FusionLab graph "${graph.name}" (opset ${ONNX_OPSET}). Inputs: ${inputs.map((i) => `${i.nodeId} [batch, ${i.shape.join(', ')}] ${i.dtype}`).join('; ')}.`, metadata: opts.metadata });
  return { ok: true, bytes, diagnostics, inputs, outputs };
}

/**
 * The ONNX export as files: `model.onnx` and `model.preprocess.json` beside it (the inputs and
 * outputs by name, shape and type, and the fitted preprocessing state of a trained model, null
 * for an untrained one). The CLI writes them; the app zips them for download.
 */
export function onnxFiles(graph: GraphDoc, registry: NodeRegistry, model: tfTypes.LayersModel, fitted: unknown): { ok: true; files: Record<string, Uint8Array>; export: OnnxExport } | { ok: false; diagnostics: Diagnostic[] } {
  const r = exportOnnx(graph, registry, model, { metadata: { 'fusionlab.graph': graph.name, 'fusionlab.trained': fitted ? 'yes' : 'no' } });
  if (!r.ok || !r.bytes) return { ok: false, diagnostics: r.diagnostics };
  const preprocess = { format: 'fusionlab/onnx-preprocess', version: 1, opset: ONNX_OPSET, inputs: r.inputs, outputs: r.outputs, fitted: fitted ?? null };
  return { ok: true, export: r, files: { 'model.onnx': r.bytes, 'model.preprocess.json': new TextEncoder().encode(JSON.stringify(preprocess, null, 2) + '\n') } };
}
