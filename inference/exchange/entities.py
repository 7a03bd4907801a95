"""Recognisers of identifiers and names that link a document to the national registers (population, land,
enterprises, officials) and to administrative units. Each runs on the lines of a page and returns typed
`EntityLink`s with the page, the box of the words read and a confidence."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path

from inference.kie.lexicon import SURNAMES, canonical_name
from inference.schema import BBox, EntityKind, EntityLink, Evidence, Fields, Page, Word
from inference.text import fold, looks_like_person_name, normalize

PROVINCE_CODES: dict[str, str] = {
    "001": "Hà Nội",
    "002": "Hà Giang",
    "004": "Cao Bằng",
    "006": "Bắc Kạn",
    "008": "Tuyên Quang",
    "010": "Lào Cai",
    "011": "Điện Biên",
    "012": "Lai Châu",
    "014": "Sơn La",
    "015": "Yên Bái",
    "017": "Hòa Bình",
    "019": "Thái Nguyên",
    "020": "Lạng Sơn",
    "022": "Quảng Ninh",
    "024": "Bắc Giang",
    "025": "Phú Thọ",
    "026": "Vĩnh Phúc",
    "027": "Bắc Ninh",
    "030": "Hải Dương",
    "031": "Hải Phòng",
    "033": "Hưng Yên",
    "034": "Thái Bình",
    "035": "Hà Nam",
    "036": "Nam Định",
    "037": "Ninh Bình",
    "038": "Thanh Hóa",
    "040": "Nghệ An",
    "042": "Hà Tĩnh",
    "044": "Quảng Bình",
    "045": "Quảng Trị",
    "046": "Thừa Thiên Huế",
    "048": "Đà Nẵng",
    "049": "Quảng Nam",
    "051": "Quảng Ngãi",
    "052": "Bình Định",
    "054": "Phú Yên",
    "056": "Khánh Hòa",
    "058": "Ninh Thuận",
    "060": "Bình Thuận",
    "062": "Kon Tum",
    "064": "Gia Lai",
    "066": "Đắk Lắk",
    "067": "Đắk Nông",
    "068": "Lâm Đồng",
    "070": "Bình Phước",
    "072": "Tây Ninh",
    "074": "Bình Dương",
    "075": "Đồng Nai",
    "077": "Bà Rịa - Vũng Tàu",
    "079": "Hồ Chí Minh",
    "080": "Long An",
    "082": "Tiền Giang",
    "083": "Bến Tre",
    "084": "Trà Vinh",
    "086": "Vĩnh Long",
    "087": "Đồng Tháp",
    "089": "An Giang",
    "091": "Kiên Giang",
    "092": "Cần Thơ",
    "093": "Hậu Giang",
    "094": "Sóc Trăng",
    "095": "Bạc Liêu",
    "096": "Cà Mau",
}
"""The first three digits of a CCCD: where the birth was registered, by the 63 provinces' codes of
QĐ 124/2004/QĐ-TTg (zero-padded); the codes did not change with the 2025 merger into 34 provinces."""

TAX_CODE_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)
CITIZEN_ID_CUES = ("cccd", "can cuoc", "dinh danh", "cmnd", "chung minh")
TAX_CODE_CUES = ("ma so thue", "mst", "ma so doanh nghiep", "ma doanh nghiep", "ma so ho kinh doanh")
PRIVATE_TITLES = ("ong", "ba", "anh", "chi", "cu", "chau")
OFFICIAL_TITLES = (
    "dong chi",
    "chu tich",
    "pho chu tich",
    "giam doc",
    "pho giam doc",
    "bi thu",
    "pho bi thu",
    "truong phong",
    "pho truong phong",
    "truong ban",
    "pho truong ban",
    "chanh van phong",
    "bo truong",
    "thu truong",
)
UNIT_PREFIXES = ("xa", "phuong", "thi tran", "dac khu", "tinh", "thanh pho", "quan", "huyen", "thi xa")
CUED, UNCUED = 0.95, 0.7
"""Confidence of an identifier whose line names its kind ("Số CCCD: ..."), and of one found bare."""

_SURNAMES = {fold(s) for s in SURNAMES}
_CITIZEN_ID = re.compile(r"(?<![\d-])\d{12}(?![\d-])")
_TAX_CODE = re.compile(r"(?<![\d-])(\d{10})(?:-(\d{3}))?(?![\d-])")
_PARCEL = (
    re.compile(r"to ban do(?: so)?[:. ]*(?P<sheet>\d+)\D{0,12}?thua(?: dat)?(?: so)?[:. ]*(?P<parcel>\d+)"),
    re.compile(r"thua(?: dat)?(?: so)?[:. ]*(?P<parcel>\d+)\D{0,12}?to ban do(?: so)?[:. ]*(?P<sheet>\d+)"),
)
_TITLE = re.compile(rf"\b({'|'.join(OFFICIAL_TITLES + PRIVATE_TITLES)}) ")


@dataclass(frozen=True)
class Line:
    """One text line of a page: its words left to right, their text joined by spaces, and where each starts."""

    page: int
    words: tuple[Word, ...]

    @cached_property
    def text(self) -> str:
        return " ".join(normalize(w.text) for w in self.words)

    @cached_property
    def folded(self) -> str:
        return " ".join(_fold_same_length(normalize(w.text)) for w in self.words)

    @cached_property
    def starts(self) -> list[int]:
        starts, position = [], 0
        for word in self.words:
            starts.append(position)
            position += len(normalize(word.text)) + 1
        return starts

    def words_in(self, start: int, end: int) -> list[Word]:
        return [w for w, s in zip(self.words, self.starts) if s < end and s + len(normalize(w.text)) > start]

    def link(
        self, kind: EntityKind, start: int, end: int, normalized: str, cue: float, **attributes: str
    ) -> EntityLink:
        words = self.words_in(start, end)
        return EntityLink(
            kind=kind,
            value=self.text[start:end],
            normalized=normalized,
            page=self.page,
            bbox=BBox.union([w.bbox for w in words]),
            confidence=round(cue * min(w.confidence for w in words), 3),
            attributes=attributes,
        )


def _fold_same_length(text: str) -> str:
    folded = fold(text)
    return folded if len(folded) == len(text) else text.lower()


def page_lines(page: Page) -> list[Line]:
    grouped: dict[int, list[Word]] = {}
    for word in page.words:
        grouped.setdefault(word.line, []).append(word)
    return [Line(page.index, tuple(sorted(words, key=lambda w: w.bbox.x0))) for words in grouped.values()]


# --- identifiers --------------------------------------------------------------------------------


def citizen_id_attributes(digits: str, today: date) -> dict[str, str] | None:
    """What a 12-digit personal ID says about its holder; None when it cannot be one."""
    province = PROVINCE_CODES.get(digits[:3])
    century_digit = int(digits[3])
    birth_year = 1900 + 100 * (century_digit // 2) + int(digits[4:6])
    if province is None or birth_year > today.year:
        return None
    sex = "female" if century_digit % 2 else "male"
    return {"province_code": digits[:3], "province": province, "sex": sex, "birth_year": str(birth_year)}


def tax_code_is_valid(code: str) -> bool:
    """The check digit of a 10-digit tax code: 10 - (weighted sum of the first nine mod 11)."""
    if not re.fullmatch(r"\d{10}(-\d{3})?", code):
        return False
    total = sum(int(d) * w for d, w in zip(code[:9], TAX_CODE_WEIGHTS))
    return 10 - total % 11 == int(code[9])


def _cue(line: Line, cues: tuple[str, ...]) -> float:
    return CUED if any(cue in line.folded for cue in cues) else UNCUED


def citizen_id_spans(text: str, today: date) -> Iterator[tuple[int, int, dict[str, str]]]:
    for match in _CITIZEN_ID.finditer(text):
        attributes = citizen_id_attributes(match.group(), today)
        if attributes is not None:
            yield match.start(), match.end(), attributes


def citizen_ids(line: Line, today: date) -> Iterator[EntityLink]:
    for start, end, attributes in citizen_id_spans(line.text, today):
        cue = _cue(line, CITIZEN_ID_CUES)
        yield line.link(EntityKind.CITIZEN_ID, start, end, line.text[start:end], cue, **attributes)


def tax_codes(line: Line) -> Iterator[EntityLink]:
    for match in _TAX_CODE.finditer(line.text):
        if tax_code_is_valid(match.group()):
            branch = {"branch": match.group(2)} if match.group(2) else {}
            yield line.link(EntityKind.TAX_CODE, *match.span(), match.group(), _cue(line, TAX_CODE_CUES), **branch)


def land_parcels(line: Line) -> Iterator[EntityLink]:
    for pattern in _PARCEL:
        for match in pattern.finditer(line.folded):
            sheet, parcel = str(int(match["sheet"])), str(int(match["parcel"]))
            yield line.link(
                EntityKind.LAND_PARCEL, *match.span(), f"{sheet}/{parcel}", CUED, sheet=sheet, parcel=parcel
            )


# --- names ------------------------------------------------------------------------------------


def titled_name_spans(text: str) -> Iterator[tuple[int, int, EntityKind]]:
    """Names after a title: an official's after "đồng chí", "Chủ tịch"...; a private person's after ông/bà.
    `text` is normalised (see `inference.text.normalize`)."""
    for match in _TITLE.finditer(_fold_same_length(text)):
        name = _leading_name(text[match.end() :])
        if name is not None:
            kind = EntityKind.PERSON if match[1] in PRIVATE_TITLES else EntityKind.OFFICIAL
            yield match.end(), match.end() + len(name), kind


def titled_names(line: Line) -> Iterator[EntityLink]:
    for start, end, kind in titled_name_spans(line.text):
        yield line.link(kind, start, end, canonical_name(line.text[start:end]), CUED)


def _leading_name(text: str) -> str | None:
    """The capitalised words a text starts with when they are a Vietnamese name (a known surname first)."""
    words: list[str] = []
    for token in text.split()[:5]:
        word = token.rstrip(",.;:)")
        if not (word.isalpha() and word[0].isupper() and word[1:].islower()):
            break
        words.append(word)
        if word != token:
            break
    name = " ".join(words)
    return name if words and fold(words[0]) in _SURNAMES and looks_like_person_name(name) else None


def signer(fields: Fields | None, evidence: dict[str, Evidence]) -> Iterator[EntityLink]:
    found = evidence.get("signer_name")
    if fields is None or not fields.signer_name or found is None:
        return
    yield EntityLink(
        kind=EntityKind.OFFICIAL,
        value=found.text,
        normalized=fields.signer_name,
        page=found.page,
        bbox=found.bbox,
        confidence=CUED,
        attributes={"position": fields.signer_position} if fields.signer_position else {},
    )


# --- administrative units ----------------------------------------------------------------------


class UnitTable:
    """Administrative units by name, from a CSV with `code` and `name` columns ("00004,Phường Ba Đình").

    The table is data, configured by path (`VANTHU_EXCHANGE__UNITS_PATH`), never built into the code."""

    def __init__(self, units: dict[str, str]):
        self.by_name = {fold(name): code for code, name in units.items()}
        self.names = {code: name for code, name in units.items()}
        alternatives = "|".join(re.escape(n) for n in sorted(self.by_name, key=len, reverse=True))
        self._pattern = re.compile(rf"(?<!\w)({alternatives})(?!\w)") if alternatives else None

    @classmethod
    def load(cls, path: Path) -> UnitTable:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        if rows and not {"code", "name"} <= set(rows[0]):
            raise ValueError(f"{path}: a units table needs the columns code and name")
        return cls({row["code"]: normalize(row["name"]) for row in rows})

    def find(self, line: Line) -> Iterator[EntityLink]:
        if self._pattern is None:
            return
        for match in self._pattern.finditer(line.folded):
            code = self.by_name[match.group()]
            yield line.link(EntityKind.ADMIN_UNIT, *match.span(), code, CUED, name=self.names[code])


# --- all of them --------------------------------------------------------------------------------


def recognise(
    pages: list[Page],
    fields: Fields | None = None,
    evidence: dict[str, Evidence] | None = None,
    units: UnitTable | None = None,
    today: date | None = None,
) -> list[EntityLink]:
    """Every entity link of a document, in reading order, one per (kind, normalised value, page)."""
    today = today or date.today()
    finders: list[Callable[[Line], Iterator[EntityLink]]] = [
        lambda line: citizen_ids(line, today),
        tax_codes,
        land_parcels,
        titled_names,
    ]
    if units is not None:
        finders.append(units.find)
    links = list(signer(fields, evidence or {}))
    for page in pages:
        for line in page_lines(page):
            for finder in finders:
                links.extend(finder(line))
    return _unique(links)


def _unique(links: list[EntityLink]) -> list[EntityLink]:
    kept: dict[tuple[str, str, int], EntityLink] = {}
    for link in links:
        kept.setdefault((link.kind, link.normalized, link.page), link)
    return list(kept.values())
