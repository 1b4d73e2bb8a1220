"""FusionLab>MFB for Keras (an export copies this class into fusionlab_layers.py, after
engine/export/templates/layers_keras.py, which defines _glorot and _dense)."""
import keras
from keras import ops


@keras.saving.register_keras_serializable("FusionLab")
class MFB(keras.layers.Layer):
    """Multi-modal Factorized Bilinear pooling (Yu et al. 2017) of two inputs: x~ = x U, y~ = y V,
    z = sum over consecutive groups of `factor` of x~ * y~, z = sign(z) sqrt(|z| + 1e-8),
    z = z / sqrt(|z|^2 + 1e-12)."""

    def __init__(self, factor=5, units=64, dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        self.factor, self.units, self.dropout = factor, units, dropout
        # A Dropout sublayer draws its own seeds on every backend (and is the identity outside training).
        self.drop = keras.layers.Dropout(dropout)

    def build(self, input_shape):
        x, y = input_shape
        self.u = self.add_weight(name="U", shape=(int(x[-1]), self.factor * self.units), initializer=_glorot())
        self.v = self.add_weight(name="V", shape=(int(y[-1]), self.factor * self.units), initializer=_glorot())

    def call(self, xs, training=None):
        x, y = xs
        joint = _dense(x, self.u) * _dense(y, self.v)
        if self.dropout > 0:
            joint = self.drop(joint, training=training)
        z = ops.sum(ops.reshape(joint, (-1, self.units, self.factor)), 2)
        z = ops.sign(z) * ops.sqrt(ops.abs(z) + 1e-8)
        return z / ops.sqrt(ops.sum(z * z, -1, keepdims=True) + 1e-12)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "units": self.units, "dropout": self.dropout}
