"""What the API and the CLI share: the settings, the database, the blob store and the job queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from api.jobs import JobQueue, JobWorker
from api.models_registry import ModelRegistry
from api.settings import Settings
from api.store.blobs import BlobStore
from api.store.db import create_db_engine, create_session_factory, upgrade_schema
from inference.options import PipelineOptions

HEARTBEATS_PER_STALE_PERIOD = 4
WORKER_STOP_TIMEOUT_SECONDS = 30.0


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    blobs: BlobStore
    queue: JobQueue
    models: ModelRegistry

    def pipeline_options(self) -> PipelineOptions:
        """The configured options with the active model versions of the registry (explicit settings win)."""
        options = self.settings.pipeline
        return options.model_copy(update={"model_dirs": self.models.active_model_dirs() | options.model_dirs})

    def close(self) -> None:
        self.engine.dispose()


def open_runtime(settings: Settings) -> Runtime:
    """Create the data directory, migrate the database to the latest revision and wire the parts."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_db_engine(settings.database_url)
    upgrade_schema(engine)
    sessions = create_session_factory(engine)
    queue = JobQueue(
        sessions,
        max_attempts=settings.job_max_attempts,
        stale_after=timedelta(seconds=settings.job_stale_seconds),
    )
    models = ModelRegistry.for_settings(settings, sessions)
    return Runtime(settings, engine, sessions, BlobStore(settings.blobs_dir), queue, models)


def start_workers(runtime: Runtime) -> list[JobWorker]:
    settings = runtime.settings
    workers = [
        JobWorker(
            runtime.queue,
            runtime.blobs,
            runtime.pipeline_options,
            index=index,
            poll_seconds=settings.job_poll_seconds,
            heartbeat_seconds=settings.job_stale_seconds / HEARTBEATS_PER_STALE_PERIOD,
            sandbox=settings.security.pipeline,
        )
        for index in range(settings.job_workers)
    ]
    for worker in workers:
        worker.start()
    return workers


def stop_workers(workers: list[JobWorker]) -> None:
    for worker in workers:
        worker.stop(WORKER_STOP_TIMEOUT_SECONDS)
