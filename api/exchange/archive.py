"""The archival PDF/A of a stored document, built from its file and the words its extraction kept."""

from __future__ import annotations

from pathlib import PurePath

from api.errors import DocumentNotFound
from api.exchange.errors import NotReady
from api.runtime import Runtime
from api.store.models import DocumentPagesRow, DocumentRow
from inference.exchange.pdfa import document_to_pdfa
from inference.io import inspect_document
from inference.pipeline import extract_pages
from inference.schema import DocumentStatus, Fields, Page


def stored_pdfa(runtime: Runtime, document_id: str) -> tuple[bytes, str]:
    """The PDF/A bytes and a file name for them."""
    with runtime.sessions() as session:
        row = session.get(DocumentRow, document_id)
        if row is None:
            raise DocumentNotFound(f"no document with id {document_id!r}")
        if row.status != DocumentStatus.DONE:
            raise NotReady(f"document {document_id} is {row.status}; its PDF/A is made once it is extracted")
        kept = session.get(DocumentPagesRow, document_id)
        sha256, filename, fields = row.sha256, row.filename, Fields.model_validate(row.fields or {})
        pages = [Page.model_validate(page) for page in kept.pages] if kept is not None else None
    data = runtime.blobs.read(sha256)
    options = runtime.pipeline_options()
    source = inspect_document(data, filename, options.limits, options.min_text_layer_chars)
    if pages is None:  # extracted before the pages were kept: read them again
        pages = extract_pages(data, source, options)[0]
    title = " ".join(part for part in (fields.type_name, fields.number) if part) or filename
    pdfa = document_to_pdfa(data, source, pages, options.ocr_dpi, options.limits, title=title)
    return pdfa, f"{PurePath(filename).stem}.pdfa.pdf"
