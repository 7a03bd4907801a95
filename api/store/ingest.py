"""Tables of batch ingestion (`vanthu ingest`): a run over one source, and the state of each of its files.

A run is resumed by the next `vanthu ingest` of the same source until every file is stored, skipped or
failed; documents themselves stay unique by sha256 (`documents.sha256`), so a file is stored once.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.store.models import Base, UtcDateTime, utc_now


class RunStatus(StrEnum):
    RUNNING = "running"
    """Started, not every file settled yet: the next `vanthu ingest` of the same source resumes it."""
    FINISHED = "finished"


class FileState(StrEnum):
    PENDING = "pending"
    STORED = "stored"
    """Extracted by this run and stored."""
    SKIPPED = "skipped"
    """The same bytes were stored already (before this run, or from another file of it)."""
    FAILED = "failed"


class IngestRunRow(Base):
    __tablename__ = "ingest_runs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    source: Mapped[str] = mapped_column(String(1024))
    """The folder or manifest, as an absolute path."""
    engine: Mapped[str] = mapped_column(String(16))
    agency_code: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=RunStatus.RUNNING)
    listed: Mapped[bool] = mapped_column(Boolean, default=False)
    """Every file of the source has its row (listing is the first step of the first attempt)."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    """Wall time of all attempts, kept up to date as files settle (a killed attempt keeps its share)."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_ingest_runs_source_status", "source", "status"),)


class IngestFileRow(Base):
    __tablename__ = "ingest_files"

    run_id: Mapped[str] = mapped_column(ForeignKey("ingest_runs.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(1024), primary_key=True)
    """The file's path relative to the folder or manifest."""
    position: Mapped[int] = mapped_column(Integer)
    """Order of the listing: of files with the same bytes the first is stored (the engine gets the largest first)."""
    path: Mapped[str] = mapped_column(Text)
    fonds: Mapped[str | None] = mapped_column(String(64))
    """Phông (OrganId of the hồ sơ's FileCode)."""
    catalogue: Mapped[str | None] = mapped_column(String(64))
    """Mục lục (FileCatalog)."""
    notation: Mapped[str | None] = mapped_column(String(64))
    """Hồ sơ (FileNotation)."""
    doc_ordinal: Mapped[int | None] = mapped_column(Integer)
    """Position of the file in its hồ sơ (DocOrdinal)."""
    title: Mapped[str | None] = mapped_column(Text)
    """Title of the hồ sơ, from a manifest."""
    state: Mapped[str] = mapped_column(String(16), default=FileState.PENDING)
    document_id: Mapped[str | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    """Set before this run completes the document's extraction: tells a later attempt the run made it."""
    pages: Mapped[int | None] = mapped_column(Integer)
    cpu_seconds: Mapped[float | None] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(Text)
    """Why a failed file failed, or what went wrong beside a stored one (its hồ sơ)."""
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now, onupdate=utc_now)

    __table_args__ = (
        Index("ix_ingest_files_run_state_position", "run_id", "state", "position"),
        Index("ix_ingest_files_document_id", "document_id"),
    )
