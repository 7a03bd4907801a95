from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from api.auth.deps import PrincipalDep
from api.errors import ErrorBody
from api.routes.deps import RuntimeDep
from api.search import access_scope, search_service
from inference.schema import Block
from inference.search.engine import SearchHit, SearchResponse
from inference.search.query import SearchFilters

router = APIRouter(prefix="/v1", tags=["search"])

MAX_K = 100
ReadAsName = Literal["type_name", "issuer", "year", "date_from", "date_to", "block", "number"]
"""A filter of `SearchFilters` the query can be read as; people may tell the search to ignore it."""
ERRORS: dict[int | str, dict[str, object]] = {status: {"model": ErrorBody} for status in (401, 404, 422, 503)}


@router.get(
    "/search",
    summary="Hybrid (keyword + semantic) search over the extracted and imported documents",
    description=(
        "Filters given as parameters exclude; filters read from the question (`read_as`: a number such as "
        "`127-KL/TW`, a type, an issuer, a year or date range, a block) lift matching documents. Typing without "
        "diacritics and small typos are tolerated. When nothing relevant is found, `no_answer` is true with a "
        "`reason` and no hits are returned. Only the documents the caller may read are searched: the others "
        "count nowhere (hits, total, facets, typo corrections, the no-answer decision)."
    ),
    responses=ERRORS,
)
async def search(
    runtime: RuntimeDep,
    principal: PrincipalDep,
    q: Annotated[str, Query(min_length=1, max_length=500, description="The question or keywords")],
    k: Annotated[int, Query(ge=1, le=MAX_K)] = 10,
    type: Annotated[str | None, Query(description="Document type, e.g. `Nghị định`")] = None,
    issuer: Annotated[str | None, Query(description="Part of the issuing organ's name")] = None,
    year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    date_from: Annotated[date | None, Query()] = None,
    date_to: Annotated[date | None, Query()] = None,
    block: Annotated[Block | None, Query()] = None,
    number: Annotated[str | None, Query(max_length=64, description="`127-KL/TW`, or a running number")] = None,
    ignore: Annotated[list[ReadAsName] | None, Query(description="`read_as` filters not to apply (repeat)")] = None,
) -> SearchResponse:
    filters = SearchFilters(type_name=type, issuer=issuer, year=year, date_from=date_from, date_to=date_to,
                            block=block, number=number)
    service = search_service(runtime)
    return await run_in_threadpool(service.search, q, k, filters, access_scope(principal), ignore or ())


@router.get(
    "/documents/{document_id}/similar",
    summary="Documents whose content is closest to this one's (404 for a document the caller may not read)",
    responses=ERRORS,
)
async def similar(
    document_id: str, runtime: RuntimeDep, principal: PrincipalDep, k: Annotated[int, Query(ge=1, le=MAX_K)] = 10
) -> list[SearchHit]:
    return await run_in_threadpool(search_service(runtime).similar, document_id, k, access_scope(principal))
