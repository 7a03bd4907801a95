"""governance: duplicates, quality flags, classification, retention

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIME = sa.DateTime(timezone=True)


def _document_fk(nullable: bool = False, ondelete: str = "CASCADE") -> sa.Column:
    return sa.Column("document_id", sa.String(36), sa.ForeignKey("documents.id", ondelete=ondelete), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "duplicate_groups",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("reasons", JSON_DOCUMENT, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("original_id", sa.String(36), sa.ForeignKey("documents.id", ondelete="SET NULL"), nullable=True),
        sa.Column("decided_by", sa.String(128), nullable=True),
        sa.Column("decided_at", TIME, nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
    )
    op.create_index("ix_duplicate_groups_status_created_at", "duplicate_groups", ["status", "created_at"])
    op.create_table(
        "duplicate_members",
        sa.Column(
            "group_id", sa.String(36), sa.ForeignKey("duplicate_groups.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("document_id", sa.String(36), sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
    )
    op.create_index("ix_duplicate_members_document_id", "duplicate_members", ["document_id"])
    op.create_table(
        "duplicate_signatures",
        sa.Column("document_id", sa.String(36), sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("number_key", sa.String(128), nullable=True),
        sa.Column("signature", JSON_DOCUMENT, nullable=False),
    )
    op.create_index("ix_duplicate_signatures_number_key", "duplicate_signatures", ["number_key"])
    op.create_table(
        "duplicate_bands",
        sa.Column("band_key", sa.String(64), primary_key=True),
        sa.Column("document_id", sa.String(36), sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    )
    op.create_index("ix_duplicate_bands_document_id", "duplicate_bands", ["document_id"])
    op.create_table(
        "review_items",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        _document_fk(nullable=True),
        sa.Column("group_id", sa.String(36), sa.ForeignKey("duplicate_groups.id", ondelete="CASCADE"), nullable=True),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.Column("field", sa.String(64), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("resolved_by", sa.String(128), nullable=True),
        sa.Column("resolved_at", TIME, nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
    )
    op.create_index("ix_review_items_document_id", "review_items", ["document_id"])
    op.create_index("ix_review_items_group_id", "review_items", ["group_id"])
    op.create_index("ix_review_items_status_created_at", "review_items", ["status", "created_at"])
    op.create_table(
        "retention_decisions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _document_fk(),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("rule_id", sa.String(64), nullable=True),
        sa.Column("citation", sa.Text(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.String(128), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
    )
    op.create_index("ix_retention_decisions_document_id", "retention_decisions", ["document_id"])
    op.create_table(
        "document_classifications",
        sa.Column("document_id", sa.String(36), sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("block", sa.String(16), nullable=True),
        sa.Column("type_name", sa.String(100), nullable=True),
        sa.Column("level", sa.String(16), nullable=True),
        sa.Column("classification", JSON_DOCUMENT, nullable=False),
    )
    op.create_index("ix_document_classifications_level", "document_classifications", ["level"])
    op.create_table(
        "unit_links",
        sa.Column("old_code", sa.String(16), primary_key=True),
        sa.Column("new_code", sa.String(16), primary_key=True),
        sa.Column("old_name", sa.String(200), nullable=False),
        sa.Column("old_district", sa.String(200), nullable=True),
        sa.Column("old_province", sa.String(200), nullable=True),
        sa.Column("new_name", sa.String(200), nullable=False),
        sa.Column("share", sa.String(16), nullable=False),
        sa.Column("imported_at", TIME, nullable=False),
    )


def downgrade() -> None:
    for table in ("unit_links", "document_classifications", "retention_decisions", "review_items",
                  "duplicate_bands", "duplicate_signatures", "duplicate_members", "duplicate_groups"):
        op.drop_table(table)
