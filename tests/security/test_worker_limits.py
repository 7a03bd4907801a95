"""The processes that read files are limited in time and memory: a document that exceeds them fails with a
reason (a job) or is refused with 422 `input_too_complex` (`POST /v1/extract`), and the service keeps
serving (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from integration.support import TestClient, decision_png, started_client, wait_for_document

from api.security import PipelineLimits
from inference.sandbox import MB

from .conftest import security_settings
from .hostile import text_pdf

LIMITS = {
    "time": (PipelineLimits(seconds=0.5, memory_bytes=2048 * MB), "longer than the 0.5 s"),
    "memory": (PipelineLimits(seconds=240, memory_bytes=32 * MB), "memory"),
}


@pytest.fixture(params=list(LIMITS))
def limited(request: pytest.FixtureRequest, tmp_path: Path, database_url: str) -> Iterator[tuple[TestClient, str]]:
    pipeline, reason = LIMITS[request.param]
    with started_client(security_settings(tmp_path / "data", database_url, pipeline=pipeline)) as client:
        yield client, reason


def test_a_document_over_the_limits_fails_with_a_reason_and_the_service_goes_on(limited) -> None:
    client, reason = limited
    created = client.post("/v1/documents", files={"file": ("scan.png", decision_png())})
    assert created.status_code == 201  # checking it at upload is within the (separate) inspection limits
    failed = wait_for_document(client, created.json()["id"])
    assert failed["status"] == "failed" and reason in failed["error"], failed["error"]

    refused = client.post("/v1/extract", files={"file": ("scan.png", decision_png())})
    assert refused.status_code == 422 and refused.json()["error"] == "input_too_complex", refused.text
    assert reason in refused.json()["reason"]

    second = client.post("/v1/documents", files={"file": ("other.pdf", text_pdf())})
    assert second.status_code == 201
    assert wait_for_document(client, second.json()["id"])["status"] in ("done", "failed")
    assert client.get("/v1/documents").status_code == 200
