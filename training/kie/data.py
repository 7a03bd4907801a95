"""Training examples for the field tagger: pages of synthetic documents read the way the pipeline reads
them (training/kie/passes.py), labelled by training/kie/labels.py, and OCR-like noise for text-layer words."""

from __future__ import annotations

import random
from dataclasses import dataclass

from inference.kie.model import reading_lines
from inference.schema import BBox, Page, Word
from inference.text import strip_accents
from training.kie.labels import label_words, line_roles
from training.kie.passes import LabelledDocument
from training.synth import PageTruth

LOOKALIKES = {"0": "O", "1": "l", "5": "S", "8": "B", "O": "0", "l": "1", "i": "l", "e": "c", "c": "e", "n": "u",
              "u": "n", "m": "rn", "h": "b", "Đ": "D", "đ": "d", ",": ".", ".": ","}
"""Substitutions Tesseract makes on Vietnamese print."""


@dataclass
class PageExample:
    words: list[Word]
    labels: list[str | None]
    """One of LABELS per word (its line's role); None: not labelled (left out of the loss)."""
    source: str


def with_handwriting(page: Page, truth: PageTruth) -> Page:
    """A text-layer page with the handwritten number or day a scan would bring in its gap, as the
    re-reader gives them (one word, source "reread")."""
    ink = [r for r in truth.regions if r.name == "handwriting" and r.text]
    added = [Word(text=r.text, bbox=r.bbox, source="reread") for r in ink]
    return page.model_copy(update={"words": [*page.words, *added]})


def page_examples(document: LabelledDocument) -> list[PageExample]:
    """Each page labelled with its lines' roles; a text-layer page with handwriting gaps also with the gaps
    filled."""
    examples = []
    for page, truth in zip(document.pages, document.truth, strict=False):
        variants = [page]
        if document.source == "text_layer" and truth.boxes("handwriting"):
            variants.append(with_handwriting(page, truth))
        for variant in variants:
            lines = reading_lines(variant)
            words = [w for line in lines for w in line.words]
            if words:
                roles = line_roles([len(line.words) for line in lines], label_words(words, truth, document.fields))
                examples.append(PageExample(words, roles, document.source))
    return examples


def _misspelt(text: str, rng: random.Random, rate: float) -> str:
    out = []
    for char in text:
        roll = rng.random()
        if roll < rate * 0.3:
            continue
        out.append(LOOKALIKES.get(char, char) if roll < rate else char)
    return "".join(out) or text


def _split_word(word: Word, label: str, rng: random.Random) -> list[tuple[Word, str]]:
    cut = rng.randint(1, len(word.text) - 1)
    share = word.bbox.x0 + (word.bbox.x1 - word.bbox.x0) * cut / len(word.text)
    left = word.model_copy(update={"text": word.text[:cut], "bbox": word.bbox.model_copy(update={"x1": share})})
    right = word.model_copy(update={"text": word.text[cut:], "bbox": word.bbox.model_copy(update={"x0": share})})
    return [(left, label), (right, label)]


def noisy(example: PageExample, rng: random.Random, strength: float) -> PageExample:
    """OCR-like damage: lost marks (often on bold capitals), look-alike letters, dropped characters and
    words, words split or glued to the next one. Labels follow their words; boxes are jittered per batch."""
    pairs: list[tuple[Word, str]] = []
    accents = rng.random() < 0.5
    for word, label in zip(example.words, example.labels, strict=True):
        text = word.text
        if accents and rng.random() < strength * (2 if text.isupper() else 0.5):
            text = strip_accents(text)
        text = _misspelt(text, rng, strength * 0.15)
        if rng.random() < strength * 0.02:
            continue
        if text != word.text:
            word = word.model_copy(update={"text": text})
        if len(text) > 3 and rng.random() < strength * 0.03:
            pairs += _split_word(word, label, rng)
        elif pairs and pairs[-1][1] == label and rng.random() < strength * 0.03:
            previous = pairs[-1][0]
            pairs[-1] = (previous.model_copy(update={"text": previous.text + text,
                                                     "bbox": BBox.union([previous.bbox, word.bbox])}), pairs[-1][1])
        else:
            pairs.append((word, label))
    return PageExample([w for w, _ in pairs], [lab for _, lab in pairs], example.source)
