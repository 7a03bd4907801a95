"""Read a handwritten number (the "Số:    /" and "ngày    tháng" gaps) from a grey crop.

The model is a small CRNN trained here on synthetic handwriting (training/digits, model card in
models/artifacts/digits/v2/README.md) and exported to ONNX; this module needs only numpy, OpenCV
and onnxruntime.

    reader = DigitReader()                    # models/artifacts/digits/v2/model.onnx
    text, confidence = reader.read(crop)      # crop: uint8 (H, W) grey, dark ink on white
    results = reader.read_many(crops)         # [(text, confidence), ...], batched

`text` is the digit string ("" when the model sees no digits). `confidence` is the probability of
the CTC greedy path (product over time steps of the best class probability), in [0, 1].
`prepare` is the one preprocessing function, shared with training.
"""

from __future__ import annotations

import json

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

HEIGHT = 32
WIDTH = 128
ALPHABET = "0123456789"
BLANK = 0  # CTC class 0 is the blank; digit d is class d + 1
DEFAULT_MODEL = Path(__file__).resolve().parent.parent / "models" / "artifacts" / "digits" / "v2" / "model.onnx"
_MIN_CONTRAST = 32.0


def _unframed(img: np.ndarray) -> np.ndarray:
    """Without the pure-white rows and columns at its edges (the frame inference.reread puts around
    a tightened crop), which would otherwise pass for the paper and make real paper look grey.
    Unchanged when what is left has no paper to speak of (one thick marker stroke): then the white
    around it is the only paper there is."""
    white = img >= 250
    rows = np.flatnonzero(~white.all(axis=1))
    cols = np.flatnonzero(~white.all(axis=0))
    if len(rows) == 0 or len(cols) == 0:
        return img
    inner = img[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    if float(np.percentile(inner, 80)) - float(inner.min()) < _MIN_CONTRAST:
        return img
    return inner


def ink_box(img: np.ndarray) -> tuple[int, int, int, int] | None:
    """(y0, y1, x0, x1) around the ink of a grey float image, with a small margin; None when the
    image has no contrast. Found on a copy shrunk to ~48 px high (area averaging evens out scan
    noise); anything darker than the paper by a quarter of the paper-to-darkest-ink contrast counts
    as ink, so pale ballpoint beside black print is kept; rows/columns need 2 such pixels, so lone
    specks do not stop the trim."""
    h, w = img.shape
    s = min(1.0, 48.0 / h)
    small = img if s == 1.0 else cv2.resize(img, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
    paper = float(np.percentile(small, 80))
    ink = float(small.min())
    if paper - ink < _MIN_CONTRAST:
        return None
    mask = small < paper - max(0.25 * (paper - ink), 20.0)
    rows = np.flatnonzero(mask.sum(axis=1) >= 2)
    cols = np.flatnonzero(mask.sum(axis=0) >= 2)
    if len(rows) == 0 or len(cols) == 0:
        return None
    sy, sx = h / small.shape[0], w / small.shape[1]
    y0, y1 = int(rows[0] * sy), int(np.ceil((rows[-1] + 1) * sy))
    x0, x1 = int(cols[0] * sx), int(np.ceil((cols[-1] + 1) * sx))
    m = max(2, round(0.1 * (y1 - y0)))
    return max(0, y0 - m), min(h, y1 + m), max(0, x0 - m), min(w, x1 + m)


def prepare(crop: np.ndarray, trim: bool = True) -> np.ndarray:
    """Grey crop (uint8, dark ink on light paper; RGB/BGR and RGBA accepted; float in 0..1 too) ->
    float32 (HEIGHT, WIDTH) with ink = 1 and paper = 0. With `trim` (always, in training and here) a
    pure-white frame is dropped and the crop is cut to its ink plus a 10% margin (`ink_box`), so the
    digits fill the height whatever the gap's margins; then resized to fit HEIGHT x WIDTH keeping the
    aspect ratio, left-aligned and vertically centred, padded with paper; contrast stretched from the
    paper level (80th percentile) to the darkest ink, never by more than 255 / _MIN_CONTRAST, so a
    blank crop stays blank."""
    img = np.asarray(crop)
    floats = img.dtype.kind == "f"
    if img.ndim == 3:
        img = cv2.cvtColor(img, cv2.COLOR_RGBA2GRAY if img.shape[2] == 4 else cv2.COLOR_RGB2GRAY)
    if img.ndim != 2 or img.size == 0:
        raise ValueError(f"expected a non-empty grey image, got shape {np.shape(crop)}")
    img = img.astype(np.float32)
    if floats and img.max() <= 1.0:
        img *= 255.0
    if trim:
        img = _unframed(img)
        box = ink_box(img)
        if box is not None:
            y0, y1, x0, x1 = box
            img = img[y0:y1, x0:x1]
    h, w = img.shape
    scale = min(HEIGHT / h, WIDTH / w)
    nh, nw = max(1, min(HEIGHT, round(h * scale))), max(1, min(WIDTH, round(w * scale)))
    small = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    paper = float(np.percentile(small, 80))
    ink = float(small.min())
    x = np.clip((paper - small) / max(paper - ink, _MIN_CONTRAST), 0.0, 1.0)
    out = np.zeros((HEIGHT, WIDTH), np.float32)
    top = (HEIGHT - nh) // 2
    out[top : top + nh, :nw] = x
    return out


def greedy_decode(probs: np.ndarray) -> tuple[str, float]:
    """CTC greedy decoding of one (T, classes) probability matrix -> (digits, path probability)."""
    best = probs.argmax(axis=1)
    path_p = float(np.exp(np.log(np.maximum(probs.max(axis=1), 1e-12)).sum()))
    out = []
    prev = BLANK
    for k in best:
        if k != BLANK and k != prev:
            out.append(ALPHABET[k - 1])
        prev = k
    return "".join(out), path_p


class DigitReader:
    """The ONNX digit model on CPU (one intra-op thread: the pipeline parallelises across pages)."""

    def __init__(self, model_path: str | Path | None = None, threads: int = 1, batch_size: int = 64):
        import onnxruntime as ort

        path = Path(model_path) if model_path is not None else DEFAULT_MODEL
        if not path.is_file():
            raise FileNotFoundError(
                f"digit model not found: {path}. Train and export it with "
                "`dvc repro digits-v2` (dvc.yaml)."
            )
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.path = path
        card = path.parent / "card.json"
        self.window_crops = card.is_file() and json.loads(card.read_text("utf-8"))["model"]["input"].get("crop") == "window"
        """Trained on whole windows (label + handwriting + follower), see inference.reread."""
        self.batch_size = batch_size
        self.session = ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])
        self._input = self.session.get_inputs()[0].name

    def probabilities(self, batch: np.ndarray) -> np.ndarray:
        """(N, 1, HEIGHT, WIDTH) float32 prepared crops -> (N, T, 11) class probabilities."""
        return self.session.run(None, {self._input: np.ascontiguousarray(batch, np.float32)})[0]

    def read(self, crop: np.ndarray, dpi: float | None = None) -> tuple[str, float]:
        """(digits, confidence) for one crop; `dpi` is accepted for the pipeline's reader protocol and
        not needed (the crop is normalised to its ink)."""
        return self.read_many([crop])[0]

    def read_many(self, crops: Sequence[np.ndarray]) -> list[tuple[str, float]]:
        """read() for many crops, run through the model in batches of `batch_size`."""
        results: list[tuple[str, float]] = []
        for i in range(0, len(crops), self.batch_size):
            batch = np.stack([prepare(c) for c in crops[i : i + self.batch_size]])[:, None]
            results.extend(greedy_decode(p) for p in self.probabilities(batch))
        return results
