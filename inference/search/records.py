"""Already-digital records: the import line format, and the converter from vbpl.vn exports to it.

An import line is `{"id", "title", "text", "metadata": {...}}`; metadata keys are `Fields` names
("number", "issued_date", "organ_name", ...). It becomes an `ExtractionResult` without any OCR.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from inference.schema import FIELD_NAMES, Block, ExtractionResult, Fields
from inference.text import normalize


class ImportRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=256)
    title: str = ""
    text: str = ""
    metadata: dict[str, Any] = Field(default_factory=dict)

    @field_validator("metadata")
    @classmethod
    def _known_fields(cls, metadata: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(metadata) - set(FIELD_NAMES))
        if unknown:
            raise ValueError(f"unknown metadata keys {unknown}; known: {', '.join(FIELD_NAMES)}")
        return metadata

    def fields(self) -> Fields:
        values = {k: v for k, v in self.metadata.items() if v not in (None, "")}
        values.setdefault("subject", self.title or None)
        return Fields.model_validate(values)

    def canonical_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    def sha256(self) -> str:
        """The content address: re-importing the same record finds the same document."""
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()

    def to_result(self) -> ExtractionResult:
        text = self.text or self.title
        return ExtractionResult(
            file=self.id, sha256=self.sha256(), pages=text.count("\f") + 1, text=text, fields=self.fields(),
            confidence={name: 1.0 for name, value in self.fields() if value not in (None, [])},
        )


def parse_import_line(line: str | bytes) -> ImportRecord:
    """Raises ValueError with a short reason when the line is not a valid record."""
    try:
        return ImportRecord.model_validate_json(line)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'line'}: {e['msg']}" for e in error.errors())
        raise ValueError(problems) from None


_SPACE_BEFORE_SLASH = re.compile(r"\s+(?=/)")
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_NUMBER_IN_TITLE = re.compile(r"\bsố\s+(\S+(?:\s+/\S+)?)", re.IGNORECASE)


def _dmy(text: str | None) -> str | None:
    match = _DMY.match((text or "").strip())
    if not match:
        return None
    day, month, year = map(int, match.groups())
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _valid_date(text: str | None) -> str | None:
    try:
        return date.fromisoformat(text).isoformat() if text else None
    except ValueError:
        return None


def vbpl_record(raw: dict[str, Any]) -> ImportRecord:
    """One line of vbpl_fulltext.jsonl (vbpl.vn export) as an import record.

    Header fields come from the document's own header (`header_parsed`), else from the official
    attribute table (`vbpl_attributes`), else from the title; the title is vbpl's own."""
    header = raw.get("header_parsed") or {}
    attributes = raw.get("vbpl_attributes") or {}
    title = normalize(raw.get("vbpl_title") or "")
    number = header.get("so_ky_hieu") or attributes.get("Số hiệu")
    if not number and (match := _NUMBER_IN_TITLE.search(title)):
        number = match.group(1)
    metadata = {
        "organ_name": header.get("co_quan_ban_hanh") or attributes.get("Cơ quan ban hành"),
        "number": _SPACE_BEFORE_SLASH.sub("", normalize(number)) if number else None,
        "place": header.get("dia_danh"),
        "issued_date": _valid_date(header.get("ngay_ban_hanh"))
        or _dmy(attributes.get("Ngày ban hành") or attributes.get("Ngày ký xác thực")),
        "type_name": header.get("loai_van_ban") or attributes.get("Loại văn bản") or raw.get("url_loai_van_ban"),
        "subject": header.get("trich_yeu") or title,
        "signer_name": header.get("nguoi_ky") or attributes.get("Người ký"),
        "signer_position": header.get("chuc_vu_ky") or attributes.get("Chức danh"),
        "block": Block.GOVERNMENT.value,
    }
    return ImportRecord(id=raw["id"], title=title, text=raw.get("text") or "", metadata=metadata)
