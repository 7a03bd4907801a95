"""identity: users, agencies, API keys, document access attributes

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21

Existing documents belong to the root agency (HN), with secrecy none and access mode public. The columns
are added with ALTER TABLE ADD COLUMN, not a batch copy: on SQLite the copy drops `documents`, and with
foreign keys on that would cascade into every table that points at it.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
ROOT_AGENCY = {"code": "HN", "name": "Thành phố Hà Nội"}


def upgrade() -> None:
    agencies = op.create_table(
        "agencies",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("parent_code", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["parent_code"], ["agencies.code"]),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_index("ix_agencies_parent_code", "agencies", ["parent_code"])
    now = datetime.now(UTC)
    op.bulk_insert(agencies, [ROOT_AGENCY | {"parent_code": None, "created_at": _stored(now)}])
    op.create_table(
        "users",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=256), nullable=False),
        sa.Column("roles", JSON_DOCUMENT, nullable=False),
        sa.Column("agency_code", sa.String(length=32), nullable=False),
        sa.Column("clearance", sa.Integer(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["agency_code"], ["agencies.code"]),
        sa.PrimaryKeyConstraint("username"),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("prefix", sa.String(length=40), nullable=False),
        sa.Column("secret_sha256", sa.String(length=64), nullable=False),
        sa.Column("roles", JSON_DOCUMENT, nullable=False),
        sa.Column("agency_code", sa.String(length=32), nullable=False),
        sa.Column("clearance", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rotated_from", sa.String(length=32), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["agency_code"], ["agencies.code"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.add_column("documents", sa.Column("agency_code", sa.String(length=32), nullable=False, server_default="HN"))
    op.add_column("documents", sa.Column("secrecy", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("documents", sa.Column("access_mode", sa.String(length=16), nullable=False, server_default="public"))
    op.create_index("ix_documents_agency_code", "documents", ["agency_code"])


def _stored(moment: datetime) -> datetime:
    """As api.store.models.UtcDateTime stores it: naive UTC on SQLite, aware elsewhere."""
    return moment.replace(tzinfo=None) if op.get_bind().dialect.name == "sqlite" else moment


def downgrade() -> None:
    op.drop_index("ix_documents_agency_code", table_name="documents")
    for column in ("access_mode", "secrecy", "agency_code"):
        op.drop_column("documents", column)  # plain ALTER TABLE DROP COLUMN (SQLite >= 3.35), no table copy
    op.drop_table("api_keys")
    op.drop_table("users")
    op.drop_index("ix_agencies_parent_code", table_name="agencies")
    op.drop_table("agencies")
