"""FusionLab>LateVote for Keras (an export copies this class into fusionlab_layers.py, after
engine/export/templates/layers_keras.py, which defines _glorot, _dense and _with_one)."""
import math

import keras
from keras import ops


@keras.saving.register_keras_serializable("FusionLab")
class LateVote(keras.layers.Layer):
    """Majority vote of the branches' argmax (ties: highest summed probability); one-hot output, no gradient."""

    def call(self, ps):
        ps = [ops.stop_gradient(p) for p in ps]
        c = ps[0].shape[-1]
        votes, summed = ops.one_hot(ops.argmax(ps[0], -1), c), ps[0]
        for p in ps[1:]:
            votes, summed = votes + ops.one_hot(ops.argmax(p, -1), c), summed + p
        top = ops.equal(votes, ops.max(votes, -1, keepdims=True))
        return ops.one_hot(ops.argmax(ops.where(top, summed, ops.full_like(summed, -math.inf)), -1), c)
