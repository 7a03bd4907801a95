"""Alembic environment: online migrations only, on the engine the service hands over in
`config.attributes["engine"]`, or else on the database of the VANTHU_* settings."""

from alembic import context
from sqlalchemy import Engine

from api.store import audit, identity, ingest, training_runs  # noqa: F401  (their tables join Base.metadata)
from api.store.db import create_db_engine
from api.store.models import Base


def _engine() -> Engine:
    engine = context.config.attributes.get("engine")
    if engine is not None:
        return engine
    from api.settings import get_settings

    return create_db_engine(get_settings().database_url)


def run_migrations_online() -> None:
    engine = _engine()
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run them against a database")
run_migrations_online()
