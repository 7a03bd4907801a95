"""Pages of a stored document for the web application: `GET /v1/documents/{id}/pages` (sizes, words) and
`GET /v1/documents/{id}/pages/{n}` (the page image, PNG)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from fastapi.concurrency import run_in_threadpool

from api.auth.deps import AUTH_RESPONSES, PrincipalDep
from api.errors import ErrorBody
from api.pages import DEFAULT_DPI, MAX_DPI, MIN_DPI, DocumentPages, load_pages, page_png
from api.routes.deps import RuntimeDep

router = APIRouter(prefix="/v1/documents", tags=["pages"])
ERRORS = {**AUTH_RESPONSES, **{status: {"model": ErrorBody} for status in (404, 409, 422)}}
IMAGE_CACHE = {"Cache-Control": "private, max-age=300"}


@router.get(
    "/{document_id}/pages",
    summary="The pages of an extracted document: size, quality, and the words with their boxes",
    responses=ERRORS,
)
async def pages(document_id: str, runtime: RuntimeDep, principal: PrincipalDep) -> DocumentPages:
    return await run_in_threadpool(load_pages, runtime, principal, document_id)


@router.get(
    "/{document_id}/pages/{number}",
    summary="One page as a PNG image, upright and deskewed as the extraction read it (boxes fit it)",
    description=f"`number` is 1-based. `dpi` from {MIN_DPI} to {MAX_DPI} (default {DEFAULT_DPI}).",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}, **ERRORS},
)
async def page_image(
    document_id: str,
    number: Annotated[int, Path(ge=1, description="Page number, 1-based")],
    runtime: RuntimeDep,
    principal: PrincipalDep,
    dpi: Annotated[int, Query(ge=MIN_DPI, le=MAX_DPI)] = DEFAULT_DPI,
) -> Response:
    png = await run_in_threadpool(page_png, runtime, principal, document_id, number, dpi)
    return Response(png, media_type="image/png", headers=IMAGE_CACHE)
