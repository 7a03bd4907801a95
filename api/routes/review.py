"""`GET /v1/review`: the review queue of the documents the caller may see (decisions: api/routes/governance.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.concurrency import run_in_threadpool

from api.auth.deps import AUTH_RESPONSES, PrincipalDep, require_roles
from api.auth.principal import Role
from api.errors import ErrorBody
from api.governance import MAX_LIST
from api.review import Kind, ReviewEntry, Status, review_page
from api.routes.deps import RuntimeDep

router = APIRouter(tags=["governance"])
NEXT_CURSOR_HEADER = "X-Vanthu-Next-Cursor"


@router.get(
    "/v1/review",
    summary="The review queue: low-confidence fields, quality flags, duplicate groups, retention proposals",
    description=(
        f"Oldest first, only items of documents the caller may see (a duplicate group: all its members). "
        f"`kind` filters; the `{NEXT_CURSOR_HEADER}` response header, passed back as `cursor`, gives the next "
        "page (absent on the last one). A field goes to the queue below `VANTHU_REVIEW__LOW_CONFIDENCE`."
    ),
    dependencies=[require_roles(Role.records_officer, Role.admin)],
    responses=AUTH_RESPONSES | {422: {"model": ErrorBody}},
)
async def get_review(
    response: Response,
    runtime: RuntimeDep,
    principal: PrincipalDep,
    status: Status = "open",
    kind: Kind | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 100,
    cursor: str | None = None,
) -> list[ReviewEntry]:
    entries, next_cursor = await run_in_threadpool(
        review_page, runtime.sessions, principal, status, kind, limit, cursor
    )
    if next_cursor:
        response.headers[NEXT_CURSOR_HEADER] = next_cursor
    return entries
