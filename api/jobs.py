"""A job queue kept in the database, and the worker threads that consume it.

Claiming is one conditional UPDATE (`... WHERE status = 'queued'`, rowcount checked) after a
`SELECT ... FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite transactions start with BEGIN IMMEDIATE
(see api.store.db), so there the claim is serialised by the database lock.

A running job carries `locked_by` ("host:pid:token:n") and a heartbeat. It is abandoned when its
heartbeat is stale, or at once when its owner was a process on this host that is gone; abandoned
jobs go back to the queue, or fail once `attempts` (counted at every claim) reaches the maximum.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from api.governance import assess_extraction, record_extraction
from api.exchange.changes import record_change
from api.exchange.links import CompletionHook
from api.store.blobs import BlobStore
from api.store.models import DocumentPagesRow, DocumentRow, JobRow, JobStatus, utc_now
from inference.errors import InputError
from inference.options import PipelineOptions
from inference.pipeline import extract_document_pages
from inference.sandbox import SandboxLimits, run_limited
from inference.schema import DocumentStatus, ExtractionResult, Page

logger = logging.getLogger(__name__)

EXTRACT = "extract"
UNEXPECTED_FAILURE = "internal error while extracting the document; see the service log"
WORKER_HOST = socket.gethostname()
PROCESS_TOKEN = uuid.uuid4().hex[:8]
"""Tells this process from an earlier one that had the same pid (pid 1 in every container)."""


@dataclass(frozen=True)
class ClaimedJob:
    id: str
    document_id: str
    sha256: str
    filename: str
    attempt: int


def worker_identity(index: int) -> str:
    return f"{WORKER_HOST}:{os.getpid()}:{PROCESS_TOKEN}:{index}"


def owner_is_gone(locked_by: str | None) -> bool:
    """True when the lock was taken by a process of this host that no longer runs."""
    try:
        host, pid_text, token, _ = (locked_by or "").rsplit(":", 3)
        pid = int(pid_text)
    except ValueError:
        return False
    if host != WORKER_HOST:
        return False
    if pid == os.getpid():
        return token != PROCESS_TOKEN
    return not _process_exists(pid)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class JobQueue:
    def __init__(self, sessions: sessionmaker[Session], *, max_attempts: int, stale_after: timedelta):
        self._sessions = sessions
        self._max_attempts = max_attempts
        self._stale_after = stale_after
        self._wakeup = threading.Event()
        self.completion_hooks: list[CompletionHook] = []
        """Called in the transaction that stores a finished extraction (entity links, ...)."""

    def enqueue(self, session: Session, document_id: str) -> JobRow:
        """Add an extraction job in the caller's transaction; call `notify()` once it is committed."""
        job = JobRow(id=str(uuid.uuid4()), document_id=document_id, kind=EXTRACT, status=JobStatus.QUEUED, attempts=0)
        session.add(job)
        return job

    def notify(self) -> None:
        self._wakeup.set()

    def wait_for_work(self, timeout: float) -> None:
        self._wakeup.wait(timeout)
        # Cleared before the caller claims, so a notify that arrives after this is never lost.
        self._wakeup.clear()

    def claim(self, worker_id: str) -> ClaimedJob | None:
        now = utc_now()
        with self._sessions.begin() as session:
            while True:
                job_id = session.scalars(
                    select(JobRow.id)
                    .where(JobRow.status == JobStatus.QUEUED)
                    .order_by(JobRow.created_at)
                    .limit(1)
                    .with_for_update(skip_locked=True)
                ).first()
                if job_id is None:
                    return None
                if _take(session, job_id, worker_id, now):
                    return _start_document(session, job_id)

    def claim_document(self, document_id: str, worker_id: str) -> ClaimedJob | None:
        """Claim the queued job of one document (batch ingestion, which ran the pipeline itself);
        None when it has none, e.g. a service worker took it first."""
        with self._sessions.begin() as session:
            job_id = session.scalars(
                select(JobRow.id)
                .where(JobRow.document_id == document_id, JobRow.status == JobStatus.QUEUED)
                .limit(1)
                .with_for_update(skip_locked=True)
            ).first()
            if job_id is None or not _take(session, job_id, worker_id, utc_now()):
                return None
            return _start_document(session, job_id)

    def heartbeat(self, job_id: str, worker_id: str) -> bool:
        with self._sessions.begin() as session:
            return _update_own_job(session, job_id, worker_id, heartbeat_at=utc_now())

    def complete(self, job: ClaimedJob, worker_id: str, result: ExtractionResult, pages: list[Page]) -> bool:
        assessment = assess_extraction(self._sessions, result)  # governance, before the store is locked
        with self._sessions.begin() as session:
            if not _finish_own_job(session, job.id, worker_id, JobStatus.DONE, error=None):
                return False
            document = session.get_one(DocumentRow, job.document_id)
            document.status = DocumentStatus.DONE
            document.error = None
            document.pages = result.pages
            document.fields = result.fields.model_dump(mode="json")
            document.result = result.model_dump(mode="json")
            session.merge(DocumentPagesRow(document_id=document.id, pages=[p.model_dump(mode="json") for p in pages]))
            record_change(session, "document", document.id, "update", ["status", "fields"])
            for hook in self.completion_hooks:
                hook(session, document, pages, result)
            record_extraction(self._sessions, session, document.id, assessment)  # governance, after commit
            return True

    def fail(self, job: ClaimedJob, worker_id: str, reason: str) -> bool:
        with self._sessions.begin() as session:
            if not _finish_own_job(session, job.id, worker_id, JobStatus.FAILED, error=reason):
                return False
            _set_document_status(session, job.document_id, DocumentStatus.FAILED, error=reason)
            record_change(session, "document", job.document_id, "update", ["status"])
            return True

    def recover_abandoned(self) -> int:
        """Requeue (or give up on) running jobs whose worker is gone; returns how many were found."""
        stale_before = utc_now() - self._stale_after
        with self._sessions.begin() as session:
            running = session.scalars(
                select(JobRow).where(JobRow.status == JobStatus.RUNNING).with_for_update(skip_locked=True)
            ).all()
            abandoned = [job for job in running if _is_abandoned(job, stale_before)]
            for job in abandoned:
                self._requeue_or_give_up(session, job)
            return len(abandoned)

    def _requeue_or_give_up(self, session: Session, job: JobRow) -> None:
        job.locked_by = None
        job.heartbeat_at = None
        if job.attempts >= self._max_attempts:
            reason = f"gave up after {job.attempts} attempts: the worker processing it stopped each time"
            job.status, job.error, job.finished_at = JobStatus.FAILED, reason, utc_now()
            _set_document_status(session, job.document_id, DocumentStatus.FAILED, error=reason)
            logger.error("job %s (document %s): %s", job.id, job.document_id, reason)
            return
        job.status = JobStatus.QUEUED
        _set_document_status(session, job.document_id, DocumentStatus.QUEUED, error=None)
        logger.warning("job %s (document %s) was abandoned by its worker; queued again", job.id, job.document_id)


def _is_abandoned(job: JobRow, stale_before: datetime) -> bool:
    return job.heartbeat_at is None or job.heartbeat_at < stale_before or owner_is_gone(job.locked_by)


def _take(session: Session, job_id: str, worker_id: str, now: datetime) -> bool:
    """Mark a queued job running for `worker_id`; False when someone else took it meanwhile."""
    taken = session.execute(
        update(JobRow)
        .where(JobRow.id == job_id, JobRow.status == JobStatus.QUEUED)
        .values(status=JobStatus.RUNNING, attempts=JobRow.attempts + 1, locked_by=worker_id, started_at=now,
                heartbeat_at=now)
        .execution_options(synchronize_session=False)
    )
    return taken.rowcount == 1


def _start_document(session: Session, job_id: str) -> ClaimedJob:
    job = session.get_one(JobRow, job_id)
    document = session.get_one(DocumentRow, job.document_id)
    document.status = DocumentStatus.PROCESSING
    document.error = None
    return ClaimedJob(job.id, document.id, document.sha256, document.filename, job.attempts)


def _update_own_job(session: Session, job_id: str, worker_id: str, **values: object) -> bool:
    """Update a job only while this worker still holds it (it may have been recovered meanwhile)."""
    result = session.execute(
        update(JobRow)
        .where(JobRow.id == job_id, JobRow.status == JobStatus.RUNNING, JobRow.locked_by == worker_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _finish_own_job(session: Session, job_id: str, worker_id: str, status: JobStatus, error: str | None) -> bool:
    finished = _update_own_job(session, job_id, worker_id, status=status, error=error, finished_at=utc_now())
    if not finished:
        logger.warning("job %s is no longer held by %s; its outcome is dropped", job_id, worker_id)
    return finished


def _set_document_status(session: Session, document_id: str, status: DocumentStatus, error: str | None) -> None:
    document = session.get_one(DocumentRow, document_id)
    document.status = status
    document.error = error


class JobWorker:
    """A thread that claims jobs and runs the pipeline on them until stopped."""

    def __init__(
        self,
        queue: JobQueue,
        blobs: BlobStore,
        options: Callable[[], PipelineOptions],
        *,
        index: int,
        poll_seconds: float,
        heartbeat_seconds: float,
        sandbox: SandboxLimits,
    ):
        self.worker_id = worker_identity(index)
        self._queue = queue
        self._blobs = blobs
        self._options = options
        self._sandbox = sandbox
        """Time and memory of the process that reads each file (it is untrusted)."""
        self._poll_seconds = poll_seconds
        self._heartbeat_seconds = heartbeat_seconds
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"vanthu-worker-{index}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Finish the current job (a job cut short is recovered by the next start) and end the thread."""
        self._stopping.set()
        self._queue.notify()
        self._thread.join(timeout)

    def run_once(self) -> bool:
        """Recover abandoned jobs, then claim and process one; False when the queue was empty."""
        self._queue.recover_abandoned()
        job = self._queue.claim(self.worker_id)
        if job is None:
            return False
        with _heartbeat(self._queue, job.id, self.worker_id, self._heartbeat_seconds):
            self._process(job)
        return True

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                if not self.run_once():
                    self._queue.wait_for_work(self._poll_seconds)
            except Exception:
                logger.exception("job worker %s failed; retrying", self.worker_id)
                self._stopping.wait(self._poll_seconds)

    def _process(self, job: ClaimedJob) -> None:
        try:
            # Resolved for each job, so a newly promoted model is used without a restart.
            data, options = self._blobs.read(job.sha256), self._options()
            pages, result = run_limited(extract_document_pages, data, job.filename, options, limits=self._sandbox)
        except InputError as error:
            self._queue.fail(job, self.worker_id, error.reason)
        except Exception:
            logger.exception("job %s (document %s): extraction failed", job.id, job.document_id)
            self._queue.fail(job, self.worker_id, UNEXPECTED_FAILURE)
        else:
            self._queue.complete(job, self.worker_id, result, pages)


@contextmanager
def _heartbeat(queue: JobQueue, job_id: str, worker_id: str, interval: float) -> Iterator[None]:
    stopped = threading.Event()

    def beat() -> None:
        while not stopped.wait(interval):
            try:
                queue.heartbeat(job_id, worker_id)
            except Exception:
                logger.warning("heartbeat of job %s failed", job_id, exc_info=True)

    thread = threading.Thread(target=beat, name=f"vanthu-heartbeat-{job_id[:8]}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stopped.set()
        thread.join()
