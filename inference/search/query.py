"""Query understanding: the filters a question carries ("nghị định 15 năm 2020", "127-KL/TW",
"của Bộ Tài chính", "từ năm 2019 đến 2021", "văn bản của Đảng"), read in folded form so typing
without diacritics works the same.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from pydantic import BaseModel

from inference.schema import Block, Fields
from inference.text import fold, normalize

TYPE_NAMES = (
    "Văn bản hợp nhất", "Nghị định", "Nghị quyết", "Thông tư liên tịch", "Thông tư", "Quyết định", "Luật",
    "Pháp lệnh", "Chỉ thị", "Công văn", "Kết luận", "Thông báo", "Kế hoạch", "Báo cáo", "Tờ trình",
    "Hướng dẫn", "Quy định", "Chương trình", "Giấy mời", "Biên bản", "Lệnh", "Thông tri",
)
_FOLDED_TYPES = {fold(name): name for name in TYPE_NAMES}
_TYPE_ALTERNATION = "|".join(sorted(map(re.escape, _FOLDED_TYPES), key=len, reverse=True))

_CODE = re.compile(r"\b\d{1,5}(?:/\d{4})?[/-][a-z][a-z0-9-]*(?:/[a-z0-9-]+)?\b")
"""A whole number with its symbol, folded: "249/2025/nd-cp", "127-kl/tw", "15/qd-ubnd"."""
_TYPE_NUMBER = re.compile(rf"\b({_TYPE_ALTERNATION})\s+(?:so\s+)?(\d{{1,5}})(?:\s*(?:/|nam)\s*((?:19|20)\d\d))?\b")
_TYPE_YEAR = re.compile(rf"\b({_TYPE_ALTERNATION})\b(?:\s+\S+){{0,12}}?\s+nam\s+((?:19|20)\d\d)\b")
_LEADING_TYPE = re.compile(rf"^(?:(?:tim|cac|nhung|van ban)\s+)*({_TYPE_ALTERNATION})\b")
_RANGE = re.compile(r"\btu\s+(?:nam\s+)?((?:19|20)\d\d)\s+(?:den|toi)\s+(?:nam\s+)?((?:19|20)\d\d)\b")
_BEFORE = re.compile(r"\btruoc\s+(?:nam\s+)?((?:19|20)\d\d)\b")
_AFTER = re.compile(r"\bsau\s+(?:nam\s+)?((?:19|20)\d\d)\b")
_YEAR = re.compile(r"\bnam\s+((?:19|20)\d\d)\b|\b((?:19|20)\d\d)$")
_BLOCKS = (
    (re.compile(r"\b(?:cua dang|dang uy|tinh uy|thanh uy|huyen uy|ban chap hanh trung uong|/tw)\b"), Block.PARTY),
    (re.compile(r"\b(?:doan thanh nien|cong doan|mat tran to quoc|hoi phu nu|hoi nong dan)\b"), Block.MASS_ORG),
)


class SearchFilters(BaseModel):
    """Filters of a search: given explicitly (hard) or read from the query (they lift matching documents)."""

    type_name: str | None = None
    issuer: str | None = None
    year: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    block: Block | None = None
    number: str | None = None
    """A whole number with its symbol ("127-KL/TW"), matched exactly, or a running number ("15")."""

    def is_empty(self) -> bool:
        return not any(v is not None for v in self.model_dump().values())

    def matches(self, fields: Fields) -> bool:
        return all(self.checks(fields).values())

    def checks(self, fields: Fields) -> dict[str, bool]:
        """Filter name -> whether `fields` satisfies it, for the filters that are set."""
        checks: dict[str, bool] = {}
        issued = fields.issued_date
        if self.type_name:
            checks["type_name"] = fold(fields.type_name or "") == fold(self.type_name)
        if self.issuer:
            checks["issuer"] = fold(self.issuer) in fold(fields.organ_name or "")
        if self.year:
            checks["year"] = issued is not None and issued.year == self.year or _number_year(fields) == self.year
        if self.date_from:
            checks["date_from"] = issued is not None and issued >= self.date_from
        if self.date_to:
            checks["date_to"] = issued is not None and issued <= self.date_to
        if self.block:
            checks["block"] = fields.block == self.block
        if self.number:
            checks["number"] = number_matches(self.number, fields)
        return checks


def canonical_number(number: str) -> str:
    return fold(number).replace(" ", "")


def number_matches(wanted: str, fields: Fields) -> bool:
    have = canonical_number(fields.number or "")
    wanted = canonical_number(wanted)
    if not have or not wanted:
        return False
    if wanted.isdigit():
        running = re.match(r"\d+", have)
        return running is not None and int(running.group(0)) == int(wanted)
    return have == wanted


def _number_year(fields: Fields) -> int | None:
    match = re.search(r"/((?:19|20)\d\d)/", fields.number or "")
    return int(match.group(1)) if match else None


class ParsedQuery(BaseModel):
    text: str
    """The query as searched: normalised."""
    filters: SearchFilters
    """What the query was read as."""

    def ignoring(self, names: Iterable[str]) -> ParsedQuery:
        """The query without some of its readings (a person removed them): those no longer lift documents."""
        return self.model_copy(update={"filters": self.filters.model_copy(update=dict.fromkeys(names))})


def parse_query(query: str, issuers: list[str] = ()) -> ParsedQuery:
    """`issuers`: organ names known to the index, recognised when the query names one."""
    text = normalize(query)
    folded = fold(text)
    filters = SearchFilters(block=_block(folded), issuer=_issuer(folded, issuers))
    if code := _CODE.search(folded):
        filters.number = _original_case(text, folded, code.span())
    elif typed := _TYPE_NUMBER.search(folded):
        filters.type_name = _FOLDED_TYPES[typed.group(1)]
        filters.number = typed.group(2)
        filters.year = int(typed.group(3)) if typed.group(3) else None
    if filters.type_name is None and (leading := _LEADING_TYPE.match(folded)):
        filters.type_name = _FOLDED_TYPES[leading.group(1)]
    if filters.type_name is None and (typed_year := _TYPE_YEAR.search(folded)):
        filters.type_name = _FOLDED_TYPES[typed_year.group(1)]
    if filters.number is None or filters.number.isdigit():
        _read_dates(folded, filters)
    return ParsedQuery(text=text, filters=filters)


def _read_dates(folded: str, filters: SearchFilters) -> None:
    if span := _RANGE.search(folded):
        filters.date_from = date(int(span.group(1)), 1, 1)
        filters.date_to = date(int(span.group(2)), 12, 31)
    elif before := _BEFORE.search(folded):
        filters.date_to = date(int(before.group(1)) - 1, 12, 31)
    elif after := _AFTER.search(folded):
        filters.date_from = date(int(after.group(1)) + 1, 1, 1)
    elif filters.year is None and (year := _YEAR.search(folded)):
        filters.year = int(year.group(1) or year.group(2))


def _block(folded: str) -> Block | None:
    return next((block for pattern, block in _BLOCKS if pattern.search(folded)), None)


def _issuer(folded: str, issuers: list[str]) -> str | None:
    """The longest known organ name the query contains (word-bounded, folded)."""
    found = [name for name in issuers if len(name) > 4 and re.search(rf"\b{re.escape(fold(name))}\b", folded)]
    return max(found, key=len) if found else None


def _original_case(text: str, folded: str, span: tuple[int, int]) -> str:
    # fold() keeps lengths for Vietnamese letters, so the span maps back onto the normalised text.
    return text[span[0] : span[1]].upper() if len(text) == len(folded) else folded[span[0] : span[1]].upper()
