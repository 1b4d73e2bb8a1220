"""FusionLab custom layers for Keras (generated; same math and weight order as the TensorFlow.js layers)."""
import math

import tensorflow as tf
from tensorflow import keras


def _glorot():
    return keras.initializers.GlorotUniform()


def _dense(x, w):
    return tf.tensordot(x, w, axes=[[x.shape.rank - 1], [0]])


def _with_one(x):
    return tf.concat([tf.ones_like(x[..., :1]), x], -1)
