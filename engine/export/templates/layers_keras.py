"""FusionLab custom layers for Keras 3 (generated; same math and weight order as the TensorFlow.js layers).
Only `keras.ops` inside, so the layers run on any Keras 3 backend: TensorFlow, JAX or PyTorch."""
import math

import keras
from keras import ops


def _glorot():
    return keras.initializers.GlorotUniform()


def _dense(x, w):
    return ops.matmul(x, w)


def _with_one(x):
    return ops.concatenate([ops.ones_like(x[..., :1]), x], -1)


@keras.saving.register_keras_serializable("FusionLab")
def tfjs_hard_sigmoid(x):
    """The recurrent gates' activation in TensorFlow.js (and Keras 2): clip(0.2 x + 0.5, 0, 1).
    Keras 3's own "hard_sigmoid" is a different function, x / 6 + 0.5."""
    return ops.clip(0.2 * x + 0.5, 0.0, 1.0)
