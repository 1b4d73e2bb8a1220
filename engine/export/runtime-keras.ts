/**
 * Keras source of the FusionLab custom layers (`fusionlab_layers.py` in a Keras export):
 * keras.layers.Layer subclasses with the same weights, in the same order, and the same math as the
 * TensorFlow.js layers, so `load_weights_npz` can fill them from a model trained in the app.
 */

const HEADER = `"""FusionLab custom layers for Keras (generated; same math and weight order as the TensorFlow.js layers)."""
import math

import tensorflow as tf
from tensorflow import keras


def _glorot():
    return keras.initializers.GlorotUniform()


def _dense(x, w):
    return tf.tensordot(x, w, axes=[[x.shape.rank - 1], [0]])


def _with_one(x):
    return tf.concat([tf.ones_like(x[..., :1]), x], -1)
`;

const CLASSES: Record<string, string> = {
  MaskedPool1D: `
@keras.utils.register_keras_serializable("FusionLab")
class MaskedPool1D(keras.layers.Layer):
    """Pools a sequence [b, L, d] over its steps, skipping padding (token id 0). Inputs: [sequence, tokens]."""

    def __init__(self, mode="mean", **kwargs):
        super().__init__(**kwargs)
        self.mode = mode

    def call(self, inputs):
        x, tokens = inputs
        m = tf.expand_dims(tf.cast(tf.not_equal(tokens, 0), x.dtype), -1)
        count = tf.reduce_sum(m, 1)
        if self.mode == "mean":
            return tf.reduce_sum(x * m, 1) / tf.maximum(count, 1.0)
        mx = tf.reduce_max(x + (m - 1.0) * 1e9, 1)
        return tf.where(count > 0, mx, tf.zeros_like(mx))

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}
`,
  MaskSteps: `
@keras.utils.register_keras_serializable("FusionLab")
class MaskSteps(keras.layers.Layer):
    """Zeroes the steps whose token is padding (0) and ends the mask. Inputs: [sequence, tokens]."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_mask(self, inputs, mask=None):
        return None

    def call(self, inputs):
        x, tokens = inputs
        return x * tf.expand_dims(tf.cast(tf.not_equal(tokens, 0), x.dtype), -1)
`,
  PositionEmbedding: `
@keras.utils.register_keras_serializable("FusionLab")
class PositionEmbedding(keras.layers.Layer):
    """x + P[0:L] with a learned position table P [L, d]."""

    def build(self, input_shape):
        self.positions = self.add_weight(name="positions", shape=(input_shape[1], input_shape[2]), initializer=keras.initializers.RandomNormal(stddev=0.02))

    def call(self, x):
        return x + self.positions
`,
  TransformerBlock: `
@keras.utils.register_keras_serializable("FusionLab")
class TransformerBlock(keras.layers.Layer):
    """Post-norm transformer encoder block on [x, tokens]; tokens equal to 0 are masked keys."""

    def __init__(self, num_heads=2, ff_dim=64, **kwargs):
        super().__init__(**kwargs)
        self.num_heads, self.ff_dim = num_heads, ff_dim

    def build(self, input_shape):
        d = int(input_shape[0][-1])
        w = lambda name, shape: self.add_weight(name=name, shape=shape, initializer=_glorot())
        c = lambda name, shape, one: self.add_weight(name=name, shape=shape, initializer="ones" if one else "zeros")
        self.query_kernel, self.query_bias = w("query_kernel", (d, d)), c("query_bias", (d,), False)
        self.key_kernel = w("key_kernel", (d, d))
        self.value_kernel, self.value_bias = w("value_kernel", (d, d)), c("value_bias", (d,), False)
        self.output_kernel, self.output_bias = w("output_kernel", (d, d)), c("output_bias", (d,), False)
        self.ln1_gamma, self.ln1_beta = c("ln1_gamma", (d,), True), c("ln1_beta", (d,), False)
        self.ff1_kernel, self.ff1_bias = w("ff1_kernel", (d, self.ff_dim)), c("ff1_bias", (self.ff_dim,), False)
        self.ff2_kernel, self.ff2_bias = w("ff2_kernel", (self.ff_dim, d)), c("ff2_bias", (d,), False)
        self.ln2_gamma, self.ln2_beta = c("ln2_gamma", (d,), True), c("ln2_beta", (d,), False)

    @staticmethod
    def _norm(x, g, b):
        mean, var = tf.nn.moments(x, axes=[-1], keepdims=True)
        return (x - mean) * tf.math.rsqrt(var + 1e-6) * g + b

    def call(self, inputs):
        x, tokens = inputs
        b, length, d = tf.shape(x)[0], tf.shape(x)[1], x.shape[-1]
        h = self.num_heads
        dh = d // h

        def heads(t):
            return tf.transpose(tf.reshape(t, (b, length, h, dh)), (0, 2, 1, 3))

        q = heads(_dense(x, self.query_kernel) + self.query_bias)
        k = heads(_dense(x, self.key_kernel))
        v = heads(_dense(x, self.value_kernel) + self.value_bias)
        key_mask = tf.reshape(tf.cast(tf.not_equal(tokens, 0), x.dtype), (b, 1, 1, length))
        scores = tf.matmul(q, k, transpose_b=True) / math.sqrt(dh) + (key_mask - 1.0) * 1e9
        attended = tf.reshape(tf.transpose(tf.matmul(tf.nn.softmax(scores, -1), v), (0, 2, 1, 3)), (b, length, d))
        y = self._norm(x + _dense(attended, self.output_kernel) + self.output_bias, self.ln1_gamma, self.ln1_beta)
        f = _dense(tf.nn.relu(_dense(y, self.ff1_kernel) + self.ff1_bias), self.ff2_kernel) + self.ff2_bias
        return self._norm(y + f, self.ln2_gamma, self.ln2_beta)

    def get_config(self):
        return {**super().get_config(), "num_heads": self.num_heads, "ff_dim": self.ff_dim}
`,
  GatedFusion: `
@keras.utils.register_keras_serializable("FusionLab")
class GatedFusion(keras.layers.Layer):
    """Gated Multimodal Unit: h_k = tanh(W_k x_k), z = sigmoid(W_z [x_1; ...]), h = z h_1 + (1 - z) h_2 (softmax gates for K > 2)."""

    def __init__(self, units=64, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.k = len(input_shape)
        self.hw = [self.add_weight(name=f"W{i + 1}", shape=(int(s[-1]), self.units), initializer=_glorot()) for i, s in enumerate(input_shape)]
        total = sum(int(s[-1]) for s in input_shape)
        self.wz = self.add_weight(name="Wz", shape=(total, self.units if self.k == 2 else self.k * self.units), initializer=_glorot())

    def call(self, xs):
        hs = [tf.tanh(_dense(x, w)) for x, w in zip(xs, self.hw)]
        gate = _dense(tf.concat(xs, -1), self.wz)
        if self.k == 2:
            z = tf.sigmoid(gate)
            return z * hs[0] + (1.0 - z) * hs[1]
        z = tf.nn.softmax(tf.reshape(gate, (-1, self.units, self.k)), -1)
        return tf.reduce_sum(z * tf.stack(hs, 2), 2)

    def get_config(self):
        return {**super().get_config(), "units": self.units}
`,
  ModalityAttention: `
@keras.utils.register_keras_serializable("FusionLab")
class ModalityAttention(keras.layers.Layer):
    """Attention over modalities; returns [h, alpha]."""

    def __init__(self, project=0, units=32, **kwargs):
        super().__init__(**kwargs)
        self.project, self.units = project, units

    def build(self, input_shape):
        d = self.project if self.project > 0 else int(input_shape[0][-1])
        self.pw = [self.add_weight(name=f"P{i + 1}", shape=(int(s[-1]), d), initializer=_glorot()) for i, s in enumerate(input_shape)] if self.project > 0 else []
        self.w = self.add_weight(name="W", shape=(d, self.units), initializer=_glorot())
        self.v = self.add_weight(name="v", shape=(self.units, 1), initializer=_glorot())

    def call(self, xs):
        ps = [_dense(x, w) for x, w in zip(xs, self.pw)] if self.project > 0 else list(xs)
        p = tf.stack(ps, 1)
        s = tf.reshape(_dense(tf.tanh(_dense(p, self.w)), self.v), (-1, len(xs)))
        alpha = tf.nn.softmax(s, -1)
        return [tf.reduce_sum(tf.expand_dims(alpha, 2) * p, 1), alpha]

    def compute_mask(self, inputs, mask=None):
        return [None, None]

    def get_config(self):
        return {**super().get_config(), "project": self.project, "units": self.units}
`,
  CrossAttention: `
@keras.utils.register_keras_serializable("FusionLab")
class CrossAttention(keras.layers.Layer):
    """Cross-modal attention: y = LayerNorm(x_q + softmax(Q K^T / sqrt(k)) V W_o)."""

    def __init__(self, heads=2, key_dim=16, tokens=4, **kwargs):
        super().__init__(**kwargs)
        self.heads, self.key_dim, self.tokens = heads, key_dim, tokens

    def build(self, input_shape):
        q, c = input_shape
        dq = int(q[-1])
        steps = self.tokens if len(c) == 2 else int(c[1])
        width = int(c[-1]) // self.tokens if len(c) == 2 else int(c[-1])
        hk = self.heads * self.key_dim
        self.has_qk = steps != 1
        if self.has_qk:
            self.wq = self.add_weight(name="Wq", shape=(dq, hk), initializer=_glorot())
            self.wk = self.add_weight(name="Wk", shape=(width, hk), initializer=_glorot())
        self.wv = self.add_weight(name="Wv", shape=(width, hk), initializer=_glorot())
        self.wo = self.add_weight(name="Wo", shape=(hk, dq), initializer=_glorot())
        self.gamma = self.add_weight(name="gamma", shape=(dq,), initializer="ones")
        self.beta = self.add_weight(name="beta", shape=(dq,), initializer="zeros")

    def _split(self, x):
        return tf.transpose(tf.reshape(x, (tf.shape(x)[0], tf.shape(x)[1], self.heads, self.key_dim)), (0, 2, 1, 3))

    def call(self, inputs):
        q, c = inputs
        q3 = tf.expand_dims(q, 1) if q.shape.rank == 2 else q
        c3 = tf.reshape(c, (-1, self.tokens, c.shape[-1] // self.tokens)) if c.shape.rank == 2 else c
        v = self._split(_dense(c3, self.wv))
        if self.has_qk:
            scores = tf.matmul(self._split(_dense(q3, self.wq)), self._split(_dense(c3, self.wk)), transpose_b=True) / math.sqrt(self.key_dim)
            o = tf.matmul(tf.nn.softmax(scores, -1), v)
        else:
            o = v
        merged = tf.reshape(tf.transpose(o, (0, 2, 1, 3)), (tf.shape(o)[0], tf.shape(o)[2], self.heads * self.key_dim))
        y = q3 + _dense(merged, self.wo)
        mean, var = tf.nn.moments(y, axes=[-1], keepdims=True)
        out = (y - mean) / tf.sqrt(var + 1e-5) * self.gamma + self.beta
        return tf.reshape(out, (-1, q.shape[-1])) if q.shape.rank == 2 else out

    def get_config(self):
        return {**super().get_config(), "heads": self.heads, "key_dim": self.key_dim, "tokens": self.tokens}
`,
  TensorFusion: `
@keras.utils.register_keras_serializable("FusionLab")
class TensorFusion(keras.layers.Layer):
    """Tensor Fusion: [1; x_1] (x) [1; x_2] (x) ... flattened. No weights."""

    def call(self, xs):
        xs = [_with_one(x) for x in xs]
        z = xs[0]
        for x in xs[1:]:
            z = tf.reshape(tf.expand_dims(z, 2) * tf.expand_dims(x, 1), (-1, z.shape[-1] * x.shape[-1]))
        return z
`,
  LowRankFusion: `
@keras.utils.register_keras_serializable("FusionLab")
class LowRankFusion(keras.layers.Layer):
    """Low-rank Multimodal Fusion: h = sum_i prod_k (W_k^(i) [1; x_k])."""

    def __init__(self, rank=4, units=64, **kwargs):
        super().__init__(**kwargs)
        self.rank, self.units = rank, units

    def build(self, input_shape):
        self.factors = [self.add_weight(name=f"factor{i + 1}", shape=(int(s[-1]) + 1, self.rank * self.units), initializer=_glorot()) for i, s in enumerate(input_shape)]

    def call(self, xs):
        prod = None
        for x, w in zip(xs, self.factors):
            f = tf.reshape(_dense(_with_one(x), w), (-1, self.rank, self.units))
            prod = f if prod is None else prod * f
        return tf.reduce_sum(prod, 1)

    def get_config(self):
        return {**super().get_config(), "rank": self.rank, "units": self.units}
`,
  FiLM: `
@keras.utils.register_keras_serializable("FusionLab")
class FiLM(keras.layers.Layer):
    """FiLM: gamma = W_gamma c, beta = W_beta c, h = gamma * x + beta. Inputs: [x, condition]."""

    def build(self, input_shape):
        x, c = input_shape
        self.wg = self.add_weight(name="Wgamma", shape=(int(c[-1]), int(x[-1])), initializer=_glorot())
        self.wb = self.add_weight(name="Wbeta", shape=(int(c[-1]), int(x[-1])), initializer=_glorot())

    def call(self, inputs):
        x, c = inputs
        gamma, beta = _dense(c, self.wg), _dense(c, self.wb)
        if x.shape.rank == 3:
            gamma, beta = tf.expand_dims(gamma, 1), tf.expand_dims(beta, 1)
        return gamma * x + beta
`,
  LateAverage: `
@keras.utils.register_keras_serializable("FusionLab")
class LateAverage(keras.layers.Layer):
    """Late fusion p = sum_k w_k p_k; w fixed, or softmax(theta) learned from equal weights."""

    def __init__(self, mode="learned", fixed_weights=(), **kwargs):
        super().__init__(**kwargs)
        self.mode, self.fixed_weights = mode, list(fixed_weights)

    def build(self, input_shape):
        if self.mode == "learned":
            self.theta = self.add_weight(name="theta", shape=(len(input_shape),), initializer="zeros")

    def call(self, ps):
        w = tf.nn.softmax(self.theta) if self.mode == "learned" else tf.constant(self.fixed_weights, dtype=ps[0].dtype)
        return tf.reduce_sum(tf.reshape(w, (1, -1, 1)) * tf.stack(ps, 1), 1)

    def get_config(self):
        return {**super().get_config(), "mode": self.mode, "fixed_weights": self.fixed_weights}
`,
  LateVote: `
@keras.utils.register_keras_serializable("FusionLab")
class LateVote(keras.layers.Layer):
    """Majority vote of the branches' argmax (ties: highest summed probability); one-hot output, no gradient."""

    def call(self, ps):
        ps = [tf.stop_gradient(p) for p in ps]
        c = ps[0].shape[-1]
        votes = tf.add_n([tf.one_hot(tf.argmax(p, -1), c) for p in ps])
        summed = tf.add_n(ps)
        top = tf.equal(votes, tf.reduce_max(votes, -1, keepdims=True))
        return tf.one_hot(tf.argmax(tf.where(top, summed, tf.fill(tf.shape(summed), -math.inf)), -1), c)
`,
  LateStack: `
@keras.utils.register_keras_serializable("FusionLab")
class LateStack(keras.layers.Layer):
    """Stacking: y = softmax(W2 act(W1 [p_1; ...] + b1) + b2)."""

    def __init__(self, hidden=0, activation="tanh", **kwargs):
        super().__init__(**kwargs)
        self.hidden, self.activation_name = hidden, activation

    def build(self, input_shape):
        classes = int(input_shape[0][-1])
        width = sum(int(s[-1]) for s in input_shape)
        if self.hidden > 0:
            self.w1 = self.add_weight(name="W1", shape=(width, self.hidden), initializer=_glorot())
            self.b1 = self.add_weight(name="b1", shape=(self.hidden,), initializer="zeros")
        self.w2 = self.add_weight(name="W2", shape=(self.hidden if self.hidden > 0 else width, classes), initializer=_glorot())
        self.b2 = self.add_weight(name="b2", shape=(classes,), initializer="zeros")

    def call(self, ps):
        x = tf.concat(ps, -1)
        if self.hidden > 0:
            x = keras.activations.get(self.activation_name)(_dense(x, self.w1) + self.b1)
        return tf.nn.softmax(_dense(x, self.w2) + self.b2, -1)

    def get_config(self):
        return {**super().get_config(), "hidden": self.hidden, "activation": self.activation_name}
`,
};

/** `fusionlab_layers.py` for a Keras export (all classes when `classes` is empty). */
export function kerasRuntime(classes: Set<string>): string {
  const names = Object.keys(CLASSES).filter((n) => classes.size === 0 || classes.has(n));
  return HEADER + names.map((n) => `\n${CLASSES[n]}`).join('');
}

/** Class names the Keras runtime defines. */
export const KERAS_RUNTIME_CLASSES = Object.keys(CLASSES);
