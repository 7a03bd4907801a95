"""Tables of identity: agencies (a tree), users and API keys (migration 0006)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from api.store.models import ROOT_AGENCY_CODE, Base, JsonDocument, UtcDateTime, utc_now

ROOT_AGENCY_NAME = "Thành phố Hà Nội"

__all__ = ["ROOT_AGENCY_CODE", "ROOT_AGENCY_NAME", "AgencyRow", "ApiKeyRow", "UserRow", "agency_scope"]


class AgencyRow(Base):
    """A cơ quan, tổ chức or unit; its scope is itself and every agency below it."""

    __tablename__ = "agencies"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("agencies.code"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class UserRow(Base):
    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    roles: Mapped[list[str]] = mapped_column(JsonDocument)
    agency_code: Mapped[str] = mapped_column(ForeignKey("agencies.code"))
    clearance: Mapped[int] = mapped_column(Integer, default=0)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now, onupdate=utc_now)


class ApiKeyRow(Base):
    """A pipeline's key: `vk_<id>_<secret>`, of which only the sha256 of the secret is kept."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(40))
    secret_sha256: Mapped[str] = mapped_column(String(64))
    roles: Mapped[list[str]] = mapped_column(JsonDocument)
    agency_code: Mapped[str] = mapped_column(ForeignKey("agencies.code"))
    clearance: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    rotated_from: Mapped[str | None] = mapped_column(String(32))
    """The key this one replaced."""
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


def agency_scope(session: Session, code: str) -> frozenset[str]:
    """The agency and all its descendants (one recursive query)."""
    tree = select(AgencyRow.code).where(AgencyRow.code == code).cte("scope", recursive=True)
    tree = tree.union(select(AgencyRow.code).where(AgencyRow.parent_code == tree.c.code))
    return frozenset(session.scalars(select(tree.c.code)))
