/**
 * CPU copies of a model's weights, taken where reading the backend is cheap (the end of an
 * epoch), so that training can continue on another backend when the GPU goes away (WebGL
 * context loss): rebuild the model there and put the copy back. Pure TS; `tf` is an argument.
 */
import type * as tfTypes from '@tensorflow/tfjs';

type TF = typeof tfTypes;

/** One weight's values, in the order of `model.weights`. */
export interface WeightCopy {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  values: Float32Array | Int32Array;
}

/** The weights of a model at one point of training. */
export interface WeightSnapshot {
  /** Epochs completed when the copy was taken. */
  epoch: number;
  weights: WeightCopy[];
}

/**
 * Copy every weight of `model` to the CPU in one backend read (call it once per epoch, never per
 * batch: on WebGL the read waits for the GPU).
 */
export function snapshotWeights(tf: TF, model: tfTypes.LayersModel, epoch: number): WeightSnapshot {
  const ws = model.weights;
  if (ws.length === 0) return { epoch, weights: [] };
  const flat = tf.tidy(() => tf.concat(ws.map((w) => tf.cast(w.read(), 'float32').reshape([-1]))));
  const all = flat.dataSync() as Float32Array;
  flat.dispose();
  let at = 0;
  return {
    epoch,
    weights: ws.map((w) => {
      const shape = [...w.read().shape];
      const n = shape.reduce((a, b) => a * b, 1);
      const part = all.slice(at, at + n);
      at += n;
      const dtype = w.dtype === 'int32' ? 'int32' : 'float32';
      return { name: w.name, shape, dtype, values: dtype === 'int32' ? Int32Array.from(part) : part };
    }),
  };
}

/**
 * Put a snapshot's weights into `model` (built from the same graph, possibly on another
 * backend). Returns a message when the model's weights do not match the snapshot, else null.
 */
export function restoreWeights(tf: TF, model: tfTypes.LayersModel, snap: WeightSnapshot): string | null {
  const ws = model.weights;
  if (ws.length !== snap.weights.length) return `the rebuilt model has ${ws.length} weights, the snapshot ${snap.weights.length}`;
  for (let i = 0; i < ws.length; i++) {
    const have = ws[i].read().shape.join('×');
    const want = snap.weights[i].shape.join('×');
    if (have !== want) return `weight ${ws[i].name} is ${have}, the snapshot's ${snap.weights[i].name} is ${want}`;
  }
  const tensors = snap.weights.map((w) => tf.tensor(w.values, w.shape, w.dtype));
  try {
    model.setWeights(tensors);
  } finally {
    tf.dispose(tensors);
  }
  return null;
}
