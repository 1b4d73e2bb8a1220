"""FusionLab>MaskSteps for Keras (an export copies this class into fusionlab_layers.py, after
engine/export/templates/layers_keras.py, which defines _glorot, _dense and _with_one)."""
import keras
from keras import ops


@keras.saving.register_keras_serializable("FusionLab")
class MaskSteps(keras.layers.Layer):
    """Zeroes the steps whose token is padding (0) and ends the mask. Inputs: [sequence, tokens]."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_mask(self, inputs, mask=None):
        return None

    def call(self, inputs):
        x, tokens = inputs
        return x * ops.expand_dims(ops.cast(ops.not_equal(tokens, 0), x.dtype), -1)
