"""The audit log: who did what to which document, when, and how it ended; append-only and hash-chained.

Every `/v1` request (but the health check) is written by one middleware after its response: the actor
(`request.state.principal`, else `anonymous`), an action named from the route template and the status,
the target (path parameters), the status and a detail (query parameters, merged with
`request.state.audit_detail` when a route sets one; secrets never). Each entry's `hash` is the sha256 of
the previous entry's hash and the canonical JSON of the entry, so changing, removing or inserting a row
breaks the chain from there on: `vanthu audit verify`, `GET /v1/audit/verify`.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qsl

import anyio
from pydantic import BaseModel, Field, field_validator
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import ApiError
from api.store.audit import GENESIS_HASH, AuditRow, chain_rows, lock_head, page_rows
from api.store.models import utc_now

logger = logging.getLogger(__name__)

ANONYMOUS = "anonymous"
AUDITED_PREFIX = "/v1/"
NOT_AUDITED = frozenset({("GET", "/v1/health")})
SECRET_KEY_PARTS = ("password", "token", "secret", "key", "authorization")
"""A detail key containing one of these is dropped: the log never holds credentials."""
HASHED_COLUMNS = ("seq", "at", "actor", "action", "method", "route", "target", "status", "detail")
"""What an entry's hash covers, besides the previous hash."""
MAX_TEXT = 300
MAX_DETAIL_ITEMS = 30
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


class AuditAction(StrEnum):
    login = "login"
    login_failed = "login_failed"
    read = "read"
    search = "search"
    export = "export"
    correction = "correction"
    admin = "admin"
    denied = "denied"
    """Refused for want of credentials or a role (401, 403)."""
    write = "write"


ROUTE_ACTIONS: tuple[tuple[str, str, AuditAction], ...] = (
    ("POST", "/v1/auth/token", AuditAction.login),
    ("*", "/v1/search", AuditAction.search),
    ("*", "/v1/documents/{document_id}/similar", AuditAction.search),
    ("*", "/v1/export", AuditAction.export),
    ("*", "/v1/documents/{document_id}/pdfa", AuditAction.export),
    ("PUT", "/v1/documents/{document_id}/fields", AuditAction.correction),
    ("*", "/v1/admin/", AuditAction.admin),
    ("*", "/v1/audit", AuditAction.admin),
    ("POST", "/v1/models/", AuditAction.admin),
)
"""(method or *, route template or a prefix ending in /, action): the first match names the action."""


class InvalidAuditQuery(ApiError):
    code = "invalid_request"
    status = 422


class AuditEntry(BaseModel):
    seq: int
    at: datetime
    actor: str
    """The principal's subject (`user:<name>`, `key:<id>`) or `anonymous`."""
    action: str
    """An AuditAction."""
    method: str
    route: str
    """The route template (`/v1/documents/{document_id}`), or the path when no route matched."""
    target: str | None
    status: int
    detail: dict[str, Any] = Field(default_factory=dict)
    prev_hash: str
    hash: str

    @field_validator("detail", mode="before")
    @classmethod
    def _parsed(cls, value: Any) -> Any:
        """The table stores the detail as canonical JSON text."""
        return json.loads(value) if isinstance(value, str) else value


class AuditPage(BaseModel):
    items: list[AuditEntry]
    """Newest first."""
    next_cursor: int | None
    """Pass it as `cursor` for the older entries; null on the last page."""


class ChainVerification(BaseModel):
    intact: bool
    entries: int
    first_broken_seq: int | None = None
    reason: str | None = None


@dataclass(frozen=True)
class AuditEvent:
    """What is recorded; the store adds seq, time and hashes."""

    actor: str
    action: AuditAction
    method: str
    route: str
    status: int
    target: str | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)


# --- the chain -------------------------------------------------------------------------------------


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_hash(prev_hash: str, row: AuditRow) -> str:
    entry = {name: getattr(row, name) for name in HASHED_COLUMNS} | {"at": row.at.isoformat(timespec="microseconds")}
    return hashlib.sha256((prev_hash + canonical_json(entry)).encode("utf-8")).hexdigest()


def append_entry(sessions: sessionmaker[Session], event: AuditEvent) -> AuditEntry:
    with sessions.begin() as session:
        head = lock_head(session)
        prev_hash = head.hash if head is not None else GENESIS_HASH
        row = AuditRow(
            seq=(head.seq if head is not None else 0) + 1,
            at=utc_now(),
            actor=_text(event.actor),
            action=event.action,
            method=event.method,
            route=_text(event.route),
            target=_text(event.target),
            status=event.status,
            detail=canonical_json(clean_detail(event.detail)),
            prev_hash=prev_hash,
            hash="",
        )
        row.hash = entry_hash(prev_hash, row)
        session.add(row)
        return _to_entry(row)


def verify_chain(sessions: sessionmaker[Session]) -> ChainVerification:
    """Walk the chain from seq 1; the first entry whose seq, link or hash is wrong breaks it."""
    with sessions() as session:
        prev_hash, entries = GENESIS_HASH, 0
        for row in chain_rows(session):
            problem = _problem(row, entries + 1, prev_hash)
            if problem is not None:
                return ChainVerification(intact=False, entries=entries, first_broken_seq=entries + 1, reason=problem)
            prev_hash, entries = row.hash, entries + 1
        return ChainVerification(intact=True, entries=entries)


def _problem(row: AuditRow, expected_seq: int, prev_hash: str) -> str | None:
    if row.seq != expected_seq:
        return f"entry {expected_seq} is missing (the next one is {row.seq})"
    if row.prev_hash != prev_hash:
        return f"entry {row.seq} does not follow entry {row.seq - 1} (prev_hash differs)"
    if entry_hash(prev_hash, row) != row.hash:
        return f"entry {row.seq} was changed after it was written (its hash does not match its content)"
    return None


def load_page(
    sessions: sessionmaker[Session],
    actor: str | None = None,
    action: AuditAction | None = None,
    since: datetime | None = None,
    cursor: int | None = None,
    limit: int = DEFAULT_LIMIT,
) -> AuditPage:
    """A page of entries matching the filters, older than `cursor`; a naive `since` is taken as UTC."""
    with sessions() as session:
        rows = page_rows(session, actor, action, _utc(since) if since else None, cursor, limit + 1)
    items = [_to_entry(row) for row in rows[:limit]]
    return AuditPage(items=items, next_cursor=items[-1].seq if len(rows) > limit else None)


def _utc(moment: datetime) -> datetime:
    try:
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except OverflowError:
        raise InvalidAuditQuery(f"since: {moment.isoformat()} cannot be expressed in UTC") from None


def _to_entry(row: AuditRow) -> AuditEntry:
    return AuditEntry.model_validate(row, from_attributes=True)


def clean_detail(detail: Mapping[str, Any]) -> dict[str, Any]:
    """The detail without credentials, with long texts cut and at most MAX_DETAIL_ITEMS keys."""
    kept = {}
    for key, value in list(detail.items())[:MAX_DETAIL_ITEMS]:
        if any(part in str(key).lower() for part in SECRET_KEY_PARTS):
            continue
        kept[str(key)] = clean_detail(value) if isinstance(value, Mapping) else _text(value)
    return kept


def _text(value: Any) -> Any:
    if isinstance(value, list):
        return [_text(item) for item in value[:MAX_DETAIL_ITEMS]]
    return value[:MAX_TEXT] if isinstance(value, str) else value


# --- what a request is -----------------------------------------------------------------------------


def audited(method: str, path: str) -> bool:
    return path.startswith(AUDITED_PREFIX) and (method, path.rstrip("/")) not in NOT_AUDITED


def action_of(method: str, route: str, status: int) -> AuditAction:
    """A login or a failed one; any other request refused for want of credentials or a role is `denied`;
    else the action of the route, or `read` / `write` by the method."""
    action = next(
        (
            action
            for wanted_method, template, action in ROUTE_ACTIONS
            if wanted_method in ("*", method)
            and (route.startswith(template) if template.endswith("/") else route == template)
        ),
        None,
    )
    if action == AuditAction.login:
        return AuditAction.login_failed if status >= 400 else action
    if status in (401, 403):
        return AuditAction.denied
    return action or (AuditAction.read if method in ("GET", "HEAD") else AuditAction.write)


def request_event(scope: Scope, status: int) -> AuditEvent:
    state = scope.get("state") or {}
    principal = state.get("principal")
    route = scope.get("route")
    template = getattr(route, "path", None) or scope["path"]
    parameters = scope.get("path_params") or {}
    query = _query_detail(scope.get("query_string", b""))
    return AuditEvent(
        actor=getattr(principal, "subject", None) or ANONYMOUS,
        action=AuditAction(state.get("audit_action") or action_of(scope["method"], template, status)),
        method=scope["method"],
        route=template,
        status=status,
        target=",".join(str(value) for value in parameters.values()) or None,
        detail=query | dict(state.get("audit_detail") or {}),
    )


def _query_detail(query_string: bytes) -> dict[str, Any]:
    detail: dict[str, Any] = {}
    for key, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        detail[key] = value if key not in detail else [*_as_list(detail[key]), value]
    return detail


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


class AuditMiddleware:
    """Writes one entry per audited request once the app has answered (or failed). A failed write is
    logged at CRITICAL and does not change the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not audited(scope["method"], scope["path"]):
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})
        status = 500

        async def send_and_watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_watch)
        finally:
            with anyio.CancelScope(shield=True):
                await self._record(scope, status)

    @staticmethod
    async def _record(scope: Scope, status: int) -> None:
        try:
            sessions = scope["app"].state.runtime.sessions
            await anyio.to_thread.run_sync(append_entry, sessions, request_event(scope, status))
        except Exception:
            logger.critical(
                "AUDIT LOG WRITE FAILED: %s %s (status %s) is not in the audit log",
                scope["method"],
                scope["path"],
                status,
                exc_info=True,
            )
