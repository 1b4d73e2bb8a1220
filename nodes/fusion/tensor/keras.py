"""FusionLab>TensorFusion for Keras (an export copies this class into fusionlab_layers.py, after
engine/export/templates/layers_keras.py, which defines _glorot, _dense and _with_one)."""
import keras
from keras import ops


@keras.saving.register_keras_serializable("FusionLab")
class TensorFusion(keras.layers.Layer):
    """Tensor Fusion: [1; x_1] (x) [1; x_2] (x) ... flattened. No weights."""

    def call(self, xs):
        xs = [_with_one(x) for x in xs]
        z = xs[0]
        for x in xs[1:]:
            z = ops.reshape(ops.expand_dims(z, 2) * ops.expand_dims(x, 1), (-1, z.shape[-1] * x.shape[-1]))
        return z
