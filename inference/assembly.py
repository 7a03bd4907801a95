"""Files that are parts of one văn bản: a letter photographed page by page, a scan split by the scanner.

A file continues the file delivered just before it (same folder) when it has no header of its own (no
number, issuer or type), the document so far has a header but no signature block yet, and the file
either carries the next page number at its top (Decree 30 numbers pages from 2 on) or ends with the
signature block the earlier parts lack. The parts then share one set of fields: the header fields
from the first part, the closing fields (signer, recipients) from the part that has them; evidence
read in another part names that file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import PurePath

from inference.schema import ExtractionResult, Fields

HEADER_FIELDS = (
    "number", "organ_name", "parent_organ_name", "code_number", "code_notation", "place", "issued_date",
    "type_name", "subject", "urgency", "confidentiality", "block",
)
CLOSING_FIELDS = ("signer_name", "signer_position", "recipients")
_PAGE_NUMBER = re.compile(r"^[-–—\s]*(\d{1,3})[-–—\s]*$")


def delivery_key(path: str) -> tuple[str, list[int | str]]:
    """Order of delivery: by folder, then by name with numbers compared as numbers ("page_2" < "page_10")."""
    location = PurePath(path)
    return str(location.parent), [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", location.name)]


def top_page_number(result: ExtractionResult) -> int | None:
    """The page number printed alone on the first line of the file's first page, if any."""
    first_page = result.text.split("\f", 1)[0]
    first_line = next((line for line in first_page.splitlines() if line.strip()), "")
    match = _PAGE_NUMBER.match(first_line)
    return int(match.group(1)) if match else None


def has_header(fields: Fields) -> bool:
    return any(getattr(fields, name) for name in ("number", "organ_name", "type_name"))


def continues(run: list[ExtractionResult], result: ExtractionResult) -> bool:
    """Whether `result` is the next part of the văn bản whose parts so far are `run`."""
    if PurePath(run[0].file).parent != PurePath(result.file).parent:
        return False
    if has_header(result.fields) or not has_header(run[0].fields):
        return False
    if any(part.fields.signer_name for part in run):
        return False
    next_page = sum(part.pages for part in run) + 1
    return top_page_number(result) == next_page or result.fields.signer_name is not None


def _source(run: list[ExtractionResult], names: tuple[str, ...]) -> ExtractionResult:
    """The part the fields `names` are taken from: the first that has the first of them (the number, the
    signer: a "Kính gửi" list on page 1 is no Nơi nhận), else the first part."""
    return next((part for part in run if getattr(part.fields, names[0])), run[0])


def _taken(part: ExtractionResult, source: ExtractionResult, names: tuple[str, ...]) -> tuple[dict, dict, dict]:
    values = {n: getattr(source.fields, n) for n in names}
    if source is part:
        return values, {}, {}
    confidence = {n: c for n, c in source.confidence.items() if n in names}
    evidence = {n: e.model_copy(update={"file": source.file}) for n, e in source.evidence.items() if n in names}
    return values, confidence, evidence


def merge(run: list[ExtractionResult]) -> list[ExtractionResult]:
    """The parts of one văn bản, each with the fields of the whole."""
    if len(run) == 1:
        return run
    header, closing = _source(run, HEADER_FIELDS), _source(run, CLOSING_FIELDS)
    merged = []
    for index, part in enumerate(run, start=1):
        values, confidence, evidence = {}, dict(part.confidence), dict(part.evidence)
        for source, names in ((header, HEADER_FIELDS), (closing, CLOSING_FIELDS)):
            taken = _taken(part, source, names)
            values |= taken[0]
            confidence |= taken[1]
            evidence |= taken[2]
        others = ", ".join(p.file for p in run if p is not part)
        found = {f"{name} not found" for name, value in values.items() if value}
        warnings = [w for w in part.warnings if w not in found]
        merged.append(part.model_copy(update={
            "fields": part.fields.model_copy(update=values),
            "confidence": confidence,
            "evidence": evidence,
            "warnings": [*warnings, f"part {index} of {len(run)} of one document with {others}"],
        }))
    return merged


def _grouped(results: Iterable[ExtractionResult]) -> Iterator[list[ExtractionResult]]:
    """The parts of each văn bản, in the order given; a group is yielded as soon as the file after it
    shows it is complete, so a long batch still streams."""
    run: list[ExtractionResult] = []
    for result in results:
        if run and not continues(run, result):
            yield run
            run = []
        run.append(result)
    if run:
        yield run


def assemble(results: Iterable[ExtractionResult]) -> Iterator[ExtractionResult]:
    """The results in the order given, the parts of one văn bản merged."""
    for run in _grouped(results):
        yield from merge(run)


def runs(results: Iterable[ExtractionResult]) -> list[list[str]]:
    """The files of each văn bản delivered in more than one part, in order."""
    return [[part.file for part in run] for run in _grouped(results) if len(run) > 1]
