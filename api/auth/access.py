"""Which documents a principal may see. A document it may not see does not exist for it: every path answers
404 `not_found`, exactly as for a missing id, so nothing tells an invisible document from none."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError
from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from api.auth.deps import PrincipalDep
from api.auth.principal import Principal, readable_modes
from api.errors import ApiError, DocumentNotFound
from api.exchange.changes import record_change
from api.routes.deps import RuntimeDep
from api.runtime import Runtime
from api.search import index_input, search_service
from api.store.documents import to_record
from api.store.models import DocumentRow
from inference.schema import DocumentAccess, DocumentRecord


def visible_documents_clause(principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause on `DocumentRow`: in the principal's scope, up to its clearance, an access mode it reads."""
    return and_(
        DocumentRow.agency_code.in_(sorted(principal.scope)),
        DocumentRow.secrecy <= int(principal.clearance),
        DocumentRow.access_mode.in_(sorted(readable_modes(principal.roles))),
    )


def load_visible_document(session: Session, principal: Principal, document_id: str) -> DocumentRow:
    query = select(DocumentRow).where(DocumentRow.id == document_id, visible_documents_clause(principal))
    row = session.scalars(query).one_or_none()
    if row is None:
        raise DocumentNotFound(f"no document with id {document_id!r}")
    return row


def _check_visible(runtime: Runtime, principal: Principal, document_id: str) -> None:
    with runtime.sessions() as session:
        load_visible_document(session, principal, document_id)


async def visible_document_id(document_id: str, principal: PrincipalDep, runtime: RuntimeDep) -> str:
    """The `{document_id}` of a route, once the principal may see it (404 otherwise)."""
    await run_in_threadpool(_check_visible, runtime, principal, document_id)
    return document_id


VisibleDocumentId = Annotated[str, Depends(visible_document_id)]
"""Use in place of `document_id: str` in routes on `/.../{document_id}/...`."""


def visible_documents(principal: PrincipalDep) -> ColumnElement[bool]:
    return visible_documents_clause(principal)


VisibleDocumentsDep = Annotated[ColumnElement[bool], Depends(visible_documents)]
"""The caller's `visible_documents_clause`, for the store functions that take a `visible` clause."""


# --- setting a document's access ---------------------------------------------------------------------


class InvalidAccess(ApiError):
    code = "invalid_access"
    status = 422


class StoredElsewhere(ApiError):
    code = "already_stored"
    status = 409


def granted_access(principal: Principal, requested: DocumentAccess) -> DocumentAccess:
    """The access a principal may give a document: an agency in its scope (default its own), secrecy up to
    its clearance (it could not see the document otherwise)."""
    agency = requested.agency_code or principal.agency_code
    if agency not in principal.scope:
        raise InvalidAccess(f"agency {agency!r} is not {principal.agency_code} or one of its units")
    if requested.secrecy > principal.clearance:
        raise InvalidAccess(f"secrecy {requested.secrecy.name} is above your clearance {principal.clearance.name}")
    return requested.model_copy(update={"agency_code": agency})


def access_from_form(principal: Principal, form: dict[str, str]) -> DocumentAccess:
    """The access of an upload from its form fields `agency_code`, `secrecy` (0-3), `access_mode`."""
    fields = {name: form[name] for name in DocumentAccess.model_fields if form.get(name)}
    try:
        requested = DocumentAccess.model_validate(fields)
    except ValidationError as error:
        problem = error.errors()[0]
        raise InvalidAccess(f"{'.'.join(map(str, problem['loc']))}: {problem['msg']}") from None
    return granted_access(principal, requested)


def change_access(
    runtime: Runtime, principal: Principal, document_id: str, requested: DocumentAccess
) -> DocumentRecord:
    """Set a document's access (recorded in the change feed) and re-index it for search."""
    access = granted_access(principal, requested)
    with runtime.sessions.begin() as session:
        row = load_visible_document(session, principal, document_id)
        changed = [name for name, value in access if getattr(row, name) != value]
        row.agency_code, row.secrecy, row.access_mode = access.agency_code, int(access.secrecy), access.access_mode
        if changed:
            record_change(session, "document", document_id, "update", changed)
        session.flush()
        record, item = to_record(row), index_input(row)
    if changed and item is not None:
        search_service(runtime).index([item])
    return record
