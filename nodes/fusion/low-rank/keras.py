"""FusionLab>LowRankFusion for Keras (an export copies this class into fusionlab_layers.py, after
engine/export/templates/layers_keras.py, which defines _glorot, _dense and _with_one)."""
import keras
from keras import ops


@keras.saving.register_keras_serializable("FusionLab")
class LowRankFusion(keras.layers.Layer):
    """Low-rank Multimodal Fusion: h = sum_i prod_k (W_k^(i) [1; x_k])."""

    def __init__(self, rank=4, units=64, **kwargs):
        super().__init__(**kwargs)
        self.rank, self.units = rank, units

    def build(self, input_shape):
        self.factors = [self.add_weight(name=f"factor{i + 1}", shape=(int(s[-1]) + 1, self.rank * self.units), initializer=_glorot()) for i, s in enumerate(input_shape)]

    def call(self, xs):
        prod = None
        for x, w in zip(xs, self.factors):
            f = ops.reshape(_dense(_with_one(x), w), (-1, self.rank, self.units))
            prod = f if prod is None else prod * f
        return ops.sum(prod, 1)

    def get_config(self):
        return {**super().get_config(), "rank": self.rank, "units": self.units}
