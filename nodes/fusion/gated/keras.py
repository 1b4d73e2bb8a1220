"""FusionLab>GatedFusion for Keras (an export copies this class into fusionlab_layers.py, after
engine/export/templates/layers_keras.py, which defines _glorot and _dense)."""
import keras
from keras import ops


@keras.saving.register_keras_serializable("FusionLab")
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
        hs = [ops.tanh(_dense(x, w)) for x, w in zip(xs, self.hw)]
        gate = _dense(ops.concatenate(xs, -1), self.wz)
        if self.k == 2:
            z = ops.sigmoid(gate)
            return z * hs[0] + (1.0 - z) * hs[1]
        z = ops.softmax(ops.reshape(gate, (-1, self.units, self.k)), -1)
        return ops.sum(z * ops.stack(hs, 2), 2)

    def get_config(self):
        return {**super().get_config(), "units": self.units}
