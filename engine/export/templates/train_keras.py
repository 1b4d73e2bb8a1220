"""Train the exported model with Keras and a tf.distribute strategy.

    python train.py --data path/to/dataset --epochs 10        # MirroredStrategy: every local GPU (or the CPU)
    TF_CONFIG='{"cluster": {"worker": ["host1:12345", "host2:12345"]}, "task": {"type": "worker", "index": 0}}' \
        python train.py --data ...                            # MultiWorkerMirroredStrategy across machines
"""
import argparse
import json
import os

import numpy as np
import tensorflow as tf

from data import OUTPUTS, load_split, load_state, read_manifest
from model import INPUT_NAMES, OUTPUT_NAMES, build_model, load_weights_npz

LOSSES = {"classify": "categorical_crossentropy", "multilabel": "binary_crossentropy", "regress": "mse"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch-size", type=int, default=32, help="per replica")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--weights", default="")
    ap.add_argument("--out", default="model.keras")
    args = ap.parse_args()

    strategy = tf.distribute.MultiWorkerMirroredStrategy() if "TF_CONFIG" in os.environ else tf.distribute.MirroredStrategy()
    rows = read_manifest(args.data)
    if args.limit:
        rows = rows[:args.limit]
    state = load_state(args.data, rows)
    x_train, y_train, _ = load_split(args.data, "train", state, rows, require=True)
    x_val, y_val, _ = load_split(args.data, "val", state, rows)
    batch = args.batch_size * strategy.num_replicas_in_sync
    as_lists = lambda x, y: (tuple(x[n] for n in INPUT_NAMES), tuple(y[n] for n in OUTPUT_NAMES))
    train = tf.data.Dataset.from_tensor_slices(as_lists(x_train, y_train)).shuffle(4096).batch(batch)
    val = tf.data.Dataset.from_tensor_slices(as_lists(x_val, y_val)).batch(batch)
    with strategy.scope():
        model = build_model()
        if args.weights:
            load_weights_npz(model, args.weights)
        model.compile(
            optimizer=tf.keras.optimizers.Adam(args.lr),
            loss=[LOSSES[o["task"]] for o in OUTPUTS],
            loss_weights=[o["loss_weight"] for o in OUTPUTS],
            metrics=[["accuracy"] if o["task"] == "classify" else [] for o in OUTPUTS],
        )
    model.fit(train, validation_data=val, epochs=args.epochs)
    if strategy.cluster_resolver is None or strategy.cluster_resolver.task_id == 0:
        model.save(args.out)


if __name__ == "__main__":
    main()
