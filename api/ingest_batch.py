"""Batch digitisation (`vanthu ingest`): a folder as an archive delivers it, or a manifest, through the
pipeline in parallel (an engine of `inference.batch`), each result stored the way the service stores a
finished job: `ingest_document` (content-addressed blob + document row + job), then
`JobQueue.complete` with the completion hooks (governance, entity links, search index, review).

Folder layout: `<phông>/<mục lục>/<hồ sơ>/<files>`; a file three folders deep or more is filed into the
hồ sơ with FileCode `phông.mục lục.hồ sơ` (created when missing) at DocOrdinal = its place among the
files of that hồ sơ in path order. A manifest (.csv with a header, or .jsonl) lists `path` (relative
to the manifest) and optionally `phong`, `muc_luc`, `ho_so`, `title`; ordinals follow its order.

Resumable: the run and the state of each file are rows (api/store/ingest.py). A run killed at any
point (driver or worker) is resumed by the next `vanthu ingest` of the same source: files still
pending are extracted again; a document whose extraction an earlier attempt committed is found by its
sha256 and not stored twice, and is indexed again (its attempt may have died before indexing it).
The search index is written every `INDEX_BATCH` documents, not per document; the next attempt indexes the
stored documents a killed one held unwritten.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from tqdm import tqdm

from api.errors import ApiError
from api.exchange.dossiers import DossierSpec, file_document, insert_dossier
from api.exchange.errors import InvalidExchange
from api.exchange.records import dossier_of, find_dossier
from api.ingest import ingest_document
from api.jobs import worker_identity
from api.runtime import Runtime
from api.search import SearchService, index_input, search_service
from api.store.blobs import sha256_hex
from api.store.identity import AgencyRow
from api.store.ingest import FileState, IngestFileRow, IngestRunRow, RunStatus
from api.store.models import DocumentRow, utc_now
from inference.batch import BatchEngine, FileOutcome, FileTask, file_size, largest_first
from inference.errors import InputError
from inference.schema import DocumentAccess, DocumentStatus

DOCUMENT_SUFFIXES = {".pdf", ".tif", ".tiff", ".png", ".jpg", ".jpeg"}
"""What a folder walk takes (the formats the pipeline reads); other files are not documents."""
MANIFEST_SUFFIXES = {".csv", ".jsonl"}
HOSO_DEPTH = 3
"""phông / mục lục / hồ sơ"""
INDEX_BATCH = 32
"""Documents written to the search index at a time (the service writes a whole snapshot per write)."""

logger = logging.getLogger(__name__)


class InvalidIngestSource(ApiError):
    code = "invalid_ingest_source"
    status = 422


class SourceFile(BaseModel):
    key: str
    """The path relative to the folder, or as the manifest gives it."""
    path: Path
    fonds: str | None = None
    catalogue: str | None = None
    notation: str | None = None
    title: str | None = None
    doc_ordinal: int | None = None


class ManifestRow(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    path: str
    phong: str | None = None
    muc_luc: str | None = None
    ho_so: str | None = None
    title: str | None = None


class FileProblem(BaseModel):
    path: str
    reason: str


class IngestReport(BaseModel):
    run_id: str
    source: str
    engine: str
    workers: int | None
    attempts: int
    """Attempts of this run (more than 1 when it was interrupted and resumed)."""
    documents: int
    """Files of the source."""
    pages: int
    """Pages of the documents this run extracted and stored."""
    stored: int
    skipped: int
    failed: int
    pending: int
    seconds: float
    """Wall time of all attempts."""
    pages_per_second: float
    errors: list[FileProblem]
    """Files that failed, and why."""
    notes: list[FileProblem]
    """Stored or skipped files with something to say (not filed into their hồ sơ, same bytes as ...)."""


# --- the source --------------------------------------------------------------------------------------


def list_source(source: Path) -> list[SourceFile]:
    """The files of a folder or a manifest, each with its hồ sơ and ordinal."""
    if source.is_dir():
        files = _walk(source)
    elif not source.exists():
        raise InvalidIngestSource(f"{source}: no such file or directory")
    elif source.suffix.lower() in MANIFEST_SUFFIXES:
        files = _read_manifest(source)
    else:
        raise InvalidIngestSource(f"{source}: neither a folder nor a manifest (.csv with a header, or .jsonl)")
    return _with_ordinals(files)


def _walk(root: Path) -> list[SourceFile]:
    files = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.suffix.lower() not in DOCUMENT_SUFFIXES or not path.is_file():
            continue
        if any(part.startswith(".") for part in relative.parts):
            continue
        folders = relative.parts[:-1]
        hoso = dict(zip(("fonds", "catalogue", "notation"), folders)) if len(folders) >= HOSO_DEPTH else {}
        files.append(SourceFile(key=relative.as_posix(), path=path, **hoso))
    return files


def _read_manifest(manifest: Path) -> list[SourceFile]:
    files, seen = [], set()
    for number, row in _manifest_rows(manifest):
        try:
            entry = ManifestRow.model_validate({k: v for k, v in row.items() if v not in (None, "")})
        except ValidationError as error:
            problem = error.errors()[0]
            raise InvalidIngestSource(f"{manifest}:{number}: {'.'.join(map(str, problem['loc']))}: {problem['msg']}")
        if entry.path in seen:
            raise InvalidIngestSource(f"{manifest}:{number}: {entry.path} is listed twice")
        seen.add(entry.path)
        path = Path(entry.path) if Path(entry.path).is_absolute() else manifest.parent / entry.path
        files.append(
            SourceFile(
                key=entry.path,
                path=path,
                fonds=entry.phong,
                catalogue=entry.muc_luc,
                notation=entry.ho_so,
                title=entry.title,
            )
        )
    return files


def _manifest_rows(manifest: Path) -> Iterator[tuple[int, dict[str, object]]]:
    with manifest.open(encoding="utf-8", newline="") as handle:
        if manifest.suffix.lower() == ".csv":
            yield from enumerate(csv.DictReader(handle), start=2)
            return
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise InvalidIngestSource(f"{manifest}:{number}: not JSON: {error.msg}") from None
            if not isinstance(row, dict):
                raise InvalidIngestSource(f"{manifest}:{number}: a line must be a JSON object")
            yield number, row


def _with_ordinals(files: list[SourceFile]) -> list[SourceFile]:
    counts: Counter[tuple[str | None, ...]] = Counter()
    numbered = []
    for file in files:
        if file.notation is None:
            numbered.append(file)
            continue
        group = (file.fonds, file.catalogue, file.notation)
        counts[group] += 1
        numbered.append(file.model_copy(update={"doc_ordinal": counts[group]}))
    return numbered


# --- the run -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunContext:
    runtime: Runtime
    run_id: str
    worker_id: str
    agency_code: str | None
    seconds_before: float
    """Wall time of the earlier attempts."""
    started: float
    """time.monotonic() at the start of this attempt."""

    def seconds(self) -> float:
        return self.seconds_before + time.monotonic() - self.started


def ingest_source(
    runtime: Runtime,
    source: Path,
    engine: BatchEngine,
    engine_name: str,
    agency_code: str | None = None,
    progress: bool = True,
) -> IngestReport:
    """Ingest every file of `source`, resuming the unfinished run of the same source when there is one."""
    source = source.expanduser().resolve()
    files = None if _listed_run(runtime, source) else list_source(source)  # a bad source fails before any write
    context = _start_attempt(runtime, source, engine_name, agency_code)
    if files is not None:
        _add_files(runtime, context.run_id, files)
    runtime.queue.recover_abandoned()  # jobs an earlier attempt left running go back to the queue
    pending = _pending_files(runtime, context.run_id)
    plan = schedule(pending)
    outcomes = engine.run(plan.tasks, runtime.pipeline_options())  # the workers start reading now...
    search = search_service(runtime)
    with search.deferred():  # ... while this process loads the search embedder and index
        _index_missing(runtime, context.run_id)
        _store_outcomes(context, outcomes, pending, plan.twins, progress)
        _flush_index(search)
    _finish(context)
    return run_report(runtime, context.run_id, engine.workers)


@dataclass(frozen=True)
class Schedule:
    tasks: list[FileTask]
    """One file per distinct content, the largest first."""
    twins: dict[str, list[IngestFileRow]]
    """Key of a scheduled file -> the later files of the source with the same bytes, settled by its outcome."""


def schedule(pending: list[IngestFileRow]) -> Schedule:
    """The files largest first (`inference.batch.largest_first`). A file with the same bytes as one before it in
    the source is not read again: it waits for that file's outcome, so which of them is stored does not depend
    on timing. Only files of equal size are hashed to find them."""
    sizes = [file_size(Path(row.path)) for row in pending]
    same_size = Counter(sizes)
    first_of: dict[str, IngestFileRow] = {}
    twins: dict[str, list[IngestFileRow]] = {}
    scheduled: list[IngestFileRow] = []
    for row, size in zip(pending, sizes, strict=True):
        digest = _content_hash(Path(row.path)) if size is not None and same_size[size] > 1 else None
        if digest is not None and digest in first_of:
            twins.setdefault(first_of[digest].key, []).append(row)
            continue
        if digest is not None:
            first_of[digest] = row
        scheduled.append(row)
    return Schedule(tasks=largest_first([FileTask(key=row.key, path=row.path) for row in scheduled]), twins=twins)


def _content_hash(path: Path) -> str | None:
    """None for a file that cannot be read: the worker reading it reports why."""
    try:
        with path.open("rb") as stream:
            return hashlib.file_digest(stream, "sha256").hexdigest()
    except OSError:
        return None


def _store_outcomes(
    context: RunContext,
    outcomes: Iterator[FileOutcome],
    pending: list[IngestFileRow],
    twins: dict[str, list[IngestFileRow]],
    progress: bool,
) -> None:
    """Each outcome stored as it comes (then the files with the same bytes), the index written in batches."""
    search = search_service(context.runtime)
    by_key = {row.key: row for row in pending}
    pages = 0
    with tqdm(total=len(pending), desc="ingest", unit="file", disable=not progress, dynamic_ncols=True) as bar:
        for outcome in outcomes:
            state = _settle(context, by_key[outcome.key], outcome)
            pages += outcome.result.pages if state == FileState.STORED and outcome.result else 0
            same_bytes = twins.get(outcome.key, [])
            for twin in same_bytes:
                _settle(context, twin, outcome.model_copy(update={"key": twin.key, "cpu_seconds": 0.0}))
            if search.held >= INDEX_BATCH:
                _flush_index(search)
            bar.update(1 + len(same_bytes))
            bar.set_postfix(pages_per_s=f"{pages / max(time.monotonic() - context.started, 1e-9):.2f}")


def _index_missing(runtime: Runtime, run_id: str) -> None:
    """Index the documents an earlier attempt stored and did not live to index (it indexes in batches)."""
    with runtime.sessions() as session:
        stored = session.scalars(
            select(IngestFileRow.document_id).where(
                IngestFileRow.run_id == run_id, IngestFileRow.state == FileState.STORED
            )
        )
        document_ids = [document_id for document_id in stored if document_id is not None]
    try:
        for document_id in search_service(runtime).missing(document_ids):
            _index_again(runtime, document_id)
    except Exception:
        logger.exception("the documents run %s stored before could not be indexed; run `vanthu reindex`", run_id)


def _flush_index(search: SearchService) -> None:
    """Write the documents indexed meanwhile; a failure is logged (they stay held) and stops nothing."""
    try:
        search.flush()
    except Exception:
        logger.exception("%d documents could not be indexed yet; run `vanthu reindex` if this persists", search.held)


def _listed_run(runtime: Runtime, source: Path) -> bool:
    """An unfinished run of the source has the rows of all its files."""
    with runtime.sessions() as session:
        run = _open_run(session, source)
        return run is not None and run.listed


def _open_run(session: Session, source: Path) -> IngestRunRow | None:
    query = (
        select(IngestRunRow)
        .where(IngestRunRow.source == str(source), IngestRunRow.status == RunStatus.RUNNING)
        .order_by(IngestRunRow.created_at.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def _start_attempt(runtime: Runtime, source: Path, engine_name: str, agency_code: str | None) -> RunContext:
    with runtime.sessions.begin() as session:
        run = _open_run(session, source)
        if agency_code is not None and session.get(AgencyRow, agency_code) is None:
            raise InvalidIngestSource(f"no agency with code {agency_code!r} (see `GET /v1/admin/agencies`)")
        if run is None:
            run = IngestRunRow(
                id=str(uuid.uuid4()),
                source=str(source),
                engine=engine_name,
                agency_code=agency_code,
                status=RunStatus.RUNNING,
                listed=False,
                attempts=0,
                seconds=0.0,
            )
            session.add(run)
        elif agency_code is not None and agency_code != run.agency_code:
            raise InvalidIngestSource(
                f"the unfinished run {run.id} of {source} stores documents for agency {run.agency_code or 'root'}; "
                "resume it with the same --agency (or without it)"
            )
        run.attempts += 1
        run.engine = engine_name
        return RunContext(runtime, run.id, worker_identity(0), run.agency_code, run.seconds, time.monotonic())


def _add_files(runtime: Runtime, run_id: str, files: list[SourceFile]) -> None:
    """The rows of the files not listed yet (an attempt may have died while listing), then `listed`."""
    with runtime.sessions.begin() as session:
        known = set(session.scalars(select(IngestFileRow.key).where(IngestFileRow.run_id == run_id)))
        session.add_all(
            IngestFileRow(
                run_id=run_id,
                key=file.key,
                position=position,
                path=str(file.path),
                fonds=file.fonds,
                catalogue=file.catalogue,
                notation=file.notation,
                doc_ordinal=file.doc_ordinal,
                title=file.title,
                state=FileState.PENDING,
            )
            for position, file in enumerate(files)
            if file.key not in known
        )
        session.get_one(IngestRunRow, run_id).listed = True


def _pending_files(runtime: Runtime, run_id: str) -> list[IngestFileRow]:
    with runtime.sessions() as session:
        query = (
            select(IngestFileRow)
            .where(IngestFileRow.run_id == run_id, IngestFileRow.state == FileState.PENDING)
            .order_by(IngestFileRow.position)
        )
        rows = list(session.scalars(query))
        session.expunge_all()
        return rows


def _finish(context: RunContext) -> None:
    with context.runtime.sessions.begin() as session:
        run = session.get_one(IngestRunRow, context.run_id)
        run.seconds = context.seconds()
        left = session.scalar(
            select(func.count())
            .select_from(IngestFileRow)
            .where(IngestFileRow.run_id == context.run_id, IngestFileRow.state == FileState.PENDING)
        )
        if not left:
            run.status, run.finished_at = RunStatus.FINISHED, utc_now()


# --- one file ----------------------------------------------------------------------------------------


def _settle(context: RunContext, file: IngestFileRow, outcome: FileOutcome) -> FileState:
    """Store one outcome and record the file's state; a failure of this file is its state."""
    if outcome.error is not None or outcome.result is None:
        return _mark(context, file, FileState.FAILED, error=outcome.error, cpu_seconds=outcome.cpu_seconds)
    try:
        state, document_id, note = _store(context, file, outcome)
    except (InputError, OSError, ApiError) as error:
        reason = getattr(error, "reason", None) or f"cannot store it: {error}"
        return _mark(context, file, FileState.FAILED, error=reason, cpu_seconds=outcome.cpu_seconds)
    note = _file_into_dossier(context.runtime, file, document_id) or note
    pages = outcome.result.pages if state == FileState.STORED else None
    return _mark(
        context, file, state, document_id=document_id, pages=pages, cpu_seconds=outcome.cpu_seconds, error=note
    )


def _store(context: RunContext, file: IngestFileRow, outcome: FileOutcome) -> tuple[FileState, str, str | None]:
    runtime = context.runtime
    data = Path(file.path).read_bytes()
    if sha256_hex(data) != outcome.sha256:
        raise OSError(f"{file.path} changed while it was being read; ingest again")
    access = DocumentAccess(agency_code=context.agency_code)  # None: the root agency
    record = ingest_document(runtime, data, Path(file.path).name, outcome.media_type, access).record
    if record.status == DocumentStatus.DONE:
        if file.document_id == record.id:  # an earlier attempt stored it and died before noting so
            _index_again(runtime, record.id)
            return FileState.STORED, record.id, None
        return FileState.SKIPPED, record.id, _same_bytes_note(context, file, record.id)
    _note_document(context, file, record.id)
    job = runtime.queue.claim_document(record.id, context.worker_id)
    if job is None:
        return FileState.SKIPPED, record.id, f"stored before with status {record.status}; left to the service"
    if not runtime.queue.complete(job, context.worker_id, outcome.result, outcome.pages):
        return FileState.SKIPPED, record.id, "its job was taken over by a service worker"
    return FileState.STORED, record.id, None


def _same_bytes_note(context: RunContext, file: IngestFileRow, document_id: str) -> str:
    with context.runtime.sessions() as session:
        twin = session.scalars(
            select(IngestFileRow.key).where(
                IngestFileRow.run_id == context.run_id,
                IngestFileRow.document_id == document_id,
                IngestFileRow.key != file.key,
            )
        ).first()
    return f"same bytes as {twin}" if twin else f"already stored as document {document_id}"


def _note_document(context: RunContext, file: IngestFileRow, document_id: str) -> None:
    with context.runtime.sessions.begin() as session:
        session.execute(
            update(IngestFileRow)
            .where(IngestFileRow.run_id == context.run_id, IngestFileRow.key == file.key)
            .values(document_id=document_id)
        )
    file.document_id = document_id


def _index_again(runtime: Runtime, document_id: str) -> None:
    with runtime.sessions() as session:
        item = index_input(session.get_one(DocumentRow, document_id))
    if item is not None:
        search_service(runtime).index([item])


def _file_into_dossier(runtime: Runtime, file: IngestFileRow, document_id: str) -> str | None:
    """Put the document into the hồ sơ of its path (created when missing); a note when it cannot be."""
    if file.notation is None:
        return None
    try:
        standard = DossierSpec(
            OrganId=file.fonds,
            FileCatalog=file.catalogue,
            FileNotation=file.notation,
            Title=file.title or file.notation,
        ).to_standard()
    except ValidationError as error:
        problem = error.errors()[0]
        return f"not filed into a hồ sơ: {'.'.join(map(str, problem['loc']))}: {problem['msg']}"
    with runtime.sessions.begin() as session:
        dossier = find_dossier(session, standard.FileCode) or insert_dossier(session, standard)
        member = dossier_of(session, document_id)
        if member is not None:
            return None if member.dossier_id == dossier.id else "not filed: the document is in another hồ sơ already"
    try:
        file_document(runtime.sessions, standard.FileCode, document_id, file.doc_ordinal)
    except InvalidExchange:  # its ordinal is taken by another document: it goes after the last one
        file_document(runtime.sessions, standard.FileCode, document_id, None)
    return None


def _mark(context: RunContext, file: IngestFileRow, state: FileState, **values: object) -> FileState:
    with context.runtime.sessions.begin() as session:
        session.execute(
            update(IngestFileRow)
            .where(IngestFileRow.run_id == context.run_id, IngestFileRow.key == file.key)
            .values(state=state, updated_at=utc_now(), **values)
        )
        session.execute(update(IngestRunRow).where(IngestRunRow.id == context.run_id).values(seconds=context.seconds()))
    return state


# --- the report --------------------------------------------------------------------------------------


def run_report(runtime: Runtime, run_id: str, workers: int | None) -> IngestReport:
    with runtime.sessions() as session:
        run = session.get_one(IngestRunRow, run_id)
        files = list(
            session.scalars(
                select(IngestFileRow).where(IngestFileRow.run_id == run_id).order_by(IngestFileRow.position)
            )
        )
        states = Counter(file.state for file in files)
        pages = sum(file.pages or 0 for file in files if file.state == FileState.STORED)
        return IngestReport(
            run_id=run.id,
            source=run.source,
            engine=run.engine,
            workers=workers,
            attempts=run.attempts,
            documents=len(files),
            pages=pages,
            stored=states[FileState.STORED],
            skipped=states[FileState.SKIPPED],
            failed=states[FileState.FAILED],
            pending=states[FileState.PENDING],
            seconds=round(run.seconds, 2),
            pages_per_second=round(pages / run.seconds, 3) if run.seconds else 0.0,
            errors=[FileProblem(path=f.key, reason=f.error or "") for f in files if f.state == FileState.FAILED],
            notes=[FileProblem(path=f.key, reason=f.error) for f in files if f.state != FileState.FAILED and f.error],
        )

