"""The change feed: one row per create/update/delete of a document or hồ sơ, written in the transaction
of the change, read in cursor order by the platforms that synchronise with us."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import ColumnElement, or_, select, text
from sqlalchemy.orm import Session, sessionmaker

from api.store.documents import ALL_DOCUMENTS
from api.store.models import ChangeRow, DocumentRow

Entity = Literal["document", "dossier"]
Action = Literal["create", "update", "delete"]
FEED_LOCK = 0x76616E74  # "vant": the advisory lock serialising writers of the feed on PostgreSQL
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


class Change(BaseModel):
    cursor: int
    entity: Entity
    id: str
    action: Action
    changed: list[str]
    """The fields that changed (standard names for metadata, `status`, `documents` of a hồ sơ...)."""
    at: datetime


class ChangePage(BaseModel):
    items: list[Change]
    next_cursor: int
    """Pass it as `since` next time; the same value when nothing new has arrived."""


def record_change(session: Session, entity: Entity, entity_id: str, action: Action, changed: list[str]) -> None:
    """Add a feed entry in the caller's transaction. On PostgreSQL the writers take turns, so cursors are
    committed in increasing order and a reader never sees a later cursor before an earlier one."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": FEED_LOCK})
    session.add(ChangeRow(entity=entity, entity_id=entity_id, action=action, changed=sorted(changed)))
    session.flush()


def load_changes(
    sessions: sessionmaker[Session], since: int, limit: int, visible: ColumnElement[bool] = ALL_DOCUMENTS
) -> ChangePage:
    """Changes after `since`; those of a document only while `visible` admits it, or once it is deleted (a
    deletion carries nothing but the id, and synchronising systems must learn of it)."""
    shown = or_(
        ChangeRow.entity != "document",
        ChangeRow.entity_id.in_(select(DocumentRow.id).where(visible)),
        ChangeRow.entity_id.not_in(select(DocumentRow.id)),
    )
    with sessions() as session:
        query = select(ChangeRow).where(ChangeRow.id > since, shown).order_by(ChangeRow.id).limit(limit)
        rows = session.scalars(query)
        items = [
            Change(cursor=r.id, entity=r.entity, id=r.entity_id, action=r.action, changed=r.changed, at=r.at)
            for r in rows
        ]
    return ChangePage(items=items, next_cursor=items[-1].cursor if items else since)


def changed_since(session: Session, since: int) -> tuple[set[str], set[str], int]:
    """Ids of the documents and of the hồ sơ changed after `since`, and the last cursor."""
    rows = session.execute(select(ChangeRow.id, ChangeRow.entity, ChangeRow.entity_id).where(ChangeRow.id > since))
    documents, dossiers, last = set(), set(), since
    for cursor, entity, entity_id in rows:
        (documents if entity == "document" else dossiers).add(entity_id)
        last = max(last, cursor)
    return documents, dossiers, last
