"""The layout network's frozen evaluation for the promotion gate (training.gate): pages of synthetic
documents of the hard split (training.synth, 100-200 dpi, the worst damage) from a seed no training run
uses, with the factory's built-in content only (never ../shared: the set is committed), shrunk and packed as training.layout.data packs them, stored once in eval/data/frozen/layout.npz so
later changes to the factory cannot move them.

Items are the truth regions; one is right when the model's decoded regions (at the threshold of its card)
include one of the same class at IoU >= 0.5, matched one to one by falling score. The gate's figure is
therefore a recall: spurious regions are not items (layout mAP, in the card and `vanthu eval layout`,
weighs them).

    python -m training.gate layout models/artifacts/layout/v1 --out eval/reports/layout-frozen.json
"""

from __future__ import annotations

import hashlib
import tempfile
from functools import cached_property
from pathlib import Path

import numpy as np

from eval.metrics import iou
from inference.layout_model import LayoutModel, decode, prepare
from inference.schema import LAYOUT_LABELS, BBox, LayoutRegion
from training.gate import without_shared
from training.layout.data import pack
from training.layout.train import PackedPages
from training.synth import generate

REPO = Path(__file__).resolve().parents[2]
FILE = REPO / "eval" / "data" / "frozen" / "layout.npz"
SEED, N = 31_337_004, 40
MATCH_IOU = 0.5


def detected(truth: np.ndarray, predicted: list[LayoutRegion]) -> list[bool]:
    """Per truth row (class, x0, y0, x1, y1): matched by a predicted region of its class at IoU >= MATCH_IOU;
    predictions by falling score, each to its best unmatched truth box."""
    boxes = [BBox(x0=x0, y0=y0, x1=x1, y1=y1) for _, x0, y0, x1, y1 in truth]
    hit = [False] * len(truth)
    for region in sorted(predicted, key=lambda r: -r.score):
        label = LAYOUT_LABELS.index(region.label)
        free = [k for k in range(len(truth)) if not hit[k] and int(truth[k, 0]) == label]
        best = max(free, key=lambda k: iou(region.bbox, boxes[k]), default=None)
        if best is not None and iou(region.bbox, boxes[best]) >= MATCH_IOU:
            hit[best] = True
    return hit


class LayoutFrozenEvaluation:
    """Truth regions of the frozen pages found by the model (the pages are generated on first use)."""

    def __init__(self, path: Path = FILE, n: int = N):
        self.path, self.n = Path(path), n
        self.description = f"layout: pages of {n} hard-split documents (seed {SEED}), truth regions found at IoU 0.5"

    @cached_property
    def pages(self) -> PackedPages:
        if not self.path.is_file():
            self.freeze()
        return PackedPages.load(self.path)

    def freeze(self) -> None:
        """Generate the documents (training.synth, hard split) and pack their pages into the file."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "frozen-hard"
            with without_shared():
                generate(self.n, SEED, folder, split="hard", workers=2)
            pack([folder], self.path)

    @cached_property
    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        for image, boxes, page in zip(self.pages.images, self.pages.boxes, self.pages.ids, strict=True):
            digest.update(f"{page}|{image.shape}|".encode())
            digest.update(np.ascontiguousarray(image).tobytes())
            digest.update(np.ascontiguousarray(boxes, np.float32).tobytes())
        return digest.hexdigest()

    def correct(self, model_dir: Path) -> list[bool]:
        model = LayoutModel(model_dir)
        right: list[bool] = []
        for k, image in enumerate(self.pages.images):
            probs = model.probabilities(prepare(image)[None, None])[0]
            right += detected(self.pages.boxes[k], decode(probs, k, model.threshold))
        return right
