"""Taking a document in: validate it, store its bytes, record it and queue its extraction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from api.exchange.changes import record_change
from api.runtime import Runtime
from api.store.blobs import sha256_hex
from api.store.documents import find_by_sha256, to_record
from api.store.models import DocumentRow
from inference.io import inspect_document
from inference.schema import DocumentRecord, DocumentStatus


@dataclass(frozen=True)
class Ingested:
    record: DocumentRecord
    created: bool
    """False when the same bytes were already stored: the record is the existing one."""


def ingest_document(runtime: Runtime, data: bytes, filename: str) -> Ingested:
    """Raises `InputError` (before anything is stored) when the file cannot be processed."""
    sha256 = sha256_hex(data)
    existing = _existing_record(runtime, sha256)
    if existing is not None:
        return Ingested(existing, created=False)
    options = runtime.settings.pipeline
    media_type = inspect_document(data, filename, options.limits, options.min_text_layer_chars).media_type
    _, blob_created = runtime.blobs.put(data)
    try:
        record = _insert_document(runtime, sha256, len(data), filename, media_type)
    except IntegrityError:
        # The same bytes were stored concurrently: theirs is the record, and the blob is theirs too.
        existing = _existing_record(runtime, sha256)
        if existing is None:
            _discard_blob(runtime, sha256, blob_created)
            raise
        return Ingested(existing, created=False)
    except BaseException:
        _discard_blob(runtime, sha256, blob_created)
        raise
    runtime.queue.notify()
    return Ingested(record, created=True)


def _existing_record(runtime: Runtime, sha256: str) -> DocumentRecord | None:
    with runtime.sessions() as session:
        row = find_by_sha256(session, sha256)
        return to_record(row) if row is not None else None


def _insert_document(runtime: Runtime, sha256: str, size: int, filename: str, media_type: str) -> DocumentRecord:
    with runtime.sessions.begin() as session:
        row = DocumentRow(
            id=str(uuid.uuid4()),
            sha256=sha256,
            filename=filename,
            content_type=media_type,
            size=size,
            status=DocumentStatus.QUEUED,
        )
        session.add(row)
        session.flush()
        record_change(session, "document", row.id, "create", ["status"])
        runtime.queue.enqueue(session, row.id)
        return to_record(row)


def _discard_blob(runtime: Runtime, sha256: str, blob_created: bool) -> None:
    """Remove a blob this call wrote, unless a document committed meanwhile refers to it."""
    if not blob_created:
        return
    try:
        referenced = _existing_record(runtime, sha256) is not None
    except SQLAlchemyError:
        referenced = True  # cannot tell; a complete blob nothing points to is harmless, a missing one is not
    if not referenced:
        runtime.blobs.delete(sha256)
