"""Records exchange: hồ sơ, standard metadata export/import, the change feed, entity links, PDF/A."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool

from api.auth.access import VisibleDocumentId, VisibleDocumentsDep
from api.auth.deps import AUTH_RESPONSES, PrincipalDep, current_principal, require_roles
from api.auth.principal import Role
from api.errors import ErrorBody
from api.exchange import dossiers
from api.exchange.archive import stored_pdfa
from api.exchange.changes import DEFAULT_LIMIT, MAX_LIMIT, ChangePage, load_changes
from api.exchange.links import LinkView, load_links
from api.exchange.transfer import ImportSummary, export_records, import_records
from api.routes.deps import RuntimeDep
from inference.errors import TooLarge
from inference.exchange.formats import dump
from inference.exchange.standard import StandardFile

router = APIRouter(prefix="/v1", tags=["exchange"], dependencies=[Depends(current_principal)])
NOT_FOUND = {404: {"model": ErrorBody}, **AUTH_RESPONSES}
INVALID = {422: {"model": ErrorBody}, **AUTH_RESPONSES}
OFFICERS = [require_roles(Role.admin, Role.records_officer)]
MEDIA_TYPES = {"json": "application/json", "xml": "application/xml"}
CURSOR_HEADER = "X-Vanthu-Cursor"


def reveal_personal_data(principal: PrincipalDep) -> bool:
    """Whether the caller sees personal data (citizen IDs, private persons' names) of the documents it may
    read: records officers and admins do; everyone else gets them masked."""
    return principal.reveal_personal_data


RevealDep = Annotated[bool, Depends(reveal_personal_data)]


@router.post(
    "/dossiers",
    status_code=status.HTTP_201_CREATED,
    summary="Create a hồ sơ",
    responses={409: {"model": ErrorBody}, **INVALID},
    dependencies=OFFICERS,
)
async def create_dossier(spec: dossiers.DossierSpec, runtime: RuntimeDep, reveal: RevealDep) -> StandardFile:
    return await run_in_threadpool(dossiers.create_dossier, runtime.sessions, spec, reveal)


@router.get("/dossiers", summary="Every hồ sơ: FileCode, title, number of documents you may see",
            responses=AUTH_RESPONSES)
async def list_dossiers(runtime: RuntimeDep, visible: VisibleDocumentsDep) -> list[dossiers.DossierSummary]:
    return await run_in_threadpool(dossiers.list_dossiers, runtime.sessions, visible)


@router.get("/dossiers/{code}", summary="A hồ sơ with the documents you may see, as the standard's record",
            responses=NOT_FOUND)
async def get_dossier(code: str, runtime: RuntimeDep, reveal: RevealDep, visible: VisibleDocumentsDep) -> StandardFile:
    return await run_in_threadpool(dossiers.load_dossier, runtime.sessions, code, reveal, visible)


@router.delete(
    "/dossiers/{code}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a hồ sơ (its documents stay)",
    responses=NOT_FOUND,
    dependencies=OFFICERS,
)
async def delete_dossier(code: str, runtime: RuntimeDep) -> None:
    await run_in_threadpool(dossiers.delete_dossier, runtime.sessions, code)


@router.put(
    "/dossiers/{code}/documents/{document_id}",
    summary="Put a document into a hồ sơ",
    responses={**NOT_FOUND, **INVALID},
    dependencies=OFFICERS,
)
async def add_document(
    code: str,
    document_id: VisibleDocumentId,
    runtime: RuntimeDep,
    reveal: RevealDep,
    visible: VisibleDocumentsDep,
    ordinal: Annotated[int | None, Query(ge=1, le=9999, description="DocOrdinal; default after the last")] = None,
) -> StandardFile:
    return await run_in_threadpool(
        dossiers.add_document, runtime.sessions, code, document_id, ordinal, reveal, visible
    )


@router.delete(
    "/dossiers/{code}/documents/{document_id}", summary="Take a document out of a hồ sơ", responses=NOT_FOUND,
    dependencies=OFFICERS,
)
async def remove_document(
    code: str, document_id: VisibleDocumentId, runtime: RuntimeDep, reveal: RevealDep, visible: VisibleDocumentsDep
) -> StandardFile:
    return await run_in_threadpool(dossiers.remove_document, runtime.sessions, code, document_id, reveal, visible)


@router.get(
    "/changes",
    summary="The change feed: creates, updates and deletes of documents and hồ sơ after a cursor",
    description=(
        "Start with `since=0`; pass the `next_cursor` of each page as `since` for the next. Changes of documents "
        "you may not see are left out (deletions, which carry only the id, are not)."
    ),
    responses=AUTH_RESPONSES,
)
async def list_changes(
    runtime: RuntimeDep,
    visible: VisibleDocumentsDep,
    since: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> ChangePage:
    return await run_in_threadpool(load_changes, runtime.sessions, since, limit, visible)


@router.get(
    "/export",
    summary="Bulk export under the standard's names (Circular 02/2019, Decree 30 App. VI), JSON or XML",
    description=(
        f"The documents you may see (personal data masked unless you are a records officer or admin). With "
        f"`since`, only what changed after that feed cursor; `{CURSOR_HEADER}` is the cursor to use next."
    ),
    responses=NOT_FOUND,
)
async def export(
    runtime: RuntimeDep,
    reveal: RevealDep,
    visible: VisibleDocumentsDep,
    format: Literal["json", "xml"] = "json",
    since: Annotated[int | None, Query(ge=0)] = None,
    dossier: Annotated[str | None, Query(description="One hồ sơ by FileCode")] = None,
) -> Response:
    exchange, cursor = await run_in_threadpool(export_records, runtime.sessions, reveal, dossier, since, visible)
    headers = {CURSOR_HEADER: str(cursor)} if cursor is not None else {}
    return Response(dump(exchange, format), media_type=MEDIA_TYPES[format], headers=headers)


@router.post(
    "/import",
    summary="Import standard metadata (the body: a JSON or XML export); all of it or nothing",
    responses={413: {"model": ErrorBody}, **INVALID},
    dependencies=OFFICERS,
    openapi_extra={
        "requestBody": {"required": True, "content": {t: {"schema": {"type": "string"}} for t in MEDIA_TYPES.values()}}
    },
)
async def import_metadata(request: Request, runtime: RuntimeDep, visible: VisibleDocumentsDep) -> ImportSummary:
    limit = runtime.settings.max_upload_bytes
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise TooLarge(f"an import is at most {limit} bytes")
    return await run_in_threadpool(import_records, runtime.sessions, bytes(body), visible)


@router.get(
    "/documents/{document_id}/links",
    summary="Entity links read in a document, checked against the registers",
    responses=NOT_FOUND,
)
async def document_links(document_id: VisibleDocumentId, runtime: RuntimeDep, reveal: RevealDep) -> list[LinkView]:
    registers = runtime.settings.exchange.registers_dir
    return await run_in_threadpool(load_links, runtime.sessions, document_id, reveal, registers)


@router.get(
    "/documents/{document_id}/pdfa",
    summary="The document as two-layer PDF/A-2b (page image + invisible OCR text)",
    responses={200: {"content": {"application/pdf": {}}}, 409: {"model": ErrorBody}, **NOT_FOUND},
    response_class=Response,
)
async def document_pdfa(document_id: VisibleDocumentId, runtime: RuntimeDep) -> Response:
    data, filename = await run_in_threadpool(stored_pdfa, runtime, document_id)
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )
