/**
 * The layer vocabulary of node emitters ({@link EmitLayers}) as ONNX operators (opset 17), with the
 * compiled model's weights as initializers: every node kind written against the vocabulary gets
 * its ONNX face from the same emitter as its tfjs, Keras and PyTorch ones. Tensors stay
 * channels-last as in tfjs; convolutions and pooling transpose to ONNX's channels-first and back
 * (onnxruntime folds the transposes). Each call returns a fresh tensor name (ONNX graphs are SSA).
 *
 * Not yet in ONNX: recurrent layers and FusionLab's custom layers (they throw, and the export
 * reports the node as not exportable to ONNX yet).
 */
import type * as tfTypes from '@tensorflow/tfjs';
import type { CustomLayerRef, EmitActivation, EmitConfigValue } from '../../spec';
import { BaseLayers, type ProgramState } from '../layers';
import { onnxActivation } from './ops';
import type { OnnxGraph } from './model-proto';

type Shape = number[];

/** The trained (or freshly initialised) weights of a layer of the compiled model, by its name. */
export type WeightLookup = (layerName: string) => { values: Float32Array; shape: number[] }[];

/** Weights from a tfjs model: `getLayer(name).getWeights()`, read once. */
export function modelWeights(model: tfTypes.LayersModel): WeightLookup {
  return (name) => {
    const layer = model.getLayer(name);
    return layer.getWeights().map((w) => ({ values: w.dataSync() as Float32Array, shape: w.shape }));
  };
}

function prod(s: number[]): number {
  return s.reduce((a, b) => a * b, 1);
}

/** A weight array permuted: `perm[i]` is the source axis of output axis i. */
export function transposeArray(values: Float32Array, shape: number[], perm: number[]): { values: Float32Array; shape: number[] } {
  const out = new Float32Array(values.length);
  const outShape = perm.map((p) => shape[p]);
  const strides = shape.map((_, i) => prod(shape.slice(i + 1)));
  const idx = new Array<number>(shape.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let i = 0; i < perm.length; i++) src += idx[i] * strides[perm[i]];
    out[o] = values[src];
    for (let i = perm.length - 1; i >= 0; i--) {
      if (++idx[i] < outShape[i]) break;
      idx[i] = 0;
    }
  }
  return { values: out, shape: outShape };
}

export class OnnxLayers extends BaseLayers {
  constructor(
    state: ProgramState,
    ident: string,
    nodeId: string,
    shapes: Map<string, Shape>,
    private readonly g: OnnxGraph,
    private readonly weights: WeightLookup,
  ) {
    super(state, ident, nodeId, shapes);
  }

  comment(): void {
    // ONNX has no comments in a graph; the node names carry the FusionLab node ids.
  }

  private set(v: string, shape: Shape): string {
    this.shapes.set(v, shape);
    return v;
  }

  private name(as?: string): string {
    return this.out(as);
  }

  private w(name: string, perFrame = false): { values: Float32Array; shape: number[] }[] {
    return this.weights(this.tfjsName(perFrame ? `frames_${name}` : name));
  }

  /** Apply `f` to each frame of a per-frame input ([T, …] folded into the batch and back). */
  private perFrame(x: string, on: boolean, f: (x: string, shape: Shape) => { v: string; shape: Shape }): { v: string; shape: Shape } {
    const s = this.shapeOf(x);
    if (!on) return f(x, s);
    const folded = this.g.op('Reshape', [x, this.g.int64s('shape', [-1, ...s.slice(1)])], `${this.ident}_frames`);
    const r = f(folded, s.slice(1));
    const back = this.g.op('Reshape', [r.v, this.g.int64s('shape', [-1, s[0], ...r.shape])], `${this.ident}_unfold`);
    return { v: back, shape: [s[0], ...r.shape] };
  }

  private act(x: string, a: EmitActivation | undefined, out: string): string {
    return onnxActivation(this.g, a, x, out);
  }

  dense(x: string, name: string, o: { units: number; activation?: EmitActivation; useBias?: boolean; as?: string }): string {
    const s = this.shapeOf(x);
    const [kernel, bias] = this.w(name);
    const out = this.name(o.as);
    let y = this.g.op('MatMul', [x, this.g.floats(`${this.tfjsName(name)}.kernel`, kernel.shape, kernel.values)], `${out}_mm`);
    if (o.useBias !== false && bias) y = this.g.op('Add', [y, this.g.floats(`${this.tfjsName(name)}.bias`, bias.shape, bias.values)], `${out}_b`);
    return this.set(this.act(y, o.activation, out), [...s.slice(0, -1), o.units]);
  }

  /** A channels-last convolution (kernel [k…, in, out] in tfjs) as a channels-first Conv. */
  private conv(x: string, s: Shape, name: string, spatial: 1 | 2, o: { filters: number; kernelSize: number; padding: 'same' | 'valid'; activation?: EmitActivation; useBias?: boolean }, perFrame: boolean): { v: string; shape: Shape } {
    const g = this.g;
    const [kernel, bias] = this.w(name, perFrame);
    const perm = spatial === 2 ? [3, 2, 0, 1] : [2, 1, 0];
    const w = transposeArray(kernel.values, kernel.shape, perm);
    const k = o.kernelSize;
    const pads = o.padding === 'same' ? [...Array<number>(spatial).fill(Math.floor((k - 1) / 2)), ...Array<number>(spatial).fill(Math.ceil((k - 1) / 2))] : Array<number>(2 * spatial).fill(0);
    const out = this.name();
    const first = g.op('Transpose', [x], `${out}_cf`, { perm: spatial === 2 ? [0, 3, 1, 2] : [0, 2, 1] });
    const inputs = [first, g.floats(`${this.tfjsName(name)}.kernel`, w.shape, w.values)];
    if (o.useBias !== false && bias) inputs.push(g.floats(`${this.tfjsName(name)}.bias`, bias.shape, bias.values));
    const conv = g.op('Conv', inputs, `${out}_conv`, { kernel_shape: Array<number>(spatial).fill(k), pads, strides: Array<number>(spatial).fill(1) });
    const last = g.op('Transpose', [conv], `${out}_cl`, { perm: spatial === 2 ? [0, 2, 3, 1] : [0, 2, 1] });
    return { v: this.act(last, o.activation, `${out}_act`), shape: this.convShape(s, o.filters, k, o.padding, spatial) };
  }

  conv2d(x: string, name: string, o: { filters: number; kernelSize: number; activation?: EmitActivation; useBias?: boolean; perFrame?: boolean; as?: string }): string {
    const r = this.perFrame(x, !!o.perFrame, (v, s) => this.conv(v, s, name, 2, { ...o, padding: 'same' }, !!o.perFrame));
    return this.set(r.v, r.shape);
  }

  conv1d(x: string, name: string, o: { filters: number; kernelSize: number; padding: 'same' | 'valid'; activation?: EmitActivation; useBias?: boolean; as?: string }): string {
    const r = this.conv(x, this.shapeOf(x), name, 1, o, false);
    return this.set(r.v, r.shape);
  }

  batchNorm(x: string, name: string, o: { perFrame?: boolean; as?: string } = {}): string {
    // Inference: y = x·scale + shift with scale = γ/√(var + ε), shift = β − mean·scale (tfjs ε = 1e-3).
    const [gamma, beta, mean, variance] = this.w(name, !!o.perFrame);
    const c = gamma.values.length;
    const scale = new Float32Array(c);
    const shift = new Float32Array(c);
    for (let j = 0; j < c; j++) {
      scale[j] = gamma.values[j] / Math.sqrt(variance.values[j] + 1e-3);
      shift[j] = beta.values[j] - mean.values[j] * scale[j];
    }
    const out = this.name(o.as);
    const y = this.g.op('Add', [this.g.op('Mul', [x, this.g.floats(`${this.tfjsName(name)}.scale`, [c], scale)], `${out}_scale`), this.g.floats(`${this.tfjsName(name)}.shift`, [c], shift)], `${out}_bn`);
    return this.set(y, this.shapeOf(x));
  }

  activation(x: string, _name: string, activation: EmitActivation, o: { perFrame?: boolean; as?: string } = {}): string {
    const y = this.act(x, activation, this.name(o.as));
    return this.set(y === x ? this.g.op('Identity', [x], this.name(o.as)) : y, this.shapeOf(x));
  }

  private pool(x: string, s: Shape, mode: 'max' | 'avg', size: number, spatial: 1 | 2): { v: string; shape: Shape } {
    const g = this.g;
    const out = this.name();
    const first = g.op('Transpose', [x], `${out}_cf`, { perm: spatial === 2 ? [0, 3, 1, 2] : [0, 2, 1] });
    const pooled = g.op(mode === 'max' ? 'MaxPool' : 'AveragePool', [first], `${out}_pool`, { kernel_shape: Array<number>(spatial).fill(size), strides: Array<number>(spatial).fill(size) });
    const last = g.op('Transpose', [pooled], `${out}_cl`, { perm: spatial === 2 ? [0, 2, 3, 1] : [0, 2, 1] });
    return { v: last, shape: this.poolShape(s, size, spatial) };
  }

  pool2d(x: string, _name: string, o: { mode: 'max' | 'avg'; size: number; perFrame?: boolean; as?: string }): string {
    const r = this.perFrame(x, !!o.perFrame, (v, s) => this.pool(v, s, o.mode, o.size, 2));
    return this.set(r.v, r.shape);
  }

  pool1d(x: string, _name: string, o: { mode: 'max' | 'avg'; size: number; as?: string }): string {
    const r = this.pool(x, this.shapeOf(x), o.mode, o.size, 1);
    return this.set(r.v, r.shape);
  }

  globalPool(x: string, _name: string, o: { mode: 'max' | 'avg'; perFrame?: boolean; as?: string }): string {
    const s = this.shapeOf(x);
    const first = o.perFrame ? 2 : 1;
    // Batch axis 0, then (frames), then the spatial axes, channels last.
    const axes = Array.from({ length: s.length + 1 - first - 1 }, (_, i) => first + i);
    const y = this.g.op(o.mode === 'max' ? 'ReduceMax' : 'ReduceMean', [x], this.name(o.as), { axes, keepdims: 0 });
    return this.set(y, this.globalShape(s, !!o.perFrame));
  }

  flatten(x: string, _name: string, o: { perFrame?: boolean; as?: string } = {}): string {
    const s = this.shapeOf(x);
    const shape = this.flattenShape(s, !!o.perFrame);
    return this.set(this.g.op('Reshape', [x, this.g.int64s('shape', [-1, ...shape])], this.name(o.as)), shape);
  }

  reshape(x: string, _name: string, shape: number[], o: { as?: string } = {}): string {
    return this.set(this.g.op('Reshape', [x, this.g.int64s('shape', [-1, ...shape])], this.name(o.as)), shape);
  }

  dropout(x: string, _name: string, _rate: number, o: { as?: string } = {}): string {
    // Inference: the identity.
    return this.set(this.g.op('Identity', [x], this.name(o.as)), this.shapeOf(x));
  }

  embedding(x: string, name: string, o: { vocabSize: number; dim: number; maskZero?: boolean; as?: string }): string {
    const [table] = this.w(name);
    const ids = this.g.op('Cast', [x], `${this.name(o.as)}_ids`, { to: 7 });
    const y = this.g.op('Gather', [this.g.floats(`${this.tfjsName(name)}.embeddings`, table.shape, table.values), ids], this.name(o.as), { axis: 0 });
    return this.set(y, [...this.shapeOf(x), o.dim]);
  }

  /**
   * A tfjs GRU (reset before the recurrent product, hard-sigmoid gates: ONNX GRU with
   * linear_before_reset 0) or LSTM (gates i, f, c, o reordered to ONNX's i, o, f, c), time-major
   * inside (onnxruntime's only layout). Padding (token 0, always after the text) becomes `sequence_lens`, as tfjs' mask skips
   * those steps; an all-padding row gives a zero state, as in tfjs.
   */
  rnn(x: string, name: string, o: { cell: 'gru' | 'lstm'; units: number; returnSequences: boolean; bidirectional?: { name: string }; mask?: string; as?: string }): string {
    const g = this.g;
    const s = this.shapeOf(x);
    const [steps, width] = s;
    const u = o.units;
    const dirs = o.bidirectional ? 2 : 1;
    const all = this.weights(this.tfjsName(o.bidirectional ? o.bidirectional.name : name));
    const gates = o.cell === 'gru' ? 3 : 4;
    // tfjs LSTM blocks i, f, c, o → ONNX i, o, f, c.
    const order = o.cell === 'gru' ? [0, 1, 2] : [0, 3, 1, 2];
    const W = new Float32Array(dirs * gates * u * width);
    const R = new Float32Array(dirs * gates * u * u);
    const B = new Float32Array(dirs * 2 * gates * u);
    for (let d = 0; d < dirs; d++) {
      const [kernel, recurrent, bias] = all.slice(3 * d, 3 * d + 3);
      const kt = transposeArray(kernel.values, kernel.shape, [1, 0]).values; // [gates·u, in]
      const rt = transposeArray(recurrent.values, recurrent.shape, [1, 0]).values; // [gates·u, u]
      order.forEach((src, dst) => {
        W.set(kt.subarray(src * u * width, (src + 1) * u * width), (d * gates + dst) * u * width);
        R.set(rt.subarray(src * u * u, (src + 1) * u * u), (d * gates + dst) * u * u);
        if (bias) B.set(bias.values.subarray(src * u, (src + 1) * u), d * 2 * gates * u + dst * u); // recurrent bias stays 0
      });
    }
    const out = this.name(o.as);
    // onnxruntime runs recurrent ops time-major only (layout 0): [T, B, C].
    const timeMajor = g.op('Transpose', [x], `${out}_tbc`, { perm: [1, 0, 2] });
    const inputs = [timeMajor, g.floats(`${this.tfjsName(name)}.W`, [dirs, gates * u, width], W), g.floats(`${this.tfjsName(name)}.R`, [dirs, gates * u, u], R), g.floats(`${this.tfjsName(name)}.B`, [dirs, 2 * gates * u], B)];
    let present: string | null = null;
    if (o.mask) {
      const real = g.op('Cast', [g.op('Not', [g.op('Equal', [g.op('Cast', [o.mask], `${out}_tok`, { to: 1 }), g.floats(`${out}_zero`, [], [0])], `${out}_pad`)], `${out}_real`)], `${out}_realf`, { to: 1 });
      const len = g.op('ReduceSum', [real, g.int64s(`${out}_steps`, [1])], `${out}_lenf`, { keepdims: 0 }); // [B]
      present = g.op('Unsqueeze', [g.op('Cast', [g.op('Greater', [len, g.floats(`${out}_zero2`, [], [0])], `${out}_any`)], `${out}_anyf`, { to: 1 }), g.int64s(`${out}_ax`, [1])], `${out}_present`); // [B, 1]
      inputs.push(g.op('Cast', [g.op('Max', [len, g.floats(`${out}_one`, [], [1])], `${out}_len1`)], `${out}_lens`, { to: 6 }));
    }
    const activations = o.cell === 'gru' ? ['HardSigmoid', 'Tanh'] : ['HardSigmoid', 'Tanh', 'Tanh'];
    const attrs = { hidden_size: u, direction: o.bidirectional ? 'bidirectional' : 'forward', activations: { strings: dirs === 2 ? [...activations, ...activations] : activations }, ...(o.cell === 'gru' ? { linear_before_reset: 0 } : {}) };
    const [y, yh] = g.node(o.cell === 'gru' ? 'GRU' : 'LSTM', inputs, [`${out}_seq`, `${out}_state`], attrs);
    // Y [T, dirs, B, u] → [B, T, dirs·u]; Y_h [dirs, B, u] → [B, dirs·u] (forward first, as tfjs concatenates).
    if (o.returnSequences) return this.set(g.op('Reshape', [g.op('Transpose', [y], `${out}_btdu`, { perm: [2, 0, 1, 3] }), g.int64s(`${out}_shape`, [-1, steps, dirs * u])], out), [steps, dirs * u]);
    const last = g.op('Reshape', [g.op('Transpose', [yh], `${out}_bdu`, { perm: [1, 0, 2] }), g.int64s(`${out}_shape`, [-1, dirs * u])], present ? `${out}_last` : out);
    return this.set(present ? g.op('Mul', [last, present], out) : last, [dirs * u]);
  }

  layerNorm(x: string, name: string, o: { epsilon: number; as?: string }): string {
    const [gamma, beta] = this.w(name);
    const y = this.g.op('LayerNormalization', [x, this.g.floats(`${this.tfjsName(name)}.gamma`, gamma.shape, gamma.values), this.g.floats(`${this.tfjsName(name)}.beta`, beta.shape, beta.values)], this.name(o.as), { axis: -1, epsilon: { float: o.epsilon } });
    return this.set(y, this.shapeOf(x));
  }

  merge(op: 'concat' | 'add' | 'average' | 'multiply' | 'maximum', xs: string[], _name: string, o: { as?: string } = {}): string {
    const g = this.g;
    const out = this.name(o.as);
    const shape = this.mergeShape(op, xs.map((v) => this.shapeOf(v)));
    switch (op) {
      case 'concat':
        return this.set(g.op('Concat', xs, out, { axis: -1 }), shape);
      case 'add':
        return this.set(g.op('Sum', xs, out), shape);
      case 'average':
        return this.set(g.op('Mul', [g.op('Sum', xs, `${out}_sum`), g.floats('inv_n', [], [1 / xs.length])], out), shape);
      case 'multiply':
        return this.set(xs.slice(1).reduce((a, b) => g.op('Mul', [a, b], out), xs[0]), shape);
      case 'maximum':
        return this.set(g.op('Max', xs, out), shape);
      default: {
        const _x: never = op;
        return _x;
      }
    }
  }

  custom(layer: CustomLayerRef, name: string, inputs: string[], config: Record<string, EmitConfigValue>, outShapes: number[][], o: { as?: string } = {}): string[] {
    if (!layer.onnx) throw new Error(`the ${layer.className.slice('FusionLab>'.length)} layer is not in the ONNX export yet`);
    const outs = layer.onnx(this.g, inputs, config, this.w(name), { name: this.name(o.as), inputShapes: inputs.map((x) => this.shapeOf(x)) });
    outs.forEach((v, i) => this.set(v, outShapes[i]));
    return outs;
  }
}
