/**
 * Small helpers shared by node files: common param fields and tensor-type checks.
 * Only things used by several kinds live here; anything about one kind stays in its file.
 */
import { z } from 'zod';
import type * as tfTypes from '@tensorflow/tfjs';
import type { BuildContext, CustomLayerRef, NodeDiagnostic, TensorKind, TensorType } from '../engine/spec';
import { RESERVED_IDS } from '../engine/graph';
import { batchNormTrain, batchNormTrainReady } from '../engine/backend/batch-norm-train';

export const ACTIVATIONS = ['relu', 'gelu', 'tanh', 'sigmoid', 'elu', 'selu', 'swish', 'linear'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

/** A param field for an activation function. */
export function activationParam(def: Activation = 'relu') {
  return z.enum(ACTIVATIONS).default(def).describe('Non-linearity applied after each layer.');
}

/**
 * A param field for a dropout rate. Dropout layers are built without a seed: tfjs re-seeds its
 * generator on every call, so a fixed seed would drop the same units in every batch.
 */
export function dropoutParam(def = 0) {
  return z.number().min(0).max(0.9).default(def).describe('Fraction of units dropped at random in training (0 = off); fights over-fitting.');
}

/** A shape-mismatch style diagnostic for an input port. */
export function portProblem(portId: string, message: string, code: NodeDiagnostic['code'] = 'shape-mismatch'): NodeDiagnostic {
  return { severity: 'error', code, message, portId };
}

/** Check that a single connected input has one of the kinds and a given rank. */
export function expectOne(inputs: Record<string, TensorType[]>, portId: string, kinds: TensorKind[], rank?: number[]): TensorType | NodeDiagnostic {
  const list = inputs[portId] ?? [];
  if (list.length === 0) return portProblem(portId, `Connect something to "${portId}".`, 'missing-input');
  const t = list[0];
  if (!kinds.includes(t.kind)) return portProblem(portId, `"${portId}" takes ${kinds.join(' or ')}, not ${t.kind}.`, 'incompatible-kind');
  if (rank && !rank.includes(t.shape.length)) return portProblem(portId, `"${portId}" needs a tensor of rank ${rank.join(' or ')}, got shape [${t.shape.join(', ')}].`, 'bad-shape');
  return t;
}

export function isDiagnostic(x: TensorType | NodeDiagnostic): x is NodeDiagnostic {
  return (x as NodeDiagnostic).code !== undefined;
}

// ---------------------------------------------------------------------------------------------
// Helpers for nodes that join several inputs (fusion.* and late.*).

/** A param field: width every input is projected to by its own dense layer before fusing (0 = off). */
export function projectParam(def = 0) {
  return z
    .number()
    .int()
    .min(0)
    .max(4096)
    .default(def)
    .describe('Project every input to this width with its own dense layer before fusing (0 = off: the inputs must already have equal widths).');
}

/** "a", "a and b", "a, b and c". */
export function listWords(items: (string | number)[]): string {
  const s = items.map(String);
  if (s.length <= 1) return s.join('');
  return `${s.slice(0, -1).join(', ')} and ${s[s.length - 1]}`;
}

/**
 * The tensors on a `multiple` input port, checked for count, kind and rank.
 * Returns the list, or the diagnostics that explain what is wrong.
 */
export function expectMany(
  inputs: Record<string, TensorType[]>,
  portId: string,
  kinds: TensorKind[],
  opts: { min?: number; rank?: number[]; op?: string } = {},
): TensorType[] | NodeDiagnostic[] {
  const list = inputs[portId] ?? [];
  const min = opts.min ?? 2;
  const op = opts.op ?? 'This node';
  if (list.length < min) {
    return [portProblem(portId, `${op} joins at least ${min} inputs on "${portId}", got ${list.length}.`, 'too-few-inputs')];
  }
  const diags: NodeDiagnostic[] = [];
  list.forEach((t, i) => {
    if (!kinds.includes(t.kind)) {
      diags.push(portProblem(portId, `${op} takes ${listWords(kinds)} on "${portId}", but input ${i + 1} is ${t.kind}.`, 'incompatible-kind'));
    } else if (opts.rank && !opts.rank.includes(t.shape.length)) {
      diags.push(portProblem(portId, `${op} needs rank ${opts.rank.join(' or ')} on "${portId}", but input ${i + 1} has shape [${t.shape.join(', ')}].`, 'bad-shape'));
    }
  });
  return diags.length > 0 ? diags : list;
}

/** True when {@link expectMany} returned diagnostics. */
export function isDiagnosticList(x: TensorType[] | NodeDiagnostic[]): x is NodeDiagnostic[] {
  return x.length > 0 && (x[0] as NodeDiagnostic).code !== undefined;
}

/** Last dimension (the feature width) of a tensor type. */
export function widthOf(t: TensorType): number {
  return t.shape[t.shape.length - 1];
}

/**
 * Checks that the inputs of an element-wise operator can be combined: all features, or all
 * sequences of one length; and, unless they are projected (`project > 0`), of one width.
 * The message says the widths and how to fix them.
 */
export function checkSameShape(op: string, list: TensorType[], project: number, portId = 'in'): NodeDiagnostic | null {
  const kinds = [...new Set(list.map((t) => t.kind))];
  if (kinds.length > 1) {
    return portProblem(portId, `${op} cannot mix ${listWords(kinds)} inputs: pool the sequences into features first (or feed only sequences).`);
  }
  if (list[0].kind === 'sequence') {
    const steps = list.map((t) => t.shape[0]);
    if (new Set(steps).size > 1) {
      return portProblem(portId, `${op} needs sequences of equal length, got ${listWords(steps)} steps: give the encoders the same sequence length, or pool them into features first.`);
    }
  }
  if (project > 0) return null;
  const widths = list.map(widthOf);
  const target = widths[0];
  const off = widths.map((w, i) => (w === target ? -1 : i + 1)).filter((i) => i > 0);
  if (off.length === 0) return null;
  return portProblem(
    portId,
    `${op} needs equal widths, got ${listWords(widths)}: set 'project' to ${target}, or widen the encoder feeding input ${listWords(off)} to ${target}.`,
  );
}

/**
 * Checks the inputs of a model-level (late) fusion node: at least two predictions with the same
 * number of classes. Returns the number of classes, or diagnostics.
 */
export function expectPredictions(inputs: Record<string, TensorType[]>, op: string, portId = 'in'): { classes: number; count: number } | NodeDiagnostic[] {
  const list = expectMany(inputs, portId, ['prediction'], { min: 2, rank: [1], op });
  if (isDiagnosticList(list)) return list;
  const classes = list.map((t) => t.shape[0]);
  if (new Set(classes).size > 1) {
    return [
      portProblem(
        portId,
        `${op} needs every branch to predict the same classes, got ${listWords(classes)} classes: make every branch head read the same label column.`,
      ),
    ];
  }
  return { classes: classes[0], count: list.length };
}

// ---------------------------------------------------------------------------------------------
// Custom tfjs layers. Node files must not import tfjs (the module comes in through
// BuildContext.tf), so a custom layer class is made by a factory from the tf module on first use
// and registered for serialization then. `registerCustomLayers(tf)` makes every class that any
// imported node file defined: the app and the CLI call it before `tf.loadLayersModel`, so that a
// saved model reloads even when nothing has been built in this process yet.

type TF = typeof tfTypes;

/** What a custom layer factory returns: a Layer subclass with a static, fixed `className`. */
export interface CustomLayerClass<A> {
  new (args: A): tfTypes.layers.Layer;
  className: string;
}

// `unknown` args: the map holds factories of different layer classes.
const layerFactories = new Map<string, (tf: TF) => CustomLayerClass<never>>();
const madeLayers = new WeakMap<TF, Map<string, CustomLayerClass<never>>>();

function makeLayerClass(tf: TF, className: string): CustomLayerClass<never> {
  let made = madeLayers.get(tf);
  if (!made) {
    made = new Map();
    madeLayers.set(tf, made);
  }
  let cls = made.get(className);
  if (!cls) {
    const factory = layerFactories.get(className);
    if (!factory) throw new Error(`no custom layer ${className}`);
    cls = factory(tf);
    if (cls.className !== className) throw new Error(`custom layer ${className} has className ${cls.className}`);
    // The cast: registerClass wants a constructor taking a ConfigDict; our layers take their args.
    tf.serialization.registerClass(cls as unknown as tfTypes.serialization.SerializableConstructor<tfTypes.layers.Layer>);
    made.set(className, cls);
  }
  return cls;
}

/** A custom layer kind: its saved class name, its export runtimes' sources, and its live class. */
export interface CustomLayer<A> extends CustomLayerRef {
  /** The class for a tf module, made and registered for serialization on first call. */
  of(tf: TF): CustomLayerClass<A>;
}

const definedLayers: CustomLayerRef[] = [];

/**
 * Define a custom layer once (at module load, without tfjs), from the files of its node kind's
 * folder: `make` from `layer.ts`, and the sources of `layer.ts`, `keras.py` and `torch.py` (read
 * with `?raw`) that an export copies. `className` is the fixed name written into saved models,
 * e.g. `FusionLab>TransformerBlock`. The result is the typed key emitters pass to
 * `ctx.layers.custom`.
 */
export function defineCustomLayer<A>(def: CustomLayerRef & { make: (tf: TF) => CustomLayerClass<A> }): CustomLayer<A> {
  const { className, make, tfjs, keras, pytorch, onnx } = def;
  if (layerFactories.has(className)) throw new Error(`custom layer ${className} defined twice`);
  layerFactories.set(className, make as unknown as (tf: TF) => CustomLayerClass<never>);
  const layer: CustomLayer<A> = { className, tfjs, keras, pytorch, ...(onnx ? { onnx } : {}), of: (tf) => makeLayerClass(tf, className) as unknown as CustomLayerClass<A> };
  definedLayers.push(layer);
  return layer;
}

/** Every custom layer defined so far (the contract test checks each one's runtimes). */
export function customLayers(): readonly CustomLayerRef[] {
  return definedLayers;
}

/** Make and register every custom layer class defined so far; returns their class names. */
export function registerCustomLayers(tf: TF): string[] {
  const names = [...layerFactories.keys()];
  for (const n of names) makeLayerClass(tf, n);
  return names;
}


/** One tensor from a `call` input that may be a list. */
export function firstTensor(x: tfTypes.Tensor | tfTypes.Tensor[]): tfTypes.Tensor {
  return Array.isArray(x) ? x[0] : x;
}



// ---------------------------------------------------------------------------------------------
// Convolution stacks shared by the image, audio and video encoders.

/** How blocks downsample: each block ends in a 2×2 (2-D) or `pool` (1-D) pooling. */
export const POOLINGS = ['max', 'avg'] as const;

/** Param fields of a 2-D conv stack (image-cnn, audio-cnn, video-cnn); spread into a z.object. */
export function conv2dParamFields(defaults: { filters: number; blocks: number; units: number }) {
  return {
    filters: z.number().int().min(1).max(256).default(defaults.filters).describe('Filters in the first conv block; each further block doubles them (16 → 32 → 64 …).'),
    blocks: z.number().int().min(1).max(6).default(defaults.blocks).describe('How many conv blocks (conv → [batch norm] → activation → 2×2 pooling); each halves height and width.'),
    kernelSize: z.number().int().min(1).max(9).default(3).describe('Side of the square convolution window, in pixels.'),
    batchNorm: z.boolean().default(true).describe('Batch normalisation after each convolution: faster, steadier training.'),
    pooling: z.enum(POOLINGS).default('max').describe('Pooling at the end of each block: max keeps the strongest response, avg the mean.'),
    activation: activationParam('relu'),
    ending: z
      .enum(['global-average', 'flatten'])
      .default('global-average')
      .describe('How the last feature map becomes a vector: global average pooling (few weights, position-free) or flatten (keeps where things are, many weights).'),
    units: z.number().int().min(1).max(4096).default(defaults.units).describe('Width of the output feature vector (a dense layer after the conv blocks).'),
    dropout: dropoutParam(0),
  };
}

// ---------------------------------------------------------------------------------------------
// Batch normalisation with a fused training step on WASM.

/** The class tfjs registered under `className` (tf.layers exports only factories), to subclass. */
function registeredLayerClass<C>(tf: TF, className: string): C {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[className] as unknown as [C, unknown] | undefined;
  if (!entry) throw new Error(`tfjs has no ${className} class registered`);
  return entry[0];
}

type BatchNormArgs = NonNullable<Parameters<TF['layers']['batchNormalization']>[0]>;
/** The members of tfjs-layers' BatchNormalization read here (TypeScript declares them private). */
interface BatchNormInternals {
  axis: number;
  momentum: number;
  epsilon: number;
  gamma: { read(): tfTypes.Tensor } | null;
  beta: { read(): tfTypes.Tensor } | null;
  movingMean: { read(): tfTypes.Tensor; write(t: tfTypes.Tensor): void };
  movingVariance: { read(): tfTypes.Tensor; write(t: tfTypes.Tensor): void };
}
type BatchNormLayer = tfTypes.layers.Layer;
type BatchNormClass = new (args: BatchNormArgs) => BatchNormLayer;

const batchNormClasses = new WeakMap<TF, BatchNormClass>();

/**
 * A BatchNormalization whose training call, on the WASM backend with FusionLab's native kernels
 * loaded, is one fused kernel with one gradient kernel (engine/backend/batch-norm-train.ts)
 * instead of tfjs-layers' moments + batchNorm (~45 kernels with the gradient). It computes the
 * same function: the batch's mean and biased variance over every axis but the last, the same
 * moving-average update (moving ← moving − (moving − batch)·(1 − momentum)); inference, other
 * backends, and other axes are tfjs-layers' own code.
 *
 * Like {@link foldedTimeDistributed}, a subclass that keeps the class name `BatchNormalization`
 * and every weight name: saved models and exports are unchanged, and reload as tfjs' own class.
 */
function fusedBatchNormClass(tf: TF): BatchNormClass {
  let cls = batchNormClasses.get(tf);
  if (cls) return cls;
  const Base = registeredLayerClass<BatchNormClass>(tf, 'BatchNormalization');
  class FusedBatchNormalization extends Base {
    // No static className: the inherited 'BatchNormalization' is what the model saves.
    override call(inputs: tfTypes.Tensor | tfTypes.Tensor[], kwargs: Parameters<BatchNormLayer['call']>[1]): tfTypes.Tensor | tfTypes.Tensor[] {
      const self = this as unknown as BatchNormInternals;
      const x = firstTensor(inputs);
      const last = self.axis === -1 || self.axis === x.rank - 1;
      if (kwargs.training !== true || !last || x.rank < 2 || x.dtype !== 'float32' || self.gamma == null || self.beta == null || !batchNormTrainReady(tf)) {
        return super.call(inputs, kwargs);
      }
      const { gamma, beta } = self;
      return tf.tidy(() => {
        const [y, mean, variance] = batchNormTrain(tf, x, gamma.read(), beta.read(), self.epsilon);
        const decay = 1 - self.momentum;
        for (const [v, batch] of [[self.movingMean, mean], [self.movingVariance, variance]] as const) {
          tf.tidy(() => {
            const orig = v.read();
            v.write(tf.sub(orig, tf.mul(tf.sub(orig, batch), decay)));
          });
        }
        return y;
      });
    }
  }
  cls = FusedBatchNormalization;
  batchNormClasses.set(tf, cls);
  return cls;
}

/** A batch-norm layer over the last axis named `<node>__<name>` (see {@link fusedBatchNormClass}). */
export function batchNorm(ctx: BuildContext, name: string): tfTypes.layers.Layer {
  const BatchNorm = fusedBatchNormClass(ctx.tf);
  return new BatchNorm({ name: ctx.name(name) });
}

// ---------------------------------------------------------------------------------------------
// Per-frame layers (video): one call over frames × batch.

/** tfjs' TimeDistributed type (the class itself is not exported by name). */
type TimeDistributedLayer = ReturnType<TF['layers']['timeDistributed']>;
type TimeDistributedArgs = Parameters<TF['layers']['timeDistributed']>[0];
type TimeDistributedClass = new (args: TimeDistributedArgs) => TimeDistributedLayer;

const foldedClasses = new WeakMap<TF, TimeDistributedClass>();

/**
 * A TimeDistributed that runs its layer once on the frames folded into the batch:
 * [b, T, …] → [b·T, …] → layer → [b·T, …'] → [b, T, …'].
 *
 * Why: tfjs-layers' TimeDistributed steps over time with its RNN loop (`K.rnn`: one call of the
 * layer per frame, each output stacked, and the gradient through the loop), so an 8-frame video
 * CNN ran 8 small convolutions per layer where one batched convolution does the same work, and
 * the per-step slicing and stacking cost as much again. Folding is free: reshape shares the data.
 *
 * It is a subclass that keeps the class name `TimeDistributed`, so a saved model is a standard
 * tfjs/Keras model: it reloads as tfjs' own TimeDistributed (in FusionLab, in a TypeScript export,
 * in Keras), which computes the same function, and every layer and weight keeps its name and
 * shape (the exports map weights by those names). Nothing is registered: deserialising a
 * TimeDistributed gives tfjs' class, as before.
 *
 * The same function, with one difference in training: batch norm inside it. tfjs' loop
 * normalises each frame with the statistics of that frame over the batch (b samples) and updates
 * the moving averages T times per batch; folded, it normalises with the statistics over all b·T
 * frames and updates them once per batch. In inference both use the moving averages and agree
 * exactly. Folded is what the PyTorch export trains with, and what "precise BN"
 * (engine/train/bn-stats.ts) fits: one mean and variance over every frame.
 */
function foldedTimeDistributed(tf: TF): TimeDistributedClass {
  let cls = foldedClasses.get(tf);
  if (cls) return cls;
  const Base = registeredLayerClass<TimeDistributedClass>(tf, 'TimeDistributed');
  class FoldedTimeDistributed extends Base {
    // No static className: the inherited 'TimeDistributed' is what the model saves (see above).
    override call(inputs: tfTypes.Tensor | tfTypes.Tensor[], kwargs: Parameters<TimeDistributedLayer['call']>[1]): tfTypes.Tensor {
      return tf.tidy(() => {
        const x = firstTensor(inputs);
        const [b, t, ...rest] = x.shape;
        const y = firstTensor(this.layer.call(tf.reshape(x, [b * t, ...rest]), kwargs));
        return tf.reshape(y, [b, t, ...y.shape.slice(1)]);
      });
    }
  }
  cls = FoldedTimeDistributed;
  foldedClasses.set(tf, cls);
  return cls;
}

/**
 * `layer` applied to every frame of a [b, T, …] input, as one call over b·T frames (see
 * {@link foldedTimeDistributed}), named `<node>__frames_<name>` as every export expects.
 */
export function framesLayer(ctx: BuildContext, layer: tfTypes.layers.Layer, name: string): tfTypes.layers.Layer {
  const Folded = foldedTimeDistributed(ctx.tf);
  return new Folded({ layer, name: ctx.name(`frames_${name}`) });
}

/** Params of {@link conv2dStack}. */
export interface Conv2dStackParams {
  filters: number;
  blocks: number;
  kernelSize: number;
  batchNorm: boolean;
  pooling: (typeof POOLINGS)[number];
  activation: Activation;
}

/** Height/width after `blocks` 2×2 poolings with 'valid' padding. */
export function pooledSide(side: number, blocks: number): number {
  let s = side;
  for (let i = 0; i < blocks; i++) s = Math.floor(s / 2);
  return s;
}

/**
 * conv → [batch norm] → activation → 2×2 pooling, `blocks` times, filters doubling per block.
 * With `perFrame`, every layer is wrapped in {@link framesLayer} (video: [frames, h, w, c]).
 * The conv has no bias under batch norm: BN subtracts the batch mean, so a bias would get no
 * gradient at all (and BN's beta plays its role).
 */
export function conv2dStack(ctx: BuildContext, input: tfTypes.SymbolicTensor, p: Conv2dStackParams, perFrame = false): tfTypes.SymbolicTensor {
  const { tf } = ctx;
  const wrap = (layer: tfTypes.layers.Layer, name: string): tfTypes.layers.Layer => (perFrame ? framesLayer(ctx, layer, name) : layer);
  let x = input;
  for (let i = 0; i < p.blocks; i++) {
    const b = i + 1;
    const filters = Math.min(p.filters * 2 ** i, 1024);
    const conv = tf.layers.conv2d({
      filters,
      kernelSize: p.kernelSize,
      padding: 'same',
      useBias: !p.batchNorm,
      activation: p.batchNorm ? 'linear' : p.activation,
      kernelInitializer: tf.initializers.heNormal({ seed: ctx.seed() }),
      name: ctx.name(`conv${b}`),
    });
    x = wrap(conv, `conv${b}`).apply(x) as tfTypes.SymbolicTensor;
    if (p.batchNorm) {
      x = wrap(batchNorm(ctx, `bn${b}`), `bn${b}`).apply(x) as tfTypes.SymbolicTensor;
      x = wrap(tf.layers.activation({ activation: p.activation, name: ctx.name(`act${b}`) }), `act${b}`).apply(x) as tfTypes.SymbolicTensor;
    }
    const pool =
      p.pooling === 'max'
        ? tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: ctx.name(`pool${b}`) })
        : tf.layers.averagePooling2d({ poolSize: 2, strides: 2, name: ctx.name(`pool${b}`) });
    x = wrap(pool, `pool${b}`).apply(x) as tfTypes.SymbolicTensor;
  }
  return x;
}

/** A glorot-uniform initializer with the context's next seed (dense kernels). */
export function glorot(ctx: BuildContext): ReturnType<TF['initializers']['glorotUniform']> {
  return ctx.tf.initializers.glorotUniform({ seed: ctx.seed() });
}

// ---------------------------------------------------------------------------------------------
// Token embeddings shared by the text encoders.

/** Param fields of a token embedding (vocabulary size and width); spread into a z.object. */
export function embeddingParamFields(defaults: { dim: number } = { dim: 32 }) {
  return {
    vocabSize: z
      .number()
      .int()
      .min(2)
      .max(200_000)
      .default(1000)
      .describe('Rows of the embedding table: set it to the text input\'s vocabSize (token ids 0 … vocabSize−1; 0 is padding, 1 unknown).'),
    dim: z.number().int().min(1).max(1024).default(defaults.dim).describe('Width of each token vector (embedding dimension).'),
  };
}

/**
 * Token ids [b, len] → vectors [b, len, dim]. With `maskZero`, padding (id 0) is masked for the
 * recurrent layers that read tfjs masks.
 */
export function embedTokens(ctx: BuildContext, tokens: tfTypes.SymbolicTensor, p: { vocabSize: number; dim: number }, maskZero = false): tfTypes.SymbolicTensor {
  const { tf } = ctx;
  return tf.layers
    .embedding({
      inputDim: p.vocabSize,
      outputDim: p.dim,
      maskZero,
      // N(0, 1), PyTorch's default, not Keras' uniform ±0.05: word vectors then start at the scale
      // of the other modalities' features. At ±0.05 the text branch of a fused model is ~20× weaker
      // at first and a small image set overfits before the caption is heard (README, design notes).
      embeddingsInitializer: tf.initializers.randomNormal({ mean: 0, stddev: 1, seed: ctx.seed() }),
      name: ctx.name('embedding'),
    })
    .apply(tokens) as tfTypes.SymbolicTensor;
}

// ---------------------------------------------------------------------------------------------
// Dataset columns.

/**
 * A dataset column name: any text but a property name every JavaScript object has (`constructor`,
 * `toString`, …), which a record of cells would find even where the column is absent, and which a
 * saved model's fitted state refuses (engine/fitted-schema.ts): caught here, before training.
 */
export function columnName() {
  return z
    .string()
    .min(1)
    .refine((c) => !RESERVED_IDS.has(c), { message: 'is a property name of every JavaScript object; rename the column in the data and here' });
}

// ---------------------------------------------------------------------------------------------
// Heads.

/** Param fields every head has: the label column and an optional hidden layer. */
export function headParamFields() {
  return {
    column: columnName().default('label').describe('Dataset column holding the target this head predicts.'),
    hidden: z.number().int().min(0).max(4096).default(0).describe('Units of an optional hidden dense layer before the output (0 = none).'),
    activation: activationParam('relu'),
    dropout: dropoutParam(0),
  };
}

/** A head's input check: one feature vector; a sequence gets a message on how to pool it. */
export function expectHeadInput(inputs: Record<string, TensorType[]>): TensorType | NodeDiagnostic {
  const t = (inputs.in ?? [])[0];
  if (t && t.kind === 'sequence') {
    return portProblem('in', 'A head needs one feature vector per sample, not a sequence: set the encoder\'s output to "features" or pool the sequence first.', 'incompatible-kind');
  }
  return expectOne(inputs, 'in', ['features', 'tabular'], [1]);
}

/** Optional dropout + hidden layer, then the output dense layer with the given activation. */
export function buildHead(
  ctx: BuildContext,
  input: tfTypes.SymbolicTensor,
  p: { hidden: number; activation: Activation; dropout: number },
  units: number,
  outActivation: 'softmax' | 'sigmoid' | 'linear',
): tfTypes.SymbolicTensor {
  const { tf } = ctx;
  let x = input;
  if (p.hidden > 0) x = tf.layers.dense({ units: p.hidden, activation: p.activation, kernelInitializer: glorot(ctx), name: ctx.name('hidden') }).apply(x) as tfTypes.SymbolicTensor;
  if (p.dropout > 0) x = tf.layers.dropout({ rate: p.dropout, name: ctx.name('dropout') }).apply(x) as tfTypes.SymbolicTensor;
  return tf.layers.dense({ units, activation: outActivation, kernelInitializer: glorot(ctx), name: ctx.name('out') }).apply(x) as tfTypes.SymbolicTensor;
}

/**
 * A text encoder's embedding table must cover every token id its input can send: the input's
 * vocabulary travels on the tokens type, so a mismatch is caught before training.
 */
export function vocabProblem(t: TensorType, vocabSize: number): NodeDiagnostic | undefined {
  if (t.vocab === undefined || t.vocab <= vocabSize) return undefined;
  return portProblem('in', `The text input has a vocabulary of ${t.vocab} token ids, but this embedding has ${vocabSize} rows: set "vocabSize" to ${t.vocab} or more (or lower the input's vocabSize).`, 'shape-mismatch');
}

/**
 * The one tokens input of a text encoder on port 'in': a [len] tokens tensor, non-empty, whose
 * vocabulary fits an embedding of `vocabSize` rows; or the diagnostics that say why not.
 */
export function tokensInput(inputs: Record<string, TensorType[]>, vocabSize: number): TensorType | NodeDiagnostic[] {
  const t = expectOne(inputs, 'in', ['tokens'], [1]);
  if (isDiagnostic(t)) return [t];
  const vocab = vocabProblem(t, vocabSize);
  if (vocab) return [vocab];
  if (t.shape[0] < 1) return [{ severity: 'error', code: 'bad-shape', message: 'The token sequence is empty.', portId: 'in' }];
  return t;
}

/**
 * The input nodes' `missing` param (engine/data/missing.ts): skip a row whose cell is empty, or
 * keep it with the input missing (train-mean filled, with a presence channel the model sees).
 */
export const missingParam = z
  .enum(['skip', 'keep'])
  .default('skip')
  .describe('A row whose cell for this input is empty: skip it, or keep it with this input missing — filled with the train mean and marked by one more channel (1 = present, 0 = missing) that the model sees; text gets no channel, an empty text is all padding.');
