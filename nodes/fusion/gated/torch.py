"""FusionLab>GatedFusion for PyTorch (an export copies this class into fusionlab_layers.py, after
engine/export/templates/layers_torch.py, which defines _glorot)."""
import torch
from torch import nn


class GatedFusion(nn.Module):
    """Gated Multimodal Unit (Arevalo et al. 2017): h_k = tanh(W_k x_k), z = sigmoid(W_z [x_1; ...; x_K]),
    h = z * h_1 + (1 - z) * h_2; for K > 2 the gates are a softmax over the modalities per unit."""

    def __init__(self, input_shapes, units=64):
        super().__init__()
        self.units = units
        self.k = len(input_shapes)
        for i, s in enumerate(input_shapes):
            setattr(self, f"W{i + 1}", _glorot(s[-1], units))
        total = sum(s[-1] for s in input_shapes)
        self.Wz = _glorot(total, units if self.k == 2 else self.k * units)

    def forward(self, *xs):
        hs = [torch.tanh(x @ getattr(self, f"W{i + 1}")) for i, x in enumerate(xs)]
        gate = torch.cat(xs, -1) @ self.Wz
        if self.k == 2:
            z = torch.sigmoid(gate)
            return z * hs[0] + (1 - z) * hs[1]
        z = torch.softmax(gate.reshape(-1, self.units, self.k), -1)
        return (z * torch.stack(hs, 2)).sum(2)
