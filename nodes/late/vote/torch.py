"""FusionLab>LateVote for PyTorch (an export copies this class into fusionlab_layers.py, after
engine/export/templates/layers_torch.py, which defines _glorot, _activate and hard_sigmoid)."""
import math

import torch
from torch import nn
import torch.nn.functional as F


class LateVote(nn.Module):
    """Majority vote of the branches' argmax; ties go to the highest summed probability. One-hot output."""

    def __init__(self, input_shapes):
        super().__init__()

    def forward(self, *ps):
        with torch.no_grad():
            c = ps[0].shape[-1]
            votes = sum(F.one_hot(p.argmax(-1), c).float() for p in ps)
            summed = sum(ps)
            top = votes == votes.amax(-1, keepdim=True)
            tie_broken = torch.where(top, summed, torch.full_like(summed, -math.inf))
            return F.one_hot(tie_broken.argmax(-1), c).float()
