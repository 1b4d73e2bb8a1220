"""FusionLab>CrossAttention for Keras (an export copies this class into fusionlab_layers.py, after
engine/export/templates/layers_keras.py, which defines _glorot, _dense and _with_one)."""
import math

import keras
from keras import ops


@keras.saving.register_keras_serializable("FusionLab")
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
        return ops.transpose(ops.reshape(x, (-1, x.shape[1], self.heads, self.key_dim)), (0, 2, 1, 3))

    def call(self, inputs):
        q, c = inputs
        q3 = ops.expand_dims(q, 1) if len(q.shape) == 2 else q
        c3 = ops.reshape(c, (-1, self.tokens, c.shape[-1] // self.tokens)) if len(c.shape) == 2 else c
        v = self._split(_dense(c3, self.wv))
        if self.has_qk:
            scores = ops.matmul(self._split(_dense(q3, self.wq)), ops.swapaxes(self._split(_dense(c3, self.wk)), -1, -2)) / math.sqrt(self.key_dim)
            o = ops.matmul(ops.softmax(scores, -1), v)
        else:
            o = v
        merged = ops.reshape(ops.transpose(o, (0, 2, 1, 3)), (-1, o.shape[2], self.heads * self.key_dim))
        y = q3 + _dense(merged, self.wo)
        mean, var = ops.moments(y, axes=[-1], keepdims=True)
        out = (y - mean) / ops.sqrt(var + 1e-5) * self.gamma + self.beta
        return ops.reshape(out, (-1, q.shape[-1])) if len(q.shape) == 2 else out

    def get_config(self):
        return {**super().get_config(), "heads": self.heads, "key_dim": self.key_dim, "tokens": self.tokens}
