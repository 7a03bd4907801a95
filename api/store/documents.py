"""Reading documents out of the store and turning rows into the schema's records."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import ColumnElement, or_, select, true
from sqlalchemy.orm import Session, sessionmaker

from api.errors import DocumentNotFound, InvalidCursor
from api.store.models import DocumentRow
from inference.schema import DocumentRecord, DocumentStatus, DocumentSummary, ExtractionResult, Fields

DEFAULT_PAGE_SIZE = 50
ALL_DOCUMENTS: ColumnElement[bool] = true()
"""The visibility of the command line: every document."""
MAX_PAGE_SIZE = 200


class DocumentPage(BaseModel):
    items: list[DocumentSummary]
    next_cursor: str | None = None
    """Pass it as `cursor` to get the next page; null on the last page."""


def to_record(row: DocumentRow) -> DocumentRecord:
    return DocumentRecord(
        id=row.id,
        sha256=row.sha256,
        filename=row.filename,
        content_type=row.content_type,
        size=row.size,
        status=DocumentStatus(row.status),
        error=row.error,
        created_at=row.created_at,
        updated_at=row.updated_at,
        result=ExtractionResult.model_validate(row.result) if row.result is not None else None,
        external_id=row.external_id,
        **access_of(row),
    )


def access_of(row: DocumentRow) -> dict[str, object]:
    return {"agency_code": row.agency_code, "secrecy": row.secrecy, "access_mode": row.access_mode}


def to_summary(row: DocumentRow) -> DocumentSummary:
    return DocumentSummary(
        id=row.id,
        sha256=row.sha256,
        filename=row.filename,
        status=DocumentStatus(row.status),
        pages=row.pages,
        fields=Fields.model_validate(row.fields) if row.fields is not None else None,
        created_at=row.created_at,
        **access_of(row),
    )


def find_by_id(session: Session, document_id: str) -> DocumentRow | None:
    return session.get(DocumentRow, document_id)


def find_by_sha256(session: Session, sha256: str) -> DocumentRow | None:
    return session.scalars(select(DocumentRow).where(DocumentRow.sha256 == sha256)).one_or_none()


def load_record(sessions: sessionmaker[Session], document_id: str) -> DocumentRecord:
    with sessions() as session:
        row = find_by_id(session, document_id)
        if row is None:
            raise DocumentNotFound(f"no document with id {document_id!r}")
        return to_record(row)


def load_page(
    sessions: sessionmaker[Session], limit: int, cursor: str | None, visible: ColumnElement[bool] = ALL_DOCUMENTS
) -> DocumentPage:
    with sessions() as session:
        return list_page(session, limit, cursor, visible)


def list_page(
    session: Session, limit: int, cursor: str | None, visible: ColumnElement[bool] = ALL_DOCUMENTS
) -> DocumentPage:
    """Newest first, keyset-paginated on (created_at, id) so pages stay stable while documents arrive;
    only the documents `visible` admits (api.auth.access.visible_documents_clause)."""
    query = (
        select(DocumentRow)
        .where(visible)
        .order_by(DocumentRow.created_at.desc(), DocumentRow.id.desc())
        .limit(limit + 1)
    )
    if cursor:
        created_at, document_id = decode_cursor(cursor)
        query = query.where(
            or_(
                DocumentRow.created_at < created_at,
                (DocumentRow.created_at == created_at) & (DocumentRow.id < document_id),
            )
        )
    rows = list(session.scalars(query))
    next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return DocumentPage(items=[to_summary(row) for row in rows[:limit]], next_cursor=next_cursor)


def encode_cursor(row: DocumentRow) -> str:
    payload = json.dumps([row.created_at.isoformat(), row.id]).encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created_at, document_id = json.loads(base64.urlsafe_b64decode(padded))
        when = datetime.fromisoformat(created_at)
        if when.tzinfo is None:
            raise ValueError("naive timestamp")
        return when, str(document_id)
    except (binascii.Error, ValueError, TypeError) as error:
        raise InvalidCursor("the cursor is not one this service handed out") from error
