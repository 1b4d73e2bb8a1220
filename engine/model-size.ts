/**
 * Model size without allocating a model: layers built while {@link withoutWeights} runs get
 * shape-only weights, so a graph (or a `model.json` from a bundle) can be summarised, its
 * parameters counted and its activation memory estimated before a single weight exists. A
 * 580-byte graph can ask for a billion parameters; building it for real would take gigabytes.
 */
import type * as tfTypes from '@tensorflow/tfjs';

/** The limits a model must fit before weights are allocated (README, "Limits"). */
export interface ModelLimits {
  /** Most parameters (weights of every layer, trainable or not). 50 M float32 = 200 MB, ×4 with Adam's state and gradients. */
  maxParams: number;
  /** Most activation values per sample, summed over every layer's output (memory per sample in training is about 4 bytes × 2 × this). */
  maxActivationsPerSample: number;
}

export const DEFAULT_MODEL_LIMITS: ModelLimits = {
  maxParams: 50_000_000,
  maxActivationsPerSample: 16_000_000,
};

/** The stand-in for a `LayerVariable` while counting: shape and name, no tensor. */
interface ShapeOnlyWeight {
  name: string;
  originalName: string;
  shape: number[];
  dtype: string;
  trainable: boolean;
  dispose(): void;
  read(): { shape: number[]; dtype: string };
  write(): ShapeOnlyWeight;
}

/** The private weight lists of a tfjs `Layer` (fields of its JS class, reached by name). */
interface LayerInternals {
  name: string;
  _addedWeightNames: string[];
  _trainableWeights: ShapeOnlyWeight[];
  _nonTrainableWeights: ShapeOnlyWeight[];
}

/** A weight's element count; `Infinity` for a shape that is not a list of finite non-negative sizes. */
export function elementCount(shape: readonly (number | null)[]): number {
  let n = 1;
  for (const d of shape) {
    if (d === null) continue;
    if (typeof d !== 'number' || !Number.isFinite(d) || d < 0) return Infinity;
    n *= d;
  }
  return n;
}

/**
 * Run `run` with every tfjs layer's `addWeight` replaced by one that records the shape and
 * allocates nothing. Only the synchronous part of `run` is covered (the patch is undone when it
 * returns), which is all that building layers on symbolic inputs needs; `tf.models.modelFromJSON`
 * deserialises its topology synchronously before its first await. What is built inside cannot
 * run: dispose it and drop it.
 */
export function withoutWeights<T>(tf: typeof tfTypes, run: () => T): T {
  const proto = tf.layers.Layer.prototype as unknown as { addWeight: (...args: unknown[]) => unknown };
  const original = proto.addWeight;
  proto.addWeight = function (this: LayerInternals, name: unknown, shape: unknown, dtype?: unknown, _init?: unknown, _reg?: unknown, trainable?: unknown): ShapeOnlyWeight {
    const weightName = String(name);
    if (this._addedWeightNames.includes(weightName)) throw new Error(`Duplicate weight name ${weightName} for layer ${this.name}`);
    this._addedWeightNames.push(weightName);
    const dims = Array.isArray(shape) ? shape.map((d) => (typeof d === 'number' ? d : NaN)) : [NaN];
    const w: ShapeOnlyWeight = {
      name: `${this.name}/${weightName}`,
      originalName: `${this.name}/${weightName}`,
      shape: dims,
      dtype: typeof dtype === 'string' ? dtype : 'float32',
      trainable: trainable !== false,
      dispose() {},
      // Only the shape can be read (tfjs's setWeights compares shapes before writing); a
      // weightless model is never run.
      read() {
        return { shape: dims, dtype: w.dtype };
      },
      // Values written while building (a copied pretrained model's setWeights) are dropped: only
      // the shape matters here.
      write() {
        return w;
      },
    };
    (w.trainable ? this._trainableWeights : this._nonTrainableWeights).push(w);
    return w;
  };
  try {
    return run();
  } finally {
    proto.addWeight = original;
  }
}

/** Parameters and activation values per sample of a built (possibly weightless) model. */
export interface ModelSize {
  params: number;
  activationsPerSample: number;
}

/**
 * A layer's output shape. tfjs's `outputShape` throws for a layer called more than once with
 * different shapes, which a nested model (encoder.pretrained's copy of an upload) is: its own
 * graph and our call. The last call is the one in this model.
 */
export function outputShapeOf(layer: tfTypes.layers.Layer): (number | null)[] | (number | null)[][] {
  try {
    return layer.outputShape as (number | null)[] | (number | null)[][];
  } catch {
    const last = layer.inboundNodes[layer.inboundNodes.length - 1];
    const shapes = last ? (last.outputShapes as (number | null)[] | (number | null)[][]) : [];
    return Array.isArray(shapes[0]) && (shapes as (number | null)[][]).length === 1 ? (shapes as (number | null)[][])[0] : shapes;
  }
}

/** Sum of the weights' sizes and of every layer's output size (batch excluded). */
export function measureModel(model: tfTypes.LayersModel): ModelSize {
  let params = 0;
  for (const w of model.weights) params += elementCount(w.shape);
  let activationsPerSample = 0;
  for (const layer of model.layers) {
    const shape = outputShapeOf(layer) as unknown;
    const shapes: unknown[] = Array.isArray(shape) && shape.length > 0 && Array.isArray(shape[0]) ? (shape as unknown[]) : [shape];
    for (const s of shapes) if (Array.isArray(s)) activationsPerSample += elementCount(s as (number | null)[]);
  }
  return { params, activationsPerSample };
}
