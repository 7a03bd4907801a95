"""Fusing rankings, correcting typos against the vocabulary, and cutting snippets with highlights."""

from __future__ import annotations

import re
from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from inference.search.text import fold_token

_PART = re.compile(r"[^\W_]+")
RRF_K = 60
SNIPPET_WORDS = 36
STOP_WORDS = frozenset(
    """
    va cua cac ve cho co la duoc khong nhung mot khi thi o ai gi nao bao nhieu nay do voi theo trong de tu
    den tai nhu the sao vay hay hoac ma ra vao len neu phai can muon tim van ban quy dinh so nam ngay
    """.split()
)
"""Folded function words: they neither make a match count as an answer nor earn a highlight."""


def reciprocal_rank_fusion(rankings: Iterable[tuple[list[int], float]], k: int = RRF_K) -> dict[int, float]:
    """Weighted RRF over (ranked ids, weight) lists, scaled so a first place in every list scores 1."""
    fused: dict[int, float] = {}
    total = 0.0
    for ranked, weight in rankings:
        total += weight / (k + 1)
        for rank, item in enumerate(ranked, start=1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return {item: score / total for item, score in fused.items()} if total else {}


def correct_typos(tokens: list[str], vocabulary: dict[str, int], min_length: int = 3) -> dict[str, str]:
    """Folded query token -> the most frequent indexed token within edit distance 1 (2 for long words),
    for alphabetic tokens the index does not know."""
    corrections = {}
    choices = list(vocabulary)
    for token in set(tokens):
        if token in vocabulary or len(token) < min_length or not token.isalpha():
            continue
        cutoff = 2 if len(token) >= 8 else 1
        near = process.extract(token, choices, scorer=Levenshtein.distance, score_cutoff=cutoff, limit=8)
        if near:
            corrections[token] = max(near, key=lambda m: (-m[1], vocabulary[m[0]]))[0]
    return corrections


def content_terms(folded: Iterable[str]) -> set[str]:
    return {t for t in folded if t not in STOP_WORDS and not t.isdigit() and len(t) > 1}


def snippet(text: str, terms: set[str], words: int = SNIPPET_WORDS) -> tuple[str, list[str]]:
    """The window of `text` with the most query terms, matching words wrapped in <mark>...</mark>;
    also the words highlighted."""
    tokens = text.split()
    hits = [bool(set(_bare(t)) & terms) for t in tokens]
    best = max(range(max(1, len(tokens) - words + 1)), key=lambda s: sum(hits[s : s + words]), default=0)
    window = tokens[best : best + words]
    marked = [f"<mark>{t}</mark>" if hit else t for t, hit in zip(window, hits[best : best + words], strict=True)]
    prefix = "… " if best > 0 else ""
    suffix = " …" if best + words < len(tokens) else ""
    highlighted = [t for t, hit in zip(window, hits[best : best + words], strict=True) if hit]
    return prefix + " ".join(marked) + suffix, highlighted


def _bare(token: str) -> list[str]:
    """The folded forms a word of a (normalised) passage matches as: its parts and itself."""
    folded = fold_token(token.lower())
    return [*_PART.findall(folded), folded.strip(".,;:()\"“”")]
