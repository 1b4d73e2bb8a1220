"""FusionLab>TransformerBlock for Keras (an export copies this class into fusionlab_layers.py, after
engine/export/templates/layers_keras.py, which defines _glorot, _dense and _with_one)."""
import math

import keras
from keras import ops


@keras.saving.register_keras_serializable("FusionLab")
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
        mean, var = ops.moments(x, axes=[-1], keepdims=True)
        return (x - mean) * ops.rsqrt(var + 1e-6) * g + b

    def call(self, inputs):
        x, tokens = inputs
        length, d = x.shape[1], x.shape[-1]
        h = self.num_heads
        dh = d // h

        def heads(t):
            return ops.transpose(ops.reshape(t, (-1, length, h, dh)), (0, 2, 1, 3))

        q = heads(_dense(x, self.query_kernel) + self.query_bias)
        k = heads(_dense(x, self.key_kernel))
        v = heads(_dense(x, self.value_kernel) + self.value_bias)
        key_mask = ops.reshape(ops.cast(ops.not_equal(tokens, 0), x.dtype), (-1, 1, 1, length))
        scores = ops.matmul(q, ops.swapaxes(k, -1, -2)) / math.sqrt(dh) + (key_mask - 1.0) * 1e9
        attended = ops.reshape(ops.transpose(ops.matmul(ops.softmax(scores, -1), v), (0, 2, 1, 3)), (-1, length, d))
        y = self._norm(x + _dense(attended, self.output_kernel) + self.output_bias, self.ln1_gamma, self.ln1_beta)
        f = _dense(ops.relu(_dense(y, self.ff1_kernel) + self.ff1_bias), self.ff2_kernel) + self.ff2_bias
        return self._norm(y + f, self.ln2_gamma, self.ln2_beta)

    def get_config(self):
        return {**super().get_config(), "num_heads": self.num_heads, "ff_dim": self.ff_dim}
