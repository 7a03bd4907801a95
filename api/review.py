"""The review queue as staff see it: one listing of what waits for a person, restricted to the documents
the principal may see, paged, with what is needed to decide each item on the spot.

Kinds: `fields` (a field read with low confidence; recorded here when an extraction is stored),
`quality` (quality flags), `duplicates` (groups awaiting confirmation) and `retention` (proposals
awaiting confirmation) — the last three recorded by api.governance, which also confirms, rejects,
resolves and overrides them.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, delete, or_, select
from sqlalchemy.orm import Session, sessionmaker

from api.auth.access import visible_documents_clause
from api.auth.principal import Principal
from api.errors import ApiError
from api.governance import (
    MAX_LIST,
    OPEN,
    DuplicateGroupView,
    RetentionDecision,
    ReviewItem,
    _group_view,
    _review_item,
    visible_review_items,
)
from api.settings_admin import ReviewSettings
from api.store.models import DocumentRow, DuplicateGroupRow, RetentionDecisionRow, ReviewItemRow
from inference.governance.qc import REQUIRED_FIELDS, QcThresholds
from inference.schema import ExtractionResult, Page, Severity

FIELDS_KIND = "fields"
LOW_CONFIDENCE = "low_confidence"
Kind = Literal["fields", "quality", "duplicates", "retention"]
Status = Literal["open", "resolved"]


class InvalidCursor(ApiError):
    code = "invalid_cursor"
    status = 422


class ReviewEntry(ReviewItem):
    """A review item with its context: the document, the field's current value and confidence, the
    duplicate group or the retention decision in force."""

    filename: str | None = None
    value: Any = None
    confidence: float | None = None
    box: dict[str, Any] | None = None
    """The field's evidence on its page (page, bbox normalised to the page) when the extractor gave one."""
    group: DuplicateGroupView | None = None
    retention: RetentionDecision | None = None


# --- recording low-confidence fields when an extraction is stored ---------------------------------


def low_confidence_hook(settings: ReviewSettings, qc: QcThresholds):  # type: ignore[no-untyped-def]
    """A job-queue completion hook (same transaction as the extraction): one open `fields` item per field
    read below `settings.low_confidence`, replacing the document's open ones. Required fields below the
    QC threshold are left out: governance already queues them as `illegible_field` quality flags."""

    def record(session: Session, document: DocumentRow, pages: list[Page], result: ExtractionResult) -> None:
        session.execute(
            delete(ReviewItemRow).where(
                ReviewItemRow.document_id == document.id,
                ReviewItemRow.kind == FIELDS_KIND,
                ReviewItemRow.status == OPEN,
            )
        )
        for field, confidence in sorted(result.confidence.items()):
            if confidence >= settings.low_confidence or getattr(result.fields, field, None) in (None, "", []):
                continue
            if field in REQUIRED_FIELDS and confidence < qc.min_field_confidence:
                continue
            evidence = result.evidence.get(field)
            message = f"{field} read with confidence {confidence:.2f}; confirm or correct it"
            page = evidence.page if evidence else None
            session.add(
                _review_item(
                    FIELDS_KIND,
                    LOW_CONFIDENCE,
                    Severity.WARNING,
                    message,
                    document_id=document.id,
                    field=field,
                    page=page,
                )
            )

    return record


# --- the listing ---------------------------------------------------------------------------------


def _encode_cursor(row: ReviewItemRow) -> str:
    raw = json.dumps([row.created_at.isoformat(), row.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _after_cursor(cursor: str) -> ColumnElement[bool]:
    try:
        created, item_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        at = datetime.fromisoformat(created)
    except (ValueError, TypeError, binascii.Error) as error:
        raise InvalidCursor(f"cursor is not one this endpoint returned: {error}") from None
    return or_(ReviewItemRow.created_at > at, and_(ReviewItemRow.created_at == at, ReviewItemRow.id > str(item_id)))


def review_page(
    sessions: sessionmaker[Session],
    principal: Principal,
    status: Status,
    kind: Kind | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[ReviewEntry], str | None]:
    """One page of the queue, oldest first, and the cursor of the next page (None at the end)."""
    limit = min(limit, MAX_LIST)
    visible = visible_review_items(visible_documents_clause(principal))  # a group: all its members
    query = select(ReviewItemRow).where(ReviewItemRow.status == status, visible)
    if kind:
        query = query.where(ReviewItemRow.kind == kind)
    if cursor:
        query = query.where(_after_cursor(cursor))
    query = query.order_by(ReviewItemRow.created_at, ReviewItemRow.id).limit(limit + 1)
    with sessions() as session:
        rows = list(session.scalars(query))
        entries = [_entry(session, row) for row in rows[:limit]]
    return entries, _encode_cursor(rows[limit - 1]) if len(rows) > limit else None


def _entry(session: Session, row: ReviewItemRow) -> ReviewEntry:
    entry = ReviewEntry.model_validate(row, from_attributes=True)
    document = session.get(DocumentRow, row.document_id) if row.document_id else None
    if document is not None:
        entry.filename = document.filename
    if row.kind == FIELDS_KIND and document is not None and row.field:
        _add_field(entry, document, row.field)
    if row.group_id:
        group = session.get(DuplicateGroupRow, row.group_id)
        entry.group = _group_view(session, group) if group else None
    if row.kind == "retention" and row.document_id:
        latest = session.scalars(
            select(RetentionDecisionRow)
            .where(RetentionDecisionRow.document_id == row.document_id)
            .order_by(RetentionDecisionRow.id.desc())
            .limit(1)
        ).first()
        entry.retention = RetentionDecision.model_validate(latest, from_attributes=True) if latest else None
    return entry


def _add_field(entry: ReviewEntry, document: DocumentRow, field: str) -> None:
    """The field's current value (corrections included) and the extractor's confidence and evidence."""
    entry.value = (document.fields or {}).get(field)
    result = document.result or {}
    entry.confidence = (result.get("confidence") or {}).get(field)
    entry.box = (result.get("evidence") or {}).get(field)
