"""FusionLab>PositionEmbedding for PyTorch (an export copies this class into fusionlab_layers.py, after
engine/export/templates/layers_torch.py, which defines _glorot, _activate and hard_sigmoid)."""
import torch
from torch import nn


class PositionEmbedding(nn.Module):
    """x + P[0:L] with a learned position table P [L, d]."""

    def __init__(self, input_shapes):
        super().__init__()
        length, dim = input_shapes[0]
        self.positions = nn.Parameter(torch.randn(length, dim) * 0.02)

    def forward(self, x):
        return x + self.positions
