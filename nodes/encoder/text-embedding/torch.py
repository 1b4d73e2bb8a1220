"""FusionLab>MaskedPool1D for PyTorch (an export copies this class into fusionlab_layers.py, after
engine/export/templates/layers_torch.py, which defines _glorot, _activate and hard_sigmoid)."""
import torch
from torch import nn


class MaskedPool1D(nn.Module):
    """Pools a sequence [B, L, d] over its steps, skipping padding (token id 0)."""

    def __init__(self, input_shapes, mode="mean"):
        super().__init__()
        self.mode = mode

    def forward(self, x, tokens):
        m = (tokens != 0).float().unsqueeze(-1)
        count = m.sum(1)
        if self.mode == "mean":
            return (x * m).sum(1) / count.clamp_min(1.0)
        mx = (x + (m - 1.0) * 1e9).amax(1)
        return torch.where(count > 0, mx, torch.zeros_like(mx))
