/**
 * The node contract (DESIGN.md, "The node contract").
 *
 * A node kind is data plus a few pure functions, defined once in `nodes/<category>/<kind>.ts`.
 * The engine never imports `nodes/`; functions that need the catalogue take a {@link NodeRegistry}.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import type { z } from 'zod';
import type { Diagnostic } from './diagnostics';

/** What flows on an edge. The batch dimension is implicit and never part of `shape`. */
export type TensorKind =
  | 'image' // [h, w, c]
  | 'audio' // waveform [samples] or spectrogram [frames, bins, 1]
  | 'tokens' // [len]
  | 'tabular' // [n]
  | 'video' // [frames, h, w, c]
  | 'sequence' // [steps, d]
  | 'features' // [d]
  | 'prediction'; // [classes]

export const TENSOR_KINDS: readonly TensorKind[] = [
  'image',
  'audio',
  'tokens',
  'tabular',
  'video',
  'sequence',
  'features',
  'prediction',
];

/** A tensor type: its kind and its shape without the batch dimension. */
export interface TensorType {
  kind: TensorKind;
  shape: number[];
  /** For `tokens`: how many token ids there are (ids run from 0 to vocab − 1), when known. */
  vocab?: number;
}

export type NodeCategory = 'input' | 'encoder' | 'fusion' | 'late' | 'head';

export const NODE_CATEGORIES: readonly NodeCategory[] = ['input', 'encoder', 'fusion', 'late', 'head'];

/** One input or output port of a node. */
export interface PortSpec {
  id: string;
  label: string;
  /** Tensor kinds this port accepts (inputs) or may produce (outputs). */
  accepts: TensorKind[];
  /** An input port that takes several edges (fusion inputs). */
  multiple?: boolean;
  /** Fewest edges a `multiple` port needs (default 1). */
  minConnections?: number;
  /** Most edges a `multiple` port takes (default unlimited). */
  maxConnections?: number;
  /** An input port that may stay unconnected. */
  optional?: boolean;
}

export interface NodePorts {
  inputs: PortSpec[];
  outputs: PortSpec[];
}

/**
 * A problem found by a node's `infer`. The engine fills in `nodeId`; the node may name the port
 * or the param (`path: ['params', name]`).
 */
export type NodeDiagnostic = Omit<Diagnostic, 'nodeId' | 'edgeId'>;

/** Input tensor types by port id; each port holds one entry per connected edge, in edge order. */
export type InferInputs = Record<string, TensorType[]>;

export type InferResult =
  | { ok: true; outputs: Record<string, TensorType>; diagnostics?: NodeDiagnostic[] }
  | { ok: false; diagnostics: NodeDiagnostic[] };

/** Symbolic input tensors by port id, one entry per connected edge, in edge order. */
export type BuildInputs = Record<string, tfTypes.SymbolicTensor[]>;

/** What `build` gets from the compiler. */
export interface BuildContext {
  /** The tfjs module (passed in so that node files stay free of backend set-up). */
  tf: typeof tfTypes;
  /** The node's id in the graph. */
  nodeId: string;
  /**
   * A layer name owned by this node, derived from its id: every layer a node creates must be
   * named through this, so that the compiler can map layers back to nodes (freezing, summary).
   */
  name(suffix: string): string;
  /** The next seed for an initializer, so that a graph compiled with one seed is reproducible. */
  seed(): number;
  /** The inferred types of this node's inputs (same order as `inputs`). */
  inputTypes: InferInputs;
  /** The inferred types of this node's outputs. */
  outputTypes: Record<string, TensorType>;
  /**
   * User-supplied models by asset name (for `encoder.pretrained`): loaded by the app or CLI
   * before compiling, so that `build` stays synchronous.
   */
  assets: ReadonlyMap<string, tfTypes.LayersModel>;
}

export type ExportTarget = 'tfjs' | 'keras' | 'pytorch';

/**
 * Code emission (engine/export/). A node's emitter is written once against
 * {@link EmitLayers}, a small vocabulary of layers that each export target renders idiomatically
 * (tfjs `tf.layers.*`, Keras `layers.*`, PyTorch `nn.*` modules in `__init__` plus calls in
 * `forward`). Layer names passed to it are the same suffixes `build` passes to `ctx.name`, so the
 * exported layers line up with the compiled model's (weights are mapped by them).
 */
export interface EmitContext {
  target: ExportTarget;
  /** Safe, de-duplicated identifier for this node in the target language (from its label). */
  ident: string;
  /** Variables holding the tensors on each input port, one per connected edge, in edge order. */
  inputs: Record<string, string[]>;
  inputTypes: InferInputs;
  outputTypes: Record<string, TensorType>;
  /** The layer vocabulary for this node; every call writes init and apply code. */
  layers: EmitLayers;
}

/** Activation names a layer can take (the same set as nodes/shared.ts ACTIVATIONS, plus softmax). */
export type EmitActivation = 'relu' | 'gelu' | 'tanh' | 'sigmoid' | 'elu' | 'selu' | 'swish' | 'linear' | 'softmax';

/** Scalar config of a custom layer, written into its constructor call. */
export type EmitConfigValue = number | string | boolean | number[];

/** What the node's emitter returns: the variable holding each output port. */
export interface EmittedCode {
  outputs: Record<string, string>;
}

/**
 * The layer vocabulary. Each method takes the input variable(s) and the layer's name suffix and
 * returns the variable holding the result. `as` names the result variable (`<ident>_<as>`);
 * without it the result goes to the node's own variable (a chain), so pass `as` for a value that
 * must survive the next call (parallel branches).
 */
export interface EmitLayers {
  dense(x: string, name: string, o: { units: number; activation?: EmitActivation; useBias?: boolean; as?: string }): string;
  conv2d(x: string, name: string, o: { filters: number; kernelSize: number; activation?: EmitActivation; useBias?: boolean; perFrame?: boolean; as?: string }): string;
  conv1d(x: string, name: string, o: { filters: number; kernelSize: number; padding: 'same' | 'valid'; activation?: EmitActivation; useBias?: boolean; as?: string }): string;
  batchNorm(x: string, name: string, o?: { perFrame?: boolean; as?: string }): string;
  activation(x: string, name: string, activation: EmitActivation, o?: { perFrame?: boolean; as?: string }): string;
  pool2d(x: string, name: string, o: { mode: 'max' | 'avg'; size: number; perFrame?: boolean; as?: string }): string;
  pool1d(x: string, name: string, o: { mode: 'max' | 'avg'; size: number; as?: string }): string;
  /** Global pooling over the spatial axes (image [h,w,c]) or the steps (sequence [L,c]). */
  globalPool(x: string, name: string, o: { mode: 'max' | 'avg'; perFrame?: boolean; as?: string }): string;
  flatten(x: string, name: string, o?: { perFrame?: boolean; as?: string }): string;
  reshape(x: string, name: string, shape: number[], o?: { as?: string }): string;
  dropout(x: string, name: string, rate: number, o?: { as?: string }): string;
  embedding(x: string, name: string, o: { vocabSize: number; dim: number; maskZero?: boolean; as?: string }): string;
  /** A GRU or LSTM over a sequence; `mask` is the token variable whose zeros are padding. */
  rnn(x: string, name: string, o: { cell: 'gru' | 'lstm'; units: number; returnSequences: boolean; bidirectional?: { name: string }; mask?: string; as?: string }): string;
  layerNorm(x: string, name: string, o: { epsilon: number; as?: string }): string;
  merge(op: 'concat' | 'add' | 'average' | 'multiply' | 'maximum', xs: string[], name: string, o?: { as?: string }): string;
  /**
   * A FusionLab custom layer (its class comes from the layer's own runtime sources, copied into
   * the export): inputs, config, and the output shapes it produces (batch excluded). Returns one
   * variable per output.
   */
  custom(layer: CustomLayerRef, name: string, inputs: string[], config: Record<string, EmitConfigValue>, outShapes: number[][], o?: { as?: string }): string[];
  /** A line comment in the generated code (newlines are stripped). */
  comment(text: string): void;
}

/**
 * A FusionLab custom layer as an export sees it: the class name saved models carry and the source
 * of each runtime. A kind's folder holds them as files (`layer.ts`, `keras.py`, `torch.py`, read
 * with `?raw`); the export copies them, so the exported layer is the app's own code (tfjs) or
 * its one Python counterpart, never a hand copy.
 */
export interface CustomLayerRef {
  /** `FusionLab>Name`; `Name` is the class name in every export. */
  className: `FusionLab>${string}`;
  /** TypeScript: the live layer's file, which defines `make<Name>(tf)` (its imports are dropped when copied). */
  tfjs: string;
  /** Python for Keras: defines `class <Name>` (its imports are dropped when copied). */
  keras: string;
  /** Python for PyTorch: defines `class <Name>` (its imports are dropped when copied). */
  pytorch: string;
  /** ONNX: the layer as standard operators (the kind's `onnx.ts`); absent = not in the ONNX export yet. */
  onnx?: OnnxLayerFace;
}

/** An ONNX attribute: an int, a string, ints, or a float / floats / strings. */
export type OnnxAttr = number | string | number[] | { float: number } | { floats: number[] } | { strings: string[] };

/** What a custom layer's ONNX face writes with (engine/export/onnx/model-proto.ts OnnxGraph). */
export interface OnnxOps {
  /** Add a one-output node; returns its (fresh) output name. */
  op(opType: string, inputs: string[], output: string, attrs?: Record<string, OnnxAttr>): string;
  /** Add a multi-output node; returns the output names. */
  node(opType: string, inputs: string[], outputs: string[], attrs?: Record<string, OnnxAttr>): string[];
  /** A float32 constant. */
  floats(name: string, dims: number[], values: ArrayLike<number>): string;
  /** An int64 constant (shapes, axes). */
  int64s(name: string, values: number[]): string;
}

/**
 * A custom layer written as ONNX operators: its input tensor names, its config (as the emitter
 * passes it), its weights in the tfjs layer's order, and the input shapes (batch excluded).
 * Returns one tensor name per output.
 */
export type OnnxLayerFace = (g: OnnxOps, inputs: string[], config: Record<string, EmitConfigValue>, weights: { values: Float32Array; shape: number[] }[], io: { name: string; inputShapes: number[][] }) => string[];

export type Emitter<P> = (ctx: EmitContext, params: P) => EmittedCode;

/** Extra facts about an input node: the dataset columns it reads. */
export interface InputInfo<P> {
  columns(params: P): string[];
}

export type HeadLoss = 'categoricalCrossentropy' | 'binaryCrossentropy' | 'meanSquaredError';

/** Extra facts about a head: its label column and its loss. */
export interface HeadInfo<P> {
  labelColumn(params: P): string;
  loss(params: P): HeadLoss;
}

/** Extra facts about a model-level (late) fusion node. */
export interface LateInfo<P> {
  /**
   * Weight of this node's own loss in joint training (0 for operators with nothing to learn
   * and no gradient, such as a vote). Branch heads always train with their own losses.
   */
  lossWeight(params: P): number;
}

/** The full definition of a node kind. `S` is its zod params schema. */
export interface NodeSpec<S extends z.ZodObject = z.ZodObject> {
  /** Stable id `category.name`, e.g. `encoder.image-cnn`. */
  kind: string;
  category: NodeCategory;
  label: string;
  /** One line for the palette. */
  summary: string;
  /** Markdown: what it computes (formula), when to use it, a reference. */
  doc: string;
  /** Every field has a default and a `.describe()` text. */
  params: S;
  ports(params: z.infer<S>): NodePorts;
  infer(inputs: InferInputs, params: z.infer<S>): InferResult;
  build(ctx: BuildContext, inputs: BuildInputs, params: z.infer<S>): Record<string, tfTypes.SymbolicTensor>;
  emit?: Partial<Record<ExportTarget, Emitter<z.infer<S>>>>;
  /** Present on `input.*` kinds. */
  input?: InputInfo<z.infer<S>>;
  /** Present on `head.*` kinds. */
  head?: HeadInfo<z.infer<S>>;
  /** Present on `late.*` kinds. */
  late?: LateInfo<z.infer<S>>;
}

/**
 * A node spec with its params type erased, as the registry holds it. The functions take params
 * that have already been parsed by `params`, so the erasure is sound at the call sites in engine/.
 */
export type AnyNodeSpec = NodeSpec<z.ZodObject>;

/** Erase a spec's params type for the registry (see {@link AnyNodeSpec}). */
export function defineNode<S extends z.ZodObject>(spec: NodeSpec<S>): AnyNodeSpec {
  return spec as unknown as AnyNodeSpec;
}

/** The catalogue the engine works against, keyed by kind. */
export interface NodeRegistry {
  get(kind: string): AnyNodeSpec | undefined;
  all(): AnyNodeSpec[];
}

/** Make a registry from a list of specs; throws on a duplicate kind (a programming error). */
export function createRegistry(specs: AnyNodeSpec[]): NodeRegistry {
  const byKind = new Map<string, AnyNodeSpec>();
  for (const s of specs) {
    if (byKind.has(s.kind)) throw new Error(`duplicate node kind ${s.kind}`);
    byKind.set(s.kind, s);
  }
  return { get: (k) => byKind.get(k), all: () => [...byKind.values()] };
}

/** Product of a shape's dimensions. */
export function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** `[64]` → `"64"`, `[28,28,1]` → `"28×28×1"`. */
export function formatShape(shape: number[]): string {
  return shape.join('×');
}

/** The same emitter for every export target (it writes through the target's {@link EmitLayers}). */
export function emitAll<P>(emitter: Emitter<P>): Record<ExportTarget, Emitter<P>> {
  return { tfjs: emitter, keras: emitter, pytorch: emitter };
}
