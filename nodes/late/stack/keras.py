"""FusionLab>LateStack for Keras (an export copies this class into fusionlab_layers.py, after
engine/export/templates/layers_keras.py, which defines _glorot, _dense and _with_one)."""
import keras
from keras import ops


@keras.saving.register_keras_serializable("FusionLab")
class LateStack(keras.layers.Layer):
    """Stacking: y = softmax(W2 act(W1 [p_1; ...] + b1) + b2)."""

    def __init__(self, hidden=0, activation="tanh", **kwargs):
        super().__init__(**kwargs)
        self.hidden, self.activation_name = hidden, activation

    def build(self, input_shape):
        classes = int(input_shape[0][-1])
        width = sum(int(s[-1]) for s in input_shape)
        if self.hidden > 0:
            self.w1 = self.add_weight(name="W1", shape=(width, self.hidden), initializer=_glorot())
            self.b1 = self.add_weight(name="b1", shape=(self.hidden,), initializer="zeros")
        self.w2 = self.add_weight(name="W2", shape=(self.hidden if self.hidden > 0 else width, classes), initializer=_glorot())
        self.b2 = self.add_weight(name="b2", shape=(classes,), initializer="zeros")

    def call(self, ps):
        x = ops.concatenate(ps, -1)
        if self.hidden > 0:
            x = keras.activations.get(self.activation_name)(_dense(x, self.w1) + self.b1)
        return ops.softmax(_dense(x, self.w2) + self.b2, -1)

    def get_config(self):
        return {**super().get_config(), "hidden": self.hidden, "activation": self.activation_name}
