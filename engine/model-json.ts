/**
 * `model.json` from a bundle, checked before tfjs builds anything from it. tfjs trusts the file:
 * layers whose calls form a cycle (or call a layer that never exists) loop forever inside
 * `Container.fromConfig`, a class name such as `constructor` or an activation named after a layer
 * crashes it with "… is not a function", and a 20,000-unit Dense allocates its gigabytes before
 * anything fails. So, in order:
 *
 * 1. the topology is read the way tfjs reads it (keys and string values camel-cased, layer names
 *    kept: `pythonic`), refusing keys that tfjs would merge (`inbound_nodes` and `inbound_nodes_`);
 * 2. its shape is checked with bounds: `Model`/`Functional` at the top, a bounded list of layers,
 *    each of an allowed class (the tfjs layers FusionLab's nodes build, the custom layers
 *    registered at run time, models nested by `encoder.pretrained`), every class named anywhere in
 *    a layer's config (initializers, constraints, regularizers, activations, wrapped layers) a
 *    known one, layer names unique and never an `Object.prototype` property;
 * 3. the layer calls form a graph whose references all exist and which has no cycle (an iterative
 *    topological sort), not deeper than a bound; input and output layers exist;
 * 4. the weights manifest: a bounded list of float32/int32 weights whose shapes are finite
 *    non-negative integers and whose sizes add up to exactly the bytes of `weights.bin`;
 * 5. {@link measureModelJson}: the model is built with shape-only weights (model-size.ts) and its
 *    real parameter and activation counts held to the model limits, and the weights it makes
 *    compared with the manifest, before `tf.loadLayersModel` allocates a single weight;
 * 6. {@link loadCheckedModel}: tfjs builds the topology (its initializers replaced by zeros), the
 *    weights are decoded and set strictly by name, and whatever a failure leaves is disposed.
 *
 * Nothing here imports nodes/: the allowed custom classes are the ones registered with tfjs at
 * run time (see {@link allowedLayerClasses}).
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { DEFAULT_MODEL_LIMITS, elementCount, measureModel, withoutWeights, type ModelLimits } from './model-size';

/** Bounds on the structure of `model.json` (README, "Limits"). */
export interface ModelJsonLimits {
  /** Most layers in all, nested models and wrapped layers included. */
  maxLayers: number;
  /** Longest chain of layer calls in one model (tfjs builds by recursion along it). */
  maxLayerDepth: number;
  /** Most calls of one layer (a layer shared by several inputs is called once per input). */
  maxCallsPerLayer: number;
  /** Most inputs of one call (a concatenation of many branches). */
  maxInputsPerCall: number;
  /** Most models inside models (encoder.pretrained nests one). */
  maxNesting: number;
  /** Most weights in the manifest. */
  maxWeights: number;
  /** Deepest nesting of lists and objects in any JSON file of a bundle or project file. */
  maxJsonDepth: number;
  /** Most values (numbers, strings, lists, objects…) in any JSON file of a bundle or project file. */
  maxJsonValues: number;
}

export const DEFAULT_MODEL_JSON_LIMITS: ModelJsonLimits = {
  maxLayers: 10_000,
  maxLayerDepth: 3_000,
  maxCallsPerLayer: 64,
  maxInputsPerCall: 1_000,
  maxNesting: 4,
  maxWeights: 50_000,
  maxJsonDepth: 64,
  maxJsonValues: 2_000_000,
};

/**
 * The tfjs core layer classes that FusionLab's nodes build (every template and every node kind
 * with its variants, compiled; test/bundle-limits.test.ts keeps this list complete).
 */
export const NODE_LAYER_CLASSES: readonly string[] = [
  'InputLayer',
  'Activation',
  'Add',
  'Average',
  'AveragePooling2D',
  'BatchNormalization',
  'Bidirectional',
  'Concatenate',
  'Conv1D',
  'Conv2D',
  'Dense',
  'Dropout',
  'Embedding',
  'Flatten',
  'GRU',
  'GlobalAveragePooling1D',
  'GlobalAveragePooling2D',
  'GlobalMaxPooling1D',
  'LSTM',
  'LayerNormalization',
  'MaxPooling1D',
  'MaxPooling2D',
  'Maximum',
  'Multiply',
  'Reshape',
  'TimeDistributed',
];

/** Model classes: the top level is `Model` (or Keras's `Functional`); any of them may be nested. */
export const CONTAINER_CLASSES: readonly string[] = ['Model', 'Functional', 'Sequential'];

/**
 * Further standard tfjs layers allowed only inside a nested model: `encoder.pretrained` nests a
 * model the user uploaded (a converted MobileNet holds DepthwiseConv2D, ReLU, ZeroPadding2D…).
 * Recurrent cells, ConvLSTM and the preprocessing layers stay out.
 */
export const PRETRAINED_LAYER_CLASSES: readonly string[] = [
  'AlphaDropout',
  'AveragePooling1D',
  'Conv2DTranspose',
  'Cropping2D',
  'DepthwiseConv2D',
  'Dot',
  'ELU',
  'GaussianDropout',
  'GaussianNoise',
  'GlobalMaxPooling2D',
  'LeakyReLU',
  'Masking',
  'Minimum',
  'Permute',
  'PReLU',
  'ReLU',
  'RepeatVector',
  'Rescaling',
  'SeparableConv2D',
  'SimpleRNN',
  'Softmax',
  'SpatialDropout1D',
  'ThresholdedReLU',
  'UpSampling2D',
  'ZeroPadding2D',
];

/** Classes a layer's config may name besides layers: initializers, constraints, regularizers, activations. */
export const CONFIG_OBJECT_CLASSES: readonly string[] = [
  'Zeros', 'Ones', 'Constant', 'RandomUniform', 'RandomNormal', 'TruncatedNormal', 'Identity', 'VarianceScaling',
  'GlorotUniform', 'GlorotNormal', 'HeNormal', 'HeUniform', 'LeCunNormal', 'LeCunUniform', 'Orthogonal',
  'MaxNorm', 'UnitNorm', 'NonNeg', 'MinMaxNorm', 'L1L2',
];

/** Activation names tfjs knows (a string in `activation`, `recurrent_activation`…). */
const ACTIVATION_NAMES: readonly string[] = [
  'elu', 'selu', 'relu', 'relu6', 'linear', 'sigmoid', 'hardSigmoid', 'softplus', 'softsign', 'tanh', 'softmax', 'logSoftmax', 'gelu', 'geluNew', 'mish', 'swish',
];

/** Initializer, constraint and regularizer names tfjs accepts as a string. */
const SHORT_NAMES: readonly string[] = [
  'constant', 'glorotNormal', 'glorotUniform', 'heNormal', 'heUniform', 'identity', 'leCunNormal', 'leCunUniform', 'ones', 'orthogonal',
  'randomNormal', 'randomUniform', 'truncatedNormal', 'varianceScaling', 'zeros', 'maxNorm', 'minMaxNorm', 'nonNeg', 'unitNorm', 'l1l2', 'l1', 'l2',
];

const CONTAINERS = new Set(CONTAINER_CLASSES);
const CONFIG_OBJECTS = new Set(CONFIG_OBJECT_CLASSES);
const STRING_REFS = new Set([...ACTIVATION_NAMES, ...SHORT_NAMES, ...CONFIG_OBJECT_CLASSES]);
/** Names that would reach `Object.prototype` in tfjs's plain-object tables. */
const RESERVED = new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__']);
/** Layer names: what tfjs accepts as a weight's name scope (a letter or digit, then also `- . _ /`). */
const NAME_PATTERN = /^[A-Za-z0-9][-A-Za-z0-9._/]{0,255}$/;

/** The custom layer classes registered with this tf module (`Package>Name`, tfjs's naming for them). */
export function registeredCustomLayerClasses(tf: typeof tfTypes): string[] {
  const map = tf.serialization.SerializationMap.getMap().classNameMap;
  const out: string[] = [];
  for (const name of Object.keys(map)) {
    const cls = map[name]?.[0] as unknown as { prototype?: unknown } | undefined;
    if (name.includes('>') && cls && cls.prototype instanceof tf.layers.Layer) out.push(name);
  }
  return out;
}

/**
 * The layer classes a bundle may use: {@link NODE_LAYER_CLASSES}, the custom classes registered
 * now (call after `registerCustomLayers`), and `extra`.
 */
export function allowedLayerClasses(tf: typeof tfTypes, extra: readonly string[] = []): Set<string> {
  return new Set([...NODE_LAYER_CLASSES, ...registeredCustomLayerClasses(tf), ...extra]);
}

// ---------------------------------------------------------------------------------------------
// Reading the topology as tfjs does

/** tfjs's `toCamelCase` (tfjs-layers utils/generic_utils). */
export function toCamelCase(s: string): string {
  if (s.length <= 1 || !s.includes('_')) return s;
  return s.replace(/[_]+(\w|$)/g, (_m, p1: string) => p1.toUpperCase());
}

/** A camel-case key back as the file most likely spells it, for messages. */
function snake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

class Refusal extends Error {}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  if (v === undefined) return 'missing';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (isObject(v)) return 'an object';
  return String(v);
}

/**
 * tfjs's `convertPythonicToTs`: keys and string values camel-cased, except a `name` that is a
 * string and the first item of an inbound node, input or output layer entry. Two keys that become
 * one are refused (tfjs would keep the later). Recursion is bounded by the JSON depth check.
 */
export function pythonic(value: unknown, key = '', path = ''): unknown {
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'string') return toCamelCase(value);
  if (Array.isArray(value)) {
    return value.map((item, i) =>
      (key === 'inboundNodes' || key === 'outputLayers' || key === 'inputLayers') && i === 0 && typeof item === 'string' ? item : pythonic(item, key, `${path}.${i}`),
    );
  }
  if (isObject(value)) {
    const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const k of Object.keys(value)) {
      const v = value[k];
      const tsKey = k === 'name' && typeof v === 'string' ? k : toCamelCase(k);
      if (RESERVED.has(tsKey)) throw new Refusal(`${path ? `${path}.` : ''}${k} is not a field tfjs reads (a reserved name).`);
      if (Object.prototype.hasOwnProperty.call(out, tsKey)) throw new Refusal(`${path ? `${path} ` : ''}has two fields that tfjs reads as one ("${tsKey}").`);
      out[tsKey] = k === 'name' && typeof v === 'string' ? v : pythonic(v, tsKey, `${path ? `${path}.` : ''}${k}`);
    }
    return out;
  }
  throw new Refusal(`${path} holds a value JSON cannot hold.`);
}

// ---------------------------------------------------------------------------------------------
// Checking the topology

/** `model.json` checked: the topology to give tfjs, and the weight specs in manifest order. */
export interface CheckedModelJson {
  /** The topology as tfjs reads it (already camel-cased; tfjs's own conversion leaves it as it is). */
  modelTopology: Record<string, unknown>;
  weightSpecs: tfTypes.io.WeightsManifestEntry[];
  /** Layers in all (nested and wrapped ones included). */
  layers: number;
}

export type ModelJsonCheck = ({ ok: true } & CheckedModelJson) | { ok: false; message: string };

interface CheckContext {
  limits: ModelJsonLimits;
  allowed: ReadonlySet<string>;
  nestedAllowed: ReadonlySet<string>;
  layerCount: number;
}

function req(cond: boolean, message: string): asserts cond {
  if (!cond) throw new Refusal(message);
}

function isIndex(v: unknown, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;
}

function checkName(v: unknown, path: string): string {
  req(typeof v === 'string', `${path} must be a layer name (it is ${show(v)}).`);
  req(NAME_PATTERN.test(v), `${path} ${show(v)} is not a layer name (a letter or digit, then letters, digits, - . _ /; at most 256).`);
  req(!RESERVED.has(v), `${path} ${show(v)} is a reserved name (a property of every JavaScript object).`);
  return v;
}

function onlyKeys(o: Record<string, unknown>, keys: readonly string[], path: string): void {
  for (const k of Object.keys(o)) req(keys.includes(k), `${path} has the unknown field "${snake(k)}".`);
}

function countLayer(ctx: CheckContext): void {
  ctx.layerCount++;
  req(ctx.layerCount <= ctx.limits.maxLayers, `holds more than ${ctx.limits.maxLayers} layers (the limit maxLayers).`);
}

/**
 * Every class a layer's config names (wrapped layers, initializers, constraints, regularizers,
 * activations) must be a known one, and every `dtype` float32 or int32. The initializers are
 * replaced by zeros in the topology given to tfjs: the weights come from weights.bin, and tfjs
 * would otherwise run them while building (an orthogonal initializer is a QR decomposition,
 * cubic in the layer's size). So a model read from a bundle reports zeros initializers.
 */
function checkConfigClasses(config: Record<string, unknown>, path: string, ctx: CheckContext, allowed: ReadonlySet<string>): void {
  const stack: { v: unknown; path: string }[] = [{ v: config, path }];
  while (stack.length) {
    const { v, path: p } = stack.pop() as { v: unknown; path: string };
    if (Array.isArray(v)) {
      v.forEach((x, i) => stack.push({ v: x, path: `${p}.${i}` }));
      continue;
    }
    if (!isObject(v)) continue;
    for (const k of Object.keys(v)) {
      const x = v[k];
      const where = `${p}.${snake(k)}`;
      if (typeof x === 'string' && /(initializer|regularizer|constraint|activation)$/i.test(k)) {
        req(STRING_REFS.has(x), `${where} ${show(x)} is not an initializer, constraint, regularizer or activation tfjs knows.`);
      }
      if (k === 'dtype') req(x === null || x === 'float32' || x === 'int32', `${where} must be "float32" or "int32" (it is ${show(x)}).`);
      if (/initializer$/i.test(k) && x !== null) {
        if (isObject(x)) {
          const c = x.className;
          req(typeof c === 'string' && CONFIG_OBJECTS.has(c), `${where}.class_name ${show(c)} is not a class FusionLab reads.`);
        }
        v[k] = { className: 'Zeros', config: {} };
        continue;
      }
      if (k === 'className') {
        req(typeof x === 'string', `${where} must be a class name (it is ${show(x)}).`);
        if (CONFIG_OBJECTS.has(x)) continue;
        req(allowed.has(x) && !CONTAINERS.has(x), `${where} ${show(x)} is not a class FusionLab reads.`);
        // A wrapped layer (TimeDistributed, Bidirectional): counted like any layer.
        countLayer(ctx);
        continue;
      }
      stack.push({ v: x, path: where });
    }
  }
}

interface ContainerJob {
  config: unknown;
  className: string;
  path: string;
  nesting: number;
}

function checkInputLayerConfig(config: Record<string, unknown>, path: string): void {
  const dtype = config.dtype;
  req(dtype === undefined || dtype === 'float32' || dtype === 'int32', `${path}.dtype must be "float32" or "int32" (it is ${show(dtype)}).`);
  const shape = config.batchInputShape ?? config.inputShape;
  if (shape !== undefined) {
    req(Array.isArray(shape) && shape.length >= 1 && shape.length <= 8, `${path}.batch_input_shape must be a list of 1 to 8 sizes.`);
    shape.forEach((d, i) => req(d === null || isIndex(d, 2 ** 31 - 1), `${path}.batch_input_shape.${i} must be a whole number of at least 0 or null (it is ${show(d)}).`));
  }
}

/** A functional model's layers, their calls and its inputs and outputs. Pushes nested models on `jobs`. */
function checkFunctional(job: ContainerJob, ctx: CheckContext, jobs: ContainerJob[]): void {
  const { path, nesting } = job;
  const lim = ctx.limits;
  const config = job.config;
  req(isObject(config), `${path} must be an object.`);
  onlyKeys(config, ['name', 'layers', 'inputLayers', 'outputLayers'], path);
  if (config.name !== undefined) checkName(config.name, `${path}.name`);
  const layers = config.layers;
  req(Array.isArray(layers) && layers.length >= 1, `${path}.layers must be a list of layers.`);
  req(layers.length <= lim.maxLayers, `${path}.layers holds ${layers.length} layers, over the limit maxLayers = ${lim.maxLayers}.`);
  const allowed = nesting === 0 ? ctx.allowed : ctx.nestedAllowed;
  /** Layer name → index; calls per layer. */
  const index = new Map<string, number>();
  const calls: number[] = [];
  const classes: string[] = [];
  const names: string[] = [];
  /** 1 where node 0 exists before any call (input layers, nested models). */
  const bases: number[] = [];
  layers.forEach((entry, i) => {
    const lp = `${path}.layers.${i}`;
    req(isObject(entry), `${lp} must be an object.`);
    onlyKeys(entry, ['name', 'className', 'config', 'inboundNodes'], lp);
    const name = checkName(entry.name, `${lp}.name`);
    const at = `${lp} (layer "${name}")`;
    req(!index.has(name), `${at}: two layers are named "${name}".`);
    index.set(name, i);
    names.push(name);
    const cls = entry.className;
    req(typeof cls === 'string', `${at}: class_name must be a class name (it is ${show(cls)}).`);
    classes.push(cls);
    const cfg = entry.config;
    req(isObject(cfg), `${at}: config must be an object.`);
    if (cfg.name !== undefined) req(cfg.name === name, `${at}: config.name ${show(cfg.name)} differs from the layer's name.`);
    const inbound = entry.inboundNodes;
    req(Array.isArray(inbound), `${at}: inbound_nodes must be a list.`);
    req(inbound.length <= lim.maxCallsPerLayer, `${at}: inbound_nodes holds ${inbound.length} calls, over the limit maxCallsPerLayer = ${lim.maxCallsPerLayer}.`);
    countLayer(ctx);
    if (CONTAINERS.has(cls)) {
      req(nesting + 1 <= lim.maxNesting, `${at}: models nest more than ${lim.maxNesting} deep (the limit maxNesting).`);
      jobs.push({ config: cfg, className: cls, path: `${lp}.config`, nesting: nesting + 1 });
    } else {
      req(allowed.has(cls), `${at}: the class ${show(cls)} is not a layer FusionLab reads.`);
      checkConfigClasses(cfg, `${lp}.config`, ctx, allowed);
    }
    if (cls === 'InputLayer') {
      req(inbound.length === 0, `${at}: an input layer is not called on anything (inbound_nodes must be empty).`);
      checkInputLayerConfig(cfg, `${lp}.config`);
    }
    // An input layer and a nested model have a node of their own from the start (node 0); the
    // calls in inbound_nodes come after it.
    const base = cls === 'InputLayer' || CONTAINERS.has(cls) ? 1 : 0;
    bases.push(base);
    calls.push(base + inbound.length);
    inbound.forEach((call, k) => {
      const cp = `${at}: inbound_nodes.${k}`;
      req(Array.isArray(call) && call.length >= 1, `${cp} must be a non-empty list of inputs.`);
      req(call.length <= lim.maxInputsPerCall, `${cp} has ${call.length} inputs, over the limit maxInputsPerCall = ${lim.maxInputsPerCall}.`);
      call.forEach((ref, r) => {
        const rp = `${cp}.${r}`;
        req(Array.isArray(ref) && (ref.length === 3 || ref.length === 4), `${rp} must be [layer name, call, output, kwargs].`);
        checkName(ref[0], `${rp}.0`);
        req(isIndex(ref[1], lim.maxCallsPerLayer), `${rp}.1 must be a call index (it is ${show(ref[1])}).`);
        req(isIndex(ref[2], lim.maxInputsPerCall), `${rp}.2 must be an output index (it is ${show(ref[2])}).`);
        if (ref.length === 4) {
          const kw = ref[3];
          req(isObject(kw) && Object.keys(kw).length <= 16, `${rp}.3 must be an object of at most 16 call arguments.`);
          for (const [k, v] of Object.entries(kw)) {
            req(v === null || typeof v === 'boolean' || typeof v === 'number' || (typeof v === 'string' && v.length <= 100), `${rp}.3.${snake(k)} must be a plain value.`);
          }
        }
      });
    });
  });
  // The calls as a graph: vertex = (layer, call); edges from each input's call, and from a layer's
  // previous call (tfjs numbers a layer's calls in the order it makes them).
  const first: number[] = [];
  let vertices = 0;
  for (const c of calls) {
    first.push(vertices);
    vertices += c;
  }
  const succ: number[][] = Array.from({ length: vertices }, () => []);
  const indegree = new Int32Array(vertices);
  const layerOf = new Int32Array(vertices);
  const edge = (from: number, to: number) => {
    succ[from].push(to);
    indegree[to]++;
  };
  layers.forEach((entry, i) => {
    for (let k = 0; k < calls[i]; k++) layerOf[first[i] + k] = i;
    if (classes[i] === 'InputLayer') return;
    const inbound = (entry as Record<string, unknown>).inboundNodes as unknown[][][];
    inbound.forEach((call, k) => {
      const v = first[i] + bases[i] + k;
      if (k > 0) edge(v - 1, v);
      call.forEach((ref, r) => {
        const src = index.get(ref[0] as string);
        const at = `${path}.layers.${i} (layer "${names[i]}"): inbound_nodes.${k}.${r}`;
        req(src !== undefined, `${at} calls the layer ${show(ref[0])}, which is not in the model.`);
        req((ref[1] as number) < calls[src], `${at} uses call ${String(ref[1])} of the layer "${names[src]}", which is called ${calls[src]} time${calls[src] === 1 ? '' : 's'}.`);
        edge(first[src] + (ref[1] as number), v);
      });
    });
  });
  // Kahn's algorithm, with the longest chain.
  const depth = new Int32Array(vertices);
  const ready: number[] = [];
  for (let v = 0; v < vertices; v++) if (indegree[v] === 0) ready.push(v);
  let done = 0;
  let deepest = 0;
  while (ready.length) {
    const v = ready.pop() as number;
    done++;
    const d = depth[v] + 1;
    if (d > deepest) deepest = d;
    for (const w of succ[v]) {
      if (depth[w] < d) depth[w] = d;
      if (--indegree[w] === 0) ready.push(w);
    }
  }
  if (done < vertices) {
    let v = 0;
    while (indegree[v] === 0) v++;
    throw new Refusal(`${path}.layers: the layers' calls form a cycle (through the layer "${names[layerOf[v]]}"); a model's layers must run in an order.`);
  }
  req(deepest <= lim.maxLayerDepth, `${path}.layers: the longest chain of layers is ${deepest} long, over the limit maxLayerDepth = ${lim.maxLayerDepth}.`);
  for (const key of ['inputLayers', 'outputLayers'] as const) {
    const list = config[key];
    const kp = `${path}.${snake(key)}`;
    req(Array.isArray(list) && list.length >= 1 && list.length <= lim.maxLayers, `${kp} must be a non-empty list of layers.`);
    list.forEach((ref, r) => {
      const rp = `${kp}.${r}`;
      req(Array.isArray(ref) && ref.length === 3, `${rp} must be [layer name, call, output].`);
      const name = checkName(ref[0], `${rp}.0`);
      const src = index.get(name);
      req(src !== undefined, `${rp} names the layer "${name}", which is not in the model.`);
      req(isIndex(ref[1], lim.maxCallsPerLayer) && ref[1] < calls[src], `${rp}.1 must be a call of the layer "${name}" (it is ${show(ref[1])}).`);
      req(isIndex(ref[2], lim.maxInputsPerCall), `${rp}.2 must be an output index (it is ${show(ref[2])}).`);
      if (key === 'inputLayers') req(classes[src] === 'InputLayer' && ref[2] === 0, `${rp} names the layer "${name}", which is not an input layer.`);
    });
  }
}

/** A nested Sequential model: a list of layers, each of an allowed class. */
function checkSequential(job: ContainerJob, ctx: CheckContext, jobs: ContainerJob[]): void {
  const { path, nesting } = job;
  const config = job.config;
  req(isObject(config), `${path} must be an object (a Sequential model's config).`);
  onlyKeys(config, ['name', 'layers'], path);
  if (config.name !== undefined) checkName(config.name, `${path}.name`);
  const layers = config.layers;
  req(Array.isArray(layers) && layers.length >= 1, `${path}.layers must be a list of layers.`);
  req(layers.length <= ctx.limits.maxLayers, `${path}.layers holds ${layers.length} layers, over the limit maxLayers = ${ctx.limits.maxLayers}.`);
  const names = new Set<string>();
  layers.forEach((entry, i) => {
    const lp = `${path}.layers.${i}`;
    req(isObject(entry), `${lp} must be an object.`);
    onlyKeys(entry, ['name', 'className', 'config'], lp);
    const cls = entry.className;
    req(typeof cls === 'string', `${lp}.class_name must be a class name (it is ${show(cls)}).`);
    const cfg = entry.config;
    req(isObject(cfg), `${lp}.config must be an object.`);
    if (cfg.name !== undefined) {
      const name = checkName(cfg.name, `${lp}.config.name`);
      req(!names.has(name), `${lp}: two layers are named "${name}".`);
      names.add(name);
    }
    countLayer(ctx);
    if (CONTAINERS.has(cls)) {
      req(nesting + 1 <= ctx.limits.maxNesting, `${lp}: models nest more than ${ctx.limits.maxNesting} deep (the limit maxNesting).`);
      jobs.push({ config: cfg, className: cls, path: `${lp}.config`, nesting: nesting + 1 });
      return;
    }
    req(ctx.nestedAllowed.has(cls), `${lp}: the class ${show(cls)} is not a layer FusionLab reads.`);
    if (cls === 'InputLayer') checkInputLayerConfig(cfg, `${lp}.config`);
    checkConfigClasses(cfg, `${lp}.config`, ctx, ctx.nestedAllowed);
  });
}

function checkManifest(manifest: unknown, weightsBytes: number, limits: ModelJsonLimits & ModelLimits): tfTypes.io.WeightsManifestEntry[] {
  req(Array.isArray(manifest) && manifest.length >= 1 && manifest.length <= 64, 'weightsManifest must be a list of 1 to 64 weight groups.');
  const specs: tfTypes.io.WeightsManifestEntry[] = [];
  const seen = new Set<string>();
  const maxBytes = 4 * limits.maxParams;
  let bytes = 0;
  manifest.forEach((group, g) => {
    const gp = `weightsManifest.${g}`;
    req(isObject(group), `${gp} must be an object.`);
    onlyKeys(group, ['paths', 'weights'], gp);
    req(Array.isArray(group.paths) && group.paths.length <= 64 && group.paths.every((p) => typeof p === 'string' && p.length <= 256), `${gp}.paths must be a list of file names.`);
    const weights = group.weights;
    req(Array.isArray(weights), `${gp}.weights must be a list.`);
    weights.forEach((w, i) => {
      const wp = `${gp}.weights.${i}`;
      req(specs.length < limits.maxWeights, `weightsManifest lists more than ${limits.maxWeights} weights (the limit maxWeights).`);
      req(isObject(w), `${wp} must be an object.`);
      onlyKeys(w, ['name', 'shape', 'dtype'], wp);
      const name = w.name;
      req(typeof name === 'string' && name.length >= 1 && name.length <= 512, `${wp}.name must be a weight name (it is ${show(name)}).`);
      req(!RESERVED.has(name), `${wp}.name ${show(name)} is a reserved name (a property of every JavaScript object).`);
      req(!seen.has(name), `${wp}: two weights are named ${show(name)}.`);
      seen.add(name);
      req(w.dtype === 'float32' || w.dtype === 'int32', `${wp}.dtype must be "float32" or "int32" (it is ${show(w.dtype)}).`);
      const shape = w.shape;
      req(Array.isArray(shape) && shape.length <= 8, `${wp}.shape must be a list of at most 8 sizes.`);
      let n = 1;
      shape.forEach((d, k) => {
        req(isIndex(d, 2 ** 31 - 1), `${wp}.shape.${k} must be a whole number of at least 0 (it is ${show(d)}).`);
        n *= d;
      });
      bytes += 4 * n;
      req(bytes <= maxBytes, `weightsManifest: the weights take more than ${formatCount(maxBytes)} bytes (4 bytes × maxParams = ${formatCount(limits.maxParams)}).`);
      specs.push({ name, shape: shape as number[], dtype: w.dtype });
    });
  });
  req(bytes === weightsBytes, `weightsManifest: the weights take ${formatCount(bytes)} bytes, but weights.bin holds ${formatCount(weightsBytes)}.`);
  return specs;
}

/** 12345678 → "12,345,678". */
export function formatCount(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'more than can be counted';
}

/**
 * Check a parsed `model.json` (steps 1–4 of the module comment) against `weights.bin`'s length.
 * Never throws: a refusal names `model.json` and the field at fault.
 */
export function checkModelJson(
  value: unknown,
  weightsBytes: number,
  opts: { layerClasses: ReadonlySet<string>; limits?: Partial<ModelJsonLimits & ModelLimits> },
): ModelJsonCheck {
  const limits = { ...DEFAULT_MODEL_JSON_LIMITS, ...DEFAULT_MODEL_LIMITS, ...opts.limits };
  try {
    req(isObject(value), 'is not a JSON object.');
    if (value.format !== undefined) req(value.format === 'layers-model', `format must be "layers-model" (it is ${show(value.format)}).`);
    req(isObject(value.modelTopology), `modelTopology must be an object (it is ${show(value.modelTopology)}).`);
    const topology = pythonic(value.modelTopology, '', 'modelTopology');
    req(isObject(topology), 'modelTopology must be an object.');
    onlyKeys(topology, ['className', 'config', 'kerasVersion', 'backend'], 'modelTopology');
    req(topology.className === 'Model' || topology.className === 'Functional', `modelTopology.class_name must be "Model" or "Functional" (it is ${show(topology.className)}).`);
    const nestedAllowed = new Set([...opts.layerClasses, ...PRETRAINED_LAYER_CLASSES]);
    const ctx: CheckContext = { limits, allowed: opts.layerClasses, nestedAllowed, layerCount: 0 };
    const jobs: ContainerJob[] = [{ config: topology.config, className: 'Model', path: 'modelTopology.config', nesting: 0 }];
    while (jobs.length) {
      const job = jobs.pop() as ContainerJob;
      if (job.className === 'Sequential') checkSequential(job, ctx, jobs);
      else checkFunctional(job, ctx, jobs);
    }
    const weightSpecs = checkManifest(value.weightsManifest, weightsBytes, limits);
    return { ok: true, modelTopology: topology, weightSpecs, layers: ctx.layerCount };
  } catch (e) {
    if (e instanceof Refusal) return { ok: false, message: `model.json: ${e.message}` };
    return { ok: false, message: `model.json could not be checked: ${e instanceof Error ? e.message : String(e)}` };
  }
}

// ---------------------------------------------------------------------------------------------
// Measuring without allocating

/** Parameters and activations of a checked model, measured with shape-only weights. */
export interface MeasuredModel {
  params: number;
  activationsPerSample: number;
}

/** A tfjs error as a message that never shows JavaScript's own wording for a crash. */
export function tfjsErrorText(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  if (e instanceof TypeError || /undefined|is not a function|is not iterable|\[object Object\]|Cannot read prop/i.test(text)) return 'its layer configuration is not one tfjs can build';
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/**
 * Build a checked model with shape-only weights (no weight allocated), hold its parameter and
 * activation counts to the model limits, and compare the weights it makes with the manifest
 * (count, order, shapes, dtypes, and the last part of each name: tfjs scopes the names of wrapped
 * layers' weights, which the shape-only build does not). Never throws.
 */
export async function measureModelJson(
  tf: typeof tfTypes,
  checked: CheckedModelJson,
  limits: Partial<ModelLimits> = {},
): Promise<{ ok: true; size: MeasuredModel } | { ok: false; message: string }> {
  const lim = { ...DEFAULT_MODEL_LIMITS, ...limits };
  let model: tfTypes.LayersModel;
  try {
    model = await withoutWeights(tf, () => tf.models.modelFromJSON({ modelTopology: checked.modelTopology as tfTypes.io.ModelJSON["modelTopology"] }));
  } catch (e) {
    return { ok: false, message: `model.json: the model could not be built: ${tfjsErrorText(e)}.` };
  }
  try {
    const size = measureModel(model);
    if (!(size.params <= lim.maxParams)) {
      let top = { name: '', cls: '', params: -1 };
      for (const layer of model.layers) {
        let p = 0;
        for (const w of layer.weights) p += elementCount(w.shape);
        if (p > top.params) top = { name: layer.name, cls: layer.getClassName(), params: p };
      }
      return {
        ok: false,
        message: `model.json: the model has ${formatCount(size.params)} parameters, over the limit maxParams = ${formatCount(lim.maxParams)}; the largest layer is "${top.name}" (${top.cls}) with ${formatCount(top.params)}.`,
      };
    }
    if (!(size.activationsPerSample <= lim.maxActivationsPerSample)) {
      let top = { name: '', cls: '', n: -1 };
      for (const layer of model.layers) {
        const shape = layer.outputShape as unknown;
        const shapes: unknown[] = Array.isArray(shape) && shape.length > 0 && Array.isArray(shape[0]) ? (shape as unknown[]) : [shape];
        let n = 0;
        for (const s of shapes) if (Array.isArray(s)) n += elementCount(s as (number | null)[]);
        if (n > top.n) top = { name: layer.name, cls: layer.getClassName(), n };
      }
      return {
        ok: false,
        message: `model.json: the model makes ${formatCount(size.activationsPerSample)} activation values per sample, over the limit maxActivationsPerSample = ${formatCount(lim.maxActivationsPerSample)}; the largest output is that of "${top.name}" (${top.cls}), ${formatCount(top.n)} values.`,
      };
    }
    const made = model.weights;
    const listed = checked.weightSpecs;
    if (made.length !== listed.length) {
      return { ok: false, message: `model.json: the weights manifest lists ${listed.length} weights, but the layers make ${made.length}.` };
    }
    const last = (n: string) => n.slice(n.lastIndexOf('/') + 1);
    for (let i = 0; i < made.length; i++) {
      const m = made[i];
      const l = listed[i];
      const same = m.shape.length === l.shape.length && m.shape.every((d, k) => d === l.shape[k]) && m.dtype === l.dtype && last(m.originalName) === last(l.name);
      if (!same) {
        return {
          ok: false,
          message: `model.json: weight ${i + 1} of the manifest is "${l.name}" ${l.dtype} [${l.shape.join(', ')}], but the layers make "${m.originalName}" ${m.dtype} [${m.shape.join(', ')}] there.`,
        };
      }
    }
    return { ok: true, size };
  } catch (e) {
    return { ok: false, message: `model.json: the model could not be measured: ${tfjsErrorText(e)}.` };
  } finally {
    try {
      model.dispose();
    } catch {
      // A shape-only model holds no tensors; nothing is left behind if its dispose complains.
    }
  }
}

/**
 * Build a checked and measured model with tfjs and set its weights from `weightData` (strictly:
 * every weight by name, none left over). Never throws, and a failure leaves no tensor behind
 * (tfjs's own `loadLayersModel` leaks the layers it built when building or setting weights fails):
 * the build is synchronous (`LayersModel.fromConfig` on the topology, which is already in the form
 * tfjs's deserializer gives it) inside an engine scope, which disposes its temporary tensors, and
 * the variables of a failed build are disposed by name.
 */
export async function loadCheckedModel(
  tf: typeof tfTypes,
  checked: CheckedModelJson,
  weightData: ArrayBuffer,
): Promise<{ ok: true; model: tfTypes.LayersModel } | { ok: false; message: string }> {
  const config = checked.modelTopology.config as tfTypes.serialization.ConfigDict & { layers: { name: string }[] };
  const ours = new Set(config.layers.map((l) => l.name));
  const before = new Set(Object.keys(tf.engine().registeredVariables));
  let model: tfTypes.LayersModel | undefined;
  let failure: unknown;
  tf.engine().startScope();
  try {
    model = tf.LayersModel.fromConfig(tf.LayersModel, config) as tfTypes.LayersModel;
  } catch (e) {
    failure = e;
  } finally {
    tf.engine().endScope();
  }
  if (!model) {
    // The weights of the layers built before the failure: variables named after this model's layers.
    for (const [name, v] of Object.entries(tf.engine().registeredVariables)) {
      if (!before.has(name) && ours.has(name.split('/')[0])) v.dispose();
    }
    return { ok: false, message: `model.json: the model could not be built: ${tfjsErrorText(failure)}.` };
  }
  let named: tfTypes.NamedTensorMap | undefined;
  try {
    named = tf.io.decodeWeights(weightData, checked.weightSpecs);
    model.loadWeights(named, true);
    return { ok: true, model };
  } catch (e) {
    model.dispose();
    return { ok: false, message: `model.json: the weights could not be set: ${tfjsErrorText(e)}.` };
  } finally {
    if (named) tf.dispose(Object.values(named));
  }
}
