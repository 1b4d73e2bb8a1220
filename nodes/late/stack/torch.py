"""FusionLab>LateStack for PyTorch (an export copies this class into fusionlab_layers.py, after
engine/export/templates/layers_torch.py, which defines _glorot, _activate and hard_sigmoid)."""
import torch
from torch import nn


class LateStack(nn.Module):
    """Stacking: y = softmax(W2 act(W1 [p_1; ...; p_K] + b1) + b2) (no hidden layer when hidden = 0)."""

    def __init__(self, input_shapes, hidden=0, activation="tanh"):
        super().__init__()
        self.hidden, self.activation = hidden, activation
        classes = input_shapes[0][-1]
        width = sum(s[-1] for s in input_shapes)
        if hidden > 0:
            self.W1 = _glorot(width, hidden)
            self.b1 = nn.Parameter(torch.zeros(hidden))
        self.W2 = _glorot(hidden if hidden > 0 else width, classes)
        self.b2 = nn.Parameter(torch.zeros(classes))

    def forward(self, *ps):
        x = torch.cat(ps, -1)
        if self.hidden > 0:
            x = _activate(self.activation, x @ self.W1 + self.b1)
        return torch.softmax(x @ self.W2 + self.b2, -1)
