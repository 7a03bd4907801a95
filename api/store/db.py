"""Engine creation and schema migrations (Alembic, applied programmatically)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

ALEMBIC_INI = Path(__file__).resolve().parent.parent / "alembic.ini"
SQLITE_BUSY_TIMEOUT_SECONDS = 30


def create_db_engine(url: str) -> Engine:
    if make_url(url).get_backend_name() == "sqlite":
        return _create_sqlite_engine(url)
    return create_engine(url, pool_pre_ping=True)


def _create_sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        # Take over BEGIN from the sqlite3 module (see the SQLAlchemy SQLite dialect docs).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection) -> None:  # type: ignore[no-untyped-def]
        # IMMEDIATE takes the write lock up front, so a read-then-write transaction (claiming a job,
        # inserting a document after looking for its hash) waits on the busy timeout instead of
        # failing with "database is locked" when it would upgrade its lock.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def create_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(engine: Engine) -> Config:
    config = Config(str(ALEMBIC_INI))
    config.attributes["engine"] = engine
    return config


def upgrade_schema(engine: Engine) -> None:
    """Bring the database to the latest revision; safe to call on every start-up."""
    command.upgrade(alembic_config(engine), "head")
