"""FusionLab custom layers for PyTorch (generated; same math and weight names as the TensorFlow.js layers)."""
import math

import torch
from torch import nn
import torch.nn.functional as F


def _glorot(*shape):
    """A parameter with Glorot-uniform values (the tfjs default for kernels)."""
    fan_in, fan_out = shape[0], shape[-1]
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    return nn.Parameter(torch.empty(*shape).uniform_(-limit, limit))


def _activate(name, x):
    if name == "relu":
        return torch.relu(x)
    if name == "gelu":
        return F.gelu(x)
    if name == "tanh":
        return torch.tanh(x)
    if name == "sigmoid":
        return torch.sigmoid(x)
    if name == "elu":
        return F.elu(x)
    if name == "selu":
        return F.selu(x)
    if name == "swish":
        return F.silu(x)
    return x


def hard_sigmoid(x):
    """tfjs/Keras hard sigmoid: clip(0.2 x + 0.5, 0, 1), the default gate of tfjs recurrent cells."""
    return torch.clamp(0.2 * x + 0.5, 0.0, 1.0)
