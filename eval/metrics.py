"""Scoring conventions shared by every evaluation (the same ones are applied to unseen real documents).

NFC; whitespace folded; case folded except for `number` (spaces removed); one tone placement
("UỶ" = "ỦY"); en/em dashes = hyphen; a leading "V/v" or "Về việc" ignored in `subject`, which is
scored by character error rate.
"""

from __future__ import annotations

import re

from rapidfuzz.distance import Levenshtein

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
