"""The database-backed job queue: claiming, recovery after a crash or restart, giving up, failures."""

from __future__ import annotations

import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import update

from api.jobs import UNEXPECTED_FAILURE, WORKER_HOST, worker_identity
from api.runtime import Runtime, open_runtime
from api.settings import Settings
from api.store.models import DocumentRow, JobRow, JobStatus, utc_now
from inference.options import LoadLimits, PipelineOptions

from .support import StoreProbe, decision_pdf, decision_png, started_client, wait_for_document

OTHER_HOST_WORKER = "elsewhere:4242:cafe0123:0"


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    """The store and queue without a server or worker: the test drives the queue itself."""
    opened = open_runtime(settings)
    yield opened
    opened.close()


def add_queued_documents(runtime: Runtime, count: int) -> list[str]:
    """Documents with a queued job each (their bytes are never read: claims only)."""
    ids = [str(uuid.uuid4()) for _ in range(count)]
    with runtime.sessions.begin() as session:
        for document_id in ids:
            sha256 = uuid.uuid4().hex * 2
            session.add(DocumentRow(id=document_id, sha256=sha256, filename="x.pdf", size=1, status="queued"))
            session.flush()
            runtime.queue.enqueue(session, document_id)
    return ids


def set_job(runtime_or_probe: Runtime | StoreProbe, document_id: str, **values: object) -> None:
    with runtime_or_probe.engine.begin() as connection:
        connection.execute(update(JobRow).where(JobRow.document_id == document_id).values(**values))


def load_job(runtime: Runtime, document_id: str) -> tuple[JobRow, DocumentRow]:
    with runtime.sessions() as session:
        job = session.query(JobRow).filter_by(document_id=document_id).one()
        return job, session.get_one(DocumentRow, document_id)


def test_job_left_running_by_a_dead_process_completes_after_restart(settings: Settings, store: StoreProbe) -> None:
    with started_client(settings.model_copy(update={"job_workers": 0})) as api_only:
        document_id = api_only.post("/v1/documents", files={"file": ("qd.pdf", decision_pdf())}).json()["id"]
    exited = subprocess.Popen([sys.executable, "-c", "pass"])
    exited.wait()
    set_job(
        store,
        document_id,
        status=JobStatus.RUNNING,
        attempts=1,
        locked_by=f"{WORKER_HOST}:{exited.pid}:0ldproc0:0",
        started_at=utc_now(),
        heartbeat_at=utc_now(),  # fresh: only the dead owner gives it away
    )

    with started_client(settings) as restarted:
        record = wait_for_document(restarted, document_id)

    assert record["status"] == "done", record["error"]
    assert record["result"]["fields"]["type_name"] == "Quyết định"
    with store.engine.connect() as connection:
        job = connection.execute(JobRow.__table__.select()).one()
    assert (job.status, job.attempts, job.error) == ("done", 2, None)


def test_stale_job_of_another_host_goes_back_to_the_queue(runtime: Runtime) -> None:
    [document_id] = add_queued_documents(runtime, 1)
    assert runtime.queue.claim(OTHER_HOST_WORKER) is not None
    assert runtime.queue.recover_abandoned() == 0  # its heartbeat is fresh

    set_job(runtime, document_id, heartbeat_at=utc_now() - timedelta(seconds=runtime.settings.job_stale_seconds + 1))
    assert runtime.queue.recover_abandoned() == 1

    job, document = load_job(runtime, document_id)
    assert (job.status, job.attempts, job.locked_by, document.status) == ("queued", 1, None, "queued")
    assert runtime.queue.claim(worker_identity(0)) is not None


def test_a_job_held_by_a_live_worker_of_this_process_is_left_alone(runtime: Runtime) -> None:
    [document_id] = add_queued_documents(runtime, 1)
    runtime.queue.claim(worker_identity(0))

    assert runtime.queue.recover_abandoned() == 0
    assert load_job(runtime, document_id)[0].status == "running"


def test_gives_up_after_the_maximum_attempts(runtime: Runtime) -> None:
    [document_id] = add_queued_documents(runtime, 1)
    for _ in range(runtime.settings.job_max_attempts):
        assert runtime.queue.claim(OTHER_HOST_WORKER) is not None
        set_job(runtime, document_id, heartbeat_at=None)
        assert runtime.queue.recover_abandoned() == 1

    job, document = load_job(runtime, document_id)
    assert (job.status, job.attempts, document.status) == ("failed", 3, "failed")
    assert "gave up after 3 attempts" in document.error
    assert runtime.queue.claim(OTHER_HOST_WORKER) is None


def test_concurrent_workers_claim_each_job_once(runtime: Runtime) -> None:
    queued = add_queued_documents(runtime, 12)
    claimed: list[str] = []

    def drain(index: int) -> None:
        while (job := runtime.queue.claim(worker_identity(index))) is not None:
            claimed.append(job.document_id)

    threads = [threading.Thread(target=drain, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(claimed) == sorted(queued)


def test_an_outcome_is_dropped_once_the_job_was_taken_away(runtime: Runtime) -> None:
    [document_id] = add_queued_documents(runtime, 1)
    job = runtime.queue.claim(OTHER_HOST_WORKER)
    set_job(runtime, document_id, heartbeat_at=None)
    runtime.queue.recover_abandoned()

    assert job is not None and not runtime.queue.fail(job, OTHER_HOST_WORKER, "late")
    assert load_job(runtime, document_id)[0].status == "queued"


def test_pipeline_input_error_fails_the_document_with_its_reason(settings: Settings) -> None:
    # The scan passes the upload checks (3.9 Mpx as stored) but is 8.7 Mpx once resampled to 300 dpi for OCR.
    tight_limits = LoadLimits(max_page_pixels=5_000_000)
    tight = settings.model_copy(update={"pipeline": PipelineOptions(workers=1, limits=tight_limits)})
    with started_client(tight) as client:
        document_id = client.post("/v1/documents", files={"file": ("qd.png", decision_png())}).json()["id"]
        record = wait_for_document(client, document_id)

    assert record["status"] == "failed"
    assert "Mpx" in record["error"] and record["result"] is None


def test_unexpected_failure_is_recorded_generically_and_the_worker_goes_on(
    settings: Settings, store: StoreProbe
) -> None:
    with started_client(settings.model_copy(update={"job_workers": 0})) as api_only:
        lost = api_only.post("/v1/documents", files={"file": ("lost.png", decision_png())}).json()
    store.blobs.delete(lost["sha256"])

    with started_client(settings) as client:
        failed = wait_for_document(client, lost["id"])
        kept = client.post("/v1/documents", files={"file": ("qd.pdf", decision_pdf())}).json()
        done = wait_for_document(client, kept["id"])

    assert (failed["status"], failed["error"]) == ("failed", UNEXPECTED_FAILURE)
    assert done["status"] == "done"
