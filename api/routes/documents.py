from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status
from fastapi.concurrency import run_in_threadpool

from api import search
from api.auth.access import (
    StoredElsewhere,
    VisibleDocumentId,
    access_from_form,
    change_access,
    visible_documents_clause,
)
from api.auth.deps import AUTH_RESPONSES, PrincipalDep, current_principal, require_roles
from api.auth.principal import Principal, Role
from api.corrections import CorrectedDocument, load_corrected_record
from api.errors import INPUT_ERROR_RESPONSES, ErrorBody
from api.ingest import Ingested, ingest_document
from api.routes.deps import RuntimeDep, UploadDep
from api.runtime import Runtime
from api.store.documents import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, DocumentPage, load_page
from api.uploads import FILE_FIELD, UPLOAD_OPENAPI, Upload
from inference.schema import DocumentAccess, DocumentRecord

router = APIRouter(prefix="/v1/documents", tags=["documents"], dependencies=[Depends(current_principal)])
OFFICERS = require_roles(Role.admin, Role.records_officer)
ACCESS_FORM_FIELDS = {
    "agency_code": {"type": "string", "description": "Default: the uploader's agency"},
    "secrecy": {"type": "integer", "enum": [0, 1, 2, 3], "description": "0 none, 1 Mật, 2 Tối mật, 3 Tuyệt mật"},
    "access_mode": {"type": "string", "enum": ["public", "conditional", "restricted"]},
}
_upload_schema = UPLOAD_OPENAPI["requestBody"]["content"]["multipart/form-data"]["schema"]
DOCUMENT_UPLOAD_OPENAPI = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    **_upload_schema,
                    "properties": {FILE_FIELD: _upload_schema["properties"][FILE_FIELD], **ACCESS_FORM_FIELDS},
                }
            }
        },
    }
}


def _ingest(runtime: Runtime, principal: Principal, upload: Upload) -> Ingested:
    access = access_from_form(principal, upload.form)
    ingested = ingest_document(runtime, upload.data, upload.filename, access=access)
    record = ingested.record
    if not ingested.created and not principal.may_read(record.agency_code or "", record.secrecy, record.access_mode):
        raise StoredElsewhere("these bytes are stored already, as a document you may not see")
    return ingested


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Store a document and queue its extraction",
    description=(
        "Validates the file (multipart part `file`), stores it under its sha256 and queues extraction. "
        "**201**: new document, status `queued`; poll `GET /v1/documents/{id}` (also in `Location`) "
        "until `done` or `failed`. **200**: the same bytes were stored before; the existing record is "
        "returned and nothing is queued. Invalid files are refused with 4xx and nothing is stored. "
        "Optional form fields `agency_code` (default: yours), `secrecy` (up to your clearance) and "
        "`access_mode` set who may see it. Roles: admin, records_officer, pipeline."
    ),
    responses={
        200: {"model": DocumentRecord, "description": "Already stored: the existing record"},
        409: {"model": ErrorBody, "description": "Already stored as a document you may not see"},
        **INPUT_ERROR_RESPONSES,
        **AUTH_RESPONSES,
    },
    openapi_extra=DOCUMENT_UPLOAD_OPENAPI,
    dependencies=[require_roles(Role.admin, Role.records_officer, Role.pipeline)],
)
async def add_document(
    upload: UploadDep, runtime: RuntimeDep, principal: PrincipalDep, response: Response
) -> DocumentRecord:
    ingested = await run_in_threadpool(_ingest, runtime, principal, upload)
    if ingested.created:
        response.headers["Location"] = f"{router.prefix}/{ingested.record.id}"
    else:
        response.status_code = status.HTTP_200_OK
    return ingested.record


@router.get(
    "/{document_id}",
    summary="A stored document: status, error, the extraction result and the corrected fields once done",
    responses={404: {"model": ErrorBody}, **AUTH_RESPONSES},
)
async def get_document(document_id: VisibleDocumentId, runtime: RuntimeDep) -> CorrectedDocument:
    return await run_in_threadpool(load_corrected_record, runtime.sessions, document_id)


@router.delete(
    "/{document_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a document: its row, jobs, search index entries, and its file unless shared",
    responses={404: {"model": ErrorBody}, **AUTH_RESPONSES},
    dependencies=[OFFICERS],
)
async def delete_document(document_id: VisibleDocumentId, runtime: RuntimeDep) -> None:
    await run_in_threadpool(search.delete_document, runtime, document_id)


@router.patch(
    "/{document_id}/access",
    summary="Set who may see a document: its agency, secrecy level and access mode (records officers, admins)",
    description=(
        "The agency must be yours or one of its units and the secrecy at most your clearance. The change goes "
        "into the change feed and the search index at once."
    ),
    responses={404: {"model": ErrorBody}, 422: {"model": ErrorBody}, **AUTH_RESPONSES},
    dependencies=[OFFICERS],
)
async def set_access(
    document_id: VisibleDocumentId, access: DocumentAccess, runtime: RuntimeDep, principal: PrincipalDep
) -> DocumentRecord:
    return await run_in_threadpool(change_access, runtime, principal, document_id, access)


@router.get("", summary="Stored documents you may see, newest first, without full text", responses=AUTH_RESPONSES)
async def list_documents(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page")] = None,
) -> DocumentPage:
    visible = visible_documents_clause(principal)
    return await run_in_threadpool(load_page, runtime.sessions, limit, cursor, visible)
