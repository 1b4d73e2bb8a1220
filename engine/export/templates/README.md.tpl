<!-- # The README of an export, filled by readmeFor (engine/export/scripts.ts). __UPPER__ names are filled in; the lines between "if X" and "end X" stay only for target X (tfjs, keras, pytorch), or for an export with trained weights (weights). Lines like this one are dropped. -->
# __TITLE__

Exported from FusionLab.

Inputs:
__INPUTS__

Outputs:
__OUTPUTS__
<!-- if tfjs -->

## TypeScript (TensorFlow.js)

`model.ts` builds the same model as the app (same layers, shapes and parameter count) and holds the
custom layers it needs and the preprocessing functions.

```ts
import * as tf from '@tensorflow/tfjs';
import { buildModel } from './model';
const model = buildModel();
model.summary();
```
<!-- if weights -->

Trained weights: `__WEIGHTS_FILE__` (load with `tf.loadLayersModel('file://.../model.json')` after importing model.ts, which registers the custom layers).
<!-- end weights -->
<!-- end tfjs -->
<!-- if keras -->

## Python (Keras 3)

Files: `model.py` (functional model, `load_weights_npz`), `fusionlab_layers.py` (custom layers),
`data.py` (dataset reader and preprocessing), `train.py` (training, saves `model.keras`).

Written for Keras 3 (`import keras`): the custom layers use only `keras.ops`, so the model runs on
any Keras 3 backend. Pick one with `KERAS_BACKEND`:

```sh
pip install keras tensorflow numpy         # or: pip install keras jax / pip install keras torch
python train.py --data path/to/dataset --epochs 10
KERAS_BACKEND=jax python train.py --data path/to/dataset --epochs 10
```

On TensorFlow, `train.py` uses every local GPU (MirroredStrategy), or several machines when
`TF_CONFIG` is set on each (MultiWorkerMirroredStrategy); on JAX, data parallel over the local
devices; on PyTorch, one device. The trained model is saved as `model.keras` (reload it with
`keras.saving.load_model("model.keras")` after `import fusionlab_layers`, which registers the
custom layers).
<!-- if weights -->

Trained weights: `__WEIGHTS_FILE__` — `load_weights_npz(build_model(), "__WEIGHTS_FILE__")`, or `python train.py --weights __WEIGHTS_FILE__ ...` to continue training.
<!-- end weights -->

The recurrent layers use `tfjs_hard_sigmoid` (0.2 x + 0.5, as TensorFlow.js computes its gates)
and `reset_after=False`: Keras 3's own `"hard_sigmoid"` is x / 6 + 0.5, a different function.

Note: Keras and TensorFlow for Python cannot be installed where FusionLab's tests run. This code is
checked with `python3 -m py_compile` and run against a stand-in that follows Keras 3's API and
computes with numpy: the model builds, loads the app's weights from the `.npz` and gives the app's
outputs within 1e-4, every custom layer's config survives `get_config`/`from_config`, and
`train.py` reads the data and saves `model.keras` (the stand-in cannot train). It has not been run
on a real Keras 3 here; the PyTorch export is the one whose training is tested for real.
<!-- end keras -->
<!-- if pytorch -->

## Python (PyTorch)

Files: `model.py` (`FusionModel`, an nn.Module with the app's architecture; `load_npz`),
`fusionlab_layers.py` (custom layers and tfjs-compatible GRU/LSTM cells), `data.py` (dataset reader
and preprocessing: PNG and WAV need only numpy), `train.py` (DistributedDataParallel training).

```sh
pip install torch numpy
python train.py --data path/to/dataset --epochs 10                 # one process
torchrun --nproc_per_node=4 train.py --data path/to/dataset        # 4 processes on this machine
```

Across machines (run on each, with node_rank 0 … N−1; HOST is the first machine):

```sh
torchrun --nnodes=2 --node_rank=0 --nproc_per_node=4 --rdzv_backend=c10d --rdzv_endpoint=HOST:29500 train.py --data path/to/dataset
```

The backend is NCCL on GPUs and gloo on CPUs; each process trains on its share of the samples
(DistributedSampler), gradients are averaged, and rank 0 logs one JSON line per epoch and saves
`checkpoint.pt`. (Debian's python3-torch 1.13 under Python 3.11 has a torchrun bug parsing its
default stream options: add `--redirects 1 --tee 1` after `torchrun` there.)

Tensors are channels-last as in TensorFlow.js (images [batch, height, width, channels]); the model
permutes to NCHW around its convolutions. Recurrent layers are tfjs-compatible cells (hard-sigmoid
gates, GRU with the reset gate before the recurrent matrix), so weights trained in the app load as
they are.
<!-- if weights -->

Trained weights from the app: `__WEIGHTS_FILE__` (named like `FusionModel().state_dict()`):

```python
from model import FusionModel, load_npz
model = load_npz(FusionModel(), "__WEIGHTS_FILE__").eval()
```

`preprocess.json` holds the app's fitted preprocessing (vocabularies, statistics, class names); `data.py` uses it.
<!-- end weights -->
<!-- end pytorch -->
