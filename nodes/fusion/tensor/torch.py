"""FusionLab>TensorFusion for PyTorch (an export copies this class into fusionlab_layers.py, after
engine/export/templates/layers_torch.py, which defines _glorot, _activate and hard_sigmoid)."""
import torch
from torch import nn


class TensorFusion(nn.Module):
    """Tensor Fusion (Zadeh et al. 2017): [1; x_1] (x) [1; x_2] (x) ... flattened row-major. No weights."""

    def __init__(self, input_shapes):
        super().__init__()

    def forward(self, *xs):
        ones = [torch.cat([torch.ones_like(x[:, :1]), x], -1) for x in xs]
        z = ones[0]
        for x in ones[1:]:
            z = (z.unsqueeze(2) * x.unsqueeze(1)).reshape(z.shape[0], -1)
        return z
