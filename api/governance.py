"""Governance in the service: when a document's extraction finishes, its quality flags, classification,
retention proposal and duplicate group are recorded; staff work through them in the review queue.

The decisions themselves are the pure code of inference.governance; this module stores them and
records who confirmed, rejected, resolved or overrode what, and when.
"""

from __future__ import annotations

import logging
import uuid
from itertools import combinations
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, field_validator
from sqlalchemy import ColumnElement, delete, event, func, not_, or_, select
from sqlalchemy.orm import Session, sessionmaker

from api.errors import ApiError, DocumentNotFound
from api.settings import GovernanceSettings, get_settings
from api.store.documents import ALL_DOCUMENTS
from api.store.models import (
    ClassificationRow,
    DocumentRow,
    DuplicateGroupRow,
    DuplicateMemberRow,
    RetentionDecisionRow,
    ReviewItemRow,
    SignatureBandRow,
    SignatureRow,
    UnitLinkRow,
    utc_now,
)
from inference.governance.classify import classify
from inference.governance.dedup import Signature, band_keys, find_groups, signature
from inference.governance.qc import quality_flags
from inference.governance.retention import PERIODS, propose
from inference.governance.units import UnitLink, UnitTable
from inference.schema import (
    Classification, DuplicateGroup, ExtractionResult, QualityFlag, RetentionProposal, Severity,
)

logger = logging.getLogger(__name__)

OPEN, RESOLVED = "open", "resolved"
PROPOSED, CONFIRMED, REJECTED = "proposed", "confirmed", "rejected"
ACTIVE_GROUP = (PROPOSED, CONFIRMED)
QUEUED_SEVERITIES = (Severity.WARNING, Severity.ERROR)
"""Info flags (a blank back page, a corrected skew) are shown with the document, not queued for review."""
MAX_LIST = 500

Person = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]


class GroupNotFound(ApiError):
    code = "not_found"
    status = 404


class ReviewItemNotFound(ApiError):
    code = "not_found"
    status = 404


class AlreadyDecided(ApiError):
    code = "already_decided"
    status = 409


class NotExtracted(ApiError):
    code = "not_extracted"
    status = 409


class InvalidMember(ApiError):
    code = "invalid_member"
    status = 422


# --- what the API shows and takes -----------------------------------------------------------------


class GroupMember(BaseModel):
    document_id: str
    filename: str
    role: str
    """original (authoritative), copy (a certified copy of it) or duplicate."""


class DuplicateGroupView(BaseModel):
    id: str
    reason: str
    reasons: list[str]
    status: str
    original_id: str | None
    members: list[GroupMember]
    decided_by: str | None = None
    decided_at: datetime | None = None
    note: str | None = None
    created_at: datetime


class ReviewItem(BaseModel):
    id: str
    kind: str
    """quality, duplicates or retention."""
    document_id: str | None
    group_id: str | None
    code: str
    severity: str
    page: int | None
    field: str | None
    message: str
    status: str
    resolved_by: str | None
    resolved_at: datetime | None
    resolution: str | None
    created_at: datetime


class RetentionDecision(BaseModel):
    period: str
    rule_id: str | None
    citation: str
    source: str
    """proposed (by the rules), confirmed or overridden (by staff)."""
    decided_by: str | None
    note: str | None
    created_at: datetime


class DocumentGovernance(BaseModel):
    document_id: str
    classification: Classification | None
    flags: list[QualityFlag]
    retention: RetentionDecision | None
    retention_history: list[RetentionDecision]
    duplicate_groups: list[DuplicateGroupView]


class Decision(BaseModel):
    by: Person
    """Who decides (recorded with the time)."""
    note: str | None = Field(default=None, max_length=2000)


class GroupConfirmation(Decision):
    original_id: str | None = None
    """The authoritative member, when staff choose another one than proposed."""


class RetentionChoice(Decision):
    period: str | None = None
    """Omitted or equal to the proposal: confirm it. Otherwise the period that overrides it."""

    @field_validator("period")
    @classmethod
    def _known_period(cls, value: str | None) -> str | None:
        if value is not None and value not in PERIODS:
            raise ValueError(f"period must be one of {', '.join(PERIODS)}")
        return value


# --- units ---------------------------------------------------------------------------------------


def default_units_dir(settings: GovernanceSettings) -> Path | None:
    if settings.units_dir is not None:
        return settings.units_dir
    from eval.datasets import shared_dir  # the development data beside a checkout; absent in deployments

    shared = shared_dir()
    candidate = shared / "data" / "units" if shared else None
    return candidate if candidate and candidate.is_dir() else None


@lru_cache(maxsize=4)
def _units_from_dir(directory: Path) -> UnitTable:
    return UnitTable.from_dir(directory)


@lru_cache(maxsize=4)
def _units_from_rows(links: tuple[UnitLink, ...]) -> UnitTable:
    return UnitTable(links)


def unit_table(session: Session, settings: GovernanceSettings) -> UnitTable | None:
    """The imported table when there is one, else the configured folder, else None."""
    if session.scalar(select(func.count()).select_from(UnitLinkRow)):
        rows = session.scalars(select(UnitLinkRow).order_by(UnitLinkRow.old_code, UnitLinkRow.new_code))
        return _units_from_rows(tuple(UnitLink.model_validate(row, from_attributes=True) for row in rows))
    directory = default_units_dir(settings)
    return _units_from_dir(directory) if directory else None


def import_units(session: Session, links: list[UnitLink]) -> int:
    """Replace the stored unit table with `links`; returns how many links it holds."""
    session.execute(delete(UnitLinkRow))
    unique = {(link.old_code, link.new_code): link for link in reversed(links)}
    session.add_all(UnitLinkRow(**link.model_dump()) for link in unique.values())
    return len(unique)


# --- when an extraction finishes -----------------------------------------------------------------


class Assessment(BaseModel):
    """What the pure governance code says about one extraction, computed before the store is locked."""

    flags: list[QualityFlag]
    classification: Classification
    proposal: RetentionProposal
    result: ExtractionResult


def assess_extraction(sessions: sessionmaker[Session], result: ExtractionResult) -> Assessment | None:
    """Flags, classification and retention proposal of a finished extraction; None (logged) on failure,
    which leaves the extraction to be stored without them."""
    try:
        settings = get_settings().governance
        with sessions() as session:
            units = unit_table(session, settings)
        classification = classify(result.fields, units)
        return Assessment(flags=quality_flags(result, settings.qc), classification=classification,
                          proposal=propose(result.fields, classification.level), result=result)
    except Exception:
        logger.exception("governance assessment of %s failed", result.file)
        return None


def record_extraction(
    sessions: sessionmaker[Session], session: Session, document_id: str, assessment: Assessment | None
) -> None:
    """Once the caller's transaction (storing the extraction) commits, store the assessment and group
    the document with its duplicates in a transaction of its own: a failure is logged, leaves the
    extraction stored and nothing half-written. (A savepoint in the caller's transaction would do the
    same, but SQLite savepoints under our BEGIN IMMEDIATE keep the write lock after the commit.)"""
    if assessment is None:
        return

    def after_commit(_: Session) -> None:
        try:
            with sessions.begin() as own:
                _record_quality(own, document_id, assessment.flags)
                _record_classification(own, document_id, assessment.classification)
                _record_retention(own, document_id, assessment.proposal)
                _record_duplicates(own, document_id, assessment.result)
        except Exception:
            logger.exception("governance of document %s failed; its extraction is kept", document_id)

    event.listen(session, "after_commit", after_commit, once=True)


def _record_quality(session: Session, document_id: str, flags: list[QualityFlag]) -> None:
    session.execute(delete(ReviewItemRow).where(
        ReviewItemRow.document_id == document_id, ReviewItemRow.kind == "quality", ReviewItemRow.status == OPEN))
    for flag in flags:
        if flag.severity in QUEUED_SEVERITIES:
            session.add(_review_item("quality", flag.code, flag.severity, flag.message, document_id=document_id,
                                     page=flag.page, field=flag.field))


def _review_item(kind: str, code: str, severity: str, message: str, **where: object) -> ReviewItemRow:
    return ReviewItemRow(id=str(uuid.uuid4()), kind=kind, code=code, severity=severity, message=message,
                         status=OPEN, **where)


def _record_classification(session: Session, document_id: str, classification: Classification) -> None:
    session.merge(ClassificationRow(
        document_id=document_id,
        block=classification.block.value if classification.block else None,
        type_name=classification.type_name,
        level=classification.level.value if classification.level else None,
        classification=classification.model_dump(mode="json"),
    ))


def _record_retention(session: Session, document_id: str, proposal: RetentionProposal) -> None:
    decided = session.scalar(select(func.count()).select_from(RetentionDecisionRow).where(
        RetentionDecisionRow.document_id == document_id, RetentionDecisionRow.source != "proposed"))
    if decided:
        return  # staff decided already; a new extraction does not reopen it
    session.add(RetentionDecisionRow(document_id=document_id, period=proposal.period, rule_id=proposal.rule_id,
                                     citation=proposal.citation, source="proposed", note=proposal.reason))
    session.execute(delete(ReviewItemRow).where(
        ReviewItemRow.document_id == document_id, ReviewItemRow.kind == "retention", ReviewItemRow.status == OPEN))
    session.add(_review_item("retention", "retention_proposal", Severity.INFO,
                             f"proposed retention {proposal.period}: {proposal.citation}", document_id=document_id))


def _store_signature(session: Session, sig: Signature) -> None:
    session.execute(delete(SignatureBandRow).where(SignatureBandRow.document_id == sig.key))
    session.merge(SignatureRow(document_id=sig.key, number_key=sig.number, signature=sig.model_dump(mode="json")))
    session.add_all(SignatureBandRow(band_key=key, document_id=sig.key) for key in band_keys(sig))


def _candidates(session: Session, sig: Signature) -> list[Signature]:
    """Stored documents sharing the number or a text LSH band with `sig`, and their groups' members."""
    by_band = select(SignatureBandRow.document_id).where(SignatureBandRow.band_key.in_(band_keys(sig) or [""]))
    near = or_(SignatureRow.document_id.in_(by_band), SignatureRow.number_key == sig.number) if sig.number else (
        SignatureRow.document_id.in_(by_band))
    ids = set(session.scalars(select(SignatureRow.document_id).where(near, SignatureRow.document_id != sig.key)))
    ids |= set(session.scalars(select(DuplicateMemberRow.document_id).join(DuplicateGroupRow).where(
        DuplicateGroupRow.status.in_(ACTIVE_GROUP),
        DuplicateMemberRow.group_id.in_(select(DuplicateMemberRow.group_id).where(DuplicateMemberRow.document_id.in_(ids))),
    )))
    ids.discard(sig.key)
    rows = session.scalars(select(SignatureRow).where(SignatureRow.document_id.in_(ids))) if ids else []
    return [Signature.model_validate(row.signature) for row in rows]


def _record_duplicates(session: Session, document_id: str, result: ExtractionResult) -> None:
    sig = signature(document_id, result)
    _store_signature(session, sig)
    candidates = _candidates(session, sig)
    apart = _rejected_pairs(session, [sig.key, *(c.key for c in candidates)])
    found = next((g for g in find_groups([sig, *candidates], apart) if document_id in g.members), None)
    if found is None:
        return
    groups = list(session.scalars(select(DuplicateGroupRow).join(DuplicateMemberRow).where(
        DuplicateMemberRow.document_id.in_(found.members), DuplicateGroupRow.status.in_(ACTIVE_GROUP)
    ).order_by(DuplicateGroupRow.created_at).distinct()))
    group = groups[0] if groups else DuplicateGroupRow(id=str(uuid.uuid4()), created_at=utc_now())
    for merged in groups[1:]:
        session.delete(merged)
    session.flush()
    _fill_group(session, group, found)
    session.execute(delete(ReviewItemRow).where(ReviewItemRow.group_id == group.id, ReviewItemRow.status == OPEN))
    session.add(_review_item("duplicates", found.reason.value, Severity.WARNING,
                             f"{len(found.members)} documents look like one văn bản ({found.reason.value})",
                             group_id=group.id))


def _rejected_pairs(session: Session, document_ids: list[str]) -> set[frozenset[str]]:
    """Pairs of these documents that staff said differ: they shared a rejected group."""
    rows = session.execute(
        select(DuplicateMemberRow.group_id, DuplicateMemberRow.document_id).join(DuplicateGroupRow)
        .where(DuplicateGroupRow.status == REJECTED, DuplicateMemberRow.document_id.in_(document_ids))
    )
    by_group: dict[str, list[str]] = {}
    for group_id, document_id in rows:
        by_group.setdefault(group_id, []).append(document_id)
    return {frozenset(pair) for members in by_group.values() for pair in combinations(members, 2)}


def _fill_group(session: Session, group: DuplicateGroupRow, found: DuplicateGroup) -> None:
    group.reason, group.reasons = found.reason.value, [r.value for r in found.reasons]
    group.status, group.original_id, group.decided_by, group.decided_at = PROPOSED, found.original, None, None
    session.add(group)
    session.execute(delete(DuplicateMemberRow).where(DuplicateMemberRow.group_id == group.id))
    session.flush()
    for member in found.members:
        role = "original" if member == found.original else "copy" if member in found.copies else "duplicate"
        session.add(DuplicateMemberRow(group_id=group.id, document_id=member, role=role))


# --- reading and deciding ------------------------------------------------------------------------


def _group_view(session: Session, group: DuplicateGroupRow) -> DuplicateGroupView:
    rows = session.execute(
        select(DuplicateMemberRow.document_id, DocumentRow.filename, DuplicateMemberRow.role)
        .join(DocumentRow, DocumentRow.id == DuplicateMemberRow.document_id)
        .where(DuplicateMemberRow.group_id == group.id).order_by(DuplicateMemberRow.document_id)
    )
    members = [GroupMember(document_id=d, filename=f, role=r) for d, f, r in rows]
    return DuplicateGroupView(
        id=group.id, reason=group.reason, reasons=group.reasons, status=group.status, original_id=group.original_id,
        members=members, decided_by=group.decided_by, decided_at=group.decided_at, note=group.note,
        created_at=group.created_at,
    )


def visible_groups(visible: ColumnElement[bool]) -> ColumnElement[bool]:
    """Duplicate groups all of whose members are `visible` (a clause on DocumentRow): a group with a member
    the caller may not see would tell that such a document exists."""
    unseen = (
        select(DuplicateMemberRow.group_id)
        .join(DocumentRow, DocumentRow.id == DuplicateMemberRow.document_id)
        .where(not_(visible))
    )
    return DuplicateGroupRow.id.not_in(unseen)


def visible_review_items(visible: ColumnElement[bool]) -> ColumnElement[bool]:
    """Review items of a `visible` document or of a group in `visible_groups`."""
    return or_(
        ReviewItemRow.document_id.in_(select(DocumentRow.id).where(visible)),
        ReviewItemRow.group_id.in_(select(DuplicateGroupRow.id).where(visible_groups(visible))),
    )


def list_groups(
    sessions: sessionmaker[Session], status: str | None, limit: int, visible: ColumnElement[bool] = ALL_DOCUMENTS
) -> list[DuplicateGroupView]:
    with sessions() as session:
        query = (
            select(DuplicateGroupRow)
            .where(visible_groups(visible))
            .order_by(DuplicateGroupRow.created_at.desc())
            .limit(min(limit, MAX_LIST))
        )
        if status:
            query = query.where(DuplicateGroupRow.status == status)
        return [_group_view(session, group) for group in session.scalars(query)]


def decide_group(
    sessions: sessionmaker[Session], group_id: str, decision: Decision, confirm: bool,
    visible: ColumnElement[bool] = ALL_DOCUMENTS,
) -> DuplicateGroupView:
    """Confirm (one văn bản: the original is authoritative, copies linked to it) or reject a group."""
    with sessions.begin() as session:
        query = select(DuplicateGroupRow).where(DuplicateGroupRow.id == group_id, visible_groups(visible))
        group = session.scalars(query).one_or_none()
        if group is None:
            raise GroupNotFound(f"no duplicate group with id {group_id!r}")
        if group.status != PROPOSED:
            raise AlreadyDecided(f"the group was already {group.status} by {group.decided_by}")
        original = decision.original_id if isinstance(decision, GroupConfirmation) else None
        if confirm and original:
            _make_original(session, group, original)
        group.status = CONFIRMED if confirm else REJECTED
        group.decided_by, group.decided_at, group.note = decision.by, utc_now(), decision.note
        _resolve_items(session, ReviewItemRow.group_id == group.id, decision, f"group {group.status}")
        session.flush()
        return _group_view(session, group)


def _make_original(session: Session, group: DuplicateGroupRow, original: str) -> None:
    rows = session.scalars(select(DuplicateMemberRow).where(DuplicateMemberRow.group_id == group.id))
    members = {m.document_id: m for m in rows}
    if original not in members:
        raise InvalidMember(f"document {original!r} is not a member of this group")
    for document_id, member in members.items():
        if document_id == original:
            member.role = "original"
        elif member.role == "original":
            member.role = "duplicate"
    group.original_id = original


def _resolve_items(session: Session, where: object, decision: Decision, resolution: str) -> None:
    for item in session.scalars(select(ReviewItemRow).where(where, ReviewItemRow.status == OPEN)):
        item.status, item.resolved_by, item.resolved_at = RESOLVED, decision.by, utc_now()
        item.resolution = f"{resolution}: {decision.note}" if decision.note else resolution


def _item_view(row: ReviewItemRow) -> ReviewItem:
    return ReviewItem.model_validate(row, from_attributes=True)


def resolve_review(
    sessions: sessionmaker[Session], item_id: str, decision: Decision, visible: ColumnElement[bool] = ALL_DOCUMENTS
) -> ReviewItem:
    with sessions.begin() as session:
        query = select(ReviewItemRow).where(ReviewItemRow.id == item_id, visible_review_items(visible))
        item = session.scalars(query).one_or_none()
        if item is None:
            raise ReviewItemNotFound(f"no review item with id {item_id!r}")
        if item.status != OPEN:
            raise AlreadyDecided(f"the item was already resolved by {item.resolved_by}")
        _resolve_items(session, ReviewItemRow.id == item_id, decision, "resolved")
        session.flush()
        return _item_view(item)


def _retention_views(session: Session, document_id: str) -> list[RetentionDecision]:
    rows = session.scalars(select(RetentionDecisionRow).where(RetentionDecisionRow.document_id == document_id)
                           .order_by(RetentionDecisionRow.id))
    return [RetentionDecision.model_validate(row, from_attributes=True) for row in rows]


def set_retention(sessions: sessionmaker[Session], document_id: str, choice: RetentionChoice) -> RetentionDecision:
    """Staff confirm the proposed period or override it; both are recorded with who and when."""
    with sessions.begin() as session:
        if session.get(DocumentRow, document_id) is None:
            raise DocumentNotFound(f"no document with id {document_id!r}")
        history = _retention_views(session, document_id)
        if not history:
            raise NotExtracted("the document has no retention proposal yet: its extraction has not finished")
        current = history[-1]
        period = choice.period or current.period
        source = "confirmed" if period == current.period else "overridden"
        row = RetentionDecisionRow(document_id=document_id, period=period, rule_id=current.rule_id if source ==
                                   "confirmed" else None, citation=current.citation, source=source,
                                   decided_by=choice.by, note=choice.note)
        session.add(row)
        _resolve_items(session, (ReviewItemRow.document_id == document_id) & (ReviewItemRow.kind == "retention"),
                       choice, f"retention {source}: {period}")
        session.flush()
        return RetentionDecision.model_validate(row, from_attributes=True)


def document_governance(
    sessions: sessionmaker[Session], document_id: str, visible: ColumnElement[bool] = ALL_DOCUMENTS
) -> DocumentGovernance:
    with sessions() as session:
        document = session.get(DocumentRow, document_id)
        if document is None:
            raise DocumentNotFound(f"no document with id {document_id!r}")
        result = ExtractionResult.model_validate(document.result) if document.result else None
        stored = session.get(ClassificationRow, document_id)
        history = _retention_views(session, document_id)
        groups = session.scalars(select(DuplicateGroupRow).join(DuplicateMemberRow).where(
            DuplicateMemberRow.document_id == document_id, visible_groups(visible)
        ).order_by(DuplicateGroupRow.created_at))
        return DocumentGovernance(
            document_id=document_id,
            classification=Classification.model_validate(stored.classification) if stored else None,
            flags=quality_flags(result, get_settings().governance.qc) if result else [],
            retention=history[-1] if history else None,
            retention_history=history,
            duplicate_groups=[_group_view(session, group) for group in groups],
        )
