"""A stored document's pages for people: the page images (PNG, as the extraction saw them) and the words on them."""

from __future__ import annotations

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from api.auth.access import load_visible_document
from api.auth.principal import Principal
from api.corrections import NotExtracted
from api.errors import ApiError
from api.runtime import Runtime
from api.store.models import DocumentPagesRow, DocumentRow
from inference.io import sniff_media_type
from inference.page_image import png_bytes, upright_page
from inference.schema import DocumentStatus, ExtractionResult, Page, PageQuality

MIN_DPI, MAX_DPI, DEFAULT_DPI = 50, 300, 150


class NoPageImages(ApiError):
    code = "no_page_images"
    status = 409


class PageMissing(ApiError):
    code = "not_found"
    status = 404


class DocumentPages(BaseModel):
    document_id: str
    count: int
    """Pages of the file; images are `GET /v1/documents/{id}/pages/{n}`, n = 1..count."""
    pages: list[Page] = Field(default_factory=list)
    """Each page's size, quality, words and stamp words (boxes normalised to the page); empty for a document
    extracted before pages were kept."""


def _extracted(session: Session, principal: Principal, document_id: str) -> tuple[DocumentRow, ExtractionResult]:
    row = load_visible_document(session, principal, document_id)
    if row.status != DocumentStatus.DONE or row.result is None:
        raise NotExtracted(f"document {document_id} is {row.status}; its pages are shown once it is extracted")
    return row, ExtractionResult.model_validate(row.result)


def load_pages(runtime: Runtime, principal: Principal, document_id: str) -> DocumentPages:
    with runtime.sessions() as session:
        _, result = _extracted(session, principal, document_id)
        kept = session.get(DocumentPagesRow, document_id)
        pages = [Page.model_validate(page) for page in kept.pages] if kept is not None else []
    return DocumentPages(document_id=document_id, count=result.pages, pages=pages)


def page_png(runtime: Runtime, principal: Principal, document_id: str, number: int, dpi: int) -> bytes:
    """Page `number` (1-based) at `dpi`, turned and deskewed as the extraction did, so the boxes fit it."""
    with runtime.sessions() as session:
        row, result = _extracted(session, principal, document_id)
        sha256 = row.sha256
    if not 1 <= number <= result.pages:
        raise PageMissing(f"document {document_id} has pages 1 to {result.pages}, not {number}")
    if not runtime.blobs.exists(sha256):
        raise NoPageImages(f"document {document_id} was imported as a record, without a file to show")
    data = runtime.blobs.read(sha256)
    measured = result.quality.pages
    quality = measured[number - 1] if len(measured) >= number else PageQuality()
    image = upright_page(data, sniff_media_type(data), number - 1, dpi, quality, runtime.pipeline_options().limits)
    return png_bytes(image)
