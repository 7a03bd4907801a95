"""exchange: dossiers, entity links, change feed

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _document_fk() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "dossiers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("file_code", sa.String(length=30), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("attributes", JSON_DOCUMENT, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("file_code"),
    )
    op.create_table(
        "dossier_documents",
        sa.Column("dossier_id", sa.String(length=36), nullable=False),
        sa.Column("document_id", sa.String(length=36), nullable=False),
        sa.Column("doc_ordinal", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"], ondelete="CASCADE"),
        _document_fk(),
        sa.PrimaryKeyConstraint("dossier_id", "document_id"),
        sa.UniqueConstraint("document_id"),
        sa.UniqueConstraint("dossier_id", "doc_ordinal", name="uq_dossier_documents_ordinal"),
    )
    op.create_table(
        "document_archival",
        sa.Column("document_id", sa.String(length=36), nullable=False),
        sa.Column("attributes", JSON_DOCUMENT, nullable=False),
        _document_fk(),
        sa.PrimaryKeyConstraint("document_id"),
    )
    op.create_table(
        "entity_links",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("document_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("normalized", sa.String(length=200), nullable=False),
        sa.Column("link", JSON_DOCUMENT, nullable=False),
        _document_fk(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_entity_links_document_id", "entity_links", ["document_id"])
    op.create_index("ix_entity_links_kind_normalized", "entity_links", ["kind", "normalized"])
    op.create_table(
        "changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("entity", sa.String(length=16), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("changed", JSON_DOCUMENT, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("changes")
    op.drop_table("entity_links")
    op.drop_table("document_archival")
    op.drop_table("dossier_documents")
    op.drop_table("dossiers")
