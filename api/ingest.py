"""Taking a document in: validate it, store its bytes, record it and queue its extraction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from api.exchange.changes import record_change
from api.runtime import Runtime
from api.store.blobs import sha256_hex
from api.store.documents import find_by_sha256, to_record
from api.store.models import ROOT_AGENCY_CODE, DocumentRow
from inference.io import inspect_document
from inference.sandbox import run_limited
from inference.schema import DocumentAccess, DocumentRecord, DocumentStatus


@dataclass(frozen=True)
class Ingested:
    record: DocumentRecord
    created: bool
    """False when the same bytes were already stored: the record is the existing one."""


def ingest_document(
    runtime: Runtime, data: bytes, filename: str, media_type: str | None = None, access: DocumentAccess | None = None
) -> Ingested:
    """Raises `InputError` (before anything is stored) when the file cannot be processed. `media_type` is
    given when the file was inspected already (batch ingestion reads it in a worker process)."""
    sha256 = sha256_hex(data)
    existing = _existing_record(runtime, sha256)
    if existing is not None:
        return Ingested(existing, created=False)
    media_type = media_type or _inspected_media_type(runtime, data, filename)
    _, blob_created = runtime.blobs.put(data)
    try:
        record = _insert_document(runtime, sha256, len(data), filename, media_type, access or DocumentAccess())
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


def _inspected_media_type(runtime: Runtime, data: bytes, filename: str) -> str:
    """Every page parsed once, in a worker process with time and memory limits (the file is untrusted)."""
    options, limits = runtime.settings.pipeline, runtime.settings.security.inspection
    source = run_limited(inspect_document, data, filename, options.limits, options.min_text_layer_chars, limits=limits)
    return source.media_type


def _existing_record(runtime: Runtime, sha256: str) -> DocumentRecord | None:
    with runtime.sessions() as session:
        row = find_by_sha256(session, sha256)
        return to_record(row) if row is not None else None


def _insert_document(
    runtime: Runtime, sha256: str, size: int, filename: str, media_type: str, access: DocumentAccess
) -> DocumentRecord:
    with runtime.sessions.begin() as session:
        row = DocumentRow(
            id=str(uuid.uuid4()),
            sha256=sha256,
            filename=filename,
            content_type=media_type,
            size=size,
            status=DocumentStatus.QUEUED,
            agency_code=access.agency_code or ROOT_AGENCY_CODE,
            secrecy=int(access.secrecy),
            access_mode=access.access_mode,
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
