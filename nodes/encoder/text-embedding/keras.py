"""FusionLab>MaskedPool1D for Keras (an export copies this class into fusionlab_layers.py, after
engine/export/templates/layers_keras.py, which defines _glorot, _dense and _with_one)."""
import tensorflow as tf
from tensorflow import keras


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
