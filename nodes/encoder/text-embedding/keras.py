"""FusionLab>MaskedPool1D for Keras (an export copies this class into fusionlab_layers.py, after
engine/export/templates/layers_keras.py, which defines _glorot, _dense and _with_one)."""
import keras
from keras import ops


@keras.saving.register_keras_serializable("FusionLab")
class MaskedPool1D(keras.layers.Layer):
    """Pools a sequence [b, L, d] over its steps, skipping padding (token id 0). Inputs: [sequence, tokens]."""

    def __init__(self, mode="mean", **kwargs):
        super().__init__(**kwargs)
        self.mode = mode

    def call(self, inputs):
        x, tokens = inputs
        m = ops.expand_dims(ops.cast(ops.not_equal(tokens, 0), x.dtype), -1)
        count = ops.sum(m, 1)
        if self.mode == "mean":
            return ops.sum(x * m, 1) / ops.maximum(count, 1.0)
        mx = ops.max(x + (m - 1.0) * 1e9, 1)
        return ops.where(count > 0, mx, ops.zeros_like(mx))

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}
