"""FusionLab>ModalityAttention for PyTorch (an export copies this class into fusionlab_layers.py, after
engine/export/templates/layers_torch.py, which defines _glorot, _activate and hard_sigmoid)."""
import torch
from torch import nn


class ModalityAttention(nn.Module):
    """Attention over modalities: p_k = P_k x_k, s_k = v^T tanh(W p_k), alpha = softmax(s), h = sum_k alpha_k p_k.
    Returns (h, alpha)."""

    def __init__(self, input_shapes, project=0, units=32):
        super().__init__()
        self.project = project
        d = project if project > 0 else input_shapes[0][-1]
        if project > 0:
            for i, s in enumerate(input_shapes):
                setattr(self, f"P{i + 1}", _glorot(s[-1], d))
        self.W = _glorot(d, units)
        self.v = _glorot(units, 1)

    def forward(self, *xs):
        ps = [x @ getattr(self, f"P{i + 1}") for i, x in enumerate(xs)] if self.project > 0 else list(xs)
        p = torch.stack(ps, 1)
        s = (torch.tanh(p @ self.W) @ self.v).reshape(-1, len(xs))
        alpha = torch.softmax(s, -1)
        return (alpha.unsqueeze(2) * p).sum(1), alpha
