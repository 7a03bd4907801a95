"""Scoring conventions shared by every evaluation (the same ones are applied to unseen real documents).

NFC; whitespace folded; case folded except for `number` (spaces removed); one tone placement
("UỶ" = "ỦY"); en/em dashes = hyphen; a leading "V/v" or "Về việc" ignored in `subject`, which is
scored by character error rate.
"""

from __future__ import annotations

import math
import re

from pydantic import BaseModel
from rapidfuzz.distance import Levenshtein

from inference.schema import BBox
from inference.text import normalize, strip_accents

_SUBJECT_PREFIX = re.compile(r"^(v/v|về việc)\s*:?\s*", re.IGNORECASE)


def canonical(field: str, value: object) -> str | None:
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, list):
        value = "; ".join(map(str, value))
    text = normalize(str(value))
    if field == "number":
        return text.replace(" ", "")
    text = text.lower()
    if field == "subject":
        text = _SUBJECT_PREFIX.sub("", text)
    return text


def exact(field: str, predicted: object, truth: object) -> bool:
    return canonical(field, predicted) == canonical(field, truth)


def cer(predicted: str | None, truth: str | None) -> float:
    """Character error rate of `predicted` against `truth` (1.0 when nothing was predicted)."""
    truth = truth or ""
    if not truth:
        return 0.0 if not predicted else 1.0
    return min(1.0, Levenshtein.distance(predicted or "", truth) / len(truth))


def word_f1(predicted: str, truth: str, diacritics: bool = True) -> float:
    """Order-free word F1 (multiset overlap of tokens)."""
    from collections import Counter

    def tokens(text: str) -> Counter[str]:
        text = normalize(text).lower()
        return Counter((text if diacritics else strip_accents(text)).split())

    p, t = tokens(predicted), tokens(truth)
    overlap = sum((p & t).values())
    if not p or not t:
        return float(p == t)
    precision, recall = overlap / sum(p.values()), overlap / sum(t.values())
    return 0.0 if overlap == 0 else 2 * precision * recall / (precision + recall)


# --- layout: COCO-style mAP over region boxes ---------------------------------------------------

IOU_THRESHOLDS = tuple(round(0.5 + 0.05 * k, 2) for k in range(10))
"""0.50, 0.55, ... 0.95: COCO's mAP@[.5:.95]."""
RECALL_POINTS = 101


class LayoutBox(BaseModel):
    """A region on one page: `label` the class, `bbox` normalised; `score` for predictions only."""

    page: str
    label: str
    bbox: BBox
    score: float = 1.0


class LayoutScore(BaseModel):
    map: float
    """Mean over classes with ground truth of the AP averaged over IoU 0.50:0.95."""
    map50: float
    map75: float
    per_class: dict[str, float]
    per_class50: dict[str, float]
    """AP at IoU 0.50 per class."""


def iou(a: BBox, b: BBox) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    return inter / ((a.x1 - a.x0) * (a.y1 - a.y0) + (b.x1 - b.x0) * (b.y1 - b.y0) - inter)


def average_precision(predicted: list[LayoutBox], truth: list[LayoutBox], threshold: float) -> float:
    """AP of one class at one IoU threshold: predictions by falling score, each matched greedily to the
    best unmatched truth box on its page; precision made monotone and read at 101 recall points."""
    if not truth:
        return 0.0
    unmatched: dict[str, list[LayoutBox]] = {}
    for box in truth:
        unmatched.setdefault(box.page, []).append(box)
    hits: list[bool] = []
    for box in sorted(predicted, key=lambda b: -b.score):
        candidates = unmatched.get(box.page, [])
        best = max(candidates, key=lambda t: iou(box.bbox, t.bbox), default=None)
        hit = best is not None and iou(box.bbox, best.bbox) >= threshold
        if hit:
            candidates.remove(best)
        hits.append(hit)
    true_positives, precision, recall = 0, [], []
    for k, hit in enumerate(hits, 1):
        true_positives += hit
        precision.append(true_positives / k)
        recall.append(true_positives / len(truth))
    for k in range(len(precision) - 2, -1, -1):
        precision[k] = max(precision[k], precision[k + 1])
    points = [r / (RECALL_POINTS - 1) for r in range(RECALL_POINTS)]
    return sum(next((p for p, r in zip(precision, recall, strict=True) if r >= point), 0.0)
               for point in points) / RECALL_POINTS


def layout_map(predicted: list[LayoutBox], truth: list[LayoutBox]) -> LayoutScore:
    """mAP@[.5:.95], mAP@.5 and mAP@.75 over the classes present in the truth (as COCO ignores the
    others); a predicted class absent from the truth costs nothing, a missed class scores 0."""
    classes = sorted({b.label for b in truth})
    per_threshold = {
        label: [average_precision([b for b in predicted if b.label == label], [b for b in truth if b.label == label], t)
                for t in IOU_THRESHOLDS]
        for label in classes
    }

    def mean(values: list[float]) -> float:
        return round(sum(values) / len(values), 4) if values else 0.0

    return LayoutScore(
        map=mean([mean(aps) for aps in per_threshold.values()]),
        map50=mean([aps[0] for aps in per_threshold.values()]),
        map75=mean([aps[IOU_THRESHOLDS.index(0.75)] for aps in per_threshold.values()]),
        per_class={label: mean(aps) for label, aps in per_threshold.items()},
        per_class50={label: round(aps[0], 4) for label, aps in per_threshold.items()},
    )


# --- ranking (search) ----------------------------------------------------------------------------


def reciprocal_rank(ranked: list[str], judgments: dict[str, int], k: int = 10) -> float:
    """1 / rank of the first relevant (grade > 0) item within the top k, else 0 (MRR@k averages it)."""
    return next((1 / rank for rank, item in enumerate(ranked[:k], start=1) if judgments.get(item, 0) > 0), 0.0)


def ndcg(ranked: list[str], judgments: dict[str, int], k: int = 10) -> float:
    """Normalised discounted cumulative gain at k with gains 2^grade - 1."""
    def dcg(grades: list[int]) -> float:
        return sum((2**g - 1) / math.log2(rank + 1) for rank, g in enumerate(grades[:k], start=1))

    ideal = dcg(sorted(judgments.values(), reverse=True))
    return dcg([judgments.get(item, 0) for item in ranked]) / ideal if ideal > 0 else 0.0


def recall(ranked: list[str], judgments: dict[str, int], k: int = 10) -> float:
    """Share of the relevant (grade > 0) items found in the top k."""
    relevant = {item for item, grade in judgments.items() if grade > 0}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0
