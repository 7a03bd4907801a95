"""Records governance: duplicate groups, the review queue, retention decisions, a document's governance."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from api.errors import ErrorBody
from api.governance import (
    MAX_LIST,
    Decision,
    DocumentGovernance,
    DuplicateGroupView,
    GroupConfirmation,
    RetentionChoice,
    RetentionDecision,
    ReviewItem,
    decide_group,
    document_governance,
    list_groups,
    list_review,
    resolve_review,
    set_retention,
)
from api.routes.deps import RuntimeDep

router = APIRouter(tags=["governance"])
NOT_FOUND = {404: {"model": ErrorBody}}
DECIDED = {404: {"model": ErrorBody}, 409: {"model": ErrorBody}, 422: {"model": ErrorBody}}
Limit = Annotated[int, Query(ge=1, le=MAX_LIST)]


@router.get("/v1/duplicates", summary="Duplicate groups, newest first")
async def get_duplicates(
    runtime: RuntimeDep,
    status: Literal["proposed", "confirmed", "rejected"] | None = None,
    limit: Limit = 100,
) -> list[DuplicateGroupView]:
    return await run_in_threadpool(list_groups, runtime.sessions, status, limit)


@router.post("/v1/duplicates/{group_id}/confirm", summary="Staff: one văn bản; the original is authoritative",
             responses=DECIDED)
async def confirm_duplicates(group_id: str, decision: GroupConfirmation, runtime: RuntimeDep) -> DuplicateGroupView:
    return await run_in_threadpool(decide_group, runtime.sessions, group_id, decision, True)


@router.post("/v1/duplicates/{group_id}/reject", summary="Staff: different documents; never grouped again",
             responses=DECIDED)
async def reject_duplicates(group_id: str, decision: Decision, runtime: RuntimeDep) -> DuplicateGroupView:
    return await run_in_threadpool(decide_group, runtime.sessions, group_id, decision, False)


@router.get("/v1/review", summary="The review queue: quality flags, duplicate groups, retention proposals")
async def get_review(
    runtime: RuntimeDep,
    status: Literal["open", "resolved"] = "open",
    kind: Literal["quality", "duplicates", "retention"] | None = None,
    limit: Limit = 100,
) -> list[ReviewItem]:
    return await run_in_threadpool(list_review, runtime.sessions, status, kind, limit)


@router.post("/v1/review/{item_id}/resolve", summary="Mark a review item resolved", responses=DECIDED)
async def resolve(item_id: str, decision: Decision, runtime: RuntimeDep) -> ReviewItem:
    return await run_in_threadpool(resolve_review, runtime.sessions, item_id, decision)


@router.post("/v1/documents/{document_id}/retention", summary="Confirm or override the proposed retention period",
             responses=DECIDED)
async def decide_retention(document_id: str, choice: RetentionChoice, runtime: RuntimeDep) -> RetentionDecision:
    return await run_in_threadpool(set_retention, runtime.sessions, document_id, choice)


@router.get("/v1/documents/{document_id}/governance", summary="Classification, flags, retention, duplicate groups",
            responses=NOT_FOUND)
async def get_governance(document_id: str, runtime: RuntimeDep) -> DocumentGovernance:
    return await run_in_threadpool(document_governance, runtime.sessions, document_id)
