"""Export of documents and hồ sơ as the standard's records, and import of such a file in one transaction.

An import describes documents the store already has (found by Sha256: the files travel separately) and
hồ sơ (created or updated by FileCode; their membership becomes the one listed). Anything that does not
fit rolls the whole import back. A value masked in an export is not an edit: importing it keeps the stored
value, so a masked export round-trips."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.orm import Session, sessionmaker

from api.exchange.changes import changed_since, record_change
from api.exchange.dossiers import file_attributes, insert_dossier
from api.exchange.errors import DossierNotFound, InvalidExchange
from api.exchange.records import document_to_standard, dossier_to_standard, find_dossier
from api.store.documents import ALL_DOCUMENTS
from api.store.models import DocumentArchivalRow, DocumentRow, DossierDocumentRow, DossierRow
from inference.exchange.formats import ExchangeFormatError, load
from inference.exchange.masking import FREE_TEXT_FIELDS, mask_text
from inference.exchange.standard import (
    ARCHIVAL_FIELDS,
    Exchange,
    StandardDocument,
    StandardFile,
    fields_to_standard,
    file_code,
    standard_to_fields,
)
from inference.schema import Fields


class ImportSummary(BaseModel):
    dossiers_created: int = 0
    dossiers_updated: int = 0
    documents_updated: int = 0
    unchanged: int = 0


def export_records(
    sessions: sessionmaker[Session], reveal_personal_data: bool, dossier: str | None = None, since: int | None = None,
    visible: ColumnElement[bool] = ALL_DOCUMENTS,
) -> tuple[Exchange, int | None]:
    """Everything `visible` admits (or one hồ sơ, or what changed after cursor `since`) and the feed's cursor it
    is as of."""
    with sessions() as session:
        cursor = None
        if since is not None:
            document_ids, codes, cursor = changed_since(session, since)
        if dossier is not None:
            row = find_dossier(session, dossier)
            if row is None:
                raise DossierNotFound(f"no hồ sơ with FileCode {dossier!r}")
            files = [dossier_to_standard(session, row, reveal_personal_data, visible)]
            return Exchange(ExportedAt=datetime.now(UTC), Files=files), cursor
        dossiers = session.scalars(select(DossierRow).order_by(DossierRow.file_code)).all()
        files = [dossier_to_standard(session, row, reveal_personal_data, visible) for row in dossiers]
        loose = session.scalars(
            select(DocumentRow)
            .where(DocumentRow.id.not_in(select(DossierDocumentRow.document_id)), visible)
            .order_by(DocumentRow.created_at, DocumentRow.id)
        ).all()
        documents = [document_to_standard(session, row, None, reveal_personal_data) for row in loose]
    if since is not None:
        files = [f for f in files if f.FileCode in codes or any(d.Id in document_ids for d in f.Documents)]
        documents = [d for d in documents if d.Id in document_ids]
    return Exchange(ExportedAt=datetime.now(UTC), Files=files, Documents=documents), cursor


def import_records(
    sessions: sessionmaker[Session], data: bytes, visible: ColumnElement[bool] = ALL_DOCUMENTS
) -> ImportSummary:
    """Only documents `visible` admits can be described: any other Sha256 is unknown to the importer."""
    try:
        exchange = load(data)
    except ExchangeFormatError as error:
        raise InvalidExchange(error.reason) from error
    summary = ImportSummary()
    with sessions.begin() as session:
        seen: set[str] = set()
        for index, standard in enumerate(exchange.Files):
            _import_file(session, standard, f"Files[{index}]", seen, summary, visible)
        for index, document in enumerate(exchange.Documents):
            _import_document(session, document, f"Documents[{index}]", seen, summary, visible)
    return summary


def _import_file(
    session: Session, standard: StandardFile, where: str, seen: set[str], summary: ImportSummary,
    visible: ColumnElement[bool],
) -> None:
    expected = file_code(standard.OrganId, standard.FileCatalog, standard.FileNotation)
    if standard.FileCode != expected:
        raise InvalidExchange(
            f"{where}.FileCode: {standard.FileCode!r} is not OrganId.FileCatalog.FileNotation ({expected!r})"
        )
    for name, counted in (
        ("TotalDoc", len(standard.Documents)),
        ("PageTotal", sum(d.PageAmount or 0 for d in standard.Documents)),
    ):
        if getattr(standard, name) is not None and getattr(standard, name) != counted:
            raise InvalidExchange(
                f"{where}.{name}: says {getattr(standard, name)}, the documents listed make {counted}"
            )
    row = find_dossier(session, standard.FileCode)
    created = row is None
    if row is None:
        row = insert_dossier(session, standard)
        summary.dossiers_created += 1
    members = [
        (_import_document(session, document, f"{where}.Documents[{i}]", seen, summary, visible),
         document.DocOrdinal or i + 1)
        for i, document in enumerate(standard.Documents)
    ]
    if _update_dossier(session, row, standard, members) and not created:
        summary.dossiers_updated += 1


def _update_dossier(
    session: Session, row: DossierRow, standard: StandardFile, members: list[tuple[str, int]]
) -> list[str]:
    changed = [] if row.title == standard.Title else ["Title"]
    attributes, shown = file_attributes(standard), file_attributes(dossier_to_standard(session, row, True))
    changed += sorted(k for k in attributes.keys() | shown.keys() if attributes.get(k) != shown.get(k))
    ordinals = [ordinal for _, ordinal in members]
    if len(set(ordinals)) != len(ordinals):
        raise InvalidExchange(f"hồ sơ {row.file_code}: two documents have the same DocOrdinal")
    current = dict(
        session.execute(
            select(DossierDocumentRow.document_id, DossierDocumentRow.doc_ordinal).where(
                DossierDocumentRow.dossier_id == row.id
            )
        ).all()
    )
    if current != dict(members):
        changed.append("Documents")
        session.execute(delete(DossierDocumentRow).where(DossierDocumentRow.dossier_id == row.id))
        session.execute(delete(DossierDocumentRow).where(DossierDocumentRow.document_id.in_([d for d, _ in members])))
        session.flush()
        session.add_all(DossierDocumentRow(dossier_id=row.id, document_id=d, doc_ordinal=o) for d, o in members)
    if changed:
        row.title, row.attributes = standard.Title, attributes
        session.flush()
        record_change(session, "dossier", row.file_code, "update", changed)
    return changed


def _import_document(
    session: Session, document: StandardDocument, where: str, seen: set[str], summary: ImportSummary,
    visible: ColumnElement[bool],
) -> str:
    row = session.scalars(select(DocumentRow).where(DocumentRow.sha256 == document.Sha256, visible)).one_or_none()
    if row is None:
        raise InvalidExchange(f"{where}: no document with Sha256 {document.Sha256} in the store; add its file first")
    if row.id in seen:
        raise InvalidExchange(f"{where}: document {document.Sha256} is listed twice")
    seen.add(row.id)
    changed = _update_fields(row, document) + _update_archival(session, row, document)
    if changed:
        record_change(session, "document", row.id, "update", changed)
        summary.documents_updated += 1
    else:
        summary.unchanged += 1
    return row.id


def _update_fields(row: DocumentRow, document: StandardDocument) -> list[str]:
    current = Fields.model_validate(row.fields or {})
    stored = StandardDocument.model_validate({"Sha256": row.sha256, **fields_to_standard(current)})
    incoming = _unmasked(document, stored)
    changed = [name for name in fields_to_standard(current) if getattr(incoming, name) != getattr(stored, name)]
    if changed:
        fields = standard_to_fields(incoming, current).model_dump(mode="json")
        row.fields = fields
        if row.result is not None:
            row.result = {**row.result, "fields": fields}
    return changed


def _update_archival(session: Session, row: DocumentRow, document: StandardDocument) -> list[str]:
    """Compared with what an export shows (defaults and derived values included), so re-importing an
    export changes nothing."""
    shown = document_to_standard(session, row, None, reveal_personal_data=True)
    current = shown.model_dump(mode="json", include=set(ARCHIVAL_FIELDS), exclude_none=True)
    incoming = _unmasked(document, shown).model_dump(mode="json", include=set(ARCHIVAL_FIELDS), exclude_none=True)
    changed = sorted(k for k in incoming.keys() | current.keys() if incoming.get(k) != current.get(k))
    if changed:
        session.merge(DocumentArchivalRow(document_id=row.id, attributes=incoming))
    return changed


def _unmasked(incoming: StandardDocument, stored: StandardDocument) -> StandardDocument:
    """`incoming` with the free-text values that are just the stored ones masked put back."""
    kept: dict[str, object] = {
        name: getattr(stored, name)
        for name in FREE_TEXT_FIELDS
        if getattr(stored, name) is not None and getattr(incoming, name) == mask_text(getattr(stored, name))
    }
    if incoming.To == [mask_text(recipient) for recipient in stored.To]:
        kept["To"] = stored.To
    return incoming.model_copy(update=kept)
