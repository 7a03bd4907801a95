from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from fastapi.concurrency import run_in_threadpool

from api import search
from api.corrections import CorrectedDocument, load_corrected_record
from api.errors import INPUT_ERROR_RESPONSES, ErrorBody
from api.ingest import ingest_document
from api.routes.deps import RuntimeDep, UploadDep
from api.store.documents import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, DocumentPage, load_page
from api.uploads import UPLOAD_OPENAPI
from inference.schema import DocumentRecord

router = APIRouter(prefix="/v1/documents", tags=["documents"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Store a document and queue its extraction",
    description=(
        "Validates the file (multipart part `file`), stores it under its sha256 and queues extraction. "
        "**201**: new document, status `queued`; poll `GET /v1/documents/{id}` (also in `Location`) "
        "until `done` or `failed`. **200**: the same bytes were stored before; the existing record is "
        "returned and nothing is queued. Invalid files are refused with 4xx and nothing is stored."
    ),
    responses={
        200: {"model": DocumentRecord, "description": "Already stored: the existing record"},
        **INPUT_ERROR_RESPONSES,
    },
    openapi_extra=UPLOAD_OPENAPI,
)
async def add_document(upload: UploadDep, runtime: RuntimeDep, response: Response) -> DocumentRecord:
    ingested = await run_in_threadpool(ingest_document, runtime, upload.data, upload.filename)
    if ingested.created:
        response.headers["Location"] = f"{router.prefix}/{ingested.record.id}"
    else:
        response.status_code = status.HTTP_200_OK
    return ingested.record


@router.get(
    "/{document_id}",
    summary="A stored document: status, error, the extraction result and the corrected fields once done",
    responses={404: {"model": ErrorBody}},
)
async def get_document(document_id: str, runtime: RuntimeDep) -> CorrectedDocument:
    return await run_in_threadpool(load_corrected_record, runtime.sessions, document_id)


@router.delete(
    "/{document_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a document: its row, jobs, search index entries, and its file unless shared",
    responses={404: {"model": ErrorBody}},
)
async def delete_document(document_id: str, runtime: RuntimeDep) -> None:
    await run_in_threadpool(search.delete_document, runtime, document_id)


@router.get("", summary="Stored documents, newest first, without full text")
async def list_documents(
    runtime: RuntimeDep,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page")] = None,
) -> DocumentPage:
    return await run_in_threadpool(load_page, runtime.sessions, limit, cursor)

