"""AV-MNIST fusion model in PyTorch, same architecture as templates/avmnist.json compiled by
FusionLab (two conv branches: conv3x3 -> BN -> ReLU -> 2x2 max-pool, 16 then 32 filters, flatten
(the template's `ending: flatten`), dense 64 ReLU; concatenation; dense 10 softmax). Trains on random tensors with
Adam and prints one JSON line: training samples per CPU-second (process time) on 1 thread.

usage: python3 bench/avmnist_torch.py [--batch 32] [--samples 512] [--repeats 3]
"""
import argparse
import json
import time

import torch
import torch.nn as nn


def branch(in_ch: int, flat: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_ch, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16, eps=1e-3, momentum=0.01), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32, eps=1e-3, momentum=0.01), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(flat, 64), nn.ReLU(),
    )


class AVMNIST(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.image = branch(1, 32 * 7 * 7)  # 28x28 -> 14x14 -> 7x7
        self.audio = branch(1, 32 * 15 * 8)  # 61x32 -> 30x16 -> 15x8
        self.head = nn.Linear(128, 10)

    def forward(self, img: torch.Tensor, aud: torch.Tensor) -> torch.Tensor:
        return self.head(torch.cat([self.image(img), self.audio(aud)], dim=1))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument('--batch', type=int, default=32)
    ap.add_argument('--samples', type=int, default=512)
    ap.add_argument('--repeats', type=int, default=3)
    a = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = AVMNIST()
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    # Channels first: [N, 1, 28, 28] and [N, 1, 61, 32] (frames × mel bins), as FusionLab's inputs.
    img = torch.rand(a.samples, 1, 28, 28)
    aud = torch.randn(a.samples, 1, 61, 32)
    y = torch.randint(0, 10, (a.samples,))
    model.train()
    rates = []
    for r in range(a.repeats + 1):
        t = time.process_time()
        perm = torch.randperm(a.samples)
        for s in range(0, a.samples, a.batch):
            idx = perm[s:s + a.batch]
            opt.zero_grad()
            loss = loss_fn(model(img[idx], aud[idx]), y[idx])
            loss.backward()
            opt.step()
        if r > 0:  # the first pass warms up
            rates.append(a.samples / (time.process_time() - t))
    rates.sort()
    print(json.dumps({'framework': 'pytorch', 'version': torch.__version__, 'threads': torch.get_num_threads(), 'params': params, 'batch': a.batch, 'samplesPerSecond': rates[len(rates) // 2]}))


if __name__ == '__main__':
    main()
