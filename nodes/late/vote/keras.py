"""FusionLab>LateVote for Keras (an export copies this class into fusionlab_layers.py, after
engine/export/templates/layers_keras.py, which defines _glorot, _dense and _with_one)."""
import math

import tensorflow as tf
from tensorflow import keras


@keras.utils.register_keras_serializable("FusionLab")
class LateVote(keras.layers.Layer):
    """Majority vote of the branches' argmax (ties: highest summed probability); one-hot output, no gradient."""

    def call(self, ps):
        ps = [tf.stop_gradient(p) for p in ps]
        c = ps[0].shape[-1]
        votes = tf.add_n([tf.one_hot(tf.argmax(p, -1), c) for p in ps])
        summed = tf.add_n(ps)
        top = tf.equal(votes, tf.reduce_max(votes, -1, keepdims=True))
        return tf.one_hot(tf.argmax(tf.where(top, summed, tf.fill(tf.shape(summed), -math.inf)), -1), c)
