"""Rule-based key-information extraction over page segments (the baseline extractor).

It reads the Decree 30 / HD 36 layout the way a records officer does: find the number line ("Số:")
and the date line, the issuer above the number in the left column, the title below the header, the
signature block at the end of the main document, stamps; then normalise and validate each value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from statistics import median

from inference.kie.lexicon import DocumentLexicon, canonical_name, canonical_organ, canonical_position
from inference.kie.vocab import (
    COPY_FORMS,
    FOLDED_TYPE_NAMES,
    MASS_ORG_MARKERS,
    ORGAN_HEADS,
    PARTY_MARKERS,
    PARTY_NOTATION_BODIES,
    POSITION_WORDS,
    SECRECY,
    UNIT_WORDS,
    URGENCY,
    type_from_notation,
)
from inference.layout import Segment, segments
from inference.schema import BBox, Block, Evidence, Fields, Page, Word
from inference.text import fold, looks_like_person_name, normalize

HEADER_BOTTOM = 0.5
_OCR_DIGITS = str.maketrans(
    {"O": "0", "o": "0", "D": "0", "I": "1", "i": "1", "l": "1", "|": "1", "S": "5", "B": "8"}
)
_SYMBOL = r"[A-ZĐa-zđ0-9.&]+(?:[-/][A-ZĐa-zđ0-9.&]+)*"
_GOV_NUMBER = re.compile(rf"^(?P<num>[0-9OoIl|]{{1,5}}[a-z]?)/(?P<sym>{_SYMBOL})$")
_PARTY_NUMBER = re.compile(rf"^(?P<num>[0-9OoIl|]{{1,5}})-(?P<sym>[A-ZĐ][A-Za-zĐđ]*/{_SYMBOL})$")
_NUMBER_LABEL = re.compile(r"^s[oôốồóò6]\s*[:.]?\s*", re.IGNORECASE)
_DATE = re.compile(
    r"ngay?\s*(?P<d>[0-9oil|]{1,2})\s*[,.]?\s*thang\s*(?P<m>[0-9oil|]{1,2})\s*[,.]?\s*nam\s*(?P<y>[12][0-9]{3})"
)
_NUMBER_LINE = re.compile(r"^s[o6]\s*[:.]?\s*\S{0,6}\s*[/-]")
_DATE_LINE = re.compile(r"\bthang\b.*\bnam\s*[12]\d{3}")
"""Handwriting glued to "ngày" garbles it ("ngàW/{", "ngà 11" once re-read); "tháng ... năm 2021" stays readable."""
_VV = re.compile(r"^[^\w]{0,3}\s*(v\s*[/.,]\s*[vwy]|ve viec)\b[:.]?\s*", re.IGNORECASE)
_SUBJECT_MARKER = re.compile(r"(?<=\s)(V/v|Về việc)\s")
_GARBLED_VE = re.compile(r"^(\S{1,3}\s+)?(?=việc\b)")
"""Bold italic "Về" is often misread ("\\É việc"); "việc" after one short token can only be "Về việc"."""
_BODY_START = re.compile(r"^(kinh gui|can cu|thuc hien|theo de nghi|xet de nghi|trong (thoi gian|nam)|dieu \d|phan \w+)")
_DIGITAL_SIGNATURE = re.compile(r"(ky boi|thoi gian ky|co quan:|email:|@)")
_PLACE_PREFIX = re.compile(r"^(.*?),\s*nga")
_NOI_NHAN = re.compile(r"^noi nhan")
_NOT_A_RECIPIENT = re.compile(r"^(luu\b|nhu tren|nhu dieu|nhu khoan)")
ITEM_PUNCTUATION = " -+–;.,:"
"""Stripped from both ends of a list item ("- Sở Nội vụ;")."""
_STAMP_WORDS = frozenset(fold(value) for value in (*URGENCY, *SECRECY))
_LIST_LABEL = re.compile(r"^(noi nhan|kinh gui)\b")
_AUTHORITY_PREFIX = re.compile(r"^(tm|kt|tl|tuq|q|t/m|k/t|t/l|t\.m|k\.t)[.\s]")


def _date_text(seg: Segment) -> str:
    """The folded line with OCR punctuation noise ("tháng?", "2#") turned to spaces."""
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s/,|]", " ", seg.folded)).replace(" ,", ",")


def stamp_value(seg: Segment, values: tuple[str, ...]) -> str | None:
    """The stamp a line carries: matched with its marks ("MẶT TRẬN" is no "MẬT"), or without them
    only when the line is that stamp alone (OCR loses marks on stamps)."""
    text = normalize(seg.text).upper()
    for value in values:
        if re.search(rf"(^|\s){value}(\s|$)", text) or seg.folded.strip(" .") == fold(value):
            return value
    return None


def is_recipient(item: str) -> bool:
    """A list item that names an addressee: two words or more, not the archive copy ("Lưu"), "as above" or
    a stamp's words ("HỎA TỐC" printed beside the list)."""
    folded = fold(item)
    return names_something(item) and not _NOT_A_RECIPIENT.match(folded) and folded not in _STAMP_WORDS


def names_something(text: str) -> bool:
    """Two words of letters at least: a body or an addressee, not a stray word or OCR debris."""
    return len(re.findall(r"[^\W\d_]{2,}", text)) >= 2


def list_items(lines: list[str]) -> list[str]:
    """Items of a printed list ("Kính gửi: - a; - b", "Nơi nhận: ..."): one per dash or after an item's
    closing ";" or ".", a wrapped line joined to its item; the list's label is dropped (with what follows
    it on its line when it has no colon)."""
    items: list[str] = []
    for line in lines:
        text = normalize(line)
        labelled = bool(_LIST_LABEL.match(fold(text)))
        if labelled:
            text = re.sub(r"^[^:]*:\s*", "", text) if ":" in text else ""
        if text and (labelled or not items or text.startswith(("-", "+", "–")) or items[-1].endswith((";", "."))):
            items.append(text)
        elif text:
            items[-1] += " " + text
    cleaned = [item.strip(ITEM_PUNCTUATION) for item in items]
    return [item for item in cleaned if item]


def subject_text(text: str) -> str:
    """A trích yếu as read, from its "V/v" or "Về việc" when debris comes before it, without its "V/v" and
    with a garbled "Về" mended."""
    text = normalize(text)
    marker = _SUBJECT_MARKER.search(text)
    return _GARBLED_VE.sub("Về ", _VV.sub("", text[marker.start() :] if marker else text))


def _left_column_centre(above: list[Segment], found: dict[str, Found]) -> float | None:
    """The centre of the left header column, under which a công văn's trích yếu is centred: the number
    line's, else that of the clean issuer lines (stamp debris lies anywhere)."""
    if "number" in found:
        return found["number"].segments[0].bbox.cx
    centres = [s.bbox.cx for s in above if s.bbox.x0 < 0.45 and s.bbox.cx < 0.5 and len(s.words) > 1 and not _is_noise(s)]
    return median(centres) if centres else None


def _within_column(lines: list[Segment], centre: float | None) -> list[Word]:
    """The words of the trích yếu lines that lie in the column they are centred in: words beyond the mirror
    of the block's left edge belong to something else typed on the same lines (a routing note, a stamp)."""
    right = 2 * centre - min(s.bbox.x0 for s in lines) + 0.015 if centre is not None else 0.55
    return [w for s in lines for w in s.words if w.bbox.x1 <= right]


def _names_unit(folded: str) -> bool:
    """"uy ban nhan dan tinh quang ngai" names its unit; "uy ban nhan dan" alone does not."""
    return any(re.search(rf"\b{unit}\b \S", folded) for unit in UNIT_WORDS)


_CLEAN_TOKEN = re.compile(r"^[(\"“]?([^\W\d_]+|\d+([./-]\d+)*|-)[)\"”,.;:]?$")
"""A word, a number or a date, a dash: what print is made of, unlike seal debris ("#RUNG2M", "0.NG", "+4")."""


def _is_noise(seg: Segment) -> bool:
    """A line of stamp or seal debris: few of its tokens are clean."""
    clean = [w for w in seg.words if _CLEAN_TOKEN.match(w.text)]
    return len(clean) < 0.7 * len(seg.words)


def _longest_clean_run(seg: Segment) -> Segment:
    """The line without the debris a seal or stamp leaves at its ends."""
    runs: list[list] = [[]]
    for word in seg.words:
        if _CLEAN_TOKEN.match(word.text):
            runs[-1].append(word)
        elif runs[-1]:
            runs.append([])
    best = max(runs, key=len)
    return seg if len(best) == len(seg.words) or not best else Segment(page=seg.page, words=best)


@dataclass
class Found:
    value: object
    segments: list[Segment]
    confidence: float
    method: str = "rules"


@dataclass
class Extraction:
    fields: Fields
    confidence: dict[str, float] = field(default_factory=dict)
    evidence: dict[str, Evidence] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    copy_form: str | None = None
    incoming_stamp: bool = False


def _evidence(found: Found) -> Evidence:
    words = [w for s in found.segments for w in s.words]
    return Evidence(
        page=found.segments[0].page,
        bbox=BBox.union([w.bbox for w in words]),
        text=" ".join(s.text for s in found.segments),
        method=found.method,
    )


def _validated_confidence(segs: list[Segment], valid: bool) -> float:
    """Tesseract gives correct number tokens confidences as low as 0.04: validity weighs more than OCR score."""
    reread = any(w.source == "reread" for s in segs for w in s.words)
    born_digital = all(w.source in ("text_layer", "form_field") for s in segs for w in s.words)
    base = 0.95 if born_digital else 0.6 if reread else 0.8
    return round(base if valid else base * 0.5, 3)


def is_issuer_line(seg: Segment) -> bool:
    """Could be a line of the issuer's name: not the motto, a digital signature, the number line or debris."""
    return (not _is_header_motto(seg) and not _DIGITAL_SIGNATURE.search(seg.folded)
            and len(seg.folded.strip("*-_ ")) > 1 and not _NUMBER_LINE.match(seg.folded))


def _is_header_motto(seg: Segment) -> bool:
    return seg.folded.startswith(("cong hoa xa hoi", "dang cong san viet nam", "doc lap"))


def _clean_symbol(text: str) -> str:
    return re.sub(r"\s+", "", normalize(text)).strip(".,;:")


class RuleExtractor:
    """Fields from the words of all pages, by the layout rules of Decree 30/2020 and HD 36.

    Its public readers (read_number, read_date_line, read_block, read_stamps, spelt, organ, position,
    type_in, assemble) are also the normalisers and validators around the trained tagger (kie/model.py)."""

    def extract(self, pages: list[Page]) -> Extraction:
        found = self.read(pages)
        if found is None:
            return Extraction(fields=Fields(), warnings=["no readable text on any page"])
        return self.assemble(found)

    def read(self, pages: list[Page]) -> dict[str, Found] | None:
        """What the rules find, before assembly (None: no readable text on any page)."""
        content = [p for p in pages if p.words and not p.quality.blank]
        if not content:
            return None
        printed = [segments(p.words, p.index) for p in content]
        return self.read_lines(printed, segments(content[0].stamps, content[0].index))

    def read_lines(self, printed: list[list[Segment]], first_stamps: list[Segment]) -> dict[str, Found]:
        """`read` from the print lines of each page with words (at least one) and the first one's stamps."""
        first = printed[0]
        self.lexicon = DocumentLexicon([w.text for page in printed for s in page for w in s.words])
        found: dict[str, Found] = {}
        self._header(first, found)
        self._title(first, found)
        self.read_stamps(first, first_stamps, found)
        self._signature(printed, found)
        self._recipients(printed, found)
        self.read_block(first, found)
        return found

    # -- header: number, date, issuer -------------------------------------------------------------

    @staticmethod
    def _header_halves(segs: list[Segment]) -> list[Segment]:
        """Each header line as its left and right half: a handwriting gap ("Số:    /QĐ-UBND",
        "ngày    tháng") splits a printed line into several segments."""
        halves: dict[tuple[int, bool], list] = {}
        for seg in segs:
            if seg.bbox.y0 < HEADER_BOTTOM:
                halves.setdefault((seg.words[0].line, seg.bbox.x0 >= 0.45), []).extend(seg.words)
        return [Segment(page=segs[0].page, words=sorted(ws, key=lambda w: w.bbox.x0)) for _, ws in sorted(halves.items())]

    @staticmethod
    def _number_segment(halves: list[Segment]) -> Segment | None:
        for seg in halves:
            if seg.bbox.x0 < 0.5 and _NUMBER_LABEL.match(seg.folded):
                rest = _NUMBER_LABEL.sub("", seg.folded)
                if "/" in rest or "-" in rest:
                    return seg
        return None

    def _header(self, segs: list[Segment], found: dict[str, Found]) -> None:
        halves = self._header_halves(segs)
        number_seg = self._number_segment(halves)
        if number_seg is not None:
            self.read_number(number_seg, found)
        level = number_seg.bbox.cy if number_seg else None
        date_seg = next((s for s in halves if self._is_date_line(s, level)), None)
        if date_seg is not None:
            self.read_date_line(date_seg, found)
        anchor = number_seg or date_seg
        if anchor is not None:
            self._issuer(segs, anchor, found)

    def read_number(self, seg: Segment, found: dict[str, Found]) -> None:
        raw = _NUMBER_LABEL.sub("", _clean_symbol(seg.text))
        for pattern, party in ((_PARTY_NUMBER, True), (_GOV_NUMBER, False)):
            match = pattern.match(raw)
            if match:
                break
        else:
            notation = raw.lstrip("/-").strip()
            if re.fullmatch(_SYMBOL, notation) and "/" not in raw.split(notation)[0][:-1]:
                found["code_notation"] = Found(notation, [seg], _validated_confidence([seg], True))
            return
        number = match["num"].translate(_OCR_DIGITS)
        symbol = match["sym"]
        notation = symbol.split("/", 1)[1] if not party and re.match(r"^\d{4}/", symbol) else symbol
        confidence = _validated_confidence([seg], True)
        found["number"] = Found(f"{number}{'-' if party else '/'}{symbol}", [seg], confidence)
        found["code_number"] = Found(number, [seg], confidence)
        found["code_notation"] = Found(notation, [seg], confidence)
        found["party_number"] = Found(party, [seg], confidence)

    @staticmethod
    def _is_date_line(seg: Segment, number_level: float | None) -> bool:
        """The place-date line is right of the number, level with it (or in the header's right column)."""
        if seg.bbox.x1 < 0.5 or seg.bbox.y0 > 0.35 or not _DATE_LINE.search(_date_text(seg)):
            return False
        return number_level is None or abs(seg.bbox.cy - number_level) < 0.03

    def read_date_line(self, seg: Segment, found: dict[str, Found]) -> None:
        folded = _date_text(seg)
        place = _PLACE_PREFIX.match(folded)
        if place and place.group(1).strip():
            words = len(place.group(1).split())
            text = " ".join(seg.text.split()[:words]).rstrip(",").strip()
            found["place"] = Found(self.spelt(seg, text, self.lexicon.restore), [seg], _validated_confidence([seg], True))
        match = _DATE.search(folded)
        if match is None:
            return
        day, month, year = (int(match[g].translate(_OCR_DIGITS)) for g in ("d", "m", "y"))
        try:
            value = date(year, month, day)
        except ValueError:
            found["date_warning"] = Found(f"invalid date on the date line: {seg.text!r}", [seg], 0.0)
        else:
            found["issued_date"] = Found(value, [seg], _validated_confidence([seg], 1900 < year < 2100))

    def _issuer(self, segs: list[Segment], anchor: Segment, found: dict[str, Found]) -> None:
        motto = next((s for s in segs if _is_header_motto(s)), None)
        top = (motto.bbox.y0 - 2 * motto.bbox.height) if motto else 0.0
        lines = [
            s for s in segs
            if top <= s.bbox.y0 < anchor.bbox.y0 - 0.3 * anchor.bbox.height and s.bbox.cx < 0.5
            and s.is_upper and is_issuer_line(s)
        ]
        lines = self._contiguous_above(lines, anchor)
        if lines:
            found.update(self.read_issuer(lines))

    def read_issuer(self, lines: list[Segment]) -> dict[str, Found]:
        """The issuer's lines, spelt, as the issuer and its parent body (when the first lines name one)."""
        texts = [self.spelt(s, normalize(s.text).strip("*_ "), self.organ) for s in lines]
        parent, organ = self._split_issuer(texts)
        confidence = _validated_confidence(lines, any(fold(organ).startswith(h) for h in ORGAN_HEADS))
        found = {"organ_name": Found(organ, lines, confidence)}
        if parent:
            found["parent_organ_name"] = Found(parent, lines[:1], confidence)
        return found

    @staticmethod
    def _contiguous_above(lines: list[Segment], anchor: Segment) -> list[Segment]:
        """The run of issuer lines that ends just above the anchor, without large vertical gaps."""
        kept: list[Segment] = []
        bottom = anchor.bbox.y0
        for seg in sorted(lines, key=lambda s: s.bbox.y0, reverse=True):
            if bottom - seg.bbox.y1 > 3.5 * seg.bbox.height:
                break
            kept.insert(0, seg)
            bottom = seg.bbox.y0
        return kept[-4:]

    @staticmethod
    def _split_issuer(texts: list[str]) -> tuple[str | None, str]:
        """["ỦY BAN NHÂN DÂN", "TỈNH QUẢNG NGÃI"] is one name; ["UBND TP ĐÀ NẴNG", "SỞ GIÁO DỤC ..."] and
        ["ĐẢNG BỘ THÀNH PHỐ HÀ NỘI", "HUYỆN ỦY ỨNG HÒA"] are a parent body and the issuer."""
        groups: list[list[str]] = [[texts[0].lstrip("- ")]]
        for text in texts[1:]:
            folded = fold(text).lstrip("- ")
            previous = fold(" ".join(groups[-1]))
            committee = re.match(r"^(tinh|thanh|huyen|quan|thi|dang) uy\b", folded)
            continues = (folded.startswith(UNIT_WORDS) and not committee and not _names_unit(previous)) or previous.endswith(
                (" va", ",", "-")
            )
            if not continues and (committee or any(folded.startswith(h) for h in ORGAN_HEADS)):
                groups.append([text.lstrip("- ")])
            else:
                groups[-1].append(text)
        names = [" ".join(g) for g in groups]
        if len(names) == 1:
            return None, names[0]
        return names[-2], names[-1]

    @staticmethod
    def spelt(seg: Segment, text: str, restore: Callable[[str], str | None]) -> str | None:
        """`restore(text)`, except that a text layer is exact: its spelling stands (`None` still means
        the line is no value at all)."""
        restored = restore(text)
        if restored is not None and all(w.source in ("text_layer", "form_field") for w in seg.words):
            return text
        return restored

    def organ(self, text: str) -> str:
        return canonical_organ(text, self.lexicon)

    def position(self, text: str) -> str | None:
        return canonical_position(text, self.lexicon)

    # -- title: type and subject ------------------------------------------------------------------

    def _title(self, segs: list[Segment], found: dict[str, Found]) -> None:
        anchor_y = max((f.segments[0].bbox.y1 for k, f in found.items() if k in ("number", "issued_date", "code_notation")), default=0.1)
        below = [s for s in segs if s.bbox.y0 > anchor_y - 0.005]
        for i, seg in enumerate(below[:12]):
            type_name = self.type_in(seg)
            if type_name and seg.is_upper and 0.2 < seg.bbox.cx < 0.8:
                found["type_name"] = Found(type_name, [seg], _validated_confidence([seg], True))
                subject = self._subject_lines(below[i + 1 :], seg)
                if subject:
                    text = _GARBLED_VE.sub("Về ", normalize(" ".join(s.text for s in subject)))
                    found["subject"] = Found(text, subject, _validated_confidence(subject, True))
                return
        self._cong_van_subject(segs, found)

    @staticmethod
    def type_in(seg: Segment) -> str | None:
        for folded, name in FOLDED_TYPE_NAMES.items():
            if seg.folded == folded or seg.folded.startswith(folded + " "):
                return name
        return None

    @staticmethod
    def _subject_lines(after: list[Segment], title: Segment) -> list[Segment]:
        """The trích yếu under the title: centred lines, evenly spaced; the body starts after a gap wider
        than the spacing so far (the title-to-subject gap included)."""
        lines: list[Segment] = []
        gaps: list[float] = []
        bottom = title.bbox.y1
        for seg in after:
            line = _longest_clean_run(seg)
            if _is_noise(seg) and len(line.words) < 3:
                continue
            gap = line.bbox.y0 - bottom
            limit = median(gaps) + 0.4 * line.bbox.height if lines else 2.2 * line.bbox.height
            wide = line.bbox.x1 - line.bbox.x0 > 0.65
            opens_body = _BODY_START.match(line.folded) and line.text[:1].isupper() and (lines or wide)
            if gap > limit or opens_body:
                break
            if (lines and line.is_upper and not lines[-1].is_upper) or abs(line.bbox.cx - 0.5) > 0.2:
                break
            gaps.append(gap)
            lines.append(line)
            bottom = line.bbox.y1
            if len(lines) == 4:
                break
        return lines

    def _cong_van_subject(self, segs: list[Segment], found: dict[str, Found]) -> None:
        """Box 5b: "V/v ..." under the number, in the left column only (annotations may run beside it)."""
        start = next((i for i, s in enumerate(segs) if s.bbox.y0 < HEADER_BOTTOM and s.bbox.x0 < 0.45 and _VV.match(s.folded)), None)
        if start is None:
            return
        centre = _left_column_centre(segs[:start], found)
        lines = [segs[start]]
        for seg in segs[start + 1 :]:
            if seg.bbox.cx > 0.5 or _is_noise(seg):
                continue
            if seg.bbox.y0 - lines[-1].bbox.y1 > 1.5 * seg.bbox.height or _BODY_START.match(seg.folded):
                break
            if stamp_value(seg, (*URGENCY, *SECRECY)):
                break
            lines.append(seg)
        words = _within_column(lines, centre)
        text = _VV.sub("", normalize(" ".join(w.text for w in words)))
        found["subject"] = Found(text, lines, _validated_confidence(lines, True))
        found["cong_van"] = Found(True, lines, 0.9)

    @staticmethod
    def cong_van_column(lines: list[Segment], found: dict[str, Found]) -> list[Word]:
        """The words of a công văn's trích yếu lines within the left column, centred under the number."""
        return _within_column(lines, _left_column_centre([], found))

    # -- stamps, signature, recipients, block -----------------------------------------------------

    def read_stamps(self, segs: list[Segment], stamps: list[Segment], found: dict[str, Found]) -> None:
        header = [s for s in segs if s.bbox.y0 < HEADER_BOTTOM and s.is_upper and len(s.words) <= 5]
        for key, values in (("urgency", URGENCY), ("confidentiality", SECRECY), ("copy_form", COPY_FORMS)):
            seg = next((s for s in [*stamps, *header] if stamp_value(s, values)), None)
            if seg is not None:
                found[key] = Found(stamp_value(seg, values), [seg], 0.7)
        incoming = next(
            (s for s in [*stamps, *segs] if re.search(r"\b(cv|cong van)?\s*den\b.*\b(so|ngay)\b", s.folded) and s.is_upper),
            None,
        )
        if incoming is not None:
            found["incoming_stamp"] = Found(True, [incoming], 0.6)

    def _signature(self, pages: list[list[Segment]], found: dict[str, Found]) -> None:
        """The first signature block in page order is the main document's; attachments come after it."""
        title_y = found["type_name"].segments[0].bbox.y1 if "type_name" in found else 0.0
        for page_number, segs in enumerate(pages):
            for i, seg in enumerate(segs):
                if page_number == 0 and seg.bbox.y0 <= title_y:
                    continue
                if not self._is_authority(seg):
                    continue
                block = self._signature_block(segs[i:], seg)
                if block:
                    authority, name = block
                    lines = [self.spelt(s, normalize(s.text), self.position) for s in authority]
                    positions = " / ".join(line for line in lines if line)
                    if positions:
                        found["signer_position"] = Found(positions, authority, _validated_confidence(authority, True))
                    found["signer_name"] = Found(canonical_name(normalize(name.text)), [name], _validated_confidence([name], True))
                    return
        self._signer_beside_recipients(pages, found)

    def _signer_beside_recipients(self, pages: list[list[Segment]], found: dict[str, Found]) -> None:
        """When the authority lines are unreadable (under a seal), the signer is the first person's name
        in the right column level with or below "Nơi nhận:" on the page that ends the main document."""
        for segs in pages:
            recipients = next((s for s in segs if _NOI_NHAN.match(s.folded) and s.bbox.cx < 0.5), None)
            if recipients is None:
                continue
            name = next(
                (s for s in segs if s.bbox.x0 > 0.45 and s.bbox.y0 > recipients.bbox.y0 - 0.05 and self._is_person_name(s)),
                None,
            )
            if name is not None:
                found["signer_name"] = Found(canonical_name(normalize(name.text)), [name], 0.5)
            return

    @staticmethod
    def _is_authority(seg: Segment) -> bool:
        if seg.bbox.x0 < 0.35 or not seg.is_upper:
            return False
        folded = seg.folded
        return bool(_AUTHORITY_PREFIX.match(folded)) or any(folded.startswith(p) for p in POSITION_WORDS)

    def _signature_block(self, following: list[Segment], first: Segment) -> tuple[list[Segment], Segment] | None:
        authority = [first]
        for seg in following[1:]:
            if seg.bbox.y0 - first.bbox.y1 > 0.3:
                return None
            if seg.bbox.x0 < 0.35:
                continue
            if self._is_person_name(seg):
                return authority, seg
            if seg.is_upper and seg.bbox.y0 - authority[-1].bbox.y1 < 2.5 * seg.bbox.height and len(authority) < 4:
                authority.append(seg)
        return None

    @staticmethod
    def _is_person_name(seg: Segment) -> bool:
        return looks_like_person_name(seg.text)

    def _recipients(self, pages: list[list[Segment]], found: dict[str, Found]) -> None:
        """The "Kính gửi" addressees, then the "Nơi nhận" list of the main document, without the
        archive copy ("Lưu") and the "as above" entries."""
        addressees, used = self._list_after(pages[0], r"^kinh gui", lambda seg, head: seg.bbox.x0 >= head.bbox.x0 - 0.02)
        for segs in pages:
            listed, listed_used = self._list_after(segs, r"^noi nhan", lambda seg, head: seg.bbox.x0 < 0.45)
            if listed_used:
                addressees += [item for item in listed if is_recipient(item)]
                used += listed_used
                break
        items = list(dict.fromkeys(addressees))
        if items:
            found["recipients"] = Found(items, used, _validated_confidence(used, True))

    @staticmethod
    def _list_after(segs: list[Segment], label: str, in_list) -> tuple[list[str], list[Segment]]:
        """Items of a "label: - a; - b" list: one item per dash, wrapped lines joined to their item."""
        start = next((i for i, s in enumerate(segs) if re.match(label, s.folded)), None)
        if start is None:
            return [], []
        head = segs[start]
        used = [head]
        for seg in segs[start + 1 : start + 25]:
            if not in_list(seg, head):
                continue
            if seg.bbox.y0 - used[-1].bbox.y1 > 1.5 * seg.bbox.height:
                break
            used.append(seg)
        return list_items([seg.text for seg in used]), used

    def read_block(self, segs: list[Segment], found: dict[str, Found]) -> None:
        header = " ".join(s.folded for s in segs if s.bbox.y0 < HEADER_BOTTOM * 0.7)
        organ = fold(str(found["organ_name"].value)) if "organ_name" in found else ""
        notation = str(found["code_notation"].value) if "code_notation" in found else ""
        party_body = notation.rsplit("/", 1)[-1] in PARTY_NOTATION_BODIES if "/" in notation else False
        evidence = found.get("organ_name") or found.get("number")
        segs_for = evidence.segments if evidence else segs[:1]
        if any(m in header for m in PARTY_MARKERS[:1]) or any(organ.startswith(m) for m in PARTY_MARKERS) or party_body:
            block = Block.PARTY
        elif any(m in organ for m in MASS_ORG_MARKERS) or "doan tncs ho chi minh" in header:
            block = Block.MASS_ORG
        elif "cong hoa xa hoi chu nghia" in header or organ:
            block = Block.GOVERNMENT
        else:
            return
        found["block"] = Found(block, segs_for, 0.8)

    # -- assembly ---------------------------------------------------------------------------------

    def assemble(self, found: dict[str, Found]) -> Extraction:
        if "type_name" not in found:
            self._type_from_symbol(found)
        values = {k: f.value for k, f in found.items() if k in Fields.model_fields}
        extraction = Extraction(fields=Fields(**values))
        for key, item in found.items():
            if key in Fields.model_fields:
                extraction.confidence[key] = item.confidence
                extraction.evidence[key] = _evidence(item)
        if "copy_form" in found:
            extraction.copy_form = str(found["copy_form"].value)
        extraction.incoming_stamp = "incoming_stamp" in found
        if "date_warning" in found:
            extraction.warnings.append(str(found["date_warning"].value))
        for key in ("number", "issued_date", "organ_name", "type_name"):
            if key not in found:
                extraction.warnings.append(f"{key} not found")
        return extraction

    @staticmethod
    def _type_from_symbol(found: dict[str, Found]) -> None:
        notation = found.get("code_notation")
        party = bool(found["party_number"].value) if "party_number" in found else False
        name = type_from_notation(str(notation.value), party) if notation else None
        if name is None and ("cong_van" in found or (notation and not party)):
            name = "Công văn"
        if name:
            source = notation or found["cong_van"]
            found["type_name"] = Found(name, source.segments, round(source.confidence * 0.9, 3), source.method)

