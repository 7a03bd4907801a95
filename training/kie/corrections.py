"""Corrected documents (the `vanthu corrections export` dataset) as training pages for the field tagger.

A correction says where a field is (its box) and what it says; it says nothing about the other fields.
So on a corrected document's pages the words inside a corrected field's box take that field's line role
(the place's is the date line), the words the model gave that role elsewhere become O (the error being
corrected), and every other word keeps the role the model gives it before retraining (what people left
alone), so learning from these pages changes what was corrected and little else. A field corrected without
a box labels no words: the words the model gave its role are left out of the loss. Fields the tagger does
not read (block, code_number...) are ignored.

    corrections = load_corrections(Path("data/corrections"))
    examples = corrections.examples(Tagger(previous_artifact))
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inference.kie.model import FIELDS, ROLE_OF_FIELD, Tagger, line_role_ids
from inference.layout import Segment, segments
from inference.schema import BBox, Word
from training.kie.data import PageExample
from training.kie.labels import inside

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


def page_lines(row: dict[str, Any]) -> dict[int, list[Segment]]:
    """The stored words of each page as lines, in the tagger's reading order."""
    by_page: dict[int, list[Word]] = {}
    for item in row["words"]:
        by_page.setdefault(item["page"], []).append(Word(text=item["text"], bbox=_box(item), line=item["line"]))
    return {page: segments(words, page) for page, words in sorted(by_page.items())}


def corrected_labels(words: list[Word], predicted: list[str], page: int, row: dict[str, Any]) -> list[str | None]:
    """One label per word (None: left out of the loss): `predicted` with the row's corrections applied."""
    corrected = {ROLE_OF_FIELD[f] for f in set(row["corrected_fields"]) & set(FIELDS)}
    boxed = {ROLE_OF_FIELD[b["field"]] for b in row["boxes"] if b["field"] in ROLE_OF_FIELD}
    labels: list[str | None] = [("O" if label in boxed else None) if label in corrected else label for label in predicted]
    for item in row["boxes"]:
        role = ROLE_OF_FIELD.get(item["field"])
        if role in corrected and item["page"] == page:
            labels = [role if inside(word, _box(item)) else label for word, label in zip(words, labels, strict=True)]
    return labels


def row_examples(row: dict[str, Any], tagger: Tagger) -> list[PageExample]:
    examples = []
    for page, lines in page_lines(row).items():
        words = [w for line in lines for w in line.words]
        roles = line_role_ids(lines, tagger.probabilities(words))
        predicted = [tagger.labels[role] for line, role in zip(lines, roles, strict=True) for _ in line.words]
        examples.append(PageExample(words, corrected_labels(words, predicted, page, row), SOURCE))
    return examples
