"""PyTorch counterparts of the TensorFlow.js recurrent layers (the export copies them into fusionlab_layers.py
after layers_torch.py, whose hard_sigmoid they use, when a model has a GRU or LSTM)."""
import torch
from torch import nn


class TfjsGRU(nn.Module):
    """GRU as TensorFlow.js computes it (torch.nn.GRU differs): gates z, r, h side by side in one kernel
    [in, 3u]; hard-sigmoid gates; the reset gate applies to h before the recurrent matrix
    (hh = tanh(x W_h + (r * h) U_h + b_h)); masked steps carry the state over."""

    def __init__(self, input_size, units, return_sequences=False, go_backwards=False):
        super().__init__()
        self.units, self.return_sequences, self.go_backwards = units, return_sequences, go_backwards
        self.kernel = _glorot(input_size, 3 * units)
        self.recurrent_kernel = nn.Parameter(torch.linalg.qr(torch.randn(3 * units, units))[0].T.contiguous())
        self.bias = nn.Parameter(torch.zeros(3 * units))

    def forward(self, x, mask=None):
        b, steps, _ = x.shape
        u = self.units
        h = x.new_zeros(b, u)
        xs = x @ self.kernel + self.bias
        order = range(steps - 1, -1, -1) if self.go_backwards else range(steps)
        outputs = []
        for t in order:
            xz, xr, xh = xs[:, t, :u], xs[:, t, u:2 * u], xs[:, t, 2 * u:]
            inner = h @ self.recurrent_kernel[:, :2 * u]
            z = hard_sigmoid(xz + inner[:, :u])
            r = hard_sigmoid(xr + inner[:, u:])
            hh = torch.tanh(xh + (r * h) @ self.recurrent_kernel[:, 2 * u:])
            new_h = z * h + (1 - z) * hh
            if mask is not None:
                m = mask[:, t].float().unsqueeze(-1)
                new_h = m * new_h + (1 - m) * h
            h = new_h
            outputs.append(h)
        return torch.stack(outputs, 1) if self.return_sequences else h

class TfjsLSTM(nn.Module):
    """LSTM as TensorFlow.js computes it: gates i, f, c, o in one kernel [in, 4u]; hard-sigmoid gates;
    masked steps carry the state over."""

    def __init__(self, input_size, units, return_sequences=False, go_backwards=False):
        super().__init__()
        self.units, self.return_sequences, self.go_backwards = units, return_sequences, go_backwards
        self.kernel = _glorot(input_size, 4 * units)
        self.recurrent_kernel = nn.Parameter(torch.linalg.qr(torch.randn(4 * units, units))[0].T.contiguous())
        bias = torch.zeros(4 * units)
        bias[units:2 * units] = 1.0  # unit forget bias, as tfjs initialises it
        self.bias = nn.Parameter(bias)

    def forward(self, x, mask=None):
        b, steps, _ = x.shape
        u = self.units
        h = x.new_zeros(b, u)
        c = x.new_zeros(b, u)
        xs = x @ self.kernel + self.bias
        order = range(steps - 1, -1, -1) if self.go_backwards else range(steps)
        outputs = []
        for t in order:
            z = xs[:, t] + h @ self.recurrent_kernel
            i, f, g, o = hard_sigmoid(z[:, :u]), hard_sigmoid(z[:, u:2 * u]), torch.tanh(z[:, 2 * u:3 * u]), hard_sigmoid(z[:, 3 * u:])
            new_c = f * c + i * g
            new_h = o * torch.tanh(new_c)
            if mask is not None:
                m = mask[:, t].float().unsqueeze(-1)
                new_h = m * new_h + (1 - m) * h
                new_c = m * new_c + (1 - m) * c
            h, c = new_h, new_c
            outputs.append(h)
        return torch.stack(outputs, 1) if self.return_sequences else h

class Bidirectional(nn.Module):
    """Runs one recurrent layer left to right and one right to left and joins their outputs."""

    def __init__(self, forward_layer, backward_layer):
        super().__init__()
        self.forward_layer = forward_layer
        self.backward_layer = backward_layer

    def forward(self, x, mask=None):
        y = self.forward_layer(x, mask)
        y_rev = self.backward_layer(x, mask)
        if self.forward_layer.return_sequences:
            y_rev = y_rev.flip(1)
        return torch.cat([y, y_rev], -1)
