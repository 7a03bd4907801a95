"""The search index of the service: its life on disk, keeping it up to date, importing digital records.

The index is derived data: `<data_dir>/search/<version>/` holds one snapshot of the engine
(inference.search.engine) and `<data_dir>/search/CURRENT` names the live one. Writers (the API
process, `vanthu import`, ...) take an exclusive file lock, reload when another process moved
CURRENT, change the engine and write a new snapshot; readers reload when CURRENT moved. An index
built with another embedder, or lost, is rebuilt from the documents table (`vanthu reindex`).
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import threading
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from tqdm import tqdm

from api.auth.principal import Principal, readable_modes
from api.errors import ApiError, DocumentNotFound
from api.exchange.changes import record_change
from api.runtime import Runtime
from api.settings import Settings
from api.store.documents import find_by_id, find_by_sha256
from api.store.models import DocumentRow
from inference.schema import DocumentAccess, DocumentStatus, ExtractionResult, Fields, Page
from inference.search.access import AccessScope
from inference.search.embedders import EMBEDDERS
from inference.search.engine import SNAPSHOT_FILES, IndexInput, SearchEngine, SearchHit, SearchResponse
from inference.search.query import SearchFilters
from inference.search.records import ImportRecord, parse_import_line

logger = logging.getLogger(__name__)

SEARCH_DIRNAME = "search"
CURRENT = "CURRENT"
IMPORT_BATCH = 200
IMPORT_MEDIA_TYPE = "application/x-ndjson"


class SearchUnavailable(ApiError):
    code = "search_unavailable"
    status = 503


class SearchService:
    def __init__(self, settings: Settings, sessions: sessionmaker[Session]):
        self.directory = settings.data_dir / SEARCH_DIRNAME
        self.options = settings.search
        self._sessions = sessions
        self._lock = threading.RLock()
        self._engine: SearchEngine | None = None
        self._version: str | None = None
        self._embedder = None
        self._held: dict[str, IndexInput] | None = None
        """What `index` was given while `deferred`, by key; None when not deferred."""

    # --- reading ---------------------------------------------------------------------------------

    def search(
        self, query: str, k: int, filters: SearchFilters, scope: AccessScope, ignore: Collection[str] = ()
    ) -> SearchResponse:
        with self._lock:
            return self._current().search(query, k, filters, scope, ignore)

    def similar(self, document_id: str, k: int, scope: AccessScope) -> list[SearchHit]:
        """DocumentNotFound alike for a document that is not indexed and for one the scope may not see."""
        with self._lock:
            try:
                return self._current().similar(document_id, k, scope)
            except KeyError:
                raise DocumentNotFound(
                    f"no indexed document {document_id!r} (not stored, or not extracted yet)"
                ) from None

    def _current(self) -> SearchEngine:
        version = self._read_current()
        if self._engine is None or version != self._version:
            with self._file_lock():
                self._reload()
        assert self._engine is not None
        return self._engine

    # --- writing ---------------------------------------------------------------------------------

    def index(self, items: Iterable[IndexInput]) -> int:
        items = list(items)
        if not items:
            return 0
        with self._lock:
            if self._held is not None:
                self._held.update((item.key, item) for item in items)
                return len(items)
            with self._writing() as engine:
                return engine.add(items)

    def remove(self, document_ids: Iterable[str]) -> int:
        document_ids = list(document_ids)
        with self._writing() as engine:
            for key in document_ids:
                (self._held or {}).pop(key, None)
            return sum(engine.remove(key) for key in document_ids)

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """Hold what `index` is given and write it at `flush` and at the end, in one batch: one snapshot per
        batch instead of one per document. For a process that indexes many documents in a row (batch
        ingestion); what a process killed meanwhile held is lost, and its caller indexes it again."""
        if self._held is not None:  # deferred already: the outer block writes
            yield
            return
        with self._lock:
            with suppress(SearchUnavailable):
                self._current()  # the live index before anything is held (a missing one is rebuilt now)
            self._held = {}
        try:
            yield
            self.flush()
        finally:
            with self._lock:
                self._held = None

    @property
    def held(self) -> int:
        return len(self._held or {})

    def flush(self) -> int:
        """Write what `deferred` held; kept held if writing fails."""
        with self._lock:
            if not self._held:
                return 0
            with self._writing() as engine:
                count = engine.add(self._held.values())
            self._held.clear()
            return count

    def missing(self, keys: Iterable[str]) -> list[str]:
        """The keys the live index does not hold (held ones count as indexed)."""
        with self._lock:
            engine = self._current()
            return [key for key in keys if key not in engine and key not in (self._held or {})]

    def rebuild(self) -> int:
        """Index every extracted document of the store afresh."""
        with self._lock, self._file_lock():
            engine = SearchEngine(self._load_embedder(), self.options)
            for batch in _batches(_stored_documents(self._sessions), IMPORT_BATCH):
                engine.add(batch)
            self._save(engine)
            return len(engine)

    @contextmanager
    def _writing(self) -> Iterator[SearchEngine]:
        with self._lock, self._file_lock():
            if self._engine is None or self._read_current() != self._version:
                self._reload()
            assert self._engine is not None
            yield self._engine
            self._save(self._engine)

    # --- on disk ---------------------------------------------------------------------------------

    @contextmanager
    def _file_lock(self) -> Iterator[None]:
        self.directory.mkdir(parents=True, exist_ok=True)
        with (self.directory / ".lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _read_current(self) -> str | None:
        try:
            return (self.directory / CURRENT).read_text().strip() or None
        except FileNotFoundError:
            return None

    def _reload(self) -> None:
        """Load the live snapshot (under the file lock); rebuild from the store when there is none
        or it was built with another embedder."""
        version = self._read_current()
        embedder = self._load_embedder()
        if version is not None:
            try:
                files = {name: (self.directory / version / name).read_bytes() for name in SNAPSHOT_FILES}
                self._engine, self._version = SearchEngine.restore(files, embedder, self.options), version
                return
            except (ValueError, OSError) as error:
                logger.warning("search index %s: %s; rebuilding it from the store", version, error)
        engine = SearchEngine(embedder, self.options)
        for batch in _batches(_stored_documents(self._sessions), IMPORT_BATCH):
            engine.add(batch)
        self._save(engine)

    def _save(self, engine: SearchEngine) -> None:
        version = uuid.uuid4().hex[:12]
        target = self.directory / version
        target.mkdir(parents=True)
        for name, data in engine.snapshot().items():
            (target / name).write_bytes(data)
        pointer = self.directory / f".{CURRENT}.{version}"
        pointer.write_text(version)
        os.replace(pointer, self.directory / CURRENT)
        previous = self._version
        self._engine, self._version = engine, version
        for old in self.directory.iterdir():
            if old.is_dir() and old.name not in (version, previous):
                shutil.rmtree(old, ignore_errors=True)

    def _load_embedder(self):
        if self._embedder is None:
            try:
                self._embedder = EMBEDDERS.create(self.options.embedder, path=self.options.embedder_path)
            except (ValueError, OSError) as error:
                raise SearchUnavailable(f"search embedder cannot be loaded: {error}") from error
        return self._embedder


_SERVICES: dict[Path, SearchService] = {}
_SERVICES_LOCK = threading.Lock()


def search_service(runtime: Runtime) -> SearchService:
    """One service per data directory in a process (the API and its job workers share it)."""
    with _SERVICES_LOCK:
        directory = runtime.settings.data_dir
        if directory not in _SERVICES:
            _SERVICES[directory] = SearchService(runtime.settings, runtime.sessions)
        return _SERVICES[directory]


def access_scope(principal: Principal) -> AccessScope:
    """What a principal sees of the index: the same rule as `Principal.may_read` (tests hold them equal)."""
    return AccessScope(agencies=principal.scope, clearance=principal.clearance, modes=readable_modes(principal.roles),
                       reveal_personal_data=principal.reveal_personal_data)


# --- the store side ------------------------------------------------------------------------------


def document_access(row: DocumentRow) -> DocumentAccess:
    return DocumentAccess(agency_code=row.agency_code, secrecy=row.secrecy, access_mode=row.access_mode)


def index_input(row: DocumentRow) -> IndexInput | None:
    if row.status != DocumentStatus.DONE or row.result is None:
        return None
    result = ExtractionResult.model_validate(row.result)
    fields = Fields.model_validate(row.fields) if row.fields is not None else result.fields
    return IndexInput(key=row.id, fields=fields, text=result.text, external_id=row.external_id,
                      **dict(document_access(row)))


def reindex_document(runtime: Runtime, document_id: str) -> None:
    """Index a document again from its row (its corrected fields, its access) once those are committed.
    A failure is logged, never fails the change: `vanthu reindex` repairs the index."""
    try:
        with runtime.sessions() as session:
            row = find_by_id(session, document_id)
            item = index_input(row) if row is not None else None
        if item is not None:
            search_service(runtime).index([item])
    except Exception:
        logger.exception("document %s could not be indexed again; run `vanthu reindex`", document_id)


def _stored_documents(sessions: sessionmaker[Session]) -> Iterator[IndexInput]:
    """The extracted documents, read in short transactions (on SQLite every transaction holds the write
    lock, so none may stay open while documents are embedded)."""
    with sessions() as session:
        ids = list(session.scalars(select(DocumentRow.id).where(DocumentRow.status == DocumentStatus.DONE)))
    for start in tqdm(range(0, len(ids), IMPORT_BATCH), desc="index", unit="batch", disable=None):
        with sessions() as session:
            rows = session.scalars(select(DocumentRow).where(DocumentRow.id.in_(ids[start : start + IMPORT_BATCH])))
            items = [item for row in rows if (item := index_input(row)) is not None]
        yield from items


def _batches(items: Iterable[IndexInput], size: int) -> Iterator[list[IndexInput]]:
    batch: list[IndexInput] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def index_on_commit(runtime: Runtime) -> Callable[[Session, DocumentRow, list[Page], ExtractionResult], None]:
    """A job-queue completion hook: once the extraction is committed, the document is (re)indexed.
    Indexing failures are logged, never fail the job: `vanthu reindex` repairs the index."""

    def hook(session: Session, document: DocumentRow, pages: list[Page], result: ExtractionResult) -> None:
        item = IndexInput(key=document.id, fields=result.fields, text=result.text, external_id=document.external_id,
                          **dict(document_access(document)))

        def after_commit(_: Session) -> None:
            try:
                search_service(runtime).index([item])
            except Exception:
                logger.exception("document %s could not be indexed; run `vanthu reindex`", item.key)

        event.listen(session, "after_commit", after_commit, once=True)

    return hook


def delete_document(runtime: Runtime, document_id: str) -> None:
    """Remove the document row (its jobs and other rows cascade), its index entries, and its blob
    unless another row refers to the same bytes."""
    with runtime.sessions.begin() as session:
        row = find_by_id(session, document_id)
        if row is None:
            raise DocumentNotFound(f"no document with id {document_id!r}")
        sha256, imported = row.sha256, row.content_type == IMPORT_MEDIA_TYPE
        session.delete(row)
        record_change(session, "document", document_id, "delete", ["status"])
    search_service(runtime).remove([document_id])
    with runtime.sessions() as session:
        referenced = find_by_sha256(session, sha256) is not None
    if not referenced and not imported:
        runtime.blobs.delete(sha256)


# --- importing digital records -------------------------------------------------------------------


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)
    """(line number, reason) of the lines that were not imported."""
    document_ids: list[str] = field(default_factory=list)


def import_records(runtime: Runtime, lines: Iterable[str | bytes], progress: bool = False) -> ImportReport:
    """Import `{"id","title","text","metadata"}` lines without OCR; bad lines are reported, the batch goes on.
    A record already imported with the same content is left alone; one whose content changed is updated."""
    report = ImportReport()
    pending: list[tuple[int, ImportRecord]] = []
    for number, line in enumerate(tqdm(lines, desc="import", unit="line", disable=not progress), start=1):
        if not line.strip():
            continue
        try:
            pending.append((number, parse_import_line(line)))
        except ValueError as error:
            report.failed.append((number, str(error)))
        if len(pending) == IMPORT_BATCH:
            _import_batch(runtime, pending, report)
            pending = []
    _import_batch(runtime, pending, report)
    return report


def _import_batch(runtime: Runtime, records: list[tuple[int, ImportRecord]], report: ImportReport) -> None:
    changed: list[IndexInput] = []
    for number, record in records:
        try:
            row, outcome = _store_record(runtime.sessions, record)
        except IntegrityError:
            report.failed.append((number, f"id {record.id!r} was imported concurrently; import again"))
            continue
        setattr(report, outcome, getattr(report, outcome) + 1)
        report.document_ids.append(row.id)
        if outcome != "unchanged" and (item := index_input(row)) is not None:
            changed.append(item)
    search_service(runtime).index(changed)


def _store_record(sessions: sessionmaker[Session], record: ImportRecord) -> tuple[DocumentRow, str]:
    result = record.to_result()
    with sessions.begin() as session:
        existing = find_by_sha256(session, result.sha256)
        if existing is not None:
            return existing, "unchanged"
        row = session.scalars(select(DocumentRow).where(DocumentRow.external_id == record.id)).one_or_none()
        outcome = "updated" if row is not None else "created"
        if row is None:
            row = DocumentRow(id=str(uuid.uuid4()), external_id=record.id, content_type=IMPORT_MEDIA_TYPE)
            session.add(row)
        row.sha256, row.filename, row.size = result.sha256, record.id, len(record.canonical_json().encode())
        row.status, row.error, row.pages = DocumentStatus.DONE, None, result.pages
        row.fields, row.result = result.fields.model_dump(mode="json"), result.model_dump(mode="json")
        session.flush()
        record_change(session, "document", row.id, "create" if outcome == "created" else "update", ["status", "fields"])
        return row, outcome
