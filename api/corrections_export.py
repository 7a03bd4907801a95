"""Corrections as training data: a Hugging Face `datasets` dataset on disk, with a card.

One row per corrected document: the words and boxes of its pages (from its stored extraction), its current
field values, the fields people corrected and where, the correction version. Rows are ordered by the
document's sha256, not its (random) id, so another database holding the same corrections gives the same rows
in the same order, and a model retrained on them is the same.
The same corrections always give the same bytes; the card names the export by its content hash.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session, sessionmaker

from api.corrections import (
    corrected_document_ids,
    corrected_names,
    correction_history,
    extracted_fields,
    overlay,
)
from api.errors import ApiError
from api.store.models import DocumentPagesRow, DocumentRow
from inference.schema import FIELD_NAMES, Fields

CARD_JSON = "card.json"
CARD_README = "README.md"


class NothingToExport(ApiError):
    code = "nothing_to_export"
    status = 404


class ExportCard(BaseModel):
    name: str = "vanthu-corrections"
    version: str
    """`sha256:<first 16 hex digits>` of the rows' canonical JSON."""
    content_sha256: str
    rows: int
    words: int
    corrected_values: int
    since: datetime | None
    latest_correction: datetime | None
    """None in an empty export (`allow_empty`)."""
    documents_without_pages: int
    """Documents extracted before pages were stored: their rows have no words."""
    features: dict[str, Any]


def features():  # the datasets import is heavy, so it happens only when exporting
    from datasets import Features, List, Value

    box = {"x0": Value("float64"), "y0": Value("float64"), "x1": Value("float64"), "y1": Value("float64")}
    field_values = {name: Value("string") for name in FIELD_NAMES if name != "recipients"}
    return Features({
        "document_id": Value("string"),
        "sha256": Value("string"),
        "version": Value("int32"),
        "pages": Value("int32"),
        "words": List({"page": Value("int32"), "text": Value("string"), "line": Value("int32"), **box}),
        "fields": {**field_values, "recipients": List(Value("string"))},
        "corrected_fields": List(Value("string")),
        "boxes": List({"field": Value("string"), "page": Value("int32"), **box}),
        "corrected_by": List(Value("string")),
    })


def _words(pages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"page": page["index"], "text": word["text"], "line": word["line"], **word["bbox"]}
        for page in pages
        for word in page["words"]
    ]


def _row(session: Session, document_id: str) -> tuple[dict[str, Any], datetime, bool]:
    document = session.get_one(DocumentRow, document_id)
    history = correction_history(session, document_id)
    fields, boxes = overlay(extracted_fields(document), history)
    stored = session.get(DocumentPagesRow, document_id)
    row = {
        "document_id": document_id,
        "sha256": document.sha256,
        "version": len(history),
        "pages": document.pages or 0,
        "words": _words(stored.pages) if stored else [],
        "fields": Fields.model_validate(fields).model_dump(mode="json"),
        "corrected_fields": corrected_names(history),
        "boxes": [{"field": name, "page": box["page"], **box["bbox"]} for name, box in sorted(boxes.items())],
        "corrected_by": sorted({c.corrected_by for c in history}),
    }
    return row, max(c.created_at for c in history), stored is not None


def content_hash(rows: list[dict[str, Any]]) -> str:
    canonical = json.dumps(rows, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def export_corrections(
    sessions: sessionmaker[Session], out: Path, since: datetime | None = None, allow_empty: bool = False
) -> ExportCard:
    """Write the dataset and its card to `out` (replaced when it holds an earlier export). With no corrections
    it refuses, or with `allow_empty` writes an empty dataset (a pipeline input that exists on a fresh clone)."""
    from datasets import Dataset

    with sessions() as session:
        built = [_row(session, document_id) for document_id in corrected_document_ids(session, since)]
    built.sort(key=lambda item: (item[0]["sha256"], item[0]["document_id"]))
    if not built and not allow_empty:
        raise NothingToExport("no corrections" + (f" since {since.isoformat()}" if since else ""))
    rows = [row for row, _, _ in built]
    digest = content_hash(rows)
    schema = features()
    card = ExportCard(
        version=f"sha256:{digest[:16]}", content_sha256=digest, rows=len(rows),
        words=sum(len(r["words"]) for r in rows), corrected_values=sum(len(r["corrected_fields"]) for r in rows),
        since=since, latest_correction=max((when for _, when, _ in built), default=None),
        documents_without_pages=sum(not has_pages for _, _, has_pages in built), features=schema.to_dict(),
    )
    # from_list([]) would give a table without columns; from_dict keeps the schema's columns, empty.
    dataset = Dataset.from_list(rows, features=schema) if rows else Dataset.from_dict(
        {name: [] for name in schema}, features=schema)
    # A fixed fingerprint (the content hash) instead of a random one keeps state.json deterministic.
    dataset = Dataset(dataset.data, info=dataset.info, fingerprint=digest[:16])
    if out.exists() and not (out / CARD_JSON).is_file() and any(out.iterdir()):
        raise ApiError(f"{out} is not empty and holds no earlier export; choose another directory")
    shutil.rmtree(out, ignore_errors=True)
    dataset.save_to_disk(str(out))
    (out / CARD_JSON).write_text(card.model_dump_json(indent=2) + "\n", encoding="utf-8")
    (out / CARD_README).write_text(_readme(card), encoding="utf-8")
    return card


def _readme(card: ExportCard) -> str:
    return f"""---
pretty_name: vanthu corrections
task_categories: [token-classification]
---
# vanthu corrections {card.version}

Field values people corrected in the vanthu service, with the OCR words and normalised boxes
(x0, y0, x1, y1 in [0, 1] of the page, origin top-left) of the pages of each document. One row per
document: `fields` are its current values (the extraction overlaid by every correction),
`corrected_fields` the ones people set, `boxes` where they marked them, `version` the number of
correction versions. Load with `datasets.load_from_disk(DIR)`.

- rows: {card.rows}, words: {card.words}, corrected values: {card.corrected_values}
- corrections since: {card.since.isoformat() if card.since else "the beginning"}
- latest correction: {card.latest_correction.isoformat() if card.latest_correction else "none"}
- documents without stored pages (no words): {card.documents_without_pages}
- content sha256: `{card.content_sha256}`

Documents are administrative records: they may hold personal data. Keep the export where the
documents themselves may be kept.
"""
