"""FusionLab>LateAverage for PyTorch (an export copies this class into fusionlab_layers.py, after
engine/export/templates/layers_torch.py, which defines _glorot, _activate and hard_sigmoid)."""
import torch
from torch import nn


class LateAverage(nn.Module):
    """Late fusion p = sum_k w_k p_k; w fixed, or learned as softmax(theta) starting equal."""

    def __init__(self, input_shapes, mode="learned", fixed_weights=()):
        super().__init__()
        self.mode = mode
        if mode == "learned":
            self.theta = nn.Parameter(torch.zeros(len(input_shapes)))
        else:
            self.register_buffer("fixed", torch.tensor(list(fixed_weights), dtype=torch.float32), persistent=False)

    def branch_weights(self):
        return torch.softmax(self.theta, 0) if self.mode == "learned" else self.fixed

    def forward(self, *ps):
        return (self.branch_weights().reshape(1, -1, 1) * torch.stack(ps, 1)).sum(1)
