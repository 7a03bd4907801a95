"""Fixtures of the service tests: databases (SQLite and PostgreSQL), settings, a running app."""

from __future__ import annotations

import functools
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from api.settings import Settings
from api.store.db import create_db_engine, upgrade_schema

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


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite database brought to the latest revision once per session by the app's own migration."""
    path = tmp_path_factory.mktemp("sqlite-template") / "migrated.db"
    engine = create_db_engine(f"sqlite:///{path}")
    try:
        upgrade_schema(engine)
    finally:
        engine.dispose()
    return path


def migrated_sqlite_copy(template: Path, directory: Path) -> str:
    """A new SQLite database copied from `template` (SQLite's backup API, so the WAL is included): the
    start-up migration finds it at the latest revision, which saves an Alembic run from empty per test.
    The PostgreSQL variant and the session's template still migrate from an empty database."""
    target = directory / "test.db"
    source, copy = sqlite3.connect(template), sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()
    return f"sqlite:///{target}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
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
def database_url(request: pytest.FixtureRequest, empty_database_url: str, tmp_path: Path) -> str:
    """A database of each kind for the service: SQLite as a copy of the session's migrated one (see
    `migrated_sqlite_copy`), PostgreSQL an empty schema the service migrates."""
    if make_url(empty_database_url).get_backend_name() != "sqlite":
        return empty_database_url
    return migrated_sqlite_copy(request.getfixturevalue("migrated_sqlite"), tmp_path)


@pytest.fixture
def sqlite_url(tmp_path: Path, migrated_sqlite: Path) -> str:
    """For tests where the kind of database does not matter (a copy of the session's migrated one)."""
    return migrated_sqlite_copy(migrated_sqlite, tmp_path)


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
