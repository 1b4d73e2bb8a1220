/**
 * Trained weights for the exported programs: the compiled tfjs model's weights renamed and
 * re-laid-out as the PyTorch `state_dict` (Dense [in, out] → Linear [out, in]; Conv2D HWIO → OIHW;
 * Conv1D WIO → OIW; BatchNorm gamma/beta/moving stats → weight/bias/running stats; recurrent and
 * custom layers keep the tfjs layout, which the exported classes use), or per Keras layer in
 * `get_weights()` order. Both are written as `.npz`.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import type { WeightSpec } from './layers';
import { encodeNpz, type NpyArray } from './npz';

function arr(tf: typeof tfTypes, t: tfTypes.Tensor, perm?: number[]): NpyArray {
  const x = perm ? tf.transpose(t, perm) : t;
  const out: NpyArray = { data: new Float32Array(x.dataSync()), shape: x.shape as number[] };
  if (x !== t) x.dispose();
  return out;
}

/** The weight's own name inside its layer (`node__gmu/W1` → `W1`), as the exported classes name it. */
function shortName(v: tfTypes.LayerVariable): string {
  const n = v.originalName ?? v.name;
  return n.slice(n.lastIndexOf('/') + 1);
}

/**
 * The PyTorch state_dict arrays of a compiled model, for the WeightSpecs an export produced.
 * Throws when the model does not match the export (a programming error, not a user one).
 */
export function torchStateDict(tf: typeof tfTypes, model: tfTypes.LayersModel, specs: WeightSpec[]): Record<string, NpyArray> {
  const out: Record<string, NpyArray> = {};
  for (const s of specs) {
    const layer = model.getLayer(s.tfjsLayer);
    const ws = layer.getWeights();
    const p = s.target;
    switch (s.kind) {
      case 'dense':
        out[`${p}.weight`] = arr(tf, ws[0], [1, 0]);
        if (ws[1]) out[`${p}.bias`] = arr(tf, ws[1]);
        break;
      case 'conv2d':
        out[`${p}.weight`] = arr(tf, ws[0], [3, 2, 0, 1]);
        if (ws[1]) out[`${p}.bias`] = arr(tf, ws[1]);
        break;
      case 'conv1d':
        out[`${p}.weight`] = arr(tf, ws[0], [2, 1, 0]);
        if (ws[1]) out[`${p}.bias`] = arr(tf, ws[1]);
        break;
      case 'batchnorm':
        out[`${p}.weight`] = arr(tf, ws[0]);
        out[`${p}.bias`] = arr(tf, ws[1]);
        out[`${p}.running_mean`] = arr(tf, ws[2]);
        out[`${p}.running_var`] = arr(tf, ws[3]);
        out[`${p}.num_batches_tracked`] = { data: new BigInt64Array([0n]), shape: [] };
        break;
      case 'embedding':
        out[`${p}.weight`] = arr(tf, ws[0]);
        break;
      case 'layernorm':
        out[`${p}.weight`] = arr(tf, ws[0]);
        out[`${p}.bias`] = arr(tf, ws[1]);
        break;
      case 'rnn':
        ['kernel', 'recurrent_kernel', 'bias'].forEach((n, i) => (out[`${p}.${n}`] = arr(tf, ws[i])));
        break;
      case 'birnn':
        ['kernel', 'recurrent_kernel', 'bias'].forEach((n, i) => {
          out[`${p}.forward_layer.${n}`] = arr(tf, ws[i]);
          out[`${p}.backward_layer.${n}`] = arr(tf, ws[i + 3]);
        });
        break;
      case 'custom':
        layer.weights.forEach((v, i) => (out[`${p}.${shortName(v)}`] = arr(tf, ws[i])));
        break;
      default: {
        const never: never = s.kind;
        throw new Error(`unknown weight kind ${String(never)}`);
      }
    }
  }
  return out;
}

/** Keras arrays: `<layer>/<i>` in `get_weights()` order (the same order as tfjs). */
export function kerasWeightArrays(tf: typeof tfTypes, model: tfTypes.LayersModel, specs: WeightSpec[]): Record<string, NpyArray> {
  const out: Record<string, NpyArray> = {};
  for (const s of specs) {
    const ws = model.getLayer(s.tfjsLayer).getWeights();
    // getWeights() returns the variables' own tensors: read them, never dispose them.
    ws.forEach((w, i) => (out[`${s.target}/${i}`] = arr(tf, w)));
  }
  return out;
}

/** `.npz` bytes of a compiled model's weights for an export target (PyTorch or Keras). */
export function weightsNpz(tf: typeof tfTypes, model: tfTypes.LayersModel, target: 'pytorch' | 'keras', specs: WeightSpec[]): Uint8Array {
  return encodeNpz(target === 'pytorch' ? torchStateDict(tf, model, specs) : kerasWeightArrays(tf, model, specs));
}
