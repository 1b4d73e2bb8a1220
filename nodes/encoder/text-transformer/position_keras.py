"""FusionLab>PositionEmbedding for Keras (an export copies this class into fusionlab_layers.py, after
engine/export/templates/layers_keras.py, which defines _glorot, _dense and _with_one)."""
import keras


@keras.saving.register_keras_serializable("FusionLab")
class PositionEmbedding(keras.layers.Layer):
    """x + P[0:L] with a learned position table P [L, d]."""

    def build(self, input_shape):
        self.positions = self.add_weight(name="positions", shape=(int(input_shape[1]), int(input_shape[2])), initializer=keras.initializers.RandomNormal(stddev=0.02))

    def call(self, x):
        return x + self.positions
