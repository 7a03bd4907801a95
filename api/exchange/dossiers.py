"""Hồ sơ (dossiers): create, add and remove documents, delete; each change goes into the change feed."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, ValidationError
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, sessionmaker

from api.errors import DocumentNotFound
from api.exchange.changes import record_change
from api.exchange.errors import DossierExists, DossierNotFound, InvalidExchange
from api.exchange.records import dossier_of, dossier_to_standard, find_dossier
from api.store.documents import ALL_DOCUMENTS
from api.store.models import DocumentRow, DossierDocumentRow, DossierRow
from inference.exchange.standard import StandardFile, file_code

FILE_KEYS = {"FileCode", "Title", "TotalDoc", "PageTotal", "Documents"}
"""StandardFile fields that are not kept in `DossierRow.attributes` (columns, or counted)."""


class DossierSpec(BaseModel):
    """What creating a hồ sơ takes: StandardFile without the code (made of its parts) and the counts."""

    model_config = StandardFile.model_config

    OrganId: str
    FileCatalog: int
    FileNotation: str
    Title: str
    Maintenance: str | None = None
    Rights: str | None = None
    Creator: str | None = None
    Language: str | None = None
    StartDate: date | None = None
    EndDate: date | None = None
    Description: str | None = None
    InforSign: str | None = None
    Keyword: str | None = None
    Format: str | None = None

    def to_standard(self) -> StandardFile:
        """Validated with the standard's limits (raises pydantic's ValidationError)."""
        values = self.model_dump(exclude_none=True)
        return StandardFile.model_validate(
            values | {"FileCode": file_code(self.OrganId, self.FileCatalog, self.FileNotation)}
        )


class DossierSummary(BaseModel):
    FileCode: str
    Title: str
    TotalDoc: int


def file_attributes(standard: StandardFile) -> dict[str, object]:
    return standard.model_dump(mode="json", exclude=FILE_KEYS, exclude_none=True)


def insert_dossier(session: Session, standard: StandardFile) -> DossierRow:
    if find_dossier(session, standard.FileCode) is not None:
        raise DossierExists(f"hồ sơ {standard.FileCode} already exists")
    row = DossierRow(
        id=str(uuid.uuid4()), file_code=standard.FileCode, title=standard.Title, attributes=file_attributes(standard)
    )
    session.add(row)
    session.flush()
    record_change(session, "dossier", row.file_code, "create", sorted(file_attributes(standard)) + ["Title"])
    return row


def create_dossier(sessions: sessionmaker[Session], spec: DossierSpec, reveal_personal_data: bool) -> StandardFile:
    standard = _validated(spec)
    with sessions.begin() as session:
        return dossier_to_standard(session, insert_dossier(session, standard), reveal_personal_data)


def _validated(spec: DossierSpec) -> StandardFile:
    try:
        return spec.to_standard()
    except ValidationError as error:
        problem = error.errors()[0]
        raise InvalidExchange(f"{'.'.join(map(str, problem['loc']))}: {problem['msg']}") from error


def load_dossier(
    sessions: sessionmaker[Session], code: str, reveal_personal_data: bool, visible: ColumnElement[bool] = ALL_DOCUMENTS
) -> StandardFile:
    with sessions() as session:
        return dossier_to_standard(session, _dossier(session, code), reveal_personal_data, visible)


def list_dossiers(
    sessions: sessionmaker[Session], visible: ColumnElement[bool] = ALL_DOCUMENTS
) -> list[DossierSummary]:
    """Every hồ sơ, counting the documents `visible` admits."""
    members = (
        select(DossierDocumentRow.dossier_id, DossierDocumentRow.document_id)
        .join(DocumentRow, DocumentRow.id == DossierDocumentRow.document_id)
        .where(visible)
        .subquery()
    )
    with sessions() as session:
        counts = (
            select(DossierRow.file_code, DossierRow.title, func.count(members.c.document_id))
            .outerjoin(members, members.c.dossier_id == DossierRow.id)
            .group_by(DossierRow.file_code, DossierRow.title)
            .order_by(DossierRow.file_code)
        )
        return [DossierSummary(FileCode=c, Title=t, TotalDoc=n) for c, t, n in session.execute(counts)]


def delete_dossier(sessions: sessionmaker[Session], code: str) -> None:
    """The hồ sơ goes; its documents stay in the store, in no hồ sơ."""
    with sessions.begin() as session:
        session.delete(_dossier(session, code))
        record_change(session, "dossier", code, "delete", [])


def add_document(
    sessions: sessionmaker[Session], code: str, document_id: str, ordinal: int | None, reveal_personal_data: bool,
    visible: ColumnElement[bool] = ALL_DOCUMENTS,
) -> StandardFile:
    """Put a document into a hồ sơ at `ordinal` (default: after the last one)."""
    with sessions.begin() as session:
        dossier = _add_member(session, code, document_id, ordinal)
        return dossier_to_standard(session, dossier, reveal_personal_data, visible)


def file_document(sessions: sessionmaker[Session], code: str, document_id: str, ordinal: int | None) -> None:
    """`add_document` without reading the hồ sơ back (batch ingestion files documents by the thousand)."""
    with sessions.begin() as session:
        _add_member(session, code, document_id, ordinal)


def _add_member(session: Session, code: str, document_id: str, ordinal: int | None) -> DossierRow:
    dossier = _dossier(session, code)
    if session.get(DocumentRow, document_id) is None:
        raise DocumentNotFound(f"no document with id {document_id!r}")
    if dossier_of(session, document_id) is not None:
        raise InvalidExchange(f"document {document_id} is already in a hồ sơ; remove it from there first")
    ordinal = ordinal or _next_ordinal(session, dossier.id)
    if _ordinal_taken(session, dossier.id, ordinal):
        raise InvalidExchange(f"DocOrdinal {ordinal} is taken in hồ sơ {code}")
    session.add(DossierDocumentRow(dossier_id=dossier.id, document_id=document_id, doc_ordinal=ordinal))
    session.flush()
    _touch(session, dossier)
    return dossier


def remove_document(
    sessions: sessionmaker[Session], code: str, document_id: str, reveal_personal_data: bool,
    visible: ColumnElement[bool] = ALL_DOCUMENTS,
) -> StandardFile:
    with sessions.begin() as session:
        dossier = _dossier(session, code)
        member = session.get(DossierDocumentRow, (dossier.id, document_id))
        if member is None:
            raise DocumentNotFound(f"document {document_id} is not in hồ sơ {code}")
        session.delete(member)
        session.flush()
        _touch(session, dossier)
        return dossier_to_standard(session, dossier, reveal_personal_data, visible)


def _touch(session: Session, dossier: DossierRow) -> None:
    record_change(session, "dossier", dossier.file_code, "update", ["Documents"])


def _dossier(session: Session, code: str) -> DossierRow:
    row = find_dossier(session, code)
    if row is None:
        raise DossierNotFound(f"no hồ sơ with FileCode {code!r}")
    return row


def _next_ordinal(session: Session, dossier_id: str) -> int:
    last = session.scalar(
        select(func.max(DossierDocumentRow.doc_ordinal)).where(DossierDocumentRow.dossier_id == dossier_id)
    )
    return (last or 0) + 1


def _ordinal_taken(session: Session, dossier_id: str, ordinal: int) -> bool:
    query = select(DossierDocumentRow).where(
        DossierDocumentRow.dossier_id == dossier_id, DossierDocumentRow.doc_ordinal == ordinal
    )
    return session.scalars(query).first() is not None
