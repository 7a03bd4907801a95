"""Stored documents and hồ sơ as the standard's records (`StandardDocument`, `StandardFile`)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from api.store.documents import ALL_DOCUMENTS
from api.store.models import DocumentArchivalRow, DocumentRow, DossierDocumentRow, DossierRow
from inference.exchange.masking import mask_document
from inference.exchange.standard import StandardDocument, StandardFile, fields_to_standard
from inference.schema import ExtractionResult, Fields

SCANNED, BORN_DIGITAL = "Số hóa", "Gốc điện tử"
"""Mức độ tin cậy (ConfidenceLevel) when no archivist has set it."""


def document_to_standard(
    session: Session, row: DocumentRow, doc_ordinal: int | None, reveal_personal_data: bool
) -> StandardDocument:
    fields = Fields.model_validate(row.fields) if row.fields is not None else None
    values: dict[str, object] = {
        "Id": row.id,
        "Sha256": row.sha256,
        "DocOrdinal": doc_ordinal,
        "PageAmount": row.pages,
        "ConfidenceLevel": _confidence_level(row),
        **fields_to_standard(fields),
        **archival_attributes(session, row.id),
    }
    return mask_document(StandardDocument.model_validate(values), reveal_personal_data)


def _confidence_level(row: DocumentRow) -> str | None:
    if row.result is None:
        return None
    quality = ExtractionResult.model_validate(row.result).quality
    return SCANNED if any(page.dpi is not None for page in quality.pages) else BORN_DIGITAL


def archival_attributes(session: Session, document_id: str) -> dict[str, object]:
    row = session.get(DocumentArchivalRow, document_id)
    return dict(row.attributes) if row is not None else {}


def dossier_members(
    session: Session, dossier_id: str, visible: ColumnElement[bool] = ALL_DOCUMENTS
) -> list[tuple[DocumentRow, int]]:
    """The documents of a hồ sơ that `visible` admits, in DocOrdinal order."""
    rows = session.execute(
        select(DocumentRow, DossierDocumentRow.doc_ordinal)
        .join(DossierDocumentRow, DossierDocumentRow.document_id == DocumentRow.id)
        .where(DossierDocumentRow.dossier_id == dossier_id, visible)
        .order_by(DossierDocumentRow.doc_ordinal)
    )
    return [(document, ordinal) for document, ordinal in rows]


def dossier_to_standard(
    session: Session, row: DossierRow, reveal_personal_data: bool, visible: ColumnElement[bool] = ALL_DOCUMENTS
) -> StandardFile:
    """The hồ sơ with the documents `visible` admits (counts and dates from those only)."""
    documents = [
        document_to_standard(session, document, ordinal, reveal_personal_data)
        for document, ordinal in dossier_members(session, row.id, visible)
    ]
    issued = [d.IssuedDate for d in documents if d.IssuedDate is not None]
    attributes = dict(row.attributes)
    # Start and end default to the first and last issue dates of the documents (Decree 30 App. VI).
    attributes.setdefault("StartDate", min(issued).isoformat() if issued else None)
    attributes.setdefault("EndDate", max(issued).isoformat() if issued else None)
    return StandardFile.model_validate(
        {
            **attributes,
            "FileCode": row.file_code,
            "Title": row.title,
            "TotalDoc": len(documents),
            "PageTotal": sum(d.PageAmount or 0 for d in documents),
            "Documents": documents,
        }
    )


def find_dossier(session: Session, file_code: str) -> DossierRow | None:
    return session.scalars(select(DossierRow).where(DossierRow.file_code == file_code)).one_or_none()


def dossier_of(session: Session, document_id: str) -> DossierDocumentRow | None:
    return session.scalars(
        select(DossierDocumentRow).where(DossierDocumentRow.document_id == document_id)
    ).one_or_none()
