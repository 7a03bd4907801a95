"""The store on its own: migrations agree with the models, blobs are written atomically, ingestion is idempotent."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from alembic import command

from api.ingest import Ingested, ingest_document
from api.runtime import Runtime, open_runtime
from api.settings import Settings
from api.store.blobs import BlobStore, sha256_hex
from api.store.db import alembic_config, upgrade_schema
from api.store.models import DocumentRow, JobRow

from .support import StoreProbe, decision_png


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    opened = open_runtime(settings)
    yield opened
    opened.close()


def test_migrations_match_the_models_and_run_twice(runtime: Runtime) -> None:
    upgrade_schema(runtime.engine)
    command.check(alembic_config(runtime.engine))  # raises when the models drifted from the migrations


def test_same_bytes_ingested_concurrently_make_one_document(runtime: Runtime, store: StoreProbe) -> None:
    outcomes: list[Ingested] = []
    start = threading.Barrier(4)

    def ingest() -> None:
        start.wait()
        outcomes.append(ingest_document(runtime, decision_png(), "qd.png"))

    threads = [threading.Thread(target=ingest) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len({outcome.record.id for outcome in outcomes}) == 1
    assert [outcome.created for outcome in outcomes].count(True) == 1
    assert (store.count(DocumentRow), store.count(JobRow), len(store.blob_files())) == (1, 1, 1)


def test_blobs_are_content_addressed_and_leave_no_temporary_files(tmp_path) -> None:
    blobs = BlobStore(tmp_path / "blobs")

    first = blobs.put(b"%PDF-1.7 a")
    second = blobs.put(b"%PDF-1.7 a")

    assert first == (sha256_hex(b"%PDF-1.7 a"), True) and second == (first[0], False)
    assert blobs.files() == [tmp_path / "blobs" / first[0][:2] / first[0]]
    assert blobs.read(first[0]) == b"%PDF-1.7 a"
