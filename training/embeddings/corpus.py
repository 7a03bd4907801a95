"""Documents to train the embedder on, and the (anchor, positive) pairs mined from them.

Sources: ../shared/data/vbpl when present, plus synthetic documents from `training.synth` so training
also works in a clone without ../shared. Pairs are mined from documents only (title <-> passage,
subject <-> opening passage, a sentence <-> the passage around it), never from the evaluation queries.
Anchors are sometimes folded (no diacritics) or given a typo, as users type them.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from inference.search.engine import document_title
from inference.search.records import vbpl_record
from inference.search.text import split_passages
from inference.text import fold
from training.synth import document_seed, sample_spec

FOLD_RATE = 0.3
TYPO_RATE = 0.1
PASSAGES_PER_DOCUMENT = 6
SENTENCE_WORDS = (8, 20)


@dataclass(frozen=True)
class TrainingDocument:
    key: str
    title: str
    passages: list[str]


def vbpl_documents(path: Path) -> Iterator[TrainingDocument]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                record = vbpl_record(json.loads(line))
                passages = [p.text for p in split_passages(record.text)]
                yield TrainingDocument(record.id, document_title(record.fields()), passages)


def synthetic_documents(n: int, seed: int) -> Iterator[TrainingDocument]:
    for index in range(n):
        spec = sample_spec(random.Random(document_seed(seed, index)))
        body = " ".join(p.text for p in spec.body)
        yield TrainingDocument(f"synth-{index}", document_title(spec.fields), [p.text for p in split_passages(body)])


def _typo(text: str, rng: random.Random) -> str:
    words = text.split()
    candidates = [i for i, w in enumerate(words) if len(w) > 3 and w.isalpha()]
    if not candidates:
        return text
    i = rng.choice(candidates)
    word = words[i]
    j = rng.randrange(len(word) - 1)
    words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
    return " ".join(words)


def as_typed(text: str, rng: random.Random) -> str:
    if rng.random() < FOLD_RATE:
        text = fold(text)
    return _typo(text, rng) if rng.random() < TYPO_RATE else text


def _sentence_and_rest(passage: str, rng: random.Random) -> tuple[str, str] | None:
    """A run of words as a pseudo-question, and the passage without it as its answer."""
    words = passage.split()
    size = rng.randint(*SENTENCE_WORDS)
    if len(words) < 2 * size:
        return None
    start = rng.randrange(len(words) - size)
    return " ".join(words[start : start + size]), " ".join(words[:start] + words[start + size :])


def mine_pairs(documents: list[TrainingDocument], rng: random.Random) -> list[tuple[str, str]]:
    pairs = []
    for document in documents:
        if not document.passages:
            continue
        sampled = rng.sample(document.passages, min(PASSAGES_PER_DOCUMENT, len(document.passages)))
        chosen = document.passages[:2] + sampled
        for passage in chosen:
            pairs.append((as_typed(document.title, rng), passage))
            if (split := _sentence_and_rest(passage, rng)) is not None:
                pairs.append((as_typed(split[0], rng), split[1]))
    rng.shuffle(pairs)
    return pairs
