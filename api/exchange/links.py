"""Entity links of stored documents: recognised when a document's extraction completes (a hook of the job
queue), listed masked unless the caller may see personal data, checked against the registers."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from api.errors import DocumentNotFound
from api.store.models import DocumentRow, EntityLinkRow
from inference.exchange.entities import UnitTable, recognise
from inference.exchange.masking import mask_links
from inference.exchange.registers import REGISTER_CONNECTORS, Check, check_link
from inference.schema import EntityLink, ExtractionResult, Page

CompletionHook = Callable[[Session, DocumentRow, list[Page], ExtractionResult], None]


class LinkView(BaseModel):
    link: EntityLink
    check: Check | None = None
    """Present when registers are configured (`VANTHU_EXCHANGE__REGISTERS_DIR`)."""


@cache
def unit_table(path: Path | None) -> UnitTable | None:
    return UnitTable.load(path) if path is not None else None


def link_entities_hook(units_path: Path | None) -> CompletionHook:
    """Recognise a document's entity links when its extraction is stored, in the same transaction."""
    units = unit_table(units_path)

    def link_entities(session: Session, document: DocumentRow, pages: list[Page], result: ExtractionResult) -> None:
        replace_links(session, document.id, recognise(pages, result.fields, result.evidence, units))

    return link_entities


def replace_links(session: Session, document_id: str, links: list[EntityLink]) -> None:
    session.execute(delete(EntityLinkRow).where(EntityLinkRow.document_id == document_id))
    session.add_all(
        EntityLinkRow(
            document_id=document_id, kind=link.kind, normalized=link.normalized[:200], link=link.model_dump(mode="json")
        )
        for link in links
    )


def load_links(
    sessions: sessionmaker[Session], document_id: str, reveal_personal_data: bool, registers_dir: Path | None
) -> list[LinkView]:
    with sessions() as session:
        if session.get(DocumentRow, document_id) is None:
            raise DocumentNotFound(f"no document with id {document_id!r}")
        rows = session.scalars(
            select(EntityLinkRow).where(EntityLinkRow.document_id == document_id).order_by(EntityLinkRow.id)
        )
        links = [EntityLink.model_validate(row.link) for row in rows]
    connector = REGISTER_CONNECTORS.create("files", root=registers_dir) if registers_dir else None
    checks = [check_link(connector, link) if connector else None for link in links]
    return [LinkView(link=shown, check=check) for shown, check in zip(mask_links(links, reveal_personal_data), checks)]
