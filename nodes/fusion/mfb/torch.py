"""FusionLab>MFB for PyTorch (an export copies this class into fusionlab_layers.py, after
engine/export/templates/layers_torch.py, which defines _glorot)."""
import torch
from torch import nn
import torch.nn.functional as F


class MFB(nn.Module):
    """Multi-modal Factorized Bilinear pooling (Yu et al. 2017) of two inputs: x~ = x U, y~ = y V,
    z = sum over consecutive groups of `factor` of x~ * y~, z = sign(z) sqrt(|z| + 1e-8),
    z = z / sqrt(|z|^2 + 1e-12). U [m, factor * units], V [n, factor * units] as in tfjs."""

    def __init__(self, input_shapes, factor=5, units=64, dropout=0.0):
        super().__init__()
        self.factor, self.units, self.dropout = factor, units, dropout
        self.U = _glorot(input_shapes[0][-1], factor * units)
        self.V = _glorot(input_shapes[1][-1], factor * units)

    def forward(self, x, y):
        joint = F.dropout((x @ self.U) * (y @ self.V), self.dropout, self.training)
        z = joint.reshape(-1, self.units, self.factor).sum(2)
        z = torch.sign(z) * torch.sqrt(z.abs() + 1e-8)
        return z / torch.sqrt((z * z).sum(-1, keepdim=True) + 1e-12)
