/**
 * The layer vocabulary of node emitters ({@link EmitLayers}), rendered for each export target.
 * Shapes are tracked per variable (batch excluded, channels last, as in tfjs) so that PyTorch
 * modules get their input sizes; the PyTorch writer also tracks each variable's layout
 * (channels-last as tfjs, or channels-first NCHW/NCL for convolutions) and whether video frames
 * are folded into the batch, and permutes or reshapes only where a layer needs it.
 */
import type { CustomLayerRef, EmitActivation, EmitConfigValue, EmitLayers, ExportTarget } from '../spec';
import { lineComments, numLit, pyString, snakeCase, tsString } from './ident';

/** How a tfjs layer's weights become the target's parameters (for the weight files). */
export interface WeightSpec {
  /** Layer name in the compiled tfjs model. */
  tfjsLayer: string;
  /** Name of the layer (Keras, tfjs) or module attribute (PyTorch) in the exported code. */
  target: string;
  kind: 'dense' | 'conv1d' | 'conv2d' | 'batchnorm' | 'embedding' | 'layernorm' | 'rnn' | 'birnn' | 'custom';
  /** For kind 'rnn'/'birnn': the cell. */
  cell?: 'gru' | 'lstm';
}

/** Code and facts collected while a program is written. */
export interface ProgramState {
  target: ExportTarget;
  /** Class names the program imports from its runtime (custom layers, and PyTorch's recurrent helpers). */
  customClasses: Set<string>;
  /** The custom layers the program uses, by class name (their runtimes are copied into the export). */
  customLayers: Map<string, CustomLayerRef>;
  weights: WeightSpec[];
  /** Names of variables already declared (TypeScript `let`/`const`). */
  declared: Set<string>;
}

/** Everything one node wrote. */
export interface NodeCode {
  /** PyTorch `__init__` lines (modules); empty for tfjs and Keras. */
  init: string[];
  /** Lines that apply the layers (body of buildModel / forward). */
  apply: string[];
}

type Shape = number[];

function prod(s: number[]): number {
  return s.reduce((a, b) => a * b, 1);
}

/** Shared bookkeeping: variable shapes, names, comments. */
export abstract class BaseLayers implements EmitLayers {
  readonly code: NodeCode = { init: [], apply: [] };
  protected shapes: Map<string, Shape>;
  /** A frozen node: its layers keep their weights in training (as the compiler marks them). */
  frozen = false;

  constructor(
    protected readonly state: ProgramState,
    /** Identifier of the node (variables and attributes derive from it). */
    protected readonly ident: string,
    /** Node id: compiled layer names are `<nodeId>__<suffix>`. */
    protected readonly nodeId: string,
    shapes: Map<string, Shape>,
  ) {
    this.shapes = shapes;
  }

  protected shapeOf(x: string): Shape {
    const s = this.shapes.get(x);
    if (!s) throw new Error(`export: unknown variable ${x}`);
    return s;
  }

  /** Variable the result goes to. */
  protected out(as?: string): string {
    return as ? `${this.ident}_${as}` : this.ident;
  }

  protected tfjsName(suffix: string): string {
    return suffix ? `${this.nodeId}__${suffix}` : this.nodeId;
  }

  abstract comment(text: string): void;
  abstract dense(x: string, name: string, o: { units: number; activation?: EmitActivation; useBias?: boolean; as?: string }): string;
  abstract conv2d(x: string, name: string, o: { filters: number; kernelSize: number; activation?: EmitActivation; useBias?: boolean; perFrame?: boolean; as?: string }): string;
  abstract conv1d(x: string, name: string, o: { filters: number; kernelSize: number; padding: 'same' | 'valid'; activation?: EmitActivation; useBias?: boolean; as?: string }): string;
  abstract batchNorm(x: string, name: string, o?: { perFrame?: boolean; as?: string }): string;
  abstract activation(x: string, name: string, activation: EmitActivation, o?: { perFrame?: boolean; as?: string }): string;
  abstract pool2d(x: string, name: string, o: { mode: 'max' | 'avg'; size: number; perFrame?: boolean; as?: string }): string;
  abstract pool1d(x: string, name: string, o: { mode: 'max' | 'avg'; size: number; as?: string }): string;
  abstract globalPool(x: string, name: string, o: { mode: 'max' | 'avg'; perFrame?: boolean; as?: string }): string;
  abstract flatten(x: string, name: string, o?: { perFrame?: boolean; as?: string }): string;
  abstract reshape(x: string, name: string, shape: number[], o?: { as?: string }): string;
  abstract dropout(x: string, name: string, rate: number, o?: { as?: string }): string;
  abstract embedding(x: string, name: string, o: { vocabSize: number; dim: number; maskZero?: boolean; as?: string }): string;
  abstract rnn(x: string, name: string, o: { cell: 'gru' | 'lstm'; units: number; returnSequences: boolean; bidirectional?: { name: string }; mask?: string; as?: string }): string;
  abstract layerNorm(x: string, name: string, o: { epsilon: number; as?: string }): string;
  abstract merge(op: 'concat' | 'add' | 'average' | 'multiply' | 'maximum', xs: string[], name: string, o?: { as?: string }): string;
  abstract custom(layer: CustomLayerRef, name: string, inputs: string[], config: Record<string, EmitConfigValue>, outShapes: number[][], o?: { as?: string }): string[];

  /** Note that the program uses `layer`; returns its class name in the exported code. */
  protected useLayer(layer: CustomLayerRef): string {
    const className = layer.className.slice('FusionLab>'.length);
    this.state.customClasses.add(className);
    this.state.customLayers.set(className, layer);
    return className;
  }

  // Shape rules shared by every target (they mirror tfjs).
  protected convShape(x: Shape, filters: number, kernel: number, padding: 'same' | 'valid', spatial: number): Shape {
    const lead = x.slice(0, x.length - spatial - 1);
    const sp = x.slice(x.length - spatial - 1, -1).map((d) => (padding === 'same' ? d : d - kernel + 1));
    return [...lead, ...sp, filters];
  }
  protected poolShape(x: Shape, size: number, spatial: number): Shape {
    const lead = x.slice(0, x.length - spatial - 1);
    const sp = x.slice(x.length - spatial - 1, -1).map((d) => Math.floor(d / size));
    return [...lead, ...sp, x[x.length - 1]];
  }
  protected globalShape(x: Shape, perFrame: boolean): Shape {
    return perFrame ? [x[0], x[x.length - 1]] : [x[x.length - 1]];
  }
  protected flattenShape(x: Shape, perFrame: boolean): Shape {
    return perFrame ? [x[0], prod(x.slice(1))] : [prod(x)];
  }
  protected mergeShape(op: string, xs: Shape[]): Shape {
    if (op !== 'concat') return [...xs[0]];
    const first = xs[0];
    return [...first.slice(0, -1), xs.reduce((a, s) => a + s[s.length - 1], 0)];
  }
}

// ---------------------------------------------------------------------------------------------
// TypeScript (tfjs)

const TS_ACT: Record<EmitActivation, string> = {
  relu: 'relu',
  gelu: 'gelu',
  tanh: 'tanh',
  sigmoid: 'sigmoid',
  elu: 'elu',
  selu: 'selu',
  swish: 'swish',
  linear: 'linear',
  softmax: 'softmax',
};

/** A TypeScript object literal from plain values. */
function tsObject(o: Record<string, string>): string {
  const parts = Object.entries(o).map(([k, v]) => `${k}: ${v}`);
  return `{ ${parts.join(', ')} }`;
}

function tsValue(v: EmitConfigValue): string {
  if (typeof v === 'string') return tsString(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return `[${v.map(numLit).join(', ')}]`;
  return numLit(v);
}

/** Marker replaced by `const` or `let` once a node's variables are all known. */
export const DECL = '\u0000DECL\u0000';

export class TfjsLayers extends BaseLayers {
  /** Variables assigned in this node, with their assignment counts. */
  readonly assigned = new Map<string, number>();

  comment(text: string): void {
    this.code.apply.push(...lineComments(text, '//', '  '));
  }

  private assign(v: string, expr: string, shape: Shape): string {
    const first = !this.state.declared.has(v);
    this.state.declared.add(v);
    this.assigned.set(v, (this.assigned.get(v) ?? 0) + 1);
    this.code.apply.push(`  ${first ? `${DECL}${v}` : v} = ${expr};`);
    this.shapes.set(v, shape);
    return v;
  }

  private layer(ctor: string, args: Record<string, string>, name: string, x: string, perFrame = false): string {
    const frozen: Record<string, string> = this.frozen ? { trainable: 'false' } : {};
    const inner = `tf.layers.${ctor}(${tsObject({ ...args, ...frozen, name: tsString(this.tfjsName(name)) })})`;
    const layer = perFrame ? `tf.layers.timeDistributed({ layer: ${inner}, ${this.frozen ? 'trainable: false, ' : ''}name: ${tsString(this.tfjsName(`frames_${name}`))} })` : inner;
    return `${layer}.apply(${x}) as tf.SymbolicTensor`;
  }

  private act(a?: EmitActivation): Record<string, string> {
    return a && a !== 'linear' ? { activation: tsString(TS_ACT[a]) } : {};
  }

  dense(x: string, name: string, o: { units: number; activation?: EmitActivation; useBias?: boolean; as?: string }): string {
    const s = this.shapeOf(x);
    return this.assign(this.out(o.as), this.layer('dense', { units: numLit(o.units), ...this.act(o.activation), ...(o.useBias === false ? { useBias: 'false' } : {}) }, name, x), [...s.slice(0, -1), o.units]);
  }
  conv2d(x: string, name: string, o: { filters: number; kernelSize: number; activation?: EmitActivation; useBias?: boolean; perFrame?: boolean; as?: string }): string {
    const args = { filters: numLit(o.filters), kernelSize: numLit(o.kernelSize), padding: '"same"', ...this.act(o.activation), ...(o.useBias === false ? { useBias: 'false' } : {}), kernelInitializer: '"heNormal"' };
    return this.assign(this.out(o.as), this.layer('conv2d', args, name, x, o.perFrame), this.convShape(this.shapeOf(x), o.filters, o.kernelSize, 'same', 2));
  }
  conv1d(x: string, name: string, o: { filters: number; kernelSize: number; padding: 'same' | 'valid'; activation?: EmitActivation; useBias?: boolean; as?: string }): string {
    const args = { filters: numLit(o.filters), kernelSize: numLit(o.kernelSize), padding: tsString(o.padding), ...this.act(o.activation), ...(o.useBias === false ? { useBias: 'false' } : {}), kernelInitializer: '"heNormal"' };
    return this.assign(this.out(o.as), this.layer('conv1d', args, name, x), this.convShape(this.shapeOf(x), o.filters, o.kernelSize, o.padding, 1));
  }
  batchNorm(x: string, name: string, o: { perFrame?: boolean; as?: string } = {}): string {
    return this.assign(this.out(o.as), this.layer('batchNormalization', {}, name, x, o.perFrame), this.shapeOf(x));
  }
  activation(x: string, name: string, activation: EmitActivation, o: { perFrame?: boolean; as?: string } = {}): string {
    return this.assign(this.out(o.as), this.layer('activation', { activation: tsString(TS_ACT[activation]) }, name, x, o.perFrame), this.shapeOf(x));
  }
  pool2d(x: string, name: string, o: { mode: 'max' | 'avg'; size: number; perFrame?: boolean; as?: string }): string {
    const ctor = o.mode === 'max' ? 'maxPooling2d' : 'averagePooling2d';
    return this.assign(this.out(o.as), this.layer(ctor, { poolSize: numLit(o.size), strides: numLit(o.size) }, name, x, o.perFrame), this.poolShape(this.shapeOf(x), o.size, 2));
  }
  pool1d(x: string, name: string, o: { mode: 'max' | 'avg'; size: number; as?: string }): string {
    const ctor = o.mode === 'max' ? 'maxPooling1d' : 'averagePooling1d';
    return this.assign(this.out(o.as), this.layer(ctor, { poolSize: numLit(o.size), strides: numLit(o.size) }, name, x), this.poolShape(this.shapeOf(x), o.size, 1));
  }
  globalPool(x: string, name: string, o: { mode: 'max' | 'avg'; perFrame?: boolean; as?: string }): string {
    const s = this.shapeOf(x);
    const spatial = s.length - (o.perFrame ? 1 : 0) - 1;
    const ctor = `global${o.mode === 'max' ? 'Max' : 'Average'}Pooling${spatial}d`;
    return this.assign(this.out(o.as), this.layer(ctor, {}, name, x, o.perFrame), this.globalShape(s, !!o.perFrame));
  }
  flatten(x: string, name: string, o: { perFrame?: boolean; as?: string } = {}): string {
    return this.assign(this.out(o.as), this.layer('flatten', {}, name, x, o.perFrame), this.flattenShape(this.shapeOf(x), !!o.perFrame));
  }
  reshape(x: string, name: string, shape: number[], o: { as?: string } = {}): string {
    return this.assign(this.out(o.as), this.layer('reshape', { targetShape: `[${shape.map(numLit).join(', ')}]` }, name, x), shape);
  }
  dropout(x: string, name: string, rate: number, o: { as?: string } = {}): string {
    return this.assign(this.out(o.as), this.layer('dropout', { rate: numLit(rate) }, name, x), this.shapeOf(x));
  }
  embedding(x: string, name: string, o: { vocabSize: number; dim: number; maskZero?: boolean; as?: string }): string {
    // N(0, 1) as FusionLab trains it (nodes/shared.ts embedTokens); tfjs' default is uniform ±0.05.
    const args = { inputDim: numLit(o.vocabSize), outputDim: numLit(o.dim), embeddingsInitializer: 'tf.initializers.randomNormal({ mean: 0, stddev: 1 })', ...(o.maskZero ? { maskZero: 'true' } : {}) };
    return this.assign(this.out(o.as), this.layer('embedding', args, name, x), [...this.shapeOf(x), o.dim]);
  }
  rnn(x: string, name: string, o: { cell: 'gru' | 'lstm'; units: number; returnSequences: boolean; bidirectional?: { name: string }; mask?: string; as?: string }): string {
    const s = this.shapeOf(x);
    const width = o.units * (o.bidirectional ? 2 : 1);
    const frozen: Record<string, string> = this.frozen ? { trainable: 'false' } : {};
    const cell = `tf.layers.${o.cell}(${tsObject({ units: numLit(o.units), returnSequences: o.returnSequences ? 'true' : 'false', ...frozen, name: tsString(this.tfjsName(name)) })})`;
    const expr = o.bidirectional
      ? `tf.layers.bidirectional({ layer: ${cell}, mergeMode: "concat", ${this.frozen ? 'trainable: false, ' : ''}name: ${tsString(this.tfjsName(o.bidirectional.name))} }).apply(${x}) as tf.SymbolicTensor`
      : `${cell}.apply(${x}) as tf.SymbolicTensor`;
    return this.assign(this.out(o.as), expr, o.returnSequences ? [s[0], width] : [width]);
  }
  layerNorm(x: string, name: string, o: { epsilon: number; as?: string }): string {
    return this.assign(this.out(o.as), this.layer('layerNormalization', { epsilon: numLit(o.epsilon) }, name, x), this.shapeOf(x));
  }
  merge(op: 'concat' | 'add' | 'average' | 'multiply' | 'maximum', xs: string[], name: string, o: { as?: string } = {}): string {
    const ctor = op === 'concat' ? 'concatenate' : op;
    const args: Record<string, string> = op === 'concat' ? { axis: '-1' } : {};
    return this.assign(this.out(o.as), this.layer(ctor, args, name, `[${xs.join(', ')}]`), this.mergeShape(op, xs.map((v) => this.shapeOf(v))));
  }
  custom(layer: CustomLayerRef, name: string, inputs: string[], config: Record<string, EmitConfigValue>, outShapes: number[][], o: { as?: string } = {}): string[] {
    const className = this.useLayer(layer);
    const args: Record<string, string> = {};
    for (const [k, v] of Object.entries(config)) args[k] = tsValue(v);
    if (this.frozen) args.trainable = 'false';
    args.name = tsString(this.tfjsName(name));
    const input = inputs.length === 1 ? inputs[0] : `[${inputs.join(', ')}]`;
    const applied = `new ${className}(${tsObject(args)}).apply(${input})`;
    if (outShapes.length === 1) return [this.assign(this.out(o.as), `${applied} as tf.SymbolicTensor`, outShapes[0])];
    const vars = outShapes.map((_, i) => `${this.out(o.as)}${i === 0 ? '' : `_${i + 1}`}`);
    const tmp = `${this.out(o.as)}_outputs`;
    this.assign(tmp, `${applied} as tf.SymbolicTensor[]`, []);
    vars.forEach((v, i) => this.assign(v, `${tmp}[${i}]`, outShapes[i]));
    return vars;
  }
}

// ---------------------------------------------------------------------------------------------
// Python (Keras)

const KERAS_ACT: Record<EmitActivation, string> = {
  relu: 'relu',
  gelu: 'gelu',
  tanh: 'tanh',
  sigmoid: 'sigmoid',
  elu: 'elu',
  selu: 'selu',
  swish: 'swish',
  linear: 'linear',
  softmax: 'softmax',
};

function pyValue(v: EmitConfigValue): string {
  if (typeof v === 'string') return pyString(v);
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (Array.isArray(v)) return `[${v.map(numLit).join(', ')}]`;
  return numLit(v);
}

function pyArgs(pos: string[], kw: Record<string, string>): string {
  return [...pos, ...Object.entries(kw).map(([k, v]) => `${k}=${v}`)].join(', ');
}

export class KerasLayers extends BaseLayers {
  comment(text: string): void {
    this.code.apply.push(...lineComments(text, '#', '    '));
  }

  /** Keras layer names: built from the node's identifier (Keras refuses odd characters). */
  private kname(suffix: string): string {
    return suffix ? `${this.ident}__${suffix}` : this.ident;
  }

  private record(suffix: string, kind: WeightSpec['kind'], cell?: 'gru' | 'lstm', tfjs = suffix): void {
    this.state.weights.push({ tfjsLayer: this.tfjsName(tfjs), target: this.kname(suffix), kind, cell });
  }

  private assign(v: string, expr: string, shape: Shape): string {
    this.code.apply.push(`    ${v} = ${expr}`);
    this.shapes.set(v, shape);
    return v;
  }

  private layer(ctor: string, pos: string[], kw: Record<string, string>, name: string, x: string, perFrame = false): string {
    const frozen: Record<string, string> = this.frozen ? { trainable: 'False' } : {};
    const inner = `layers.${ctor}(${pyArgs(pos, { ...kw, ...frozen, name: pyString(this.kname(name)) })})`;
    const layer = perFrame ? `layers.TimeDistributed(${inner}, ${this.frozen ? 'trainable=False, ' : ''}name=${pyString(this.kname(`frames_${name}`))})` : inner;
    return `${layer}(${x})`;
  }

  private act(a?: EmitActivation): Record<string, string> {
    return a && a !== 'linear' ? { activation: pyString(KERAS_ACT[a]) } : {};
  }

  dense(x: string, name: string, o: { units: number; activation?: EmitActivation; useBias?: boolean; as?: string }): string {
    this.record(name, 'dense');
    const s = this.shapeOf(x);
    return this.assign(this.out(o.as), this.layer('Dense', [numLit(o.units)], { ...this.act(o.activation), ...(o.useBias === false ? { use_bias: 'False' } : {}) }, name, x), [...s.slice(0, -1), o.units]);
  }
  conv2d(x: string, name: string, o: { filters: number; kernelSize: number; activation?: EmitActivation; useBias?: boolean; perFrame?: boolean; as?: string }): string {
    this.record(o.perFrame ? `frames_${name}` : name, 'conv2d', undefined, o.perFrame ? `frames_${name}` : name);
    const kw = { padding: '"same"', ...this.act(o.activation), ...(o.useBias === false ? { use_bias: 'False' } : {}), kernel_initializer: '"he_normal"' };
    return this.assign(this.out(o.as), this.layer('Conv2D', [numLit(o.filters), numLit(o.kernelSize)], kw, name, x, o.perFrame), this.convShape(this.shapeOf(x), o.filters, o.kernelSize, 'same', 2));
  }
  conv1d(x: string, name: string, o: { filters: number; kernelSize: number; padding: 'same' | 'valid'; activation?: EmitActivation; useBias?: boolean; as?: string }): string {
    this.record(name, 'conv1d');
    const kw = { padding: pyString(o.padding), ...this.act(o.activation), ...(o.useBias === false ? { use_bias: 'False' } : {}), kernel_initializer: '"he_normal"' };
    return this.assign(this.out(o.as), this.layer('Conv1D', [numLit(o.filters), numLit(o.kernelSize)], kw, name, x), this.convShape(this.shapeOf(x), o.filters, o.kernelSize, o.padding, 1));
  }
  batchNorm(x: string, name: string, o: { perFrame?: boolean; as?: string } = {}): string {
    this.record(o.perFrame ? `frames_${name}` : name, 'batchnorm', undefined, o.perFrame ? `frames_${name}` : name);
    // tfjs and Keras share the defaults: momentum 0.99, epsilon 1e-3.
    return this.assign(this.out(o.as), this.layer('BatchNormalization', [], { momentum: '0.99', epsilon: '1e-3' }, name, x, o.perFrame), this.shapeOf(x));
  }
  activation(x: string, name: string, activation: EmitActivation, o: { perFrame?: boolean; as?: string } = {}): string {
    return this.assign(this.out(o.as), this.layer('Activation', [pyString(KERAS_ACT[activation])], {}, name, x, o.perFrame), this.shapeOf(x));
  }
  pool2d(x: string, name: string, o: { mode: 'max' | 'avg'; size: number; perFrame?: boolean; as?: string }): string {
    const ctor = o.mode === 'max' ? 'MaxPooling2D' : 'AveragePooling2D';
    return this.assign(this.out(o.as), this.layer(ctor, [], { pool_size: numLit(o.size), strides: numLit(o.size) }, name, x, o.perFrame), this.poolShape(this.shapeOf(x), o.size, 2));
  }
  pool1d(x: string, name: string, o: { mode: 'max' | 'avg'; size: number; as?: string }): string {
    const ctor = o.mode === 'max' ? 'MaxPooling1D' : 'AveragePooling1D';
    return this.assign(this.out(o.as), this.layer(ctor, [], { pool_size: numLit(o.size), strides: numLit(o.size) }, name, x), this.poolShape(this.shapeOf(x), o.size, 1));
  }
  globalPool(x: string, name: string, o: { mode: 'max' | 'avg'; perFrame?: boolean; as?: string }): string {
    const s = this.shapeOf(x);
    const spatial = s.length - (o.perFrame ? 1 : 0) - 1;
    const ctor = `Global${o.mode === 'max' ? 'Max' : 'Average'}Pooling${spatial}D`;
    return this.assign(this.out(o.as), this.layer(ctor, [], {}, name, x, o.perFrame), this.globalShape(s, !!o.perFrame));
  }
  flatten(x: string, name: string, o: { perFrame?: boolean; as?: string } = {}): string {
    return this.assign(this.out(o.as), this.layer('Flatten', [], {}, name, x, o.perFrame), this.flattenShape(this.shapeOf(x), !!o.perFrame));
  }
  reshape(x: string, name: string, shape: number[], o: { as?: string } = {}): string {
    return this.assign(this.out(o.as), this.layer('Reshape', [`(${shape.map(numLit).join(', ')},)`], {}, name, x), shape);
  }
  dropout(x: string, name: string, rate: number, o: { as?: string } = {}): string {
    return this.assign(this.out(o.as), this.layer('Dropout', [numLit(rate)], {}, name, x), this.shapeOf(x));
  }
  embedding(x: string, name: string, o: { vocabSize: number; dim: number; maskZero?: boolean; as?: string }): string {
    this.record(name, 'embedding');
    // N(0, 1) as FusionLab trains it; Keras' default is uniform ±0.05.
    const kw: Record<string, string> = { embeddings_initializer: 'keras.initializers.RandomNormal(mean=0.0, stddev=1.0)', ...(o.maskZero ? { mask_zero: 'True' } : {}) };
    return this.assign(this.out(o.as), this.layer('Embedding', [numLit(o.vocabSize), numLit(o.dim)], kw, name, x), [...this.shapeOf(x), o.dim]);
  }
  rnn(x: string, name: string, o: { cell: 'gru' | 'lstm'; units: number; returnSequences: boolean; bidirectional?: { name: string }; mask?: string; as?: string }): string {
    const s = this.shapeOf(x);
    const width = o.units * (o.bidirectional ? 2 : 1);
    // tfjs cells: hard-sigmoid gates (0.2 x + 0.5, which Keras 3's "hard_sigmoid" is not: the export
    // brings its own), and the GRU applies its reset gate before the recurrent matrix
    // (reset_after=False); Keras defaults differ, so both are set explicitly.
    this.state.customClasses.add('tfjs_hard_sigmoid');
    const kw: Record<string, string> = { return_sequences: o.returnSequences ? 'True' : 'False', recurrent_activation: 'tfjs_hard_sigmoid' };
    if (o.cell === 'gru') kw.reset_after = 'False';
    if (this.frozen) kw.trainable = 'False';
    const cell = `layers.${o.cell.toUpperCase()}(${pyArgs([numLit(o.units)], { ...kw, name: pyString(this.kname(name)) })})`;
    const outer = o.bidirectional ? o.bidirectional.name : name;
    this.record(outer, o.bidirectional ? 'birnn' : 'rnn', o.cell);
    const expr = o.bidirectional ? `layers.Bidirectional(${cell}, merge_mode="concat", ${this.frozen ? 'trainable=False, ' : ''}name=${pyString(this.kname(o.bidirectional.name))})(${x})` : `${cell}(${x})`;
    return this.assign(this.out(o.as), expr, o.returnSequences ? [s[0], width] : [width]);
  }
  layerNorm(x: string, name: string, o: { epsilon: number; as?: string }): string {
    this.record(name, 'layernorm');
    return this.assign(this.out(o.as), this.layer('LayerNormalization', [], { epsilon: numLit(o.epsilon) }, name, x), this.shapeOf(x));
  }
  merge(op: 'concat' | 'add' | 'average' | 'multiply' | 'maximum', xs: string[], name: string, o: { as?: string } = {}): string {
    const ctor = { concat: 'Concatenate', add: 'Add', average: 'Average', multiply: 'Multiply', maximum: 'Maximum' }[op];
    return this.assign(this.out(o.as), this.layer(ctor, [], op === 'concat' ? { axis: '-1' } : {}, name, `[${xs.join(', ')}]`), this.mergeShape(op, xs.map((v) => this.shapeOf(v))));
  }
  custom(layer: CustomLayerRef, name: string, inputs: string[], config: Record<string, EmitConfigValue>, outShapes: number[][], o: { as?: string } = {}): string[] {
    const className = this.useLayer(layer);
    this.record(name, 'custom');
    const kw: Record<string, string> = {};
    for (const [k, v] of Object.entries(config)) kw[snakeCase(k)] = pyValue(v);
    if (this.frozen) kw.trainable = 'False';
    kw.name = pyString(this.kname(name));
    const input = inputs.length === 1 ? inputs[0] : `[${inputs.join(', ')}]`;
    const expr = `${className}(${pyArgs([], kw)})(${input})`;
    if (outShapes.length === 1) return [this.assign(this.out(o.as), expr, outShapes[0])];
    const vars = outShapes.map((_, i) => `${this.out(o.as)}${i === 0 ? '' : `_${i + 1}`}`);
    this.code.apply.push(`    ${vars.join(', ')} = ${expr}`);
    vars.forEach((v, i) => this.shapes.set(v, outShapes[i]));
    return vars;
  }
}

// ---------------------------------------------------------------------------------------------
// Python (PyTorch)

/** Where a PyTorch variable's channels are, and whether video frames are folded into the batch. */
interface TorchVar {
  layout: 'last' | 'first';
  /** Frames folded into the batch ([B·T, …]); the logical shape still starts with T. */
  folded: boolean;
}

function torchAct(a: EmitActivation | undefined, x: string): string {
  switch (a ?? 'linear') {
    case 'relu':
      return `torch.relu(${x})`;
    case 'gelu':
      return `F.gelu(${x})`;
    case 'tanh':
      return `torch.tanh(${x})`;
    case 'sigmoid':
      return `torch.sigmoid(${x})`;
    case 'elu':
      return `F.elu(${x})`;
    case 'selu':
      return `F.selu(${x})`;
    case 'swish':
      return `F.silu(${x})`;
    case 'softmax':
      return `torch.softmax(${x}, dim=-1)`;
    case 'linear':
      return x;
    default: {
      const never: never = a as never;
      throw new Error(`unknown activation ${String(never)}`);
    }
  }
}

export class TorchLayers extends BaseLayers {
  private vars: Map<string, TorchVar>;

  constructor(state: ProgramState, ident: string, nodeId: string, shapes: Map<string, Shape>, vars: Map<string, TorchVar>) {
    super(state, ident, nodeId, shapes);
    this.vars = vars;
  }

  comment(text: string): void {
    this.code.apply.push(...lineComments(text, '#', '        '));
  }
  /** A comment in `__init__`. */
  initComment(text: string): void {
    this.code.init.push(...lineComments(text, '#', '        '));
  }

  private attr(suffix: string): string {
    return suffix ? `${this.ident}_${suffix}` : this.ident;
  }

  private module(suffix: string, expr: string, kind?: WeightSpec['kind'], cell?: 'gru' | 'lstm', tfjs = suffix): string {
    const a = this.attr(suffix);
    this.code.init.push(`        self.${a} = ${expr}`);
    if (kind) this.state.weights.push({ tfjsLayer: this.tfjsName(tfjs), target: a, kind, cell });
    // A frozen node's weights stay as loaded (the app freezes the node's layers).
    if (kind && this.frozen) this.code.init.push(`        self.${a}.requires_grad_(False)`);
    return `self.${a}`;
  }

  private varOf(x: string): TorchVar {
    return this.vars.get(x) ?? { layout: 'last', folded: false };
  }

  /** An expression for x in the wanted layout and folding. */
  private view(x: string, layout: 'last' | 'first', folded: boolean): string {
    const v = this.varOf(x);
    const shape = this.shapeOf(x);
    let e = x;
    let cur = { ...v };
    const toLast = () => {
      if (cur.layout === 'first') {
        const r = shape.length - (cur.folded ? 1 : 0);
        const perm = [0, ...Array.from({ length: r - 1 }, (_, i) => i + 2), 1];
        e = `${e}.permute(${perm.join(', ')})`;
        cur = { ...cur, layout: 'last' };
      }
    };
    if (cur.folded !== folded) {
      toLast();
      e = folded ? `${e}.reshape(-1, ${shape.slice(1).join(', ')})` : `${e}.reshape(-1, ${shape.join(', ')})`;
      cur = { layout: 'last', folded };
    }
    if (layout === 'last') toLast();
    else if (cur.layout === 'last') {
      const r = shape.length - (cur.folded ? 1 : 0);
      if (r >= 2) {
        const perm = [0, r, ...Array.from({ length: r - 1 }, (_, i) => i + 1)];
        e = `${e}.permute(${perm.join(', ')})`;
      }
    }
    return e;
  }

  private assign(v: string, expr: string, shape: Shape, tv: TorchVar = { layout: 'last', folded: false }): string {
    this.code.apply.push(`        ${v} = ${expr}`);
    this.shapes.set(v, shape);
    this.vars.set(v, tv);
    return v;
  }

  /** The variable in channels-last, unfolded form (node outputs must be). */
  finish(x: string): string {
    const v = this.varOf(x);
    if (v.layout === 'last' && !v.folded) return x;
    return this.assign(x, this.view(x, 'last', false), this.shapeOf(x));
  }

  dense(x: string, name: string, o: { units: number; activation?: EmitActivation; useBias?: boolean; as?: string }): string {
    const s = this.shapeOf(x);
    const folded = this.varOf(x).folded;
    const m = this.module(name, `nn.Linear(${s[s.length - 1]}, ${o.units}${o.useBias === false ? ', bias=False' : ''})`, 'dense');
    return this.assign(this.out(o.as), torchAct(o.activation, `${m}(${this.view(x, 'last', folded)})`), [...s.slice(0, -1), o.units], { layout: 'last', folded });
  }
  conv2d(x: string, name: string, o: { filters: number; kernelSize: number; activation?: EmitActivation; useBias?: boolean; perFrame?: boolean; as?: string }): string {
    const s = this.shapeOf(x);
    const tfjs = o.perFrame ? `frames_${name}` : name;
    const m = this.module(name, `nn.Conv2d(${s[s.length - 1]}, ${o.filters}, ${o.kernelSize}, padding="same"${o.useBias === false ? ', bias=False' : ''})`, 'conv2d', undefined, tfjs);
    return this.assign(this.out(o.as), torchAct(o.activation, `${m}(${this.view(x, 'first', !!o.perFrame)})`), this.convShape(s, o.filters, o.kernelSize, 'same', 2), { layout: 'first', folded: !!o.perFrame });
  }
  conv1d(x: string, name: string, o: { filters: number; kernelSize: number; padding: 'same' | 'valid'; activation?: EmitActivation; useBias?: boolean; as?: string }): string {
    const s = this.shapeOf(x);
    const pad = o.padding === 'same' ? 'padding="same"' : 'padding=0';
    const m = this.module(name, `nn.Conv1d(${s[s.length - 1]}, ${o.filters}, ${o.kernelSize}, ${pad}${o.useBias === false ? ', bias=False' : ''})`, 'conv1d');
    return this.assign(this.out(o.as), torchAct(o.activation, `${m}(${this.view(x, 'first', false)})`), this.convShape(s, o.filters, o.kernelSize, o.padding, 1), { layout: 'first', folded: false });
  }
  batchNorm(x: string, name: string, o: { perFrame?: boolean; as?: string } = {}): string {
    const s = this.shapeOf(x);
    const folded = !!o.perFrame;
    const r = s.length - (folded ? 1 : 0);
    const cls = r >= 3 ? 'BatchNorm2d' : 'BatchNorm1d';
    const tfjs = o.perFrame ? `frames_${name}` : name;
    // tfjs: epsilon 1e-3, moving averages kept with momentum 0.99 (PyTorch counts it the other way: 0.01).
    const m = this.module(name, `nn.${cls}(${s[s.length - 1]}, eps=1e-3, momentum=0.01)`, 'batchnorm', undefined, tfjs);
    const layout = r >= 2 ? 'first' : 'last';
    return this.assign(this.out(o.as), `${m}(${this.view(x, layout, folded)})`, s, { layout, folded });
  }
  activation(x: string, _name: string, activation: EmitActivation, o: { perFrame?: boolean; as?: string } = {}): string {
    const v = this.varOf(x);
    const layout = activation === 'softmax' ? 'last' : v.layout;
    return this.assign(this.out(o.as), torchAct(activation, this.view(x, layout, v.folded)), this.shapeOf(x), { layout, folded: v.folded });
  }
  pool2d(x: string, _name: string, o: { mode: 'max' | 'avg'; size: number; perFrame?: boolean; as?: string }): string {
    const fn = o.mode === 'max' ? 'F.max_pool2d' : 'F.avg_pool2d';
    return this.assign(this.out(o.as), `${fn}(${this.view(x, 'first', !!o.perFrame)}, ${o.size})`, this.poolShape(this.shapeOf(x), o.size, 2), { layout: 'first', folded: !!o.perFrame });
  }
  pool1d(x: string, _name: string, o: { mode: 'max' | 'avg'; size: number; as?: string }): string {
    const fn = o.mode === 'max' ? 'F.max_pool1d' : 'F.avg_pool1d';
    return this.assign(this.out(o.as), `${fn}(${this.view(x, 'first', false)}, ${o.size})`, this.poolShape(this.shapeOf(x), o.size, 1), { layout: 'first', folded: false });
  }
  globalPool(x: string, _name: string, o: { mode: 'max' | 'avg'; perFrame?: boolean; as?: string }): string {
    const s = this.shapeOf(x);
    const folded = !!o.perFrame;
    const spatial = s.length - (folded ? 1 : 0) - 1;
    const dims = spatial === 2 ? '(2, 3)' : '2';
    const fn = o.mode === 'max' ? 'amax' : 'mean';
    return this.assign(this.out(o.as), `${this.view(x, 'first', folded)}.${fn}(dim=${dims})`, this.globalShape(s, folded), { layout: 'last', folded });
  }
  flatten(x: string, _name: string, o: { perFrame?: boolean; as?: string } = {}): string {
    const folded = !!o.perFrame;
    return this.assign(this.out(o.as), `torch.flatten(${this.view(x, 'last', folded)}, 1)`, this.flattenShape(this.shapeOf(x), folded), { layout: 'last', folded });
  }
  reshape(x: string, _name: string, shape: number[], o: { as?: string } = {}): string {
    return this.assign(this.out(o.as), `${this.view(x, 'last', false)}.reshape(-1, ${shape.map(numLit).join(', ')})`, shape);
  }
  dropout(x: string, name: string, rate: number, o: { as?: string } = {}): string {
    const v = this.varOf(x);
    const m = this.module(name, `nn.Dropout(${numLit(rate)})`);
    return this.assign(this.out(o.as), `${m}(${x})`, this.shapeOf(x), v);
  }
  embedding(x: string, name: string, o: { vocabSize: number; dim: number; maskZero?: boolean; as?: string }): string {
    const m = this.module(name, `nn.Embedding(${o.vocabSize}, ${o.dim})`, 'embedding');
    return this.assign(this.out(o.as), `${m}(${this.view(x, 'last', false)}.long())`, [...this.shapeOf(x), o.dim]);
  }
  rnn(x: string, name: string, o: { cell: 'gru' | 'lstm'; units: number; returnSequences: boolean; bidirectional?: { name: string }; mask?: string; as?: string }): string {
    const s = this.shapeOf(x);
    const cls = o.cell === 'gru' ? 'TfjsGRU' : 'TfjsLSTM';
    this.state.customClasses.add(cls);
    const rs = o.returnSequences ? 'True' : 'False';
    let m: string;
    if (o.bidirectional) {
      this.state.customClasses.add('Bidirectional');
      m = this.module(o.bidirectional.name, `Bidirectional(${cls}(${s[1]}, ${o.units}, return_sequences=${rs}), ${cls}(${s[1]}, ${o.units}, return_sequences=${rs}, go_backwards=True))`, 'birnn', o.cell);
    } else {
      m = this.module(name, `${cls}(${s[1]}, ${o.units}, return_sequences=${rs})`, 'rnn', o.cell);
    }
    const mask = o.mask ? `, mask=(${o.mask} != 0)` : '';
    const width = o.units * (o.bidirectional ? 2 : 1);
    return this.assign(this.out(o.as), `${m}(${this.view(x, 'last', false)}${mask})`, o.returnSequences ? [s[0], width] : [width]);
  }
  layerNorm(x: string, name: string, o: { epsilon: number; as?: string }): string {
    const s = this.shapeOf(x);
    const m = this.module(name, `nn.LayerNorm(${s[s.length - 1]}, eps=${numLit(o.epsilon)})`, 'layernorm');
    return this.assign(this.out(o.as), `${m}(${this.view(x, 'last', false)})`, s);
  }
  merge(op: 'concat' | 'add' | 'average' | 'multiply' | 'maximum', xs: string[], _name: string, o: { as?: string } = {}): string {
    const vs = xs.map((v) => this.view(v, 'last', false));
    let expr: string;
    switch (op) {
      case 'concat':
        expr = `torch.cat([${vs.join(', ')}], dim=-1)`;
        break;
      case 'add':
        expr = vs.join(' + ');
        break;
      case 'average':
        expr = `(${vs.join(' + ')}) / ${vs.length}`;
        break;
      case 'multiply':
        expr = vs.join(' * ');
        break;
      case 'maximum':
        expr = `torch.stack([${vs.join(', ')}]).amax(dim=0)`;
        break;
      default: {
        const never: never = op;
        throw new Error(`unknown merge ${String(never)}`);
      }
    }
    return this.assign(this.out(o.as), expr, this.mergeShape(op, xs.map((v) => this.shapeOf(v))));
  }
  custom(layer: CustomLayerRef, name: string, inputs: string[], config: Record<string, EmitConfigValue>, outShapes: number[][], o: { as?: string } = {}): string[] {
    const className = this.useLayer(layer);
    const kw: Record<string, string> = { input_shapes: `[${inputs.map((v) => `[${this.shapeOf(v).join(', ')}]`).join(', ')}]` };
    for (const [k, v] of Object.entries(config)) if (k !== 'seed') kw[snakeCase(k)] = pyValue(v);
    const m = this.module(name, `${className}(${pyArgs([], kw)})`, 'custom');
    const call = `${m}(${inputs.map((v) => this.view(v, 'last', false)).join(', ')})`;
    if (outShapes.length === 1) return [this.assign(this.out(o.as), call, outShapes[0])];
    const vars = outShapes.map((_, i) => `${this.out(o.as)}${i === 0 ? '' : `_${i + 1}`}`);
    this.code.apply.push(`        ${vars.join(', ')} = ${call}`);
    vars.forEach((v, i) => {
      this.shapes.set(v, outShapes[i]);
      this.vars.set(v, { layout: 'last', folded: false });
    });
    return vars;
  }
}
