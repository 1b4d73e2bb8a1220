"""FusionLab>TransformerBlock for PyTorch (an export copies this class into fusionlab_layers.py, after
engine/export/templates/layers_torch.py, which defines _glorot, _activate and hard_sigmoid)."""
import math

import torch
from torch import nn


class TransformerBlock(nn.Module):
    """Post-norm transformer encoder block; tokens equal to 0 are masked out as keys."""

    def __init__(self, input_shapes, num_heads=2, ff_dim=64):
        super().__init__()
        d = input_shapes[0][-1]
        self.num_heads = num_heads
        self.query_kernel = _glorot(d, d)
        self.query_bias = nn.Parameter(torch.zeros(d))
        self.key_kernel = _glorot(d, d)
        self.value_kernel = _glorot(d, d)
        self.value_bias = nn.Parameter(torch.zeros(d))
        self.output_kernel = _glorot(d, d)
        self.output_bias = nn.Parameter(torch.zeros(d))
        self.ln1_gamma = nn.Parameter(torch.ones(d))
        self.ln1_beta = nn.Parameter(torch.zeros(d))
        self.ff1_kernel = _glorot(d, ff_dim)
        self.ff1_bias = nn.Parameter(torch.zeros(ff_dim))
        self.ff2_kernel = _glorot(ff_dim, d)
        self.ff2_bias = nn.Parameter(torch.zeros(d))
        self.ln2_gamma = nn.Parameter(torch.ones(d))
        self.ln2_beta = nn.Parameter(torch.zeros(d))

    @staticmethod
    def _norm(x, g, b):
        mean = x.mean(-1, keepdim=True)
        var = ((x - mean) ** 2).mean(-1, keepdim=True)
        return (x - mean) * torch.rsqrt(var + 1e-6) * g + b

    def forward(self, x, tokens):
        b, length, d = x.shape
        h = self.num_heads
        dh = d // h

        def heads(t):
            return t.reshape(b, length, h, dh).transpose(1, 2)

        q = heads(x @ self.query_kernel + self.query_bias)
        k = heads(x @ self.key_kernel)
        v = heads(x @ self.value_kernel + self.value_bias)
        key_mask = (tokens != 0).float().reshape(b, 1, 1, length)
        scores = q @ k.transpose(-1, -2) / math.sqrt(dh) + (key_mask - 1.0) * 1e9
        attended = (torch.softmax(scores, -1) @ v).transpose(1, 2).reshape(b, length, d)
        y = self._norm(x + attended @ self.output_kernel + self.output_bias, self.ln1_gamma, self.ln1_beta)
        f = torch.relu(y @ self.ff1_kernel + self.ff1_bias) @ self.ff2_kernel + self.ff2_bias
        return self._norm(y + f, self.ln2_gamma, self.ln2_beta)
