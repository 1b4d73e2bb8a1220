"""FusionLab>CrossAttention for PyTorch (an export copies this class into fusionlab_layers.py, after
engine/export/templates/layers_torch.py, which defines _glorot, _activate and hard_sigmoid)."""
import math

import torch
from torch import nn


class CrossAttention(nn.Module):
    """Cross-modal attention (MulT): y = LayerNorm(x_q + softmax(Q K^T / sqrt(k)) V W_o), Q from the query,
    K and V from the context. A feature-vector query is a one-step sequence; a feature-vector context is
    split into `tokens` tokens; with one context step the softmax is 1 and there is no W_q, W_k."""

    def __init__(self, input_shapes, heads=2, key_dim=16, tokens=4):
        super().__init__()
        q, c = input_shapes
        self.heads, self.key_dim, self.tokens = heads, key_dim, tokens
        steps = tokens if len(c) == 1 else c[0]
        width = c[-1] // tokens if len(c) == 1 else c[-1]
        hk = heads * key_dim
        self.has_qk = steps != 1
        if self.has_qk:
            self.Wq = _glorot(q[-1], hk)
            self.Wk = _glorot(width, hk)
        self.Wv = _glorot(width, hk)
        self.Wo = _glorot(hk, q[-1])
        self.gamma = nn.Parameter(torch.ones(q[-1]))
        self.beta = nn.Parameter(torch.zeros(q[-1]))

    def _split(self, x):
        b, t = x.shape[0], x.shape[1]
        return x.reshape(b, t, self.heads, self.key_dim).transpose(1, 2)

    def forward(self, q, c):
        q3 = q.unsqueeze(1) if q.dim() == 2 else q
        c3 = c.reshape(c.shape[0], self.tokens, -1) if c.dim() == 2 else c
        b, tq, dq = q3.shape
        v = self._split(c3 @ self.Wv)
        if self.has_qk:
            scores = self._split(q3 @ self.Wq) @ self._split(c3 @ self.Wk).transpose(-1, -2) / math.sqrt(self.key_dim)
            o = torch.softmax(scores, -1) @ v
        else:
            o = v
        merged = o.transpose(1, 2).reshape(b, o.shape[2], self.heads * self.key_dim)
        y = q3 + merged @ self.Wo
        mean = y.mean(-1, keepdim=True)
        var = ((y - mean) ** 2).mean(-1, keepdim=True)
        out = (y - mean) / torch.sqrt(var + 1e-5) * self.gamma + self.beta
        return out.reshape(b, dq) if q.dim() == 2 else out
