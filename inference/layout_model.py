"""The trained layout model: a grey page image -> regions (inference.schema.LAYOUT_LABELS), run with onnxruntime.

The network (models/layout/net.py, trained by training/layout) sees the whole page shrunk to INPUT_HEIGHT x
INPUT_WIDTH and predicts, for every class, the probability that each cell of a grid of stride 4 lies inside a
region of that class (classes overlap: a seal sits over the signature block). Regions are read back from the
probability maps: threshold, connected components, one box each; a class a page has at most once (all but
stamps and handwriting) gives one box, the union of its strong components.

    model = LayoutModel()                            # models/artifacts/layout/v1/model.onnx
    regions = model.regions(gray, words=[], page=0)  # [LayoutRegion(page, label, bbox, score), ...]

`prepare` and `decode` are shared with training, so both see the same pixels and the same boxes.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

from inference.schema import LAYOUT_LABELS, BBox, LayoutRegion, Word

INPUT_HEIGHT, INPUT_WIDTH = 384, 272
"""A4 proportions (1.41); every page is resized to this, whatever its own shape."""
STRIDE = 4
MANY_PER_PAGE = frozenset({"stamp", "handwriting"})
THRESHOLD = 0.45
MIN_AREA_CELLS = 3
"""Components smaller than this many output cells are noise."""
KEEP_SHARE = 0.2
"""For a once-per-page class, components of at least this share of the largest one join its box."""
DEFAULT_DIR = Path(__file__).resolve().parents[1] / "models" / "artifacts" / "layout" / "v1"


def shrink(gray: np.ndarray) -> np.ndarray:
    """A grey uint8 page (any size; RGB accepted) -> uint8 (INPUT_HEIGHT, INPUT_WIDTH), area-averaged."""
    page = np.asarray(gray)
    if page.ndim == 3:
        page = cv2.cvtColor(page, cv2.COLOR_RGB2GRAY)
    if page.ndim != 2 or page.size == 0:
        raise ValueError(f"expected a non-empty grey page image, got shape {np.shape(gray)}")
    return cv2.resize(page.astype(np.uint8), (INPUT_WIDTH, INPUT_HEIGHT), interpolation=cv2.INTER_AREA)


def prepare(small: np.ndarray) -> np.ndarray:
    """uint8 shrunk page -> float32 network input: ink 1, paper 0, stretched from the paper level (the 90th
    percentile) so grey photocopies and white laser pages look alike."""
    page = small.astype(np.float32)
    paper = max(float(np.percentile(page, 90)), 32.0)
    return np.clip((paper - page) / paper, 0.0, 1.0)


def _component_boxes(mask: np.ndarray, probs: np.ndarray) -> list[tuple[tuple[int, int, int, int], int, float]]:
    """(x, y, w, h) in cells, area and mean probability of each connected component of `mask`."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    found = []
    for k in range(1, count):
        x, y, w, h, area = (int(v) for v in stats[k])
        if area >= MIN_AREA_CELLS:
            found.append(((x, y, w, h), area, float(probs[labels == k].mean())))
    return found


def _bbox(x0: float, y0: float, x1: float, y1: float, shape: tuple[int, int]) -> BBox:
    rows, cols = shape
    return BBox(x0=x0 / cols, y0=y0 / rows, x1=x1 / cols, y1=y1 / rows)


def decode(probs: np.ndarray, page: int = 0, threshold: float = THRESHOLD) -> list[LayoutRegion]:
    """(classes, rows, cols) probabilities -> regions with boxes normalised to the page."""
    regions: list[LayoutRegion] = []
    for label, plane in zip(LAYOUT_LABELS, probs, strict=True):
        parts = _component_boxes(plane >= threshold, plane)
        if not parts:
            continue
        if label not in MANY_PER_PAGE:
            largest = max(area for _, area, _ in parts)
            parts = [p for p in parts if p[1] >= KEEP_SHARE * largest]
            x0 = min(x for (x, _, _, _), _, _ in parts)
            y0 = min(y for (_, y, _, _), _, _ in parts)
            x1 = max(x + w for (x, _, w, _), _, _ in parts)
            y1 = max(y + h for (_, y, _, h), _, _ in parts)
            score = sum(s * a for _, a, s in parts) / sum(a for _, a, _ in parts)
            parts = [((x0, y0, x1 - x0, y1 - y0), 0, score)]
        for (x, y, w, h), _, score in parts:
            regions.append(
                LayoutRegion(page=page, label=label, bbox=_bbox(x, y, x + w, y + h, plane.shape), score=round(score, 4))
            )
    return regions


class LayoutModel:
    """The ONNX layout network on CPU (one intra-op thread: the pipeline parallelises across pages)."""

    def __init__(self, model_dir: str | Path | None = None, threads: int = 1):
        import onnxruntime as ort

        directory = Path(model_dir) if model_dir is not None else DEFAULT_DIR
        path = directory / "model.onnx"
        if not path.is_file():
            raise FileNotFoundError(f"layout model not found: {path}. Train it with `dvc repro layout` (dvc.yaml).")
        card = directory / "card.json"
        self.threshold = json.loads(card.read_text("utf-8"))["decode"]["threshold"] if card.is_file() else THRESHOLD
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
        self._input = self.session.get_inputs()[0].name

    def probabilities(self, batch: np.ndarray) -> np.ndarray:
        """(N, 1, INPUT_HEIGHT, INPUT_WIDTH) prepared pages -> (N, classes, rows, cols) probabilities."""
        return self.session.run(None, {self._input: np.ascontiguousarray(batch, np.float32)})[0]

    def regions(self, gray: np.ndarray, words: list[Word] | None = None, page: int = 0) -> list[LayoutRegion]:
        """Regions of one page image; `words` are not needed (the model reads pixels only)."""
        batch = prepare(shrink(gray))[None, None]
        return decode(self.probabilities(batch)[0], page, self.threshold)
