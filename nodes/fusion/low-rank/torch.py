"""FusionLab>LowRankFusion for PyTorch (an export copies this class into fusionlab_layers.py, after
engine/export/templates/layers_torch.py, which defines _glorot, _activate and hard_sigmoid)."""
import torch
from torch import nn


class LowRankFusion(nn.Module):
    """Low-rank Multimodal Fusion (Liu et al. 2018): h = sum_i prod_k (W_k^(i) [1; x_k])."""

    def __init__(self, input_shapes, rank=4, units=64):
        super().__init__()
        self.rank, self.units = rank, units
        for i, s in enumerate(input_shapes):
            setattr(self, f"factor{i + 1}", _glorot(s[-1] + 1, rank * units))

    def forward(self, *xs):
        prod = None
        for i, x in enumerate(xs):
            f = (torch.cat([torch.ones_like(x[:, :1]), x], -1) @ getattr(self, f"factor{i + 1}")).reshape(-1, self.rank, self.units)
            prod = f if prod is None else prod * f
        return prod.sum(1)
