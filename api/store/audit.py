"""The audit log table: one row per audited request, chained by hashes; append-only in the database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text, func, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from api.store.models import Base, UtcDateTime

AUDIT_TABLE = "audit_log"
AUDIT_LOCK = 0x61756474  # "audt": the advisory lock serialising appends on PostgreSQL
MAX_SEQ = 2**63 - 1
GENESIS_HASH = "0" * 64
"""The `prev_hash` of the first entry."""
VERIFY_BATCH = 1000


class AuditRow(Base):
    __tablename__ = AUDIT_TABLE

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    """1, 2, 3...: the head's seq + 1, so a missing row is a gap and two writers cannot both take a seq."""
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(32))
    method: Mapped[str] = mapped_column(String(16))
    route: Mapped[str] = mapped_column(String(300))
    target: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[int] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text)
    """Canonical JSON text: hashed exactly as stored."""
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_audit_log_actor_seq", "actor", "seq"),
        Index("ix_audit_log_action_seq", "action", "seq"),
        Index("ix_audit_log_at", "at"),
    )


def lock_head(session: Session) -> AuditRow | None:
    """The newest entry, with appends serialised until the transaction ends: SQLite transactions hold the
    write lock from BEGIN IMMEDIATE (api.store.db); on PostgreSQL writers take an advisory lock."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK})
    return session.scalars(select(AuditRow).order_by(AuditRow.seq.desc()).limit(1)).one_or_none()


def chain_rows(session: Session) -> Iterator[AuditRow]:
    """Every entry in seq order, read in batches."""
    after = 0
    while True:
        batch = list(
            session.scalars(select(AuditRow).where(AuditRow.seq > after).order_by(AuditRow.seq).limit(VERIFY_BATCH))
        )
        yield from batch
        if len(batch) < VERIFY_BATCH:
            return
        after = batch[-1].seq
        session.expunge_all()


def count_rows(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditRow)) or 0


def page_rows(
    session: Session, actor: str | None, action: str | None, since: datetime | None, before: int | None, limit: int
) -> list[AuditRow]:
    """Newest first: the entries matching the filters with a seq below `before`."""
    query = select(AuditRow).order_by(AuditRow.seq.desc()).limit(limit)
    if actor is not None:
        query = query.where(AuditRow.actor == actor)
    if action is not None:
        query = query.where(AuditRow.action == action)
    if since is not None:
        query = query.where(AuditRow.at >= since)
    if before is not None:
        query = query.where(AuditRow.seq < before)
    return list(session.scalars(query))
