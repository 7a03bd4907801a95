"""The audit log for administrators: `GET /v1/audit` (filters, cursor paging), `GET /v1/audit/verify`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from api.audit import DEFAULT_LIMIT, MAX_LIMIT, AuditAction, AuditPage, ChainVerification, load_page, verify_chain
from api.auth.deps import require_roles
from api.auth.principal import Role
from api.errors import ErrorBody
from api.routes.deps import RuntimeDep
from api.store.audit import MAX_SEQ

router = APIRouter(prefix="/v1/audit", tags=["audit"], dependencies=[require_roles(Role.admin)])
ERRORS: dict[int | str, dict[str, object]] = {status: {"model": ErrorBody} for status in (401, 403, 422)}


@router.get("", summary="Audit log entries, newest first (administrators)", responses=ERRORS)
async def list_entries(
    runtime: RuntimeDep,
    actor: Annotated[str | None, Query(max_length=200, description="`user:<name>`, `key:<id>` or `anonymous`")] = None,
    action: Annotated[AuditAction | None, Query()] = None,
    since: Annotated[datetime | None, Query(description="Entries at or after this time (ISO 8601)")] = None,
    cursor: Annotated[int | None, Query(ge=1, le=MAX_SEQ, description="`next_cursor` of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> AuditPage:
    return await run_in_threadpool(load_page, runtime.sessions, actor, action, since, cursor, limit)


@router.get("/verify", summary="Check the hash chain of the whole audit log (administrators)", responses=ERRORS)
async def verify(runtime: RuntimeDep) -> ChainVerification:
    return await run_in_threadpool(verify_chain, runtime.sessions)
