"""Train the exported model with Keras 3, on whichever backend KERAS_BACKEND names (tensorflow, jax or torch).

    python train.py --data path/to/dataset --epochs 10                       # one process; all local GPUs with TensorFlow or JAX
    KERAS_BACKEND=jax python train.py --data path/to/dataset                 # the same model on JAX
    TF_CONFIG='{"cluster": {"worker": ["host1:12345", "host2:12345"]}, "task": {"type": "worker", "index": 0}}' \
        python train.py --data ...                                           # TensorFlow backend: MultiWorkerMirroredStrategy across machines
"""
import argparse
import contextlib
import os

import keras

from data import OUTPUTS, load_split, load_state, read_manifest
from model import INPUT_NAMES, OUTPUT_NAMES, build_model, load_weights_npz

LOSSES = {"classify": "categorical_crossentropy", "multilabel": "binary_crossentropy", "regress": "mse"}


def distribution():
    """(context to build the model in, replicas, is this the process that saves) for the backend in use."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        # Keras 3 on TensorFlow trains under a tf.distribute strategy: every local GPU, or workers from TF_CONFIG.
        import tensorflow as tf

        strategy = tf.distribute.MultiWorkerMirroredStrategy() if "TF_CONFIG" in os.environ else tf.distribute.MirroredStrategy()
        chief = strategy.cluster_resolver is None or strategy.cluster_resolver.task_id == 0
        return strategy.scope(), strategy.num_replicas_in_sync, chief
    if backend == "jax":
        devices = keras.distribution.list_devices()
        if len(devices) > 1:
            # Data parallel over the local devices: each batch is split between them.
            keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))
        return contextlib.nullcontext(), max(1, len(devices)), True
    # PyTorch (or another backend): one device; for several, run model.py's model under torchrun
    # with the PyTorch export's train.py instead.
    return contextlib.nullcontext(), 1, True


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch-size", type=int, default=32, help="per replica")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--weights", default="", help="a weights.npz exported by FusionLab to start from")
    ap.add_argument("--out", default="model.keras")
    args = ap.parse_args()

    scope, replicas, chief = distribution()
    rows = read_manifest(args.data)
    if args.limit:
        rows = rows[:args.limit]
    state = load_state(args.data, rows)
    x_train, y_train, _ = load_split(args.data, "train", state, rows, require=True)
    x_val, y_val, _ = load_split(args.data, "val", state, rows)
    inputs = lambda x: [x[n] for n in INPUT_NAMES]
    targets = lambda y: [y[n] for n in OUTPUT_NAMES]
    with scope:
        model = build_model()
        if args.weights:
            load_weights_npz(model, args.weights)
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate=args.lr),
            loss=[LOSSES[o["task"]] for o in OUTPUTS],
            loss_weights=[o["loss_weight"] for o in OUTPUTS],
            metrics=[["accuracy"] if o["task"] == "classify" else [] for o in OUTPUTS],
        )
    has_val = x_val[INPUT_NAMES[0]].shape[0] > 0
    model.fit(
        inputs(x_train), targets(y_train),
        validation_data=(inputs(x_val), targets(y_val)) if has_val else None,
        epochs=args.epochs, batch_size=args.batch_size * replicas, shuffle=True,
    )
    if chief:
        # The native Keras 3 format: architecture, weights and the custom layers' configs in one file.
        model.save(args.out)


if __name__ == "__main__":
    main()
