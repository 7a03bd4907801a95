"""Schemathesis generates requests for every operation of the service's OpenAPI schema and sends them as the
root admin: no answer may be a 500. Deterministic (derandomized) and bounded (EXAMPLES per operation), it
runs against SQLite in about a minute on a quiet machine."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from integration.support import TestClient, started_client

from api.app import create_app
from api.security import RequestRateLimit, TokenRateLimit
from api.settings import Settings

from .conftest import security_settings

EXAMPLES = 8
NOT_FUZZED = r"/train$"
"""Starting a training run costs minutes of CPU whatever the request; its validation is tested elsewhere."""


def service_schema() -> schemathesis.schemas.BaseSchema:
    with tempfile.TemporaryDirectory() as data_dir:  # the app is only built, not started, for its schema
        openapi = create_app(Settings(data_dir=Path(data_dir))).openapi()
    return schemathesis.openapi.from_dict(openapi).exclude(path_regex=NOT_FUZZED)


schema = service_schema()


@pytest.fixture(scope="module")
def admin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("schemathesis")
    unlimited = {"per_minute": 600_000, "burst": 100_000}
    settings = security_settings(
        root / "data",
        f"sqlite:///{root / 'test.db'}",
        rate_limit=RequestRateLimit(**unlimited),
        token_rate_limit=TokenRateLimit(**unlimited),
    )
    with started_client(settings) as client:
        yield client


def transport_kwargs(case: schemathesis.Case) -> dict[str, object]:
    """The case as arguments of the test client (httpx): raw bodies go as `content`, numbers in multipart
    parts as text."""
    kwargs = case.as_transport_kwargs(base_url="http://testserver")
    if isinstance(kwargs.get("data"), bytes | str):
        kwargs["content"] = kwargs.pop("data")
    if kwargs.get("files"):
        kwargs["files"] = [
            (name, (filename, value if isinstance(value, bytes | str) else str(value)))
            for name, (filename, value) in kwargs["files"]
        ]
    return {name: value for name, value in kwargs.items() if value not in (None, {}) or name == "params"}


@schema.parametrize()
@settings(
    max_examples=EXAMPLES, derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck)
)
def test_no_operation_answers_500(case: schemathesis.Case, admin: TestClient) -> None:
    response = admin.request(**transport_kwargs(case))
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text[:500]}"
