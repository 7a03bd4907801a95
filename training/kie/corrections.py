"""Corrected documents (the `vanthu corrections export` dataset) as training pages for the field tagger.

A correction says where a field is (its box) and what it says; it says nothing about the other fields.
So on a corrected document's pages the words inside a corrected field's box take that field, the words
the model tagged with a corrected field elsewhere become O (the error being corrected), and every other
word keeps the tag the model gives it before retraining (what people left alone), so learning from these
pages changes what was corrected and little else. A field corrected without a box labels no words: the
words the model gave it are left out of the loss. Fields the tagger does not tag (block, code_number...)
are ignored.

    corrections = load_corrections(Path("data/corrections"))
    examples = corrections.examples(Tagger(previous_artifact))
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inference.kie.model import FIELDS, Tagger
from inference.layout import segments
from inference.schema import BBox, Word
from training.kie.data import PageExample
from training.kie.labels import inside

LINE_FIELDS = ("signer_position", "recipients")
"""Fields of several values, one per line: each line inside the box begins one (B)."""
SOURCE = "correction"


@dataclass
class CorrectionSet:
    path: Path
    rows: list[dict[str, Any]]
    card: dict[str, Any]

    def examples(self, tagger: Tagger) -> list[PageExample]:
        """The corrected pages, labelled with the corrections over `tagger`'s own tags."""
        return [example for row in self.rows for example in row_examples(row, tagger)]

    def summary(self, pages_used: int) -> dict[str, Any]:
        """For a model card."""
        return {
            "dir": str(self.path),
            "documents": len(self.rows),
            "version": self.card.get("version"),
            "content_sha256": self.card.get("content_sha256"),
            "corrected_values": sum(len(r["corrected_fields"]) for r in self.rows),
            "pages": pages_used,
        }


def load_corrections(path: Path) -> CorrectionSet:
    from datasets import load_from_disk  # heavy import, only when there are corrections to read

    if not path.is_dir():
        raise FileNotFoundError(f"{path}: no corrections dataset (make one with `vanthu corrections export`)")
    card_path = path / "card.json"
    card = json.loads(card_path.read_text(encoding="utf-8")) if card_path.is_file() else {}
    if card.get("rows") == 0:  # an empty export (`--allow-empty`) has no data file to load
        return CorrectionSet(path, [], card)
    return CorrectionSet(path, list(load_from_disk(str(path))), card)


def _box(item: dict[str, Any]) -> BBox:
    return BBox(x0=item["x0"], y0=item["y0"], x1=item["x1"], y1=item["y1"])


def page_words(row: dict[str, Any]) -> dict[int, list[Word]]:
    """The stored words of each page, in the tagger's reading order."""
    by_page: dict[int, list[Word]] = {}
    for item in row["words"]:
        by_page.setdefault(item["page"], []).append(Word(text=item["text"], bbox=_box(item), line=item["line"]))
    return {page: [w for seg in segments(words, page) for w in seg.words] for page, words in sorted(by_page.items())}


def _in_box(words: list[Word], box: BBox, field: str) -> list[str | None]:
    """B/I tags of `field` for the words inside `box`, None for the others."""
    out: list[str | None] = []
    previous_line = None
    for word in words:
        if not inside(word, box):
            out.append(None)
            continue
        opens = previous_line is None or (field in LINE_FIELDS and word.line != previous_line)
        out.append(f"{'B' if opens else 'I'}-{field}")
        previous_line = word.line
    return out


def corrected_labels(words: list[Word], predicted: list[str], page: int, row: dict[str, Any]) -> list[str | None]:
    """One label per word (None: left out of the loss): `predicted` with the row's corrections applied."""
    corrected = set(row["corrected_fields"]) & set(FIELDS)
    boxed = {b["field"] for b in row["boxes"]}
    labels: list[str | None] = [
        ("O" if label[2:] in boxed else None) if label[2:] in corrected else label for label in predicted
    ]
    for item in row["boxes"]:
        if item["field"] in corrected and item["page"] == page:
            tags = _in_box(words, _box(item), item["field"])
            labels = [tag or label for tag, label in zip(tags, labels, strict=True)]
    return labels


def row_examples(row: dict[str, Any], tagger: Tagger) -> list[PageExample]:
    examples = []
    for page, words in page_words(row).items():
        predicted = [tagger.labels[i] for i in tagger.probabilities(words).argmax(axis=1)]
        examples.append(PageExample(words, corrected_labels(words, predicted, page, row), SOURCE))
    return examples
