"""FusionLab>MaskSteps for PyTorch (an export copies this class into fusionlab_layers.py, after
engine/export/templates/layers_torch.py, which defines _glorot, _activate and hard_sigmoid)."""
import torch
from torch import nn


class MaskSteps(nn.Module):
    """Zeroes the steps of a sequence whose token is padding (0)."""

    def __init__(self, input_shapes):
        super().__init__()

    def forward(self, x, tokens):
        return x * (tokens != 0).float().unsqueeze(-1)
