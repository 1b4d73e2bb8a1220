/**
 * TypeScript source of the FusionLab custom layers, written into a tfjs export. Same class names
 * (`FusionLab>…`, so a model saved by the app reloads), same weights in the same order, same math
 * as nodes/fusion/layers.ts, nodes/late/layers.ts and the text encoders.
 */

const HELPERS = `type Shape = (number | null)[];

function shapeList(s: Shape | Shape[]): Shape[] {
  return Array.isArray(s[0]) ? (s as Shape[]) : [s as Shape];
}

function lastDim(s: Shape): number {
  return s[s.length - 1] as number;
}

function tensorList(x: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(x) ? x : [x];
}

/** x [..., d] · w [d, n] → [..., n] for any rank of x. */
function denseApply(x: tf.Tensor, w: tf.Tensor): tf.Tensor {
  if (x.rank === 2) return tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D);
  const shape = x.shape as number[];
  const flat = tf.reshape(x, [-1, shape[shape.length - 1]]) as tf.Tensor2D;
  return tf.reshape(tf.matMul(flat, w as tf.Tensor2D), [...shape.slice(0, -1), (w.shape as number[])[1]]);
}

/** [1; x] along the last axis. */
function withOne(x: tf.Tensor): tf.Tensor {
  return tf.concat([tf.ones([...x.shape.slice(0, -1), 1]), x], -1);
}

function glorot(): ReturnType<typeof tf.initializers.glorotUniform> {
  return tf.initializers.glorotUniform({});
}

interface LayerArgs {
  name?: string;
  trainable?: boolean;
}
`;

const CLASSES: Record<string, string> = {
  MaskedPool1D: `/** Pools a sequence [b, L, d] over its steps, skipping padding (token id 0). Inputs: [sequence, tokens]. */
class MaskedPool1D extends tf.layers.Layer {
  static className = 'FusionLab>MaskedPool1D';
  readonly mode: 'mean' | 'max';
  constructor(args: LayerArgs & { mode: 'mean' | 'max' }) {
    super(args);
    this.mode = args.mode;
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = shapeList(inputShape)[0];
    return [s[0], s[2]];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x, tokens] = tensorList(inputs);
      const m = tf.cast(tf.notEqual(tokens, 0), 'float32').expandDims(-1);
      const count = m.sum(1);
      if (this.mode === 'mean') return x.mul(m).sum(1).div(tf.maximum(count, 1));
      const mx = x.add(m.sub(1).mul(1e9)).max(1);
      return tf.where(tf.greater(count, 0).tile([1, mx.shape[1] ?? 1]), mx, tf.zerosLike(mx));
    });
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), mode: this.mode };
  }
}
tf.serialization.registerClass(MaskedPool1D);
`,
  MaskSteps: `/** Zeroes the steps whose token is padding (0) and ends the mask. Inputs: [sequence, tokens]. */
class MaskSteps extends tf.layers.Layer {
  static className = 'FusionLab>MaskSteps';
  constructor(args: LayerArgs) {
    super(args);
    this.supportsMasking = true;
  }
  override computeMask(): tf.Tensor {
    return null as unknown as tf.Tensor; // no mask after this layer
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return shapeList(inputShape)[0];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x, tokens] = tensorList(inputs);
      return x.mul(tf.cast(tf.notEqual(tokens, 0), 'float32').expandDims(-1));
    });
  }
}
tf.serialization.registerClass(MaskSteps);
`,
  PositionEmbedding: `/** x + P[0:L] with a learned position table P [L, d]. */
class PositionEmbedding extends tf.layers.Layer {
  static className = 'FusionLab>PositionEmbedding';
  private positions: tf.LayerVariable | null = null;
  override build(inputShape: Shape | Shape[]): void {
    const s = shapeList(inputShape)[0];
    this.positions = this.addWeight('positions', [s[1] as number, s[2] as number], 'float32', tf.initializers.randomNormal({ mean: 0, stddev: 0.02 }));
    this.built = true;
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return shapeList(inputShape)[0];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tensorList(inputs)[0].add(this.positions!.read()));
  }
}
tf.serialization.registerClass(PositionEmbedding);
`,
  TransformerBlock: `/**
 * Post-norm transformer encoder block on [x [b, L, d], tokens [b, L]] (tokens equal to 0 are masked keys):
 * a = MultiHead(x); y = LN(x + a); out = LN(y + W2 relu(W1 y + b1) + b2).
 */
class TransformerBlock extends tf.layers.Layer {
  static className = 'FusionLab>TransformerBlock';
  readonly numHeads: number;
  readonly ffDim: number;
  private w: Record<string, tf.LayerVariable> = {};
  constructor(args: LayerArgs & { numHeads: number; ffDim: number }) {
    super(args);
    this.numHeads = args.numHeads;
    this.ffDim = args.ffDim;
  }
  override build(inputShape: Shape | Shape[]): void {
    const d = lastDim(shapeList(inputShape)[0]);
    const kernel = (name: string, shape: number[]) => (this.w[name] = this.addWeight(name, shape, 'float32', glorot()));
    const constant = (name: string, shape: number[], value: number) =>
      (this.w[name] = this.addWeight(name, shape, 'float32', value === 0 ? tf.initializers.zeros() : tf.initializers.ones()));
    kernel('query_kernel', [d, d]);
    constant('query_bias', [d], 0);
    kernel('key_kernel', [d, d]);
    kernel('value_kernel', [d, d]);
    constant('value_bias', [d], 0);
    kernel('output_kernel', [d, d]);
    constant('output_bias', [d], 0);
    constant('ln1_gamma', [d], 1);
    constant('ln1_beta', [d], 0);
    kernel('ff1_kernel', [d, this.ffDim]);
    constant('ff1_bias', [this.ffDim], 0);
    kernel('ff2_kernel', [this.ffDim, d]);
    constant('ff2_bias', [d], 0);
    constant('ln2_gamma', [d], 1);
    constant('ln2_beta', [d], 0);
    this.built = true;
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return shapeList(inputShape)[0];
  }
  private v(name: string): tf.Tensor {
    return this.w[name].read();
  }
  private layerNorm(x: tf.Tensor, g: string, b: string): tf.Tensor {
    const { mean, variance } = tf.moments(x, -1, true);
    return x.sub(mean).mul(tf.rsqrt(variance.add(1e-6))).mul(this.v(g)).add(this.v(b));
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x, tokens] = tensorList(inputs);
      const [b, len, d] = x.shape as number[];
      const h = this.numHeads;
      const dh = d / h;
      const flat = x.reshape([b * len, d]) as tf.Tensor2D;
      const heads = (t: tf.Tensor) => t.reshape([b, len, h, dh]).transpose([0, 2, 1, 3]);
      const q = heads(tf.matMul(flat, this.v('query_kernel') as tf.Tensor2D).add(this.v('query_bias')));
      const k = heads(tf.matMul(flat, this.v('key_kernel') as tf.Tensor2D));
      const val = heads(tf.matMul(flat, this.v('value_kernel') as tf.Tensor2D).add(this.v('value_bias')));
      const keyMask = tf.cast(tf.notEqual(tokens, 0), 'float32').reshape([b, 1, 1, len]);
      const scores = tf.matMul(q, k, false, true).div(Math.sqrt(dh)).add(keyMask.sub(1).mul(1e9));
      const attended = tf.matMul(tf.softmax(scores, -1), val).transpose([0, 2, 1, 3]).reshape([b * len, d]) as tf.Tensor2D;
      const a = tf.matMul(attended, this.v('output_kernel') as tf.Tensor2D).add(this.v('output_bias'));
      const y = this.layerNorm(flat.add(a), 'ln1_gamma', 'ln1_beta') as tf.Tensor2D;
      const hidden = tf.relu(tf.matMul(y, this.v('ff1_kernel') as tf.Tensor2D).add(this.v('ff1_bias'))) as tf.Tensor2D;
      const f = tf.matMul(hidden, this.v('ff2_kernel') as tf.Tensor2D).add(this.v('ff2_bias'));
      return this.layerNorm(y.add(f), 'ln2_gamma', 'ln2_beta').reshape([b, len, d]);
    });
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), numHeads: this.numHeads, ffDim: this.ffDim };
  }
}
tf.serialization.registerClass(TransformerBlock);
`,
  GatedFusion: `/** Gated Multimodal Unit: h_k = tanh(W_k x_k), z = σ(W_z [x_1; …; x_K]), h = z⊙h_1 + (1−z)⊙h_2 (softmax gates for K > 2). */
class GatedFusion extends tf.layers.Layer {
  static className = 'FusionLab>GatedFusion';
  readonly units: number;
  private hWeights: tf.LayerVariable[] = [];
  private zWeight: tf.LayerVariable | null = null;
  constructor(args: LayerArgs & { units: number }) {
    super(args);
    this.units = args.units;
  }
  override build(inputShape: Shape | Shape[]): void {
    const shapes = shapeList(inputShape);
    const k = shapes.length;
    this.hWeights = shapes.map((s, i) => this.addWeight(\`W\${i + 1}\`, [lastDim(s), this.units], 'float32', glorot()));
    const total = shapes.reduce((a, s) => a + lastDim(s), 0);
    this.zWeight = this.addWeight('Wz', [total, k === 2 ? this.units : k * this.units], 'float32', glorot());
    this.built = true;
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return [shapeList(inputShape)[0][0], this.units];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const xs = tensorList(inputs);
      const hs = xs.map((x, i) => tf.tanh(denseApply(x, this.hWeights[i].read())));
      const gate = denseApply(tf.concat(xs, -1), this.zWeight!.read());
      if (xs.length === 2) {
        const z = tf.sigmoid(gate);
        return tf.add(tf.mul(z, hs[0]), tf.mul(tf.sub(1, z), hs[1]));
      }
      const z = tf.softmax(tf.reshape(gate, [-1, this.units, xs.length]), -1);
      return tf.sum(tf.mul(z, tf.stack(hs, 2)), 2);
    });
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.units };
  }
}
tf.serialization.registerClass(GatedFusion);
`,
  ModalityAttention: `/** Attention over modalities: p_k = P_k x_k, s_k = vᵀ tanh(W p_k), α = softmax(s), h = Σ α_k p_k. Outputs [h, α]. */
class ModalityAttention extends tf.layers.Layer {
  static className = 'FusionLab>ModalityAttention';
  readonly project: number;
  readonly units: number;
  private pWeights: tf.LayerVariable[] = [];
  private wWeight: tf.LayerVariable | null = null;
  private vWeight: tf.LayerVariable | null = null;
  constructor(args: LayerArgs & { project: number; units: number }) {
    super(args);
    this.project = args.project;
    this.units = args.units;
  }
  private width(shapes: Shape[]): number {
    return this.project > 0 ? this.project : lastDim(shapes[0]);
  }
  override build(inputShape: Shape | Shape[]): void {
    const shapes = shapeList(inputShape);
    const d = this.width(shapes);
    this.pWeights = this.project > 0 ? shapes.map((s, i) => this.addWeight(\`P\${i + 1}\`, [lastDim(s), d], 'float32', glorot())) : [];
    this.wWeight = this.addWeight('W', [d, this.units], 'float32', glorot());
    this.vWeight = this.addWeight('v', [this.units, 1], 'float32', glorot());
    this.built = true;
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape[] {
    const shapes = shapeList(inputShape);
    return [
      [shapes[0][0], this.width(shapes)],
      [shapes[0][0], shapes.length],
    ];
  }
  override computeMask(): tf.Tensor[] {
    return [null, null] as unknown as tf.Tensor[];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
    return tf.tidy(() => {
      const xs = tensorList(inputs);
      const ps = this.project > 0 ? xs.map((x, i) => denseApply(x, this.pWeights[i].read())) : xs;
      const p = tf.stack(ps, 1);
      const s = tf.reshape(denseApply(tf.tanh(denseApply(p, this.wWeight!.read())), this.vWeight!.read()), [-1, xs.length]);
      const alpha = tf.softmax(s, -1);
      return [tf.sum(tf.mul(tf.expandDims(alpha, 2), p), 1), alpha];
    });
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), project: this.project, units: this.units };
  }
}
tf.serialization.registerClass(ModalityAttention);
`,
  CrossAttention: `/** Cross-modal attention: y = LayerNorm(x_q + softmax(QKᵀ/√k)V W_o), Q from the query, K and V from the context. */
class CrossAttention extends tf.layers.Layer {
  static className = 'FusionLab>CrossAttention';
  readonly heads: number;
  readonly keyDim: number;
  readonly tokens: number;
  private wq: tf.LayerVariable | null = null;
  private wk: tf.LayerVariable | null = null;
  private wv: tf.LayerVariable | null = null;
  private wo: tf.LayerVariable | null = null;
  private gamma: tf.LayerVariable | null = null;
  private beta: tf.LayerVariable | null = null;
  constructor(args: LayerArgs & { heads: number; keyDim: number; tokens: number }) {
    super(args);
    this.heads = args.heads;
    this.keyDim = args.keyDim;
    this.tokens = args.tokens;
  }
  override build(inputShape: Shape | Shape[]): void {
    const [q, c] = shapeList(inputShape);
    const dq = lastDim(q);
    const steps = c.length === 2 ? this.tokens : (c[1] as number);
    const width = c.length === 2 ? lastDim(c) / this.tokens : lastDim(c);
    const hk = this.heads * this.keyDim;
    if (steps !== 1) {
      this.wq = this.addWeight('Wq', [dq, hk], 'float32', glorot());
      this.wk = this.addWeight('Wk', [width, hk], 'float32', glorot());
    }
    this.wv = this.addWeight('Wv', [width, hk], 'float32', glorot());
    this.wo = this.addWeight('Wo', [hk, dq], 'float32', glorot());
    this.gamma = this.addWeight('gamma', [dq], 'float32', tf.initializers.ones());
    this.beta = this.addWeight('beta', [dq], 'float32', tf.initializers.zeros());
    this.built = true;
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return shapeList(inputShape)[0];
  }
  private splitHeads(x: tf.Tensor): tf.Tensor {
    const [b, t] = x.shape as number[];
    return tf.transpose(tf.reshape(x, [b, t, this.heads, this.keyDim]), [0, 2, 1, 3]);
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [q, c] = tensorList(inputs);
      const q3 = q.rank === 2 ? tf.expandDims(q, 1) : q;
      const c3 = c.rank === 2 ? tf.reshape(c, [-1, this.tokens, (c.shape[1] as number) / this.tokens]) : c;
      const [b, tq, dq] = q3.shape as number[];
      const v = this.splitHeads(denseApply(c3, this.wv!.read()));
      let o = v;
      if (this.wq && this.wk) {
        const qh = this.splitHeads(denseApply(q3, this.wq.read()));
        const kh = this.splitHeads(denseApply(c3, this.wk.read()));
        const scores = tf.div(tf.matMul(qh as tf.Tensor4D, kh as tf.Tensor4D, false, true), Math.sqrt(this.keyDim));
        o = tf.matMul(tf.softmax(scores, -1) as tf.Tensor4D, v as tf.Tensor4D);
      }
      const merged = tf.reshape(tf.transpose(o, [0, 2, 1, 3]), [b, o.shape[2] as number, this.heads * this.keyDim]);
      const y = tf.add(q3, denseApply(merged, this.wo!.read()));
      const { mean, variance } = tf.moments(y, -1, true);
      const out = tf.add(tf.mul(tf.div(tf.sub(y, mean), tf.sqrt(tf.add(variance, 1e-5))), this.gamma!.read()), this.beta!.read());
      return q.rank === 2 ? tf.reshape(out, [b, dq]) : tf.reshape(out, [b, tq, dq]);
    });
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), heads: this.heads, keyDim: this.keyDim, tokens: this.tokens };
  }
}
tf.serialization.registerClass(CrossAttention);
`,
  TensorFusion: `/** Tensor Fusion: [1; x_1] ⊗ [1; x_2] ⊗ … flattened, width Π(d_k + 1). No weights. */
class TensorFusion extends tf.layers.Layer {
  static className = 'FusionLab>TensorFusion';
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shapes = shapeList(inputShape);
    return [shapes[0][0], shapes.reduce((a, s) => a * (lastDim(s) + 1), 1)];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const xs = tensorList(inputs).map(withOne);
      let z = xs[0];
      for (let k = 1; k < xs.length; k++) {
        z = tf.reshape(tf.mul(tf.expandDims(z, 2), tf.expandDims(xs[k], 1)), [-1, (z.shape[1] as number) * (xs[k].shape[1] as number)]);
      }
      return z;
    });
  }
}
tf.serialization.registerClass(TensorFusion);
`,
  LowRankFusion: `/** Low-rank Multimodal Fusion: h = Σ_i ⊙_k (W_k⁽ⁱ⁾ [1; x_k]). */
class LowRankFusion extends tf.layers.Layer {
  static className = 'FusionLab>LowRankFusion';
  readonly rank: number;
  readonly units: number;
  private factors: tf.LayerVariable[] = [];
  constructor(args: LayerArgs & { rank: number; units: number }) {
    super(args);
    this.rank = args.rank;
    this.units = args.units;
  }
  override build(inputShape: Shape | Shape[]): void {
    this.factors = shapeList(inputShape).map((s, i) => this.addWeight(\`factor\${i + 1}\`, [lastDim(s) + 1, this.rank * this.units], 'float32', glorot()));
    this.built = true;
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return [shapeList(inputShape)[0][0], this.units];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const fs = tensorList(inputs).map((x, i) => tf.reshape(denseApply(withOne(x), this.factors[i].read()), [-1, this.rank, this.units]));
      return tf.sum(fs.reduce((a, f) => tf.mul(a, f)), 1);
    });
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rank: this.rank, units: this.units };
  }
}
tf.serialization.registerClass(LowRankFusion);
`,
  FiLM: `/** FiLM: γ = W_γ c, β = W_β c, h = γ ⊙ x + β. Inputs: [x, condition]. */
class FiLM extends tf.layers.Layer {
  static className = 'FusionLab>FiLM';
  private wGamma: tf.LayerVariable | null = null;
  private wBeta: tf.LayerVariable | null = null;
  override build(inputShape: Shape | Shape[]): void {
    const [x, c] = shapeList(inputShape);
    this.wGamma = this.addWeight('Wgamma', [lastDim(c), lastDim(x)], 'float32', glorot());
    this.wBeta = this.addWeight('Wbeta', [lastDim(c), lastDim(x)], 'float32', glorot());
    this.built = true;
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return shapeList(inputShape)[0];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x, c] = tensorList(inputs);
      let gamma = denseApply(c, this.wGamma!.read());
      let beta = denseApply(c, this.wBeta!.read());
      if (x.rank === 3) {
        gamma = tf.expandDims(gamma, 1);
        beta = tf.expandDims(beta, 1);
      }
      return tf.add(tf.mul(gamma, x), beta);
    });
  }
}
tf.serialization.registerClass(FiLM);
`,
  LateAverage: `/** Late fusion p = Σ_k w_k p_k; w fixed, or learned as softmax(θ) starting equal. */
class LateAverage extends tf.layers.Layer {
  static className = 'FusionLab>LateAverage';
  readonly mode: 'fixed' | 'learned';
  readonly fixedWeights: number[];
  private theta: tf.LayerVariable | null = null;
  constructor(args: LayerArgs & { mode: 'fixed' | 'learned'; fixedWeights?: number[] }) {
    super(args);
    this.mode = args.mode;
    this.fixedWeights = args.fixedWeights ?? [];
  }
  override build(inputShape: Shape | Shape[]): void {
    if (this.mode === 'learned') this.theta = this.addWeight('theta', [shapeList(inputShape).length], 'float32', tf.initializers.zeros());
    this.built = true;
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return shapeList(inputShape)[0];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const p = tf.stack(tensorList(inputs), 1);
      const w = this.mode === 'learned' ? tf.softmax(this.theta!.read()) : tf.tensor1d(this.fixedWeights);
      return tf.sum(tf.mul(tf.reshape(w, [1, -1, 1]), p), 1);
    });
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), mode: this.mode, fixedWeights: this.fixedWeights };
  }
}
tf.serialization.registerClass(LateAverage);
`,
  LateVote: `/** Majority vote of the branches' argmax (ties: highest summed probability); one-hot output, zero gradient. */
class LateVote extends tf.layers.Layer {
  static className = 'FusionLab>LateVote';
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return shapeList(inputShape)[0];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const ps = tensorList(inputs);
      const vote = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
        const xs = args.slice(0, ps.length) as tf.Tensor[];
        const c = xs[0].shape[xs[0].rank - 1] as number;
        const votes = tf.addN(xs.map((p) => tf.oneHot(tf.argMax(p, -1), c).toFloat()));
        const summed = tf.addN(xs);
        const top = tf.equal(votes, tf.max(votes, -1, true));
        const value = tf.oneHot(tf.argMax(tf.where(top, summed, tf.fill(summed.shape, -Infinity)), -1), c).toFloat();
        return { value, gradFunc: () => xs.map((x) => tf.zerosLike(x)) };
      });
      return vote(...ps);
    });
  }
}
tf.serialization.registerClass(LateVote);
`,
  LateStack: `/** Stacking: y = softmax(W2 act(W1 [p_1; …; p_K] + b1) + b2). */
class LateStack extends tf.layers.Layer {
  static className = 'FusionLab>LateStack';
  readonly hidden: number;
  readonly activation: string;
  private w1: tf.LayerVariable | null = null;
  private b1: tf.LayerVariable | null = null;
  private w2: tf.LayerVariable | null = null;
  private b2: tf.LayerVariable | null = null;
  constructor(args: LayerArgs & { hidden: number; activation: string }) {
    super(args);
    this.hidden = args.hidden;
    this.activation = args.activation;
  }
  override build(inputShape: Shape | Shape[]): void {
    const shapes = shapeList(inputShape);
    const classes = lastDim(shapes[0]);
    const width = shapes.reduce((a, s) => a + lastDim(s), 0);
    if (this.hidden > 0) {
      this.w1 = this.addWeight('W1', [width, this.hidden], 'float32', glorot());
      this.b1 = this.addWeight('b1', [this.hidden], 'float32', tf.initializers.zeros());
    }
    this.w2 = this.addWeight('W2', [this.hidden > 0 ? this.hidden : width, classes], 'float32', glorot());
    this.b2 = this.addWeight('b2', [classes], 'float32', tf.initializers.zeros());
    this.built = true;
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return shapeList(inputShape)[0];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      let x = tf.concat(tensorList(inputs), -1);
      if (this.w1 && this.b1) {
        const z = tf.add(denseApply(x, this.w1.read()), this.b1.read());
        const acts: Record<string, (t: tf.Tensor) => tf.Tensor> = {
          relu: tf.relu, tanh: tf.tanh, sigmoid: tf.sigmoid, elu: tf.elu, selu: tf.selu, linear: (t) => t,
          gelu: (t) => tf.mul(tf.mul(t, 0.5), tf.add(1, tf.erf(tf.div(t, Math.SQRT2)))),
          swish: (t) => tf.mul(t, tf.sigmoid(t)),
        };
        x = (acts[this.activation] ?? acts.linear)(z);
      }
      return tf.softmax(tf.add(denseApply(x, this.w2!.read()), this.b2!.read()), -1);
    });
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), hidden: this.hidden, activation: this.activation };
  }
}
tf.serialization.registerClass(LateStack);
`,
};

/** The custom layer section of a tfjs export (empty when the model needs none). */
export function tfjsRuntime(classes: Set<string>): string {
  const names = Object.keys(CLASSES).filter((n) => classes.has(n));
  if (names.length === 0) return '';
  return ['// ---- FusionLab custom layers (the same class names, weights and math as in the app) ----', '', HELPERS, ...names.map((n) => CLASSES[n])].join('\n');
}

/** Class names the tfjs runtime defines. */
export const TFJS_RUNTIME_CLASSES = Object.keys(CLASSES);
