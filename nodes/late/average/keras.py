"""FusionLab>LateAverage for Keras (an export copies this class into fusionlab_layers.py, after
engine/export/templates/layers_keras.py, which defines _glorot, _dense and _with_one)."""
import keras
from keras import ops


@keras.saving.register_keras_serializable("FusionLab")
class LateAverage(keras.layers.Layer):
    """Late fusion p = sum_k w_k p_k; w fixed, or softmax(theta) learned from equal weights."""

    def __init__(self, mode="learned", fixed_weights=(), **kwargs):
        super().__init__(**kwargs)
        self.mode, self.fixed_weights = mode, list(fixed_weights)

    def build(self, input_shape):
        if self.mode == "learned":
            self.theta = self.add_weight(name="theta", shape=(len(input_shape),), initializer="zeros")

    def call(self, ps):
        w = ops.softmax(self.theta) if self.mode == "learned" else ops.convert_to_tensor(self.fixed_weights, dtype=ps[0].dtype)
        return ops.sum(ops.reshape(w, (1, -1, 1)) * ops.stack(ps, 1), 1)

    def get_config(self):
        return {**super().get_config(), "mode": self.mode, "fixed_weights": self.fixed_weights}
