"""FusionLab>ModalityAttention for Keras (an export copies this class into fusionlab_layers.py, after
engine/export/templates/layers_keras.py, which defines _glorot, _dense and _with_one)."""
import keras
from keras import ops


@keras.saving.register_keras_serializable("FusionLab")
class ModalityAttention(keras.layers.Layer):
    """Attention over modalities; returns [h, alpha]."""

    def __init__(self, project=0, units=32, **kwargs):
        super().__init__(**kwargs)
        self.project, self.units = project, units

    def build(self, input_shape):
        d = self.project if self.project > 0 else int(input_shape[0][-1])
        self.pw = [self.add_weight(name=f"P{i + 1}", shape=(int(s[-1]), d), initializer=_glorot()) for i, s in enumerate(input_shape)] if self.project > 0 else []
        self.w = self.add_weight(name="W", shape=(d, self.units), initializer=_glorot())
        self.v = self.add_weight(name="v", shape=(self.units, 1), initializer=_glorot())

    def call(self, xs):
        ps = [_dense(x, w) for x, w in zip(xs, self.pw)] if self.project > 0 else list(xs)
        p = ops.stack(ps, 1)
        s = ops.reshape(_dense(ops.tanh(_dense(p, self.w)), self.v), (-1, len(xs)))
        alpha = ops.softmax(s, -1)
        return [ops.sum(ops.expand_dims(alpha, 2) * p, 1), alpha]

    def compute_mask(self, inputs, mask=None):
        return [None, None]

    def get_config(self):
        return {**super().get_config(), "project": self.project, "units": self.units}
