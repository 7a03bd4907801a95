"""Corrections of a document's fields: `PUT /v1/documents/{id}/fields`, `GET /v1/documents/{id}/corrections`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header
from fastapi.concurrency import run_in_threadpool

from api.corrections import Correction, CorrectionHistory, CorrectionRequest, load_history, record_correction
from api.errors import ApiError, ErrorBody
from api.routes.deps import RuntimeDep

router = APIRouter(prefix="/v1/documents", tags=["corrections"])
USER_HEADER = "X-Vanthu-User"


class MissingUser(ApiError):
    code = "missing_user"
    status = 401


def current_user(user: Annotated[str | None, Header(alias=USER_HEADER)] = None) -> str:
    """Who acts. For now the `X-Vanthu-User` header; authentication will replace this one dependency."""
    if not user or not user.strip():
        raise MissingUser(f"who is acting is unknown: send the {USER_HEADER} header")
    return user.strip()


UserDep = Annotated[str, Depends(current_user)]


@router.put(
    "/{document_id}/fields",
    summary="Correct fields of an extracted document (a new correction version)",
    description=(
        "`fields`: field name -> corrected value, validated against the record schema (ISO dates, "
        "known urgency/confidentiality values; null clears a field). `boxes`: field name -> "
        "`{page, bbox}` with the box normalised to the page. The previous values are kept in the "
        "correction history; `GET /v1/documents/{id}` then shows the corrected fields."
    ),
    responses={status: {"model": ErrorBody} for status in (401, 404, 409, 422)},
)
async def correct_fields(
    document_id: str, request: CorrectionRequest, runtime: RuntimeDep, user: UserDep
) -> Correction:
    return await run_in_threadpool(record_correction, runtime.sessions, document_id, request, user)


@router.get(
    "/{document_id}/corrections",
    summary="The correction versions of a document, oldest first",
    responses={404: {"model": ErrorBody}},
)
async def list_corrections(document_id: str, runtime: RuntimeDep) -> CorrectionHistory:
    return await run_in_threadpool(load_history, runtime.sessions, document_id)
