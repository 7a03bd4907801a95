"""Corrections of a document's fields: `PUT /v1/documents/{id}/fields`, `GET /v1/documents/{id}/corrections`."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool

from api.auth.access import VisibleDocumentId
from api.auth.deps import AUTH_RESPONSES, PrincipalDep, current_principal, require_roles
from api.auth.principal import Role
from api.corrections import Correction, CorrectionHistory, CorrectionRequest, load_history, record_correction
from api.errors import ErrorBody
from api.routes.deps import RuntimeDep

router = APIRouter(prefix="/v1/documents", tags=["corrections"], dependencies=[Depends(current_principal)])


@router.put(
    "/{document_id}/fields",
    summary="Correct fields of an extracted document (a new correction version)",
    description=(
        "`fields`: field name -> corrected value, validated against the record schema (ISO dates, "
        "known urgency/confidentiality values; null clears a field). `boxes`: field name -> "
        "`{page, bbox}` with the box normalised to the page. The previous values are kept in the "
        "correction history; `GET /v1/documents/{id}` then shows the corrected fields."
    ),
    responses={**AUTH_RESPONSES, **{status: {"model": ErrorBody} for status in (404, 409, 422)}},
    dependencies=[require_roles(Role.admin, Role.records_officer)],
)
async def correct_fields(
    document_id: VisibleDocumentId, request: CorrectionRequest, runtime: RuntimeDep, principal: PrincipalDep
) -> Correction:
    return await run_in_threadpool(record_correction, runtime, document_id, request, principal.subject)


@router.get(
    "/{document_id}/corrections",
    summary="The correction versions of a document, oldest first",
    responses={404: {"model": ErrorBody}, **AUTH_RESPONSES},
)
async def list_corrections(document_id: VisibleDocumentId, runtime: RuntimeDep) -> CorrectionHistory:
    return await run_in_threadpool(load_history, runtime.sessions, document_id)
