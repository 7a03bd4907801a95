"""Alembic migrations of the store (a package only so that wheels carry it)."""
