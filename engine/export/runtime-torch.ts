/**
 * PyTorch source of the FusionLab custom layers (`fusionlab_layers.py` in an export). Each class
 * computes what the TensorFlow.js layer of the same name computes; parameters keep the tfjs names
 * and layouts (kernels [in, out]) so that trained weights load as they are. The recurrent cells
 * are written out because tfjs differs from torch.nn.GRU/LSTM: hard-sigmoid gates, gate order
 * z, r, h (GRU) and i, f, c, o (LSTM), and a GRU that resets before the recurrent matrix.
 */

const HEADER = `"""FusionLab custom layers for PyTorch (generated; same math and weight names as the TensorFlow.js layers)."""
import math

import torch
from torch import nn
import torch.nn.functional as F


def _glorot(*shape):
    """A parameter with Glorot-uniform values (the tfjs default for kernels)."""
    fan_in, fan_out = shape[0], shape[-1]
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    return nn.Parameter(torch.empty(*shape).uniform_(-limit, limit))


def _activate(name, x):
    if name == "relu":
        return torch.relu(x)
    if name == "gelu":
        return F.gelu(x)
    if name == "tanh":
        return torch.tanh(x)
    if name == "sigmoid":
        return torch.sigmoid(x)
    if name == "elu":
        return F.elu(x)
    if name == "selu":
        return F.selu(x)
    if name == "swish":
        return F.silu(x)
    return x


def hard_sigmoid(x):
    """tfjs/Keras hard sigmoid: clip(0.2 x + 0.5, 0, 1), the default gate of tfjs recurrent cells."""
    return torch.clamp(0.2 * x + 0.5, 0.0, 1.0)
`;

const CLASSES: Record<string, string> = {
  MaskedPool1D: `
class MaskedPool1D(nn.Module):
    """Pools a sequence [B, L, d] over its steps, skipping padding (token id 0)."""

    def __init__(self, input_shapes, mode="mean"):
        super().__init__()
        self.mode = mode

    def forward(self, x, tokens):
        m = (tokens != 0).float().unsqueeze(-1)
        count = m.sum(1)
        if self.mode == "mean":
            return (x * m).sum(1) / count.clamp_min(1.0)
        mx = (x + (m - 1.0) * 1e9).amax(1)
        return torch.where(count > 0, mx, torch.zeros_like(mx))
`,
  MaskSteps: `
class MaskSteps(nn.Module):
    """Zeroes the steps of a sequence whose token is padding (0)."""

    def __init__(self, input_shapes):
        super().__init__()

    def forward(self, x, tokens):
        return x * (tokens != 0).float().unsqueeze(-1)
`,
  PositionEmbedding: `
class PositionEmbedding(nn.Module):
    """x + P[0:L] with a learned position table P [L, d]."""

    def __init__(self, input_shapes):
        super().__init__()
        length, dim = input_shapes[0]
        self.positions = nn.Parameter(torch.randn(length, dim) * 0.02)

    def forward(self, x):
        return x + self.positions
`,
  TransformerBlock: `
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
`,
  GatedFusion: `
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
`,
  ModalityAttention: `
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
`,
  CrossAttention: `
class CrossAttention(nn.Module):
    """Cross-modal attention (MulT): y = LayerNorm(x_q + softmax(Q K^T / sqrt(k)) V W_o), Q from the query,
    K and V from the context. A feature-vector query is a one-step sequence; a feature-vector context is
    split into \`tokens\` tokens; with one context step the softmax is 1 and there is no W_q, W_k."""

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
`,
  TensorFusion: `
class TensorFusion(nn.Module):
    """Tensor Fusion (Zadeh et al. 2017): [1; x_1] (x) [1; x_2] (x) ... flattened row-major. No weights."""

    def __init__(self, input_shapes):
        super().__init__()

    def forward(self, *xs):
        ones = [torch.cat([torch.ones_like(x[:, :1]), x], -1) for x in xs]
        z = ones[0]
        for x in ones[1:]:
            z = (z.unsqueeze(2) * x.unsqueeze(1)).reshape(z.shape[0], -1)
        return z
`,
  LowRankFusion: `
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
`,
  FiLM: `
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
`,
  LateAverage: `
class LateAverage(nn.Module):
    """Late fusion p = sum_k w_k p_k; w fixed, or learned as softmax(theta) starting equal."""

    def __init__(self, input_shapes, mode="learned", fixed_weights=()):
        super().__init__()
        self.mode = mode
        if mode == "learned":
            self.theta = nn.Parameter(torch.zeros(len(input_shapes)))
        else:
            self.register_buffer("fixed", torch.tensor(list(fixed_weights), dtype=torch.float32), persistent=False)

    def branch_weights(self):
        return torch.softmax(self.theta, 0) if self.mode == "learned" else self.fixed

    def forward(self, *ps):
        return (self.branch_weights().reshape(1, -1, 1) * torch.stack(ps, 1)).sum(1)
`,
  LateVote: `
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
`,
  LateStack: `
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
`,
  TfjsGRU: `
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
`,
  TfjsLSTM: `
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
`,
  Bidirectional: `
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
`,
};

/** `fusionlab_layers.py` holding the classes a program uses (all of them when `classes` is empty). */
export function torchRuntime(classes: Set<string>): string {
  const names = Object.keys(CLASSES).filter((n) => classes.size === 0 || classes.has(n));
  return HEADER + names.map((n) => `\n${CLASSES[n]}`).join('');
}

/** Class names the PyTorch runtime defines. */
export const TORCH_RUNTIME_CLASSES = Object.keys(CLASSES);
