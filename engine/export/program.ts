/**
 * The program around the nodes: walks the graph in the compiler's order, lets each node's emitter
 * write its layers through the target's {@link EmitLayers}, and assembles the files of one export
 * target (model, custom layers, preprocessing, dataset reader, training script, README), with the
 * line ranges of every node in the main file so that the app can highlight them.
 */
import { error, hasErrors, type Diagnostic } from '../diagnostics';
import type { GraphDoc } from '../graph';
import type { CustomLayerRef, EmitContext, ExportTarget, NodeRegistry, TensorType } from '../spec';
import { analyzeGraph, isOutputNode, labelColumnOf, type GraphAnalysis } from '../validate';
import { commentText, lineComments, Namer, pyString, tsString } from './ident';
import { DECL, KerasLayers, TfjsLayers, TorchLayers, type NodeCode, type ProgramState, type WeightSpec } from './layers';
import { pythonRuntime, runtimeProblem, tfjsRuntime } from './runtime';

/** The custom layer classes each target's runtime defines. */
import { pythonDataModule, kerasTrainScript, torchTrainScript, readmeFor, tfjsPreprocess, type PreprocessSpec } from './scripts';

/** Line ranges (1-based, inclusive) in the main file. */
export interface LineRange {
  start: number;
  end: number;
}

export interface ExportOptions {
  /**
   * Fitted preprocessing state (vocabularies, statistics, class names) of a trained model, as the
   * data loader saves it; without it the exported data code fits its own on the train split.
   */
  fitted?: unknown;
  /** File name of the weights shipped beside the code (a bundle export). */
  weightsFile?: string;
}

/** A model input or output as the exported program names it. */
export interface ExportedTensor {
  nodeId: string;
  /** Variable / argument name in the code. */
  ident: string;
  kind: string;
  shape: number[];
  /** Outputs: the label column the head predicts. */
  labelColumn?: string;
  /** Outputs: the head whose fitted labels this output uses (itself, or a late node's first head). */
  headId?: string;
  /** Outputs of a multi-label head: the separator of the labels in a cell. */
  separator?: string;
  /** Outputs: head task and loss weight (late nodes). */
  role?: 'head' | 'late';
  loss?: string;
  lossWeight?: number;
}

export interface ExportResult {
  ok: boolean;
  target: ExportTarget;
  /** File path → text. */
  files: Record<string, string>;
  /** The file the code panel shows first. */
  main: string;
  /** Node id → its line ranges in `main` (PyTorch: the `__init__` part and the `forward` part). */
  nodeRanges: ReadonlyMap<string, LineRange[]>;
  diagnostics: Diagnostic[];
  /** How the trained tfjs weights map onto the exported layers (used by the weight writers). */
  weights: WeightSpec[];
  inputs: ExportedTensor[];
  outputs: ExportedTensor[];
}

const MAIN: Record<ExportTarget, string> = { tfjs: 'model.ts', keras: 'model.py', pytorch: 'model.py' };

/** Markdown → one plain line (for comments). */
function plain(md: string): string {
  return commentText(md.replace(/\*\*|__|`/g, '').replace(/\*([^*]+)\*/g, '$1'));
}

/** The first paragraph of a node doc, as plain text. */
function firstParagraph(doc: string): string {
  return plain(doc.split(/\n\s*\n/)[0] ?? '');
}

function lossOf(spec: { head?: { loss(p: never): string } }, params: unknown): string | undefined {
  return spec.head ? spec.head.loss(params as never) : undefined;
}

/**
 * Export a graph as a program for one target. Never throws on a user's graph: a graph with
 * errors, or a node kind that cannot be exported, comes back as diagnostics.
 */
export function exportProgram(graph: GraphDoc, registry: NodeRegistry, target: ExportTarget, opts: ExportOptions = {}): ExportResult {
  try {
    return exportUnsafe(graph, registry, target, opts);
  } catch (e) {
    const message = `The code could not be written: ${e instanceof Error ? e.message : String(e)}`;
    return { ok: false, target, files: {}, main: MAIN[target], nodeRanges: new Map(), diagnostics: [error('build-failed', message)], weights: [], inputs: [], outputs: [] };
  }
}

/**
 * What every export starts from: the graph's analysis and the nodes that reach an output, in
 * build order; or the diagnostics that stop it (errors, nothing connected to a head).
 */
export function exportableNodes(graph: GraphDoc, registry: NodeRegistry): { ok: true; analysis: GraphAnalysis; active: string[] } | { ok: false; diagnostics: Diagnostic[] } {
  let analysis: GraphAnalysis;
  try {
    analysis = analyzeGraph(graph, registry);
  } catch (e) {
    return { ok: false, diagnostics: [error('build-failed', `The graph could not be analysed: ${String(e)}`)] };
  }
  if (hasErrors(analysis.diagnostics)) return { ok: false, diagnostics: analysis.diagnostics };
  const active = analysis.order.filter((id) => analysis.nodes.get(id)?.reachesOutput);
  if (active.length === 0) return { ok: false, diagnostics: [...analysis.diagnostics, error('no-output', 'Nothing is connected to a head yet, so there is nothing to export.')] };
  return { ok: true, analysis, active };
}

function exportUnsafe(graph: GraphDoc, registry: NodeRegistry, target: ExportTarget, opts: ExportOptions): ExportResult {
  const empty: ExportResult = { ok: false, target, files: {}, main: MAIN[target], nodeRanges: new Map(), diagnostics: [], weights: [], inputs: [], outputs: [] };
  const start = exportableNodes(graph, registry);
  if (!start.ok) return { ...empty, diagnostics: start.diagnostics };
  const { analysis, active } = start;
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));

  const style = target === 'tfjs' ? 'camel' : 'snake';
  const namer = new Namer(style);
  const idents = new Map<string, string>();
  for (const id of active) idents.set(id, namer.take(byId.get(id)?.label ?? id, id));

  const state: ProgramState = { target, customClasses: new Set(), customLayers: new Map(), weights: [], declared: new Set() };
  const shapes = new Map<string, number[]>();
  const torchVars = new Map<string, { layout: 'last' | 'first'; folded: boolean }>();
  const outVars = new Map<string, Record<string, string>>();
  const blocks: { nodeId: string; code: NodeCode; header: string[] }[] = [];
  const inputs: ExportedTensor[] = [];
  const outputs: ExportedTensor[] = [];
  const diagnostics: Diagnostic[] = [...analysis.diagnostics];
  const cmt = target === 'tfjs' ? '//' : '#';
  const indent = target === 'pytorch' ? '        ' : target === 'keras' ? '    ' : '  ';

  for (const id of active) {
    const entry = analysis.nodes.get(id);
    const node = byId.get(id);
    const spec = entry?.spec;
    if (!entry || !spec || !entry.params || !entry.ports || !node) continue;
    const ident = idents.get(id) as string;
    const header = [
      ...lineComments(`${node.label || id} — ${spec.label} (${spec.kind}): ${spec.summary}`, cmt, indent),
      ...lineComments(firstParagraph(spec.doc), cmt, indent),
    ];
    // One comment per param: its value and its `.describe()` text from the node's zod schema.
    for (const [key, field] of Object.entries(spec.params.shape)) {
      const described = (field as { description?: string }).description ?? '';
      const value = JSON.stringify((entry.params as Record<string, unknown>)[key]) ?? '';
      header.push(...lineComments(`${key} = ${value.length > 80 ? `${value.slice(0, 77)}...` : value}: ${described}`, cmt, indent));
    }
    const code: NodeCode = { init: [], apply: [] };
    if (spec.category === 'input') {
      const t = entry.outputs.out as TensorType;
      shapes.set(ident, t.shape);
      inputs.push({ nodeId: id, ident, kind: spec.kind, shape: t.shape });
      const columns = spec.input ? spec.input.columns(entry.params as never) : [];
      const colNote = `reads column${columns.length === 1 ? '' : 's'} ${columns.map((c) => JSON.stringify(c)).join(', ')}; shape [${t.shape.join(', ')}] per sample`;
      header.push(...lineComments(colNote, cmt, indent));
      if (target === 'tfjs') {
        code.apply.push(`  const ${ident} = tf.input({ shape: [${t.shape.join(', ')}], name: ${tsString(`${id}__input`)} });`);
        state.declared.add(ident);
      } else if (target === 'keras') {
        code.apply.push(`    ${ident} = keras.Input(shape=(${t.shape.join(', ')},), name=${pyString(`${ident}__input`)})`);
      }
      torchVars.set(ident, { layout: 'last', folded: false });
      outVars.set(id, { out: ident });
      blocks.push({ nodeId: id, code, header });
      continue;
    }
    const emit = spec.emit?.[target];
    if (!emit) {
      diagnostics.push(error('build-failed', `${spec.label} "${node.label || id}" cannot be exported to ${target} yet.`, { nodeId: id }));
      continue;
    }
    const portVars: Record<string, string[]> = {};
    for (const port of entry.ports.inputs) {
      portVars[port.id] = (entry.incoming[port.id] ?? []).map((e) => outVars.get(e.source)?.[e.sourcePort] ?? '');
    }
    const layers =
      target === 'tfjs'
        ? new TfjsLayers(state, ident, id, shapes)
        : target === 'keras'
          ? new KerasLayers(state, ident, id, shapes)
          : new TorchLayers(state, ident, id, shapes, torchVars);
    layers.frozen = node.frozen === true;
    if (layers instanceof TorchLayers) layers.initComment(`${node.label || id} — ${spec.label}${layers.frozen ? ' (frozen)' : ''}`);
    const ctx: EmitContext = { target, ident, inputs: portVars, inputTypes: entry.inputs, outputTypes: entry.outputs, layers };
    let result;
    try {
      result = emit(ctx, entry.params as never);
    } catch (e) {
      diagnostics.push(error('build-failed', `${spec.label} "${node.label || id}" could not be exported: ${e instanceof Error ? e.message : String(e)}`, { nodeId: id }));
      continue;
    }
    const outs: Record<string, string> = {};
    for (const [port, v] of Object.entries(result.outputs)) outs[port] = layers instanceof TorchLayers ? layers.finish(v) : v;
    if (layers instanceof TfjsLayers) {
      // `const` for variables assigned once, `let` for chains.
      code.apply.push(...layers.code.apply.map((l) => l.replace(new RegExp(`${DECL}([A-Za-z0-9_]+)`), (_m, v: string) => `${(layers.assigned.get(v) ?? 1) > 1 ? 'let' : 'const'} ${v}`)));
    } else {
      code.apply.push(...layers.code.apply);
      code.init.push(...layers.code.init);
    }
    outVars.set(id, outs);
    if (isOutputNode(spec)) {
      const t = entry.outputs.out as TensorType;
      const late = spec.category === 'late';
      let loss = lossOf(spec as never, entry.params);
      if (late) {
        // A late node trains with the loss of the heads it fuses.
        const first = Object.values(entry.incoming).flat()[0];
        const src = first ? analysis.nodes.get(first.source) : undefined;
        loss = src?.spec ? lossOf(src.spec as never, src.params) : 'categoricalCrossentropy';
      }
      const headId = late ? firstHead(id, analysis.nodes) : id;
      const sep = (analysis.nodes.get(headId)?.params as Record<string, unknown> | undefined)?.separator;
      outputs.push({
        headId,
        separator: typeof sep === 'string' ? sep : undefined,
        nodeId: id,
        ident: outs.out,
        kind: spec.kind,
        shape: t.shape,
        labelColumn: labelColumnOf(id, analysis.nodes),
        role: late ? 'late' : 'head',
        loss,
        lossWeight: late ? (spec.late?.lossWeight(entry.params as never) ?? 0) : 1,
      });
    }
    blocks.push({ nodeId: id, code, header });
  }
  if (hasErrors(diagnostics)) return { ...empty, diagnostics };

  const pre: PreprocessSpec = {
    graphName: graph.name,
    inputs: inputs.map((i) => {
      const entry = analysis.nodes.get(i.nodeId);
      return { ...i, params: entry?.params ?? {}, columns: entry?.spec?.input?.columns(entry.params as never) ?? [] };
    }),
    outputs,
    fitted: opts.fitted,
  };
  // A custom layer without a runtime for this target would be an ImportError in the user's hands.
  const missing = [...state.customLayers.values()].filter((l) => runtimeProblem(l, target) !== null).map((l) => l.className);
  if (missing.length) {
    return { ...empty, diagnostics: [...diagnostics, error('build-failed', `The ${target} export has no runtime for the custom layer${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (a gap in FusionLab, not in your graph).`)] };
  }
  const files: Record<string, string> = {};
  const nodeRanges = new Map<string, LineRange[]>();
  const mainLines = writeMain(target, graph, blocks, inputs, outputs, state, nodeRanges, pre);
  files[MAIN[target]] = mainLines.join('\n') + '\n';
  if (target === 'pytorch') {
    files['fusionlab_layers.py'] = pythonRuntime('pytorch', usedLayers(state), state.customClasses);
    files['data.py'] = pythonDataModule(pre);
    files['train.py'] = torchTrainScript(pre);
  } else if (target === 'keras') {
    files['fusionlab_layers.py'] = pythonRuntime('keras', usedLayers(state), state.customClasses);
    files['data.py'] = pythonDataModule(pre);
    files['train.py'] = kerasTrainScript(pre);
  }
  files['README.md'] = readmeFor(target, pre, opts.weightsFile);
  return { ok: true, target, files, main: MAIN[target], nodeRanges, diagnostics, weights: state.weights, inputs, outputs };
}

/** The custom layers a program uses, in a stable order (by class name). */
function usedLayers(state: ProgramState): CustomLayerRef[] {
  return [...state.customLayers.keys()].sort().map((k) => state.customLayers.get(k)!);
}

/** The first head feeding a late node (its classes are the late node's). */
function firstHead(id: string, nodes: GraphAnalysis['nodes'], depth = 0): string {
  const entry = nodes.get(id);
  if (!entry || depth > 50 || entry.spec?.category === 'head') return id;
  const first = Object.values(entry.incoming).flat()[0];
  return first ? firstHead(first.source, nodes, depth + 1) : id;
}

function addRange(ranges: Map<string, LineRange[]>, id: string, start: number, end: number): void {
  if (end < start) return;
  const list = ranges.get(id) ?? [];
  list.push({ start, end });
  ranges.set(id, list);
}

function writeMain(
  target: ExportTarget,
  graph: GraphDoc,
  blocks: { nodeId: string; code: NodeCode; header: string[] }[],
  inputs: ExportedTensor[],
  outputs: ExportedTensor[],
  state: ProgramState,
  ranges: Map<string, LineRange[]>,
  pre: PreprocessSpec,
): string[] {
  const L: string[] = [];
  const push = (...xs: string[]) => L.push(...xs);
  const title = commentText(graph.name || 'FusionLab model');
  const modelName = (graph.name || 'model').replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '') || 'model';
  switch (target) {
    case 'tfjs': {
      push(...lineComments(`${title} — exported from FusionLab as TensorFlow.js (TypeScript).`, '//'));
      if (graph.description) push(...lineComments(graph.description, '//'));
      push('// buildModel() returns the same tf.LayersModel as the FusionLab app: same layers, shapes and parameter count.');
      push("import * as tf from '@tensorflow/tfjs';", '');
      push(...tfjsRuntime(usedLayers(state)).split('\n'));
      push(...tfjsPreprocess(pre).split('\n'));
      push('/** Model inputs, in the order `buildModel()` takes them. */');
      push(`export const MODEL_INPUTS = [${inputs.map((i) => `{ name: ${tsString(i.ident)}, shape: [${i.shape.join(', ')}] }`).join(', ')}];`);
      push('/** Model outputs, in order. */');
      push(`export const MODEL_OUTPUTS = [${outputs.map((o) => `{ name: ${tsString(o.ident)}, shape: [${o.shape.join(', ')}], label: ${tsString(o.labelColumn ?? '')} }`).join(', ')}];`, '');
      push('/** Build the model (untrained; load trained weights with `model.loadWeights` or `tf.loadLayersModel`). */');
      push('export function buildModel(): tf.LayersModel {');
      for (const b of blocks) {
        const start = L.length + 1;
        push(...b.header, ...b.code.apply);
        addRange(ranges, b.nodeId, start, L.length);
        push('');
      }
      push(`  return tf.model({ inputs: [${inputs.map((i) => i.ident).join(', ')}], outputs: [${outputs.map((o) => o.ident).join(', ')}], name: ${tsString(`fusionlab_${modelName}`.slice(0, 64))} });`);
      push('}');
      return L;
    }
    case 'keras': {
      push(...lineComments(`${title} — exported from FusionLab as Keras 3 (Python; any backend: TensorFlow, JAX or PyTorch).`, '#'));
      if (graph.description) push(...lineComments(graph.description, '#'));
      push('# build_model() returns a functional keras.Model with the same layers, shapes and parameter count as the app.');
      push('import keras', 'import numpy as np', 'from keras import layers', '');
      const cls = [...state.customClasses].sort();
      if (cls.length) push(`from fusionlab_layers import ${cls.join(', ')}`, '');
      push(`INPUT_NAMES = [${inputs.map((i) => pyString(i.ident)).join(', ')}]`);
      push(`OUTPUT_NAMES = [${outputs.map((o) => pyString(o.ident)).join(', ')}]`, '', '');
      push('def build_model():');
      push('    """Build the model (untrained)."""');
      for (const b of blocks) {
        const start = L.length + 1;
        push(...b.header, ...b.code.apply);
        addRange(ranges, b.nodeId, start, L.length);
        push('');
      }
      push(`    return keras.Model(inputs=[${inputs.map((i) => i.ident).join(', ')}], outputs=[${outputs.map((o) => o.ident).join(', ')}], name=${pyString(`fusionlab_${modelName}`.slice(0, 64))})`);
      push('', '');
      push('def load_weights_npz(model, path):');
      push('    """Load weights exported by FusionLab (one array per layer weight, keyed "<layer>/<index>")."""');
      push('    data = np.load(path)');
      push('    for layer in model.layers:');
      push('        count = len(layer.get_weights())');
      push('        if count:');
      push('            layer.set_weights([data[f"{layer.name}/{i}"] for i in range(count)])');
      push('    return model');
      return L;
    }
    case 'pytorch': {
      push(...lineComments(`${title} — exported from FusionLab as PyTorch (Python).`, '#'));
      if (graph.description) push(...lineComments(graph.description, '#'));
      push('# FusionModel has the same layers, shapes and parameter count as the app\'s model. Tensors are channels-last');
      push('# like TensorFlow.js ([batch, height, width, channels]); convolutions permute to NCHW and back.');
      push('import numpy as np', 'import torch', 'from torch import nn', 'import torch.nn.functional as F', '');
      const cls = [...state.customClasses].sort();
      if (cls.length) push(`from fusionlab_layers import ${cls.join(', ')}`, '');
      push(`INPUT_NAMES = [${inputs.map((i) => pyString(i.ident)).join(', ')}]`);
      push(`OUTPUT_NAMES = [${outputs.map((o) => pyString(o.ident)).join(', ')}]`, '', '');
      push('class FusionModel(nn.Module):');
      push(`    """${commentText(graph.name || 'FusionLab model').replace(/\\/g, '/').replace(/"/g, "'")}: inputs ${inputs.map((i) => `${i.ident} [${i.shape.join(', ')}]`).join(', ')}."""`, '');
      push('    def __init__(self):', '        super().__init__()');
      for (const b of blocks) {
        if (b.code.init.length === 0) continue;
        const start = L.length + 1;
        push(...b.code.init);
        addRange(ranges, b.nodeId, start, L.length);
      }
      push('');
      push(`    def forward(self, ${inputs.map((i) => i.ident).join(', ')}):`);
      push(`        """Returns ${outputs.length === 1 ? 'the prediction' : `a tuple (${outputs.map((o) => o.ident).join(', ')})`}."""`);
      for (const b of blocks) {
        if (b.code.apply.length === 0 && b.header.length === 0) continue;
        const start = L.length + 1;
        push(...b.header, ...b.code.apply);
        addRange(ranges, b.nodeId, start, L.length);
      }
      push(`        return ${outputs.length === 1 ? outputs[0].ident : `${outputs.map((o) => o.ident).join(', ')}`}`);
      push('', '');
      push('def load_npz(model, path):');
      push('    """Load weights exported by FusionLab (.npz, named like model.state_dict())."""');
      push('    data = np.load(path)');
      push('    state = {k: torch.from_numpy(np.ascontiguousarray(data[k])) for k in data.files}');
      push('    model.load_state_dict(state, strict=True)');
      push('    return model');
      void pre;
      return L;
    }
    default: {
      const never: never = target;
      throw new Error(`unknown target ${String(never)}`);
    }
  }
}
