"""Train the exported model with PyTorch: one process, or many with torchrun (DistributedDataParallel).

    python train.py --data path/to/dataset --epochs 10
    torchrun --nproc_per_node=4 train.py --data path/to/dataset             # 4 processes, one machine
    torchrun --nnodes=2 --node_rank=0 --nproc_per_node=4 \
        --rdzv_backend=c10d --rdzv_endpoint=HOST:29500 train.py --data ...    # and node_rank=1 on the other machine

gloo on CPU, NCCL on GPUs. Each process reads its share of the samples (DistributedSampler); rank 0
logs one JSON line per epoch and writes the checkpoint.
"""
import argparse
import json
import os
import time

import numpy as np
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler

from data import OUTPUTS, load_split, load_state, read_manifest
from model import FusionModel, INPUT_NAMES, OUTPUT_NAMES, load_npz


def _log(p):
    """log p at the app's clip (1e-7, 1 - 1e-7) for the value, with the gradient of the unclipped log
    down to 1e-30: a class whose probability fell below the clip still learns (the app takes its
    cross-entropy from the logits; on clipped probabilities such a class would never recover)."""
    raw = torch.log(p.clamp_min(1e-30))
    return raw + (torch.log(p.clamp(1e-7, 1 - 1e-7)) - raw).detach()


def output_loss(task, p, y):
    """The app's losses: categorical / binary cross-entropy (the values clipped at 1e-7), MSE."""
    if task == "regress":
        return ((p - y) ** 2).mean()
    if task == "multilabel":
        return -(y * _log(p) + (1 - y) * _log(1 - p)).mean()
    return -(y * _log(p)).sum(-1).mean()


def total_loss(outputs, targets):
    loss = 0.0
    for spec, p, y in zip(OUTPUTS, outputs, targets):
        if spec["loss_weight"] > 0:
            loss = loss + spec["loss_weight"] * output_loss(spec["task"], p, y)
    return loss


def as_tuple(out):
    return out if isinstance(out, tuple) else (out,)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, help="dataset folder holding samples.csv")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch-size", type=int, default=32, help="per process")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--limit", type=int, default=0, help="use only the first N rows (0 = all)")
    ap.add_argument("--weights", default="", help="start from these weights (.npz exported by FusionLab)")
    ap.add_argument("--out", default="checkpoint.pt", help="where rank 0 saves the state_dict")
    args = ap.parse_args()

    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    cuda = torch.cuda.is_available()
    if distributed:
        dist.init_process_group("nccl" if cuda else "gloo")
        rank, world = dist.get_rank(), dist.get_world_size()
        local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    else:
        rank, world, local_rank = 0, 1, 0
    device = torch.device(f"cuda:{local_rank}" if cuda else "cpu")
    if cuda:
        torch.cuda.set_device(device)
    torch.manual_seed(args.seed)

    rows = read_manifest(args.data)
    if args.limit:
        rows = rows[:args.limit]
    state = load_state(args.data, rows)
    x_train, y_train, skipped = load_split(args.data, "train", state, rows, require=True)
    x_val, y_val, _ = load_split(args.data, "val", state, rows)
    tensors = [torch.from_numpy(x_train[n]) for n in INPUT_NAMES] + [torch.from_numpy(y_train[n]) for n in OUTPUT_NAMES]
    dataset = TensorDataset(*tensors)
    sampler = DistributedSampler(dataset, num_replicas=world, rank=rank, shuffle=True, seed=args.seed) if distributed else None
    loader = DataLoader(dataset, batch_size=args.batch_size, shuffle=sampler is None, sampler=sampler)
    n_in = len(INPUT_NAMES)

    model = FusionModel().to(device)
    if args.weights:
        load_npz(model, args.weights)
    net = DistributedDataParallel(model, device_ids=[local_rank] if cuda else None) if distributed else model
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)

    def mean_loss(xs, ys, chunk=256):
        """Mean loss over a split (no gradient), averaged over all processes; None for an empty split.
        In train mode batch norm uses batch statistics; its running statistics are restored after."""
        saved = {k: v.clone() for k, v in model.state_dict().items() if "running_" in k or "num_batches" in k}
        total, count = 0.0, 0
        with torch.no_grad():
            n = xs[INPUT_NAMES[0]].shape[0]
            for i in range(0, n, chunk):
                x = [torch.from_numpy(xs[k][i:i + chunk]).to(device) for k in INPUT_NAMES]
                y = [torch.from_numpy(ys[k][i:i + chunk]).to(device) for k in OUTPUT_NAMES]
                total += float(total_loss(as_tuple(model(*x)), y)) * x[0].shape[0]
                count += x[0].shape[0]
        model.load_state_dict(saved, strict=False)
        t = torch.tensor([total, float(count)], device=device)
        if distributed:
            dist.all_reduce(t)
        return (t[0] / t[1]).item() if t[1] > 0 else None

    if rank == 0:
        print(json.dumps({"event": "start", "world_size": world, "backend": dist.get_backend() if distributed else "none", "train": len(dataset), "val": int(x_val[INPUT_NAMES[0]].shape[0]), "skipped": skipped}), flush=True)
    model.train()
    initial = mean_loss(x_train, y_train)
    for epoch in range(args.epochs):
        if sampler is not None:
            sampler.set_epoch(epoch)
        net.train()
        started, total, seen = time.time(), 0.0, 0
        for batch in loader:
            xs = [t.to(device) for t in batch[:n_in]]
            ys = [t.to(device) for t in batch[n_in:]]
            loss = total_loss(as_tuple(net(*xs)), ys)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * xs[0].shape[0]
            seen += xs[0].shape[0]
        t = torch.tensor([total, float(seen)], device=device)
        if distributed:
            dist.all_reduce(t)
        net.eval()
        val_loss = mean_loss(x_val, y_val)
        net.train()
        train_loss = mean_loss(x_train, y_train)
        if rank == 0:
            print(json.dumps({"event": "epoch", "epoch": epoch + 1, "batch_loss": (t[0] / t[1].clamp_min(1)).item(), "initial_loss": initial, "train_loss": train_loss, "val_loss": val_loss, "seconds": round(time.time() - started, 2)}), flush=True)
            torch.save(model.state_dict(), args.out)
    if distributed:
        # Every rank leaves together: without this, a rank that tears gloo down while rank 0 is
        # still writing the checkpoint can leave the job hanging at exit.
        dist.barrier()
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
