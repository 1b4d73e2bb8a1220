"""Dataset reader and preprocessing for this FusionLab model (generated).

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

CONFIG = json.loads("__CONFIG__")
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


MAX_TEXT_CHARS = CONFIG["max_text_chars"]  # UTF-16 code units of a cell that are read, as in the app


def _cut_text(text):
    """The first MAX_TEXT_CHARS UTF-16 code units of text (JavaScript's string length), not splitting a surrogate pair."""
    if 2 * len(text) <= MAX_TEXT_CHARS:
        return text
    units = text.encode("utf-16-le", "surrogatepass")
    if len(units) <= 2 * MAX_TEXT_CHARS:
        return text
    cut = MAX_TEXT_CHARS
    if 0xD800 <= (units[2 * cut - 2] | units[2 * cut - 1] << 8) <= 0xDBFF:
        cut -= 1
    return units[:2 * cut].decode("utf-16-le", "surrogatepass")


def tokenize(text, p):
    """Words (letters, digits, inner apostrophes) and single punctuation marks, or characters."""
    s = unicodedata.normalize("NFC", _cut_text(text))
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

def _absent(spec, row):
    """A kept-missing cell: the input has missing = "keep" and every one of its cells is empty."""
    return spec["params"].get("missing") == "keep" and all(not str(row.get(c, "")).strip() for c in spec["columns"])


def _has_presence(spec):
    """A kept-missing input other than text carries one more channel: 1 = present, 0 = missing."""
    return spec["params"].get("missing") == "keep" and spec["kind"] != "input.text"


def _base_shape(spec):
    shape = list(spec["shape"])
    return shape[:-1] + [shape[-1] - 1] if _has_presence(spec) else shape


def _missing_sample(spec, fitted):
    """What a missing input is (the app's fill: the train mean of the rows that have it, presence 0)."""
    size = int(np.prod(spec["shape"]))
    m = (fitted or {}).get("missing")
    if spec["kind"] == "input.text" or not m:
        return np.zeros(spec["shape"], np.float32)
    if "values" in m:
        return np.array(m["values"], np.float32).reshape(spec["shape"])
    return np.tile(np.array(m["channels"], np.float32), size // len(m["channels"])).reshape(spec["shape"])


def sample_input(spec, row, root, fitted):
    """One row's model input for `spec`, as the app builds it (kept-missing cells included)."""
    if _absent(spec, row):
        return _missing_sample(spec, fitted)
    x = featurise(spec, _raw_input(spec, row, root), fitted)
    if not _has_presence(spec):
        return x
    x = x.reshape(_base_shape(spec))
    return np.concatenate([x, np.ones(x.shape[:-1] + (1,), np.float32)], -1)


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
            if _absent(spec, r):
                continue
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
        if _has_presence(spec):
            # The fill of a kept-missing input: the mean of the train rows that have it, presence 0.
            base = _base_shape(spec)
            xs = [featurise(spec, r, entry).reshape(base) for r in raws]
            mean = np.mean(xs, 0) if xs else np.zeros(base, np.float32)
            fill = np.concatenate([mean, np.zeros(mean.shape[:-1] + (1,))], -1).astype(np.float32)
            entry["missing"] = {"values": fill.ravel().tolist()}
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
            return raw.reshape(_base_shape(spec)).astype(np.float32)
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
            sample = {spec["name"]: sample_input(spec, row, root, state["inputs"][spec["node_id"]]) for spec in INPUTS}
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
