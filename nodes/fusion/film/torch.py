"""FusionLab>FiLM for PyTorch (an export copies this class into fusionlab_layers.py, after
engine/export/templates/layers_torch.py, which defines _glorot, _activate and hard_sigmoid)."""
import torch
from torch import nn


class FiLM(nn.Module):
    """FiLM (Perez et al. 2018): gamma = W_gamma c, beta = W_beta c, h = gamma * x + beta."""

    def __init__(self, input_shapes):
        super().__init__()
        x, c = input_shapes
        self.Wgamma = _glorot(c[-1], x[-1])
        self.Wbeta = _glorot(c[-1], x[-1])

    def forward(self, x, c):
        gamma, beta = c @ self.Wgamma, c @ self.Wbeta
        if x.dim() == 3:
            gamma, beta = gamma.unsqueeze(1), beta.unsqueeze(1)
        return gamma * x + beta
