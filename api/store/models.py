"""Tables of the service: documents and the jobs that extract them."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, TypeDecorator, UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in Python on every backend (SQLite would otherwise hand back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; use utc_now()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JsonDocument = JSON().with_variant(JSONB(), "postgresql")


def utc_now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


ROOT_AGENCY_CODE = "HN"
"""The root of the agency tree (Thành phố Hà Nội): documents stored without an agency belong to it."""


class DocumentRow(Base):
    __tablename__ = "documents"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(512))
    content_type: Mapped[str | None] = mapped_column(String(128))
    size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    pages: Mapped[int | None] = mapped_column(Integer)
    fields: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    result: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now, onupdate=utc_now)
    external_id: Mapped[str | None] = mapped_column(String(256))
    """The id an imported record had in the system it came from (`vanthu import`)."""
    agency_code: Mapped[str] = mapped_column(String(32), default=ROOT_AGENCY_CODE, server_default=ROOT_AGENCY_CODE)
    """The owning agency (api/store/identity.py); who may read it: api/auth/access.py."""
    secrecy: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """inference.schema.SecrecyLevel"""
    access_mode: Mapped[str] = mapped_column(String(16), default="public", server_default="public")
    """inference.schema.AccessMode"""

    __table_args__ = (
        Index("ix_documents_created_at_id", "created_at", "id"),
        Index("ix_documents_external_id", "external_id", unique=True),
        Index("ix_documents_agency_code", "agency_code"),
    )


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class JobRow(Base):
    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32), default="extract")
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    locked_by: Mapped[str | None] = mapped_column(String(128))
    heartbeat_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_jobs_status_created_at", "status", "created_at"),)


class CorrectionRow(Base):
    """One version of the corrections of a document: the values set, what they replaced, who and when."""

    __tablename__ = "corrections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    values: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    previous: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    boxes: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    corrected_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

    __table_args__ = (
        UniqueConstraint("document_id", "version", name="uq_corrections_document_version"),
        Index("ix_corrections_created_at", "created_at"),
    )


class DocumentPagesRow(Base):
    """The pages (words and boxes) of a document's last extraction: the inputs of its training examples."""

    __tablename__ = "document_pages"

    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    pages: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument)


class ModelEventRow(Base):
    """A decision of the model registry: promote, rollback, or a promotion the gate refused."""

    __tablename__ = "model_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model_name: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))
    version: Mapped[str] = mapped_column(String(64))
    previous_version: Mapped[str | None] = mapped_column(String(64))
    forced: Mapped[bool] = mapped_column(Boolean, default=False)
    gate: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    decided_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

    __table_args__ = (Index("ix_model_events_model_name_id", "model_name", "id"),)


# --- governance: duplicates, review queue, retention, classification, units --------------------------


class DuplicateGroupRow(Base):
    __tablename__ = "duplicate_groups"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    reason: Mapped[str] = mapped_column(String(32))
    reasons: Mapped[list[str]] = mapped_column(JsonDocument)
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    """proposed, confirmed (staff agree: one văn bản) or rejected (staff: different documents)."""
    original_id: Mapped[str | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    """The authoritative member."""
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

    __table_args__ = (Index("ix_duplicate_groups_status_created_at", "status", "created_at"),)


class DuplicateMemberRow(Base):
    __tablename__ = "duplicate_members"

    group_id: Mapped[str] = mapped_column(ForeignKey("duplicate_groups.id", ondelete="CASCADE"), primary_key=True)
    document_id: Mapped[str] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    """original, copy (a certified copy of the original) or duplicate."""


class SignatureRow(Base):
    """A document's duplicate signature (inference.governance.dedup.Signature) and its lookup keys."""

    __tablename__ = "duplicate_signatures"

    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    number_key: Mapped[str | None] = mapped_column(String(128), index=True)
    signature: Mapped[dict[str, Any]] = mapped_column(JsonDocument)


class SignatureBandRow(Base):
    """One LSH band of a signature's text MinHash: documents sharing a band are candidates."""

    __tablename__ = "duplicate_bands"

    band_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    document_id: Mapped[str] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ReviewItemRow(Base):
    __tablename__ = "review_items"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    """quality, duplicates or retention."""
    document_id: Mapped[str | None] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[str | None] = mapped_column(ForeignKey("duplicate_groups.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    page: Mapped[int | None] = mapped_column(Integer)
    field: Mapped[str | None] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    resolved_by: Mapped[str | None] = mapped_column(String(128))
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolution: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

    __table_args__ = (Index("ix_review_items_status_created_at", "status", "created_at"),)


class RetentionDecisionRow(Base):
    """The retention history of a document: the proposal, then each confirmation or override."""

    __tablename__ = "retention_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(16))
    rule_id: Mapped[str | None] = mapped_column(String(64))
    citation: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16))
    """proposed (by the rules), confirmed or overridden (by staff)."""
    decided_by: Mapped[str | None] = mapped_column(String(128))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class ClassificationRow(Base):
    __tablename__ = "document_classifications"

    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    block: Mapped[str | None] = mapped_column(String(16))
    type_name: Mapped[str | None] = mapped_column(String(100))
    level: Mapped[str | None] = mapped_column(String(16), index=True)
    classification: Mapped[dict[str, Any]] = mapped_column(JsonDocument)


class UnitLinkRow(Base):
    """The official old -> new administrative unit table, imported with `vanthu units import`."""

    __tablename__ = "unit_links"

    old_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    new_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    old_name: Mapped[str] = mapped_column(String(200))
    old_district: Mapped[str | None] = mapped_column(String(200))
    old_province: Mapped[str | None] = mapped_column(String(200))
    new_name: Mapped[str] = mapped_column(String(200))
    share: Mapped[str] = mapped_column(String(16))
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class DossierRow(Base):
    """A hồ sơ: its FileCode and the standard attributes (`inference.exchange.standard.StandardFile`)."""

    __tablename__ = "dossiers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    file_code: Mapped[str] = mapped_column(String(30), unique=True)
    title: Mapped[str] = mapped_column(Text)
    attributes: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now, onupdate=utc_now)


class DossierDocumentRow(Base):
    """A document in a hồ sơ at position DocOrdinal; a document is in one hồ sơ at most."""

    __tablename__ = "dossier_documents"

    dossier_id: Mapped[str] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), primary_key=True)
    document_id: Mapped[str] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True, unique=True
    )
    doc_ordinal: Mapped[int] = mapped_column(Integer)

    __table_args__ = (UniqueConstraint("dossier_id", "doc_ordinal", name="uq_dossier_documents_ordinal"),)


class DocumentArchivalRow(Base):
    """The standard document attributes an archivist sets (Language, Keyword, Mode, Format...)."""

    __tablename__ = "document_archival"

    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(JsonDocument)


class EntityLinkRow(Base):
    """An identifier or name read in a document (`inference.schema.EntityLink`), kept for the connectors."""

    __tablename__ = "entity_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    normalized: Mapped[str] = mapped_column(String(200))
    link: Mapped[dict[str, Any]] = mapped_column(JsonDocument)

    __table_args__ = (Index("ix_entity_links_kind_normalized", "kind", "normalized"),)


class ChangeRow(Base):
    """One entry of the change feed; `id` is the cursor. Written in the transaction of the change."""

    __tablename__ = "changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entity: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(8))
    changed: Mapped[list[str]] = mapped_column(JsonDocument)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
