"""Masking of personal data (citizen IDs, names of private persons) in what the service shows and exports.

Pure functions with a `reveal_personal_data` flag: the caller decides (today one API dependency, later the
role system); masked is the default everywhere."""

from __future__ import annotations

from datetime import date

from inference.exchange.entities import citizen_id_spans, titled_name_spans
from inference.exchange.standard import StandardDocument
from inference.schema import EntityKind, EntityLink
from inference.text import normalize

PERSONAL_KINDS = frozenset({EntityKind.CITIZEN_ID, EntityKind.PERSON})
KEPT_DIGITS = 3
MASK = "*"
FREE_TEXT_FIELDS = ("Subject", "Description", "Autograph", "Keyword")


def mask_value(kind: EntityKind, value: str) -> str:
    """A citizen ID keeps its last three digits ("*********345"); a person's name its initials ("N. V. A.")."""
    if kind == EntityKind.CITIZEN_ID:
        return MASK * (len(value) - KEPT_DIGITS) + value[-KEPT_DIGITS:]
    if kind == EntityKind.PERSON:
        return " ".join(f"{word[0]}." for word in value.split())
    return value


def mask_text(text: str, reveal_personal_data: bool = False, today: date | None = None) -> str:
    """The text with the citizen IDs and private persons' names in it masked (normalised either way)."""
    text = normalize(text)
    if reveal_personal_data:
        return text
    spans = [(start, end, EntityKind.CITIZEN_ID) for start, end, _ in citizen_id_spans(text, today or date.today())]
    spans += [span for span in titled_name_spans(text) if span[2] == EntityKind.PERSON]
    for start, end, kind in sorted(spans, reverse=True):
        text = text[:start] + mask_value(kind, text[start:end]) + text[end:]
    return text


def mask_links(links: list[EntityLink], reveal_personal_data: bool = False) -> list[EntityLink]:
    if reveal_personal_data:
        return links
    return [
        link.model_copy(
            update={
                "value": mask_value(link.kind, link.value),
                "normalized": mask_value(link.kind, link.normalized),
                "attributes": {},
            }
        )
        if link.kind in PERSONAL_KINDS
        else link
        for link in links
    ]


def mask_document(document: StandardDocument, reveal_personal_data: bool = False) -> StandardDocument:
    if reveal_personal_data:
        return document
    update: dict[str, object] = {
        name: mask_text(value) for name in FREE_TEXT_FIELDS if (value := getattr(document, name)) is not None
    }
    update["To"] = [mask_text(recipient) for recipient in document.To]
    return document.model_copy(update=update)
