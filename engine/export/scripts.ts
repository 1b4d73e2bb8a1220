/**
 * The files around an exported model: the Python dataset reader and preprocessing (`data.py`,
 * the same featurisation as engine/data), the training scripts (PyTorch DistributedDataParallel,
 * Keras tf.distribute), the TypeScript preprocessing functions and the README. Graph and dataset
 * strings reach these files only inside one JSON string literal (escaped by pyString/tsString),
 * parsed at run time; nothing from a graph becomes code.
 */
import { pyString, tsString } from './ident';

/** What the preprocessing and training code needs to know about the model. */
export interface PreprocessSpec {
  graphName: string;
  inputs: { nodeId: string; ident: string; kind: string; shape: number[]; columns: string[]; params: Record<string, unknown> }[];
  outputs: { nodeId: string; ident: string; kind: string; shape: number[]; labelColumn?: string; role?: 'head' | 'late'; loss?: string; lossWeight?: number; headId?: string; separator?: string }[];
  /** FittedState JSON of a trained model, if any. */
  fitted?: unknown;
}

function configJson(spec: PreprocessSpec): string {
  return JSON.stringify({
    inputs: spec.inputs.map((i) => ({ name: i.ident, node_id: i.nodeId, kind: i.kind, shape: i.shape, columns: i.columns, params: i.params })),
    outputs: spec.outputs.map((o) => ({
      name: o.ident,
      node_id: o.nodeId,
      head_id: o.headId ?? o.nodeId,
      label: o.labelColumn ?? '',
      task: o.loss === 'binaryCrossentropy' ? 'multilabel' : o.loss === 'meanSquaredError' ? 'regress' : 'classify',
      width: o.shape[0] ?? 1,
      loss_weight: o.lossWeight ?? 1,
      separator: o.separator ?? null,
    })),
    fitted: spec.fitted ?? null,
  });
}

const DATA_PY = String.raw`"""Dataset reader and preprocessing for this FusionLab model (generated).

Reads a FusionLab dataset folder: samples.csv (or samples.jsonl) with one row per sample, image and
audio columns holding paths relative to that file, and an optional split column (train/val/test;
otherwise a seeded split, the same as the app's). Featurisation matches the app: images decoded,
converted to grayscale/RGB, bilinear-resized and scaled; audio mixed to mono, resampled, cut or
padded, turned into a log-mel spectrogram and standardised; text tokenised and looked up in a
vocabulary; tables standardised and one-hot encoded. Fitted state (vocabularies, statistics, class
names) comes from preprocess.json when it is there (a model trained in the app), otherwise it is
fitted on the train split. Needs only numpy (PNG and WAV are decoded here; other image formats use
Pillow if it is installed).
"""
import csv
import json
import math
import os
import re
import struct
import unicodedata
import wave
import zlib

import numpy as np

CONFIG = json.loads(__CONFIG__)
INPUTS = CONFIG["inputs"]
OUTPUTS = CONFIG["outputs"]
PAD_ID, UNK_ID = 0, 1


# ----------------------------------------------------------------------------- manifest and split

def read_manifest(root):
    """Rows of samples.csv (or samples.jsonl) as dicts of strings."""
    path = os.path.join(root, "samples.csv")
    if os.path.exists(path):
        with open(path, encoding="utf-8-sig", newline="") as f:
            return [{k: (v if v is not None else "") for k, v in row.items()} for row in csv.DictReader(f)]
    path = os.path.join(root, "samples.jsonl")
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                rows.append({k: ("" if v is None else str(v)) for k, v in json.loads(line).items()})
    return rows


def _hash(s, seed):
    """FNV-1a over UTF-16 code units with a final avalanche (the app's seeded split)."""
    h = (0x811C9DC5 ^ seed) & 0xFFFFFFFF
    data = s.encode("utf-16-le")
    for (unit,) in struct.iter_unpack("<H", data):
        h ^= unit
        h = (h * 0x01000193) & 0xFFFFFFFF
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & 0xFFFFFFFF
    h ^= h >> 16
    return h


_SPLITS = {"train": "train", "training": "train", "val": "val", "valid": "val", "validation": "val", "dev": "val", "test": "test", "testing": "test"}


def assign_splits(rows, seed=42, val_fraction=0.2, test_fraction=0.0):
    """train/val/test per row: the split column, else seeded by a hash of the id (as the app does)."""
    splits = [None] * len(rows)
    pending = []
    for i, row in enumerate(rows):
        cell = row.get("split")
        if cell is None or cell.strip() == "":
            pending.append(i)
        else:
            splits[i] = _SPLITS.get(cell.strip().lower())
    key = lambda i: rows[i].get("id") or str(i + 1)
    ranked = sorted(pending, key=lambda i: (_hash(key(i), seed), i))
    n_val = int(math.floor(len(ranked) * val_fraction + 0.5))
    n_test = int(math.floor(len(ranked) * test_fraction + 0.5))
    for k, i in enumerate(ranked):
        splits[i] = "val" if k < n_val else "test" if k < n_val + n_test else "train"
    return splits


# ----------------------------------------------------------------------------- images

def decode_png(data):
    """A PNG as uint8 [h, w, c] (8- and 16-bit, gray, RGB, palette, with alpha; not interlaced)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    pos, idat, palette = 8, [], None
    width = height = depth = color = interlace = None
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"PLTE":
            palette = np.frombuffer(body, np.uint8).reshape(-1, 3)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if width is None or interlace:
        raise ValueError("unsupported PNG (interlaced or no header)")
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color]
    bits = channels * depth
    bpp = max(1, bits // 8)
    stride = (width * bits + 7) // 8
    raw = zlib.decompress(b"".join(idat))
    out = np.zeros((height, stride), np.uint8)
    prev = np.zeros(stride, np.int64)
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        line = np.frombuffer(raw, np.uint8, stride, start + 1).astype(np.int64)
        if kind == 0:
            cur = line
        elif kind == 2:
            cur = (line + prev) & 255
        else:
            cur = line.copy()
            for x in range(stride):
                a = cur[x - bpp] if x >= bpp else 0
                c = prev[x - bpp] if x >= bpp else 0
                b = prev[x]
                if kind == 1:
                    cur[x] = (cur[x] + a) & 255
                elif kind == 3:
                    cur[x] = (cur[x] + ((a + b) >> 1)) & 255
                else:
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                    cur[x] = (cur[x] + pred) & 255
        out[y] = cur
        prev = cur
    if depth == 8:
        px = out[:, :width * channels].reshape(height, width, channels)
    elif depth == 16:
        px = out[:, :width * channels * 2].reshape(height, width, channels, 2)[..., 0]
    else:
        unpacked = np.unpackbits(out, axis=1)[:, :width * depth].reshape(height, width, depth)
        value = (unpacked * (1 << np.arange(depth - 1, -1, -1))).sum(-1)
        px = (value if color == 3 else value * 255 // ((1 << depth) - 1)).astype(np.uint8)[..., None]
    if color == 3:
        px = palette[px[..., 0]]
    return px


def read_image(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return decode_png(data)
    try:
        from PIL import Image  # optional, for JPEG, WebP, GIF, BMP
    except ImportError as e:
        raise ValueError("only PNG can be read without Pillow (pip install pillow)") from e
    import io
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGBA"))


def _to_channels(px, channels):
    px = px.astype(np.float32)
    c = px.shape[2]
    if c <= 2:
        gray = px[..., 0]
        return gray[..., None] if channels == 1 else np.stack([gray] * 3, -1)
    rgb = px[..., :3]
    if channels == 3:
        return rgb
    return (0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2])[..., None]


def resize_bilinear(src, w, h, mode="stretch"):
    """Bilinear resize with pixel centres aligned (as the app): stretch, centre crop or pad."""
    sh, sw, c = src.shape
    if mode == "stretch":
        sx, sy, ox, oy = w / sw, h / sh, 0.0, 0.0
    else:
        s = max(w / sw, h / sh) if mode == "crop" else min(w / sw, h / sh)
        sx = sy = s
        ox, oy = (sw * s - w) / 2, (sh * s - h) / 2
    out = np.zeros((h, w, c), np.float32)
    fy = (np.arange(h) + oy + 0.5) / sy - 0.5
    fx = (np.arange(w) + ox + 0.5) / sx - 0.5
    vy = (fy >= -0.5) & (fy <= sh - 0.5)
    vx = (fx >= -0.5) & (fx <= sw - 0.5)
    y0 = np.clip(np.floor(fy), 0, sh - 1).astype(int)
    x0 = np.clip(np.floor(fx), 0, sw - 1).astype(int)
    y1, x1 = np.minimum(sh - 1, y0 + 1), np.minimum(sw - 1, x0 + 1)
    dy = np.clip(fy - y0, 0, 1)[:, None, None]
    dx = np.clip(fx - x0, 0, 1)[None, :, None]
    a, b = src[y0][:, x0], src[y0][:, x1]
    cc, d = src[y1][:, x0], src[y1][:, x1]
    val = (a * (1 - dx) + b * dx) * (1 - dy) + (cc * (1 - dx) + d * dx) * dy
    mask = vy[:, None] & vx[None, :]
    out[mask] = val[mask]
    return out


def featurise_image(path, p):
    px = _to_channels(read_image(path), p["channels"])
    if px.shape[0] != p["height"] or px.shape[1] != p["width"]:
        px = resize_bilinear(px, p["width"], p["height"], p.get("resize", "stretch"))
    mode = p.get("normalise", "unit")
    if mode == "unit":
        px = px / 255.0
    elif mode == "signed":
        px = px / 127.5 - 1.0
    elif mode == "per-image":
        px = (px - px.mean()) / (px.std() or 1.0)
    return px.astype(np.float32)


# ----------------------------------------------------------------------------- audio

def read_wav(path):
    """Mono float samples in [-1, 1] and the sample rate of a PCM WAV file."""
    with wave.open(path, "rb") as w:
        rate, channels, width, frames = w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes()
        raw = w.readframes(frames)
    if width == 1:
        x = (np.frombuffer(raw, np.uint8).astype(np.float64) - 128) / 128
    elif width == 2:
        x = np.frombuffer(raw, "<i2").astype(np.float64) / 32768
    elif width == 3:
        b = np.frombuffer(raw, np.uint8).reshape(-1, 3).astype(np.int64)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        x = np.where(v & 0x800000, v - 0x1000000, v).astype(np.float64) / 8388608
    else:
        x = np.frombuffer(raw, "<i4").astype(np.float64) / 2147483648
    return x.reshape(-1, channels).mean(1), rate


def resample(x, from_rate, to_rate):
    """Hann-windowed sinc resampling (16 zero crossings), as the app."""
    if from_rate == to_rate:
        return x
    ratio = to_rate / from_rate
    n = max(1, int(math.floor(len(x) * ratio + 0.5)))
    cutoff = min(1.0, ratio)
    half = 16 / cutoff
    out = np.zeros(n)
    for i in range(n):
        t = i / ratio
        lo, hi = max(0, math.ceil(t - half)), min(len(x) - 1, math.floor(t + half))
        j = np.arange(lo, hi + 1)
        d = j - t
        a = d * cutoff
        sinc = np.where(a == 0, 1.0, np.sin(np.pi * a) / np.where(a == 0, 1.0, np.pi * a))
        out[i] = np.sum(x[lo:hi + 1] * sinc * (0.5 + 0.5 * np.cos(np.pi * d / half)) * cutoff)
    return out


def _hz_to_mel(f):
    return 2595 * np.log10(1 + f / 700)


def _mel_to_hz(m):
    return 700 * (10 ** (m / 2595) - 1)


def mel_filterbank(mel_bins, fft_size, rate):
    bins = fft_size // 2 + 1
    hz = _mel_to_hz(_hz_to_mel(rate / 2) * np.arange(mel_bins + 2) / (mel_bins + 1))
    f = np.arange(bins) * rate / fft_size
    filters = np.zeros((mel_bins, bins))
    for b in range(mel_bins):
        lo, mid, hi = hz[b], hz[b + 1], hz[b + 2]
        up = (f > lo) & (f <= mid)
        down = (f > mid) & (f < hi)
        filters[b, up] = (f[up] - lo) / (mid - lo)
        filters[b, down] = (hi - f[down]) / (hi - mid)
        if not (filters[b] > 0).any():
            filters[b, min(bins - 1, int(math.floor(mid * fft_size / rate + 0.5)))] = 1
    return filters


def log_mel(clip, p):
    """[frames, melBins] log-mel spectrogram: periodic window, zero-padded FFT, |X|^2/n, mel bands, ln(e + 1e-6)."""
    n, length, hop = len(clip), p["frameLength"], p["hop"]
    frames = 1 if n < length else 1 + (n - length) // hop
    fft_size = 1 << max(0, (length - 1).bit_length())
    i = np.arange(length)
    c = np.cos(2 * np.pi * i / length)
    win = 0.5 - 0.5 * c if p.get("window", "hann") == "hann" else 0.54 - 0.46 * c
    padded = np.concatenate([clip, np.zeros(length)])
    idx = np.arange(frames)[:, None] * hop + i[None, :]
    segs = padded[idx] * win
    power = np.abs(np.fft.rfft(segs, n=fft_size, axis=1)) ** 2 / fft_size
    return np.log(power @ mel_filterbank(p["melBins"], fft_size, p["sampleRate"]).T + 1e-6)


def featurise_audio_raw(path, p):
    x, rate = read_wav(path)
    x = resample(x, rate, p["sampleRate"])
    n = max(1, int(math.floor(p["sampleRate"] * p["clipSeconds"] + 0.5)))
    clip = np.zeros(n)
    clip[:min(n, len(x))] = x[:n]
    if p.get("representation", "logmel") == "waveform":
        return clip.astype(np.float32)
    return log_mel(clip, p).astype(np.float32)


# ----------------------------------------------------------------------------- text and tables

def _is_word_char(ch):
    return unicodedata.category(ch)[0] in "LNM"


def tokenize(text, p):
    """Words (letters, digits, inner apostrophes) and single punctuation marks, or characters."""
    s = unicodedata.normalize("NFC", text)
    if p.get("lowercase", True):
        s = s.lower()
    if p.get("tokenizer", "word") == "char":
        return list(" ".join(s.split()))
    tokens, i, n = [], 0, len(s)
    while i < n:
        ch = s[i]
        if _is_word_char(ch):
            j = i
            while j < n and _is_word_char(s[j]):
                j += 1
            while j + 1 < n and s[j] in "'\u2019" and _is_word_char(s[j + 1]):
                j += 1
                while j < n and _is_word_char(s[j]):
                    j += 1
            tokens.append(s[i:j])
            i = j
        elif ch.isspace():
            i += 1
        else:
            tokens.append(ch)
            i += 1
    return tokens


_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def parse_number(cell):
    s = cell.strip()
    if not _NUMBER.match(s):
        raise ValueError(f"not a number: {s[:40]!r}")
    v = float(s)
    if not math.isfinite(v):
        raise ValueError("not a finite number")
    return v


def sort_class_names(names):
    names = sorted(set(names))
    try:
        return sorted(names, key=lambda n: (parse_number(n), n))
    except ValueError:
        return names


def split_labels(cell, separator=None):
    """The labels of a multi-label cell: split on the head's separator (else ; or |), trimmed."""
    parts = cell.split(separator) if separator else re.split(r"[;|]", cell)
    return [s.strip() for s in parts if s.strip()]


def regress_values(cell, width):
    """Regression targets: one number, or several separated by spaces, commas or semicolons."""
    parts = [p for p in re.split(r"[\s,;]+", cell.strip()) if p] if width > 1 else [cell.strip()]
    if len(parts) != width:
        raise ValueError(f"expected {width} numbers")
    return [parse_number(p) for p in parts]


# ----------------------------------------------------------------------------- fitting and loading

def _raw_input(spec, row, root):
    p, cols = spec["params"], spec["columns"]
    kind = spec["kind"]
    if kind == "input.image":
        return featurise_image(os.path.join(root, row[cols[0]]), p)
    if kind == "input.audio":
        return featurise_audio_raw(os.path.join(root, row[cols[0]]), p)
    if kind == "input.text":
        return tokenize(row.get(cols[0], ""), p)
    if kind == "input.tabular":
        numbers = [parse_number(row[c]) for c in p.get("columns", [])]
        categories = [row.get(c["column"], "").strip() for c in p.get("categorical", [])]
        return numbers, categories
    raise ValueError(f"{kind} cannot be read outside the app (decode the frames yourself)")


def fit_state(root, rows=None):
    """Fit vocabularies, statistics and class names on the train split (the app's FittedState)."""
    rows = rows if rows is not None else read_manifest(root)
    splits = assign_splits(rows)
    train = [r for r, s in zip(rows, splits) if s == "train"]
    state = {"format": "fusionlab/fitted", "version": 1, "inputs": {}, "heads": {}}
    for spec in INPUTS:
        p, entry = spec["params"], {"kind": spec["kind"], "columns": spec["columns"], "shape": spec["shape"], "params": spec["params"]}
        raws = []
        for r in train:
            try:
                raws.append(_raw_input(spec, r, root))
            except Exception:
                pass
        if spec["kind"] == "input.text":
            counts = {}
            for toks in raws:
                for t in toks:
                    counts[t] = counts.get(t, 0) + 1
            ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            entry["vocab"] = ["<pad>", "<unk>"] + [t for t, _ in ranked[:max(0, p["vocabSize"] - 2)]]
        elif spec["kind"] == "input.audio":
            mean, std = 0.0, 1.0
            if p.get("representation", "logmel") == "logmel" and p.get("standardise", True) and raws:
                allv = np.concatenate([r.ravel() for r in raws]).astype(np.float64)
                mean, std = float(allv.mean()), float(allv.std()) or 1.0
            entry["mean"], entry["std"] = mean, std
        elif spec["kind"] == "input.tabular":
            nums = np.array([r[0] for r in raws], np.float64).reshape(len(raws), -1)
            means = nums.mean(0).tolist() if len(raws) else [0.0] * nums.shape[1]
            stds = [s or 1.0 for s in (nums.std(0).tolist() if len(raws) else [1.0] * nums.shape[1])]
            cats = []
            for j, c in enumerate(p.get("categorical", [])):
                counts = {}
                for r in raws:
                    counts[r[1][j]] = counts.get(r[1][j], 0) + 1
                cats.append([k for k, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))][:c["cardinality"]])
            entry["fitted"] = {"means": means, "stds": stds, "categories": cats}
        state["inputs"][spec["node_id"]] = entry
    for out in OUTPUTS:
        head, column = out["head_id"], out["label"]
        if head in state["heads"]:
            continue
        cells = [r.get(column, "").strip() for r in train]
        if out["task"] == "regress":
            rows_v = []
            for c in cells:
                try:
                    rows_v.append(regress_values(c, out["width"]))
                except ValueError:
                    pass
            # One mean and standard deviation over every target value of the train split (as the app).
            v = np.array(rows_v, np.float64).ravel()
            mean = float(v.mean()) if len(v) else 0.0
            std = (float(v.std()) or 1.0) if len(v) else 1.0
            state["heads"][head] = {"task": "regress", "column": column, "outputs": out["width"], "mean": mean, "std": std}
        elif out["task"] == "multilabel":
            state["heads"][head] = {"task": "multilabel", "column": column, "classes": sort_class_names(l for c in cells for l in split_labels(c, out["separator"]))[:out["width"]]}
        else:
            counts = {}
            for c in cells:
                if c:
                    counts[c] = counts.get(c, 0) + 1
            names = sorted(counts, key=lambda k: (-counts[k], k))[:out["width"]]
            state["heads"][head] = {"task": "classify", "column": column, "classes": sort_class_names(names)}
    return state


def load_state(root, rows=None):
    """preprocess.json beside this file or in the dataset (a model trained in the app), the state in
    CONFIG, or a new fit on the train split."""
    for path in (os.path.join(os.path.dirname(os.path.abspath(__file__)), "preprocess.json"), os.path.join(root, "preprocess.json")):
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                return json.load(f)
    if CONFIG.get("fitted"):
        return CONFIG["fitted"]
    return fit_state(root, rows)


def featurise(spec, raw, fitted):
    """Raw input → the model's input array (one sample)."""
    kind, p = spec["kind"], spec["params"]
    if kind == "input.text":
        index = {t: i for i, t in enumerate(fitted["vocab"])}
        ids = [index.get(t, UNK_ID) for t in raw[:p["seqLength"]]]
        return np.array(ids + [PAD_ID] * (p["seqLength"] - len(ids)), np.float32)
    if kind == "input.audio":
        if p.get("representation", "logmel") == "logmel":
            if p.get("standardise", True):
                raw = (raw - fitted["mean"]) / fitted["std"]
            return raw.reshape(spec["shape"]).astype(np.float32)
        return raw.astype(np.float32)
    if kind == "input.tabular":
        f = fitted["fitted"]
        numbers, categories = raw
        out = [(v - m) / s if p.get("standardise", True) else v for v, m, s in zip(numbers, f["means"], f["stds"])]
        for j, c in enumerate(p.get("categorical", [])):
            slots = [0.0] * c["cardinality"]
            if categories[j] in f["categories"][j]:
                slots[f["categories"][j].index(categories[j])] = 1.0
            out += slots
        return np.array(out, np.float32)
    return raw.astype(np.float32)


def encode_target(out, cell, fitted):
    if out["task"] == "regress":
        mean, std = np.atleast_1d(fitted["mean"]), np.atleast_1d(fitted["std"])
        return ((np.array(regress_values(cell, out["width"])) - mean) / std).astype(np.float32)
    classes = fitted["classes"]
    y = np.zeros(len(classes), np.float32)
    names = split_labels(cell, out["separator"]) if out["task"] == "multilabel" else [cell.strip()]
    for n in names:
        if n not in classes:
            raise ValueError(f"unknown label {n[:40]!r}")
        y[classes.index(n)] = 1.0
    return y


def decode_output(out, values, state):
    """A model output → what it means: class names with probabilities, or regression values in the
    label's own units (the model predicts standardised targets, as it was trained on them)."""
    fitted = state["heads"][out["head_id"]]
    values = np.asarray(values, np.float64)
    if out["task"] == "regress":
        return (values * np.asarray(fitted["std"]) + np.asarray(fitted["mean"])).tolist()
    return dict(zip(fitted["classes"], values.tolist()))


def load_split(root, split, state, rows=None, limit=None, require=False):
    """(inputs, targets, skipped): arrays by input and output name for the rows of one split.
    A row that cannot be read is skipped and counted, as in the app. With require=True a split
    without a single usable row stops the program with a message saying why."""
    rows = rows if rows is not None else read_manifest(root)
    if limit:
        rows = rows[:limit]
    splits = assign_splits(rows)
    xs = {s["name"]: [] for s in INPUTS}
    ys = {o["name"]: [] for o in OUTPUTS}
    skipped = 0
    first_problem = None
    for row, s in zip(rows, splits):
        if s != split:
            continue
        try:
            sample = {spec["name"]: featurise(spec, _raw_input(spec, row, root), state["inputs"][spec["node_id"]]) for spec in INPUTS}
            target = {o["name"]: encode_target(o, row.get(o["label"], ""), state["heads"][o["head_id"]]) for o in OUTPUTS}
        except Exception as e:
            skipped += 1
            first_problem = first_problem or f"{type(e).__name__}: {e}"
            continue
        for k, v in sample.items():
            xs[k].append(v)
        for k, v in target.items():
            ys[k].append(v)
    stack = lambda vs, shape: np.stack(vs).astype(np.float32) if vs else np.zeros([0] + list(shape), np.float32)
    inputs = {s["name"]: stack(xs[s["name"]], s["shape"]) for s in INPUTS}
    targets = {o["name"]: stack(ys[o["name"]], [o["width"]]) for o in OUTPUTS}
    if require and not xs[INPUTS[0]["name"]]:
        why = f"{skipped} rows could not be read; the first: {first_problem}" if skipped else "the manifest has no rows in it"
        raise SystemExit(f"No usable rows in the {split} split of {root}: {why}.")
    return inputs, targets, skipped
`;

/** `data.py` of a Python export. */
export function pythonDataModule(spec: PreprocessSpec): string {
  return DATA_PY.replace('__CONFIG__', () => pyString(configJson(spec)));
}

const TORCH_TRAIN = String.raw`"""Train the exported model with PyTorch: one process, or many with torchrun (DistributedDataParallel).

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


def output_loss(task, p, y):
    """The app's losses: categorical / binary cross-entropy on probabilities (clipped at 1e-7), MSE."""
    if task == "regress":
        return ((p - y) ** 2).mean()
    p = p.clamp(1e-7, 1 - 1e-7)
    if task == "multilabel":
        return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()
    return -(y * torch.log(p)).sum(-1).mean()


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
`;

/** `train.py` of a PyTorch export. */
export function torchTrainScript(_spec: PreprocessSpec): string {
  return TORCH_TRAIN;
}

const KERAS_TRAIN = String.raw`"""Train the exported model with Keras and a tf.distribute strategy.

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
`;

/** `train.py` of a Keras export. */
export function kerasTrainScript(_spec: PreprocessSpec): string {
  return KERAS_TRAIN;
}

/** The preprocessing section of a tfjs export: the config and the featurisation functions. */
export function tfjsPreprocess(spec: PreprocessSpec): string {
  return String.raw`// ---- Preprocessing (the app's featurisation; fitted state from a trained model when exported with one) ----

/** Inputs (columns, params) and outputs of the model, and the fitted state (vocabularies, statistics, classes) if any. */
export const PREPROCESS: {
  inputs: { name: string; node_id: string; kind: string; shape: number[]; columns: string[]; params: Record<string, unknown> }[];
  outputs: { name: string; node_id: string; head_id: string; label: string; task: string; width: number; loss_weight: number }[];
  fitted: null | { inputs: Record<string, Record<string, unknown>>; heads: Record<string, { classes?: string[]; mean?: number; std?: number }> };
} = JSON.parse(__CONFIG__);

const WORD_RE = /[\p{L}\p{N}\p{M}]+(?:['\u2019][\p{L}\p{N}\p{M}]+)*|[^\s\p{L}\p{N}\p{M}]/gu;

/** Split text into word (or character) tokens, NFC-normalised and optionally lower-cased. */
export function tokenize(text: string, tokenizer: 'word' | 'char' = 'word', lowercase = true): string[] {
  let s = text.normalize('NFC');
  if (lowercase) s = s.toLowerCase();
  return tokenizer === 'char' ? Array.from(s.replace(/\s+/g, ' ').trim()) : (s.match(WORD_RE) ?? []);
}

/** Token ids (0 = padding, 1 = unknown), cut or padded to seqLength. */
export function encodeTokens(tokens: string[], vocab: string[], seqLength: number): Float32Array {
  const index = new Map(vocab.map((t, i) => [t, i]));
  const out = new Float32Array(seqLength);
  for (let i = 0; i < seqLength; i++) out[i] = i < tokens.length ? (index.get(tokens[i]) ?? 1) : 0;
  return out;
}

/** Scale 0…255 pixels: unit = x/255, signed = x/127.5 − 1, per-image = z-score, none = as is. */
export function normalisePixels(px: Float32Array, mode: 'unit' | 'signed' | 'per-image' | 'none' = 'unit'): Float32Array {
  if (mode === 'unit') return px.map((v) => v / 255);
  if (mode === 'signed') return px.map((v) => v / 127.5 - 1);
  if (mode === 'per-image') {
    const m = px.reduce((a, v) => a + v, 0) / (px.length || 1);
    const sd = Math.sqrt(px.reduce((a, v) => a + (v - m) ** 2, 0) / (px.length || 1)) || 1;
    return px.map((v) => (v - m) / sd);
  }
  return px;
}

/** [frames × melBins] log-mel spectrogram of a clip: periodic window, zero-padded FFT, |X|²/n, mel bands, ln(e + 1e-6). */
export function logMelSpectrogram(clip: Float32Array, p: { sampleRate: number; frameLength: number; hop: number; melBins: number; window?: 'hann' | 'hamming' }): Float32Array {
  const n = clip.length;
  const frames = n < p.frameLength ? 1 : 1 + Math.floor((n - p.frameLength) / p.hop);
  let size = 1;
  while (size < p.frameLength) size <<= 1;
  const bins = size / 2 + 1;
  const mel = (f: number) => 2595 * Math.log10(1 + f / 700);
  const hz = (m: number) => 700 * (10 ** (m / 2595) - 1);
  const edges = Array.from({ length: p.melBins + 2 }, (_, i) => hz((mel(p.sampleRate / 2) * i) / (p.melBins + 1)));
  const filters = Array.from({ length: p.melBins }, (_, b) => {
    const w = new Float64Array(bins);
    for (let k = 0; k < bins; k++) {
      const f = (k * p.sampleRate) / size;
      if (f > edges[b] && f <= edges[b + 1]) w[k] = (f - edges[b]) / (edges[b + 1] - edges[b]);
      else if (f > edges[b + 1] && f < edges[b + 2]) w[k] = (edges[b + 2] - f) / (edges[b + 2] - edges[b + 1]);
    }
    if (!w.some((v) => v > 0)) w[Math.min(bins - 1, Math.round((edges[b + 1] * size) / p.sampleRate))] = 1;
    return w;
  });
  const out = new Float32Array(frames * p.melBins);
  for (let f = 0; f < frames; f++) {
    const power = new Float64Array(bins);
    for (let k = 0; k < bins; k++) {
      let re = 0;
      let im = 0;
      for (let i = 0; i < p.frameLength; i++) {
        const s = f * p.hop + i;
        const c = Math.cos((2 * Math.PI * i) / p.frameLength);
        const x = (s < n ? clip[s] : 0) * (p.window === 'hamming' ? 0.54 - 0.46 * c : 0.5 - 0.5 * c);
        re += x * Math.cos((2 * Math.PI * k * i) / size);
        im -= x * Math.sin((2 * Math.PI * k * i) / size);
      }
      power[k] = (re * re + im * im) / size;
    }
    for (let b = 0; b < p.melBins; b++) {
      let e = 0;
      for (let k = 0; k < bins; k++) e += filters[b][k] * power[k];
      out[f * p.melBins + b] = Math.log(e + 1e-6);
    }
  }
  return out;
}

/** Standardise values with a fitted mean and standard deviation. */
export function standardise(values: Float32Array, mean: number, std: number): Float32Array {
  return values.map((v) => (v - mean) / (std || 1));
}
`.replace('__CONFIG__', () => tsString(configJson(spec)));
}

/** README of an export. */
export function readmeFor(target: 'tfjs' | 'keras' | 'pytorch', spec: PreprocessSpec, weightsFile?: string): string {
  const title = spec.graphName.replace(/[\r\n]+/g, ' ').slice(0, 200) || 'FusionLab model';
  const inputs = spec.inputs.map((i) => `- \`${i.ident}\`: ${i.kind} [${i.shape.join(', ')}]`).join('\n');
  const outputs = spec.outputs.map((o) => `- \`${o.ident}\`: ${o.kind} [${o.shape.join(', ')}]`).join('\n');
  const common = `# ${title.replace(/[#<>\`]/g, '')}\n\nExported from FusionLab.\n\nInputs:\n${inputs}\n\nOutputs:\n${outputs}\n`;
  switch (target) {
    case 'tfjs':
      return `${common}
## TypeScript (TensorFlow.js)

\`model.ts\` builds the same model as the app (same layers, shapes and parameter count) and holds the
custom layers it needs and the preprocessing functions.

\`\`\`ts
import * as tf from '@tensorflow/tfjs';
import { buildModel } from './model';
const model = buildModel();
model.summary();
\`\`\`
${weightsFile ? `\nTrained weights: \`${weightsFile}\` (load with \`tf.loadLayersModel('file://.../model.json')\` after importing model.ts, which registers the custom layers).\n` : ''}`;
    case 'keras':
      return `${common}
## Python (Keras / TensorFlow 2)

Files: \`model.py\` (functional model, \`load_weights_npz\`), \`fusionlab_layers.py\` (custom layers),
\`data.py\` (dataset reader and preprocessing), \`train.py\` (tf.distribute training).

\`\`\`sh
pip install tensorflow numpy
python train.py --data path/to/dataset --epochs 10
\`\`\`

Several machines: set \`TF_CONFIG\` on each worker and run the same command
(MultiWorkerMirroredStrategy); one machine uses MirroredStrategy over its GPUs.
${weightsFile ? `\nTrained weights: \`${weightsFile}\` — \`load_weights_npz(build_model(), "${weightsFile}")\`, or \`python train.py --weights ${weightsFile} ...\` to continue training.\n` : ''}
Written for TensorFlow 2 with its bundled Keras 2 (\`tf.keras\`): the recurrent layers use
\`recurrent_activation="hard_sigmoid"\` and \`reset_after=False\` to match TensorFlow.js, and Keras 3
defines hard_sigmoid differently.

Note: TensorFlow for Python cannot be installed where FusionLab's tests run, so this code is checked
with \`python3 -m py_compile\` and by building the model against a stand-in Keras (every layer is
constructed with valid arguments), not by running TensorFlow; the PyTorch export is the one tested
end to end (same outputs as the app's model, distributed training).
`;
    case 'pytorch':
      return `${common}
## Python (PyTorch)

Files: \`model.py\` (\`FusionModel\`, an nn.Module with the app's architecture; \`load_npz\`),
\`fusionlab_layers.py\` (custom layers and tfjs-compatible GRU/LSTM cells), \`data.py\` (dataset reader
and preprocessing: PNG and WAV need only numpy), \`train.py\` (DistributedDataParallel training).

\`\`\`sh
pip install torch numpy
python train.py --data path/to/dataset --epochs 10                 # one process
torchrun --nproc_per_node=4 train.py --data path/to/dataset        # 4 processes on this machine
\`\`\`

Across machines (run on each, with node_rank 0 … N−1; HOST is the first machine):

\`\`\`sh
torchrun --nnodes=2 --node_rank=0 --nproc_per_node=4 --rdzv_backend=c10d --rdzv_endpoint=HOST:29500 train.py --data path/to/dataset
\`\`\`

The backend is NCCL on GPUs and gloo on CPUs; each process trains on its share of the samples
(DistributedSampler), gradients are averaged, and rank 0 logs one JSON line per epoch and saves
\`checkpoint.pt\`. (Debian's python3-torch 1.13 under Python 3.11 has a torchrun bug parsing its
default stream options: add \`--redirects 1 --tee 1\` after \`torchrun\` there.)

Tensors are channels-last as in TensorFlow.js (images [batch, height, width, channels]); the model
permutes to NCHW around its convolutions. Recurrent layers are tfjs-compatible cells (hard-sigmoid
gates, GRU with the reset gate before the recurrent matrix), so weights trained in the app load as
they are.
${weightsFile ? `\nTrained weights from the app: \`${weightsFile}\` (named like \`FusionModel().state_dict()\`):\n\n\`\`\`python\nfrom model import FusionModel, load_npz\nmodel = load_npz(FusionModel(), "${weightsFile}").eval()\n\`\`\`\n\n\`preprocess.json\` holds the app's fitted preprocessing (vocabularies, statistics, class names); \`data.py\` uses it.\n` : ''}`;
    default: {
      const never: never = target;
      throw new Error(`unknown target ${String(never)}`);
    }
  }
}
