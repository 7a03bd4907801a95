"""Fixtures of the service tests: databases (SQLite and PostgreSQL), settings, a running app."""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from api.settings import Settings

from .support import (
    BAD_REQUESTS,
    BadRequest,
    ClientAs,
    StoreProbe,
    TestClient,
    acting_as,
    make_settings,
    started_client,
)

POSTGRES_URL = os.environ.get("VANTHU_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/vanthu_test")


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The test database, created when missing; skipped locally (failed on CI) when no server answers."""
    try:
        _create_database_if_missing(POSTGRES_URL)
    except OperationalError as error:
        message = f"PostgreSQL not reachable at {make_url(POSTGRES_URL).render_as_string()}: {error.orig}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(f"{message} (set VANTHU_TEST_POSTGRES_URL; with CI=true this fails instead)")
    return POSTGRES_URL


def _create_database_if_missing(url: str) -> None:
    target = make_url(url)
    server = create_engine(
        target.set(database="postgres"), isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
    )
    try:
        with server.connect() as connection:
            query = text("SELECT 1 FROM pg_database WHERE datname = :name")
            found = connection.scalar(query, {"name": target.database})
            if not found:
                connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        server.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind: a new SQLite file, or a new PostgreSQL schema dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    server_url = request.getfixturevalue("postgres_url")
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(server_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """For tests where the kind of database does not matter."""
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path / "data", database_url)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The app started (migrations, job worker) on an empty data directory, acting as an admin of the root
    agency cleared for every secrecy level (`support.TEST_ADMIN`); `auth=None` sends a request without."""
    with started_client(settings) as test_client:
        yield test_client


@pytest.fixture
def client_as(client: TestClient) -> Callable[..., ClientAs]:
    """`client_as(roles, agency="HN", clearance=SecrecyLevel.none, parent="HN")`: the same app acting as such a
    user (created on first use; a new agency is put under `parent`)."""
    return functools.partial(acting_as, client)


@pytest.fixture
def store(settings: Settings) -> Iterator[StoreProbe]:
    probe = StoreProbe(settings)
    yield probe
    probe.close()


@pytest.fixture(params=list(BAD_REQUESTS))
def bad_request(request: pytest.FixtureRequest) -> BadRequest:
    return BAD_REQUESTS[request.param]()
