"""Records governance: duplicate groups, the review queue, retention decisions, a document's governance."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool

from api.auth.access import VisibleDocumentId, VisibleDocumentsDep
from api.auth.deps import AUTH_RESPONSES, current_principal, require_roles
from api.auth.principal import Role
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
    resolve_review,
    set_retention,
)
from api.routes.deps import RuntimeDep

router = APIRouter(tags=["governance"], dependencies=[Depends(current_principal)])
NOT_FOUND = {404: {"model": ErrorBody}, **AUTH_RESPONSES}
DECIDED = {404: {"model": ErrorBody}, 409: {"model": ErrorBody}, 422: {"model": ErrorBody}, **AUTH_RESPONSES}
OFFICERS = [require_roles(Role.admin, Role.records_officer)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIST)]


@router.get("/v1/duplicates", summary="Duplicate groups all of whose documents you may see, newest first",
            responses=AUTH_RESPONSES)
async def get_duplicates(
    runtime: RuntimeDep,
    visible: VisibleDocumentsDep,
    status: Literal["proposed", "confirmed", "rejected"] | None = None,
    limit: Limit = 100,
) -> list[DuplicateGroupView]:
    return await run_in_threadpool(list_groups, runtime.sessions, status, limit, visible)


@router.post("/v1/duplicates/{group_id}/confirm", summary="Staff: one văn bản; the original is authoritative",
             responses=DECIDED, dependencies=OFFICERS)
async def confirm_duplicates(
    group_id: str, decision: GroupConfirmation, runtime: RuntimeDep, visible: VisibleDocumentsDep
) -> DuplicateGroupView:
    return await run_in_threadpool(decide_group, runtime.sessions, group_id, decision, True, visible)


@router.post("/v1/duplicates/{group_id}/reject", summary="Staff: different documents; never grouped again",
             responses=DECIDED, dependencies=OFFICERS)
async def reject_duplicates(
    group_id: str, decision: Decision, runtime: RuntimeDep, visible: VisibleDocumentsDep
) -> DuplicateGroupView:
    return await run_in_threadpool(decide_group, runtime.sessions, group_id, decision, False, visible)


@router.post("/v1/review/{item_id}/resolve", summary="Mark a review item resolved", responses=DECIDED,
             dependencies=OFFICERS)
async def resolve(item_id: str, decision: Decision, runtime: RuntimeDep, visible: VisibleDocumentsDep) -> ReviewItem:
    return await run_in_threadpool(resolve_review, runtime.sessions, item_id, decision, visible)


@router.post("/v1/documents/{document_id}/retention", summary="Confirm or override the proposed retention period",
             responses=DECIDED, dependencies=OFFICERS)
async def decide_retention(
    document_id: VisibleDocumentId, choice: RetentionChoice, runtime: RuntimeDep
) -> RetentionDecision:
    return await run_in_threadpool(set_retention, runtime.sessions, document_id, choice)


@router.get("/v1/documents/{document_id}/governance", summary="Classification, flags, retention, duplicate groups",
            responses=NOT_FOUND)
async def get_governance(
    document_id: VisibleDocumentId, runtime: RuntimeDep, visible: VisibleDocumentsDep
) -> DocumentGovernance:
    return await run_in_threadpool(document_governance, runtime.sessions, document_id, visible)
