"""Token streams and passages: what the keyword index, the embedder and the snippets all read.

Two token streams per text: `exact` (normalised, lower case, diacritics kept) and `folded` (no
diacritics), so a query typed without marks still matches while an exact match can score higher.
Numbers and symbols ("249/2025/nđ-cp", "127-kl/tw") are kept whole beside their parts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from inference.text import normalize, strip_accents

PASSAGE_WORDS = 160
"""Syllables per passage: long enough to carry a topic, short enough for a snippet and an embedding."""
PASSAGE_OVERLAP = 30

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_CODE = re.compile(r"^[^\W_]+(?:[/\-.][^\W_]+)+$", re.UNICODE)
"""A compound code: "249/2025/NĐ-CP", "127-KL/TW", "15/QĐ-UBND"."""
_EDGE_PUNCTUATION = ".,;:()[]{}\"'“”‘’"


def exact_tokens(text: str, normalized: bool = False) -> list[str]:
    """Syllables and whole codes of the text, lower case, diacritics kept; `normalized`: text has
    been through `inference.text.normalize` already (passages have)."""
    lowered = (text if normalized else normalize(text)).lower()
    codes = [t.strip(_EDGE_PUNCTUATION) for t in lowered.split() if "/" in t or "-" in t]
    return _WORD.findall(lowered) + [code for code in codes if _CODE.match(code)]


@lru_cache(maxsize=500_000)
def fold_token(token: str) -> str:
    return strip_accents(token)


def folded_tokens(tokens: list[str]) -> list[str]:
    return [fold_token(t) for t in tokens]


@dataclass(frozen=True)
class Passage:
    text: str
    page: int
    """1-based page number the passage starts on."""
    start: int
    """Index of its first word within the document's words."""


def split_passages(text: str, size: int = PASSAGE_WORDS, overlap: int = PASSAGE_OVERLAP) -> list[Passage]:
    """Overlapping windows of words; pages are the form-feed separated parts of `text`."""
    words: list[tuple[str, int]] = []
    for page, page_text in enumerate(text.split("\f"), start=1):
        words.extend((word, page) for word in normalize(page_text).split())
    if not words:
        return []
    step = max(1, size - overlap)
    passages = []
    for start in range(0, max(1, len(words) - overlap), step):
        window = words[start : start + size]
        passages.append(Passage(" ".join(w for w, _ in window), window[0][1], start))
    return passages
