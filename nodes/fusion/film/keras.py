"""FusionLab>FiLM for Keras (an export copies this class into fusionlab_layers.py, after
engine/export/templates/layers_keras.py, which defines _glorot, _dense and _with_one)."""
import keras
from keras import ops


@keras.saving.register_keras_serializable("FusionLab")
class FiLM(keras.layers.Layer):
    """FiLM: gamma = W_gamma c, beta = W_beta c, h = gamma * x + beta. Inputs: [x, condition]."""

    def build(self, input_shape):
        x, c = input_shape
        self.wg = self.add_weight(name="Wgamma", shape=(int(c[-1]), int(x[-1])), initializer=_glorot())
        self.wb = self.add_weight(name="Wbeta", shape=(int(c[-1]), int(x[-1])), initializer=_glorot())

    def call(self, inputs):
        x, c = inputs
        gamma, beta = _dense(c, self.wg), _dense(c, self.wb)
        if len(x.shape) == 3:
            gamma, beta = ops.expand_dims(gamma, 1), ops.expand_dims(beta, 1)
        return gamma * x + beta
