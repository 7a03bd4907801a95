"""Corrections of extracted fields: validated against the schema, versioned, overlaid on the extraction.

Each correction is a new version of a document's corrections: the values set (and the values they
replaced), the boxes where they are on the page, who and when. A document's current fields are its
extraction overlaid by every version in order; `documents.fields` keeps them, so listings show them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from api.errors import ApiError, DocumentNotFound
from api.exchange.changes import record_change
from api.runtime import Runtime
from api.search import reindex_document
from api.store.documents import find_by_id, to_record
from api.store.models import CorrectionRow, DocumentRow
from inference.kie.vocab import SECRECY, URGENCY
from inference.schema import FIELD_NAMES, BBox, DocumentRecord, DocumentStatus, Fields
from inference.text import normalize

KNOWN_VALUES: dict[str, tuple[str, ...]] = {"urgency": URGENCY, "confidentiality": SECRECY}
"""Fields whose value must be one of a closed list (compared case-insensitively, stored as listed)."""


class InvalidCorrection(ApiError):
    code = "invalid_correction"
    status = 422


class NotExtracted(ApiError):
    code = "not_extracted"
    status = 409


class FieldBox(BaseModel):
    """Where a field's value is: a page (0-based) and a box normalised to that page."""

    model_config = ConfigDict(extra="forbid")

    page: int = Field(ge=0)
    bbox: BBox

    @model_validator(mode="after")
    def _normalised(self) -> FieldBox:
        b = self.bbox
        if not (0.0 <= b.x0 < b.x1 <= 1.0 and 0.0 <= b.y0 < b.y1 <= 1.0):
            raise ValueError("bbox must be normalised to the page: 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1")
        return self


class CorrectionRequest(BaseModel):
    """`fields`: field name -> corrected value (null clears it); `boxes`: field name -> where it is."""

    model_config = ConfigDict(extra="forbid")

    fields: dict[str, Any] = Field(default_factory=dict)
    boxes: dict[str, FieldBox] = Field(default_factory=dict)


class Correction(BaseModel):
    document_id: str
    version: int
    fields: dict[str, Any]
    """The values set by this version, as the schema stores them."""
    previous: dict[str, Any]
    """What those fields were before this version."""
    boxes: dict[str, FieldBox]
    corrected_by: str
    created_at: datetime


class CorrectionHistory(BaseModel):
    document_id: str
    items: list[Correction]
    """Oldest first."""


class CorrectedDocument(DocumentRecord):
    """A stored document with its current fields: the extraction overlaid by the corrections."""

    fields: Fields | None = None
    corrected_fields: list[str] = Field(default_factory=list)
    correction_version: int = 0
    """0 while the document was never corrected."""


# -- validation -------------------------------------------------------------------------------------


def _canonical(name: str, value: Any) -> Any:
    """A value as a correction may give it, checked where the schema alone is too lenient."""
    if value is None:
        return None
    if isinstance(value, str):
        value = normalize(value)
        if not value:
            raise InvalidCorrection(f"{name}: empty value; send null to clear the field")
    if name == "issued_date" and not (isinstance(value, str) and _is_iso_date(value)):
        raise InvalidCorrection(f"issued_date: {value!r} is not an ISO date (YYYY-MM-DD)")
    if name in KNOWN_VALUES:
        allowed = {v.casefold(): v for v in KNOWN_VALUES[name]}
        if not isinstance(value, str) or value.casefold() not in allowed:
            raise InvalidCorrection(f"{name}: {value!r} is not one of {', '.join(KNOWN_VALUES[name])}")
        return allowed[value.casefold()]
    return value


def _is_iso_date(text: str) -> bool:
    try:
        return date.fromisoformat(text).isoformat() == text
    except ValueError:
        return False


def validated_values(current: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """The corrected values in the schema's JSON form; InvalidCorrection naming the first problem."""
    unknown = sorted(set(values) - set(FIELD_NAMES))
    if unknown:
        raise InvalidCorrection(f"unknown field {unknown[0]!r}; known: {', '.join(FIELD_NAMES)}")
    cleaned = {name: _canonical(name, value) for name, value in values.items()}
    if cleaned.get("recipients", []) is None:
        cleaned["recipients"] = []
    try:
        fields = Fields.model_validate({**current, **cleaned})
    except ValidationError as error:
        problem = error.errors()[0]
        raise InvalidCorrection(f"{'.'.join(map(str, problem['loc']))}: {problem['msg']}") from None
    dumped = fields.model_dump(mode="json")
    return {name: dumped[name] for name in cleaned}


def _check_boxes(boxes: dict[str, FieldBox], pages: int) -> None:
    for name, box in boxes.items():
        if name not in FIELD_NAMES:
            raise InvalidCorrection(f"box of unknown field {name!r}; known: {', '.join(FIELD_NAMES)}")
        if box.page >= pages:
            raise InvalidCorrection(f"box of {name}: page {box.page} is past the last page ({pages - 1}, 0-based)")


# -- overlay ----------------------------------------------------------------------------------------


def correction_history(session: Session, document_id: str) -> list[CorrectionRow]:
    query = select(CorrectionRow).where(CorrectionRow.document_id == document_id).order_by(CorrectionRow.version)
    return list(session.scalars(query))


def extracted_fields(row: DocumentRow) -> dict[str, Any]:
    return dict((row.result or {}).get("fields") or Fields().model_dump(mode="json"))


def overlay(extracted: dict[str, Any], history: list[CorrectionRow]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(current fields, current boxes) after every version of `history`, in order."""
    fields, boxes = dict(extracted), {}
    for correction in history:
        fields |= correction.values
        boxes |= correction.boxes
    return fields, boxes


def corrected_names(history: list[CorrectionRow]) -> list[str]:
    return sorted({name for c in history for name in (*c.values, *c.boxes)})


def _to_correction(row: CorrectionRow) -> Correction:
    return Correction(
        document_id=row.document_id, version=row.version, fields=row.values, previous=row.previous,
        boxes={name: FieldBox.model_validate(box) for name, box in row.boxes.items()},
        corrected_by=row.corrected_by, created_at=row.created_at,
    )


# -- service ----------------------------------------------------------------------------------------


def record_correction(runtime: Runtime, document_id: str, request: CorrectionRequest, corrected_by: str) -> Correction:
    """Record a new version, then index the document again with its corrected fields."""
    if not request.fields and not request.boxes:
        raise InvalidCorrection("nothing to correct: give `fields` and/or `boxes`")
    if not corrected_by.strip():
        raise InvalidCorrection("who corrects is missing")
    with runtime.sessions.begin() as session:
        # The row lock (PostgreSQL; SQLite's write lock is taken at BEGIN) serialises the versions.
        row = session.get(DocumentRow, document_id, with_for_update=True)
        if row is None:
            raise DocumentNotFound(f"no document with id {document_id!r}")
        if row.status != DocumentStatus.DONE or row.result is None:
            raise NotExtracted(f"document {document_id} is {row.status}; it can be corrected once extracted")
        history = correction_history(session, document_id)
        current, _ = overlay(extracted_fields(row), history)
        values = validated_values(current, request.fields)
        _check_boxes(request.boxes, row.pages or 0)
        correction = CorrectionRow(
            document_id=document_id, version=len(history) + 1, values=values,
            previous={name: current.get(name) for name in values},
            boxes={name: box.model_dump(mode="json") for name, box in request.boxes.items()},
            corrected_by=corrected_by.strip(),
        )
        session.add(correction)
        row.fields = current | values
        record_change(session, "document", document_id, "update", ["fields"])  # the feed national systems read
        session.flush()
        recorded = _to_correction(correction)
    reindex_document(runtime, document_id)
    return recorded


def load_history(sessions: sessionmaker[Session], document_id: str) -> CorrectionHistory:
    with sessions() as session:
        if find_by_id(session, document_id) is None:
            raise DocumentNotFound(f"no document with id {document_id!r}")
        items = [_to_correction(row) for row in correction_history(session, document_id)]
        return CorrectionHistory(document_id=document_id, items=items)


def load_corrected_record(sessions: sessionmaker[Session], document_id: str) -> CorrectedDocument:
    with sessions() as session:
        row = find_by_id(session, document_id)
        if row is None:
            raise DocumentNotFound(f"no document with id {document_id!r}")
        record = to_record(row)
        if record.result is None:
            return CorrectedDocument(**dict(record))
        history = correction_history(session, document_id)
        fields, _ = overlay(extracted_fields(row), history)
        return CorrectedDocument(
            **dict(record), fields=Fields.model_validate(fields), corrected_fields=corrected_names(history),
            correction_version=len(history),
        )


def corrected_document_ids(session: Session, since: datetime | None) -> list[str]:
    """Documents with a correction made at or after `since` (all corrected documents without it), by id."""
    query = select(CorrectionRow.document_id).group_by(CorrectionRow.document_id)
    if since is not None:
        query = query.having(func.max(CorrectionRow.created_at) >= since)
    return sorted(session.scalars(query))
