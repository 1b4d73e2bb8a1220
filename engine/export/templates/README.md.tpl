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

## Python (Keras / TensorFlow 2)

Files: `model.py` (functional model, `load_weights_npz`), `fusionlab_layers.py` (custom layers),
`data.py` (dataset reader and preprocessing), `train.py` (tf.distribute training).

```sh
pip install tensorflow numpy
python train.py --data path/to/dataset --epochs 10
```

Several machines: set `TF_CONFIG` on each worker and run the same command
(MultiWorkerMirroredStrategy); one machine uses MirroredStrategy over its GPUs.
<!-- if weights -->

Trained weights: `__WEIGHTS_FILE__` — `load_weights_npz(build_model(), "__WEIGHTS_FILE__")`, or `python train.py --weights __WEIGHTS_FILE__ ...` to continue training.
<!-- end weights -->

Written for TensorFlow 2 with its bundled Keras 2 (`tf.keras`): the recurrent layers use
`recurrent_activation="hard_sigmoid"` and `reset_after=False` to match TensorFlow.js, and Keras 3
defines hard_sigmoid differently.

Note: TensorFlow for Python cannot be installed where FusionLab's tests run, so this code is checked
with `python3 -m py_compile` and by building the model against a stand-in Keras (every layer is
constructed with valid arguments), not by running TensorFlow; the PyTorch export is the one tested
end to end (same outputs as the app's model, distributed training).
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
