"""The one schema module: every object that crosses a boundary (CLI, API, storage, training).

Coordinates are normalised to the page: (x0, y0, x1, y1) in [0, 1], origin top-left, so a box
means the same thing whatever resolution a page was rendered at.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import IntEnum, StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class BBox(BaseModel):
    model_config = ConfigDict(frozen=True)

    x0: float
    y0: float
    x1: float
    y1: float

    @classmethod
    def union(cls, boxes: list[BBox]) -> BBox:
        return cls(
            x0=min(b.x0 for b in boxes),
            y0=min(b.y0 for b in boxes),
            x1=max(b.x1 for b in boxes),
            y1=max(b.y1 for b in boxes),
        )

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def height(self) -> float:
        return self.y1 - self.y0


WordSource = Literal["ocr", "text_layer", "form_field", "reread"]


class Word(BaseModel):
    """One word on a page, with where it is and how sure the reader was (0..1)."""

    text: str
    bbox: BBox
    confidence: float = 1.0
    source: WordSource = "ocr"
    line: int = 0
    """Index of the text line the word belongs to, unique within the page."""


class PageKind(StrEnum):
    BORN_DIGITAL = "born_digital"
    SCANNED = "scanned"


class PageQuality(BaseModel):
    """Signals measured on one page; flags are derived from them by governance code."""

    dpi: float | None = None
    rotation: int = 0
    """Degrees (0/90/180/270) the page was turned to be upright."""
    skew_degrees: float = 0.0
    """The correction applied, counter-clockwise positive: a page scanned turned 2° counter-clockwise has -2."""
    blank: bool = False
    ink_coverage: float = 0.0
    red_seal: bool = False
    blue_ink: bool = False
    mean_word_confidence: float | None = None
    sharpness: float | None = None
    """Variance of the Laplacian of the prepared page (blur check); None for born-digital pages."""
    edge_ink: float | None = None
    """Share of the page border band covered by ink: text cut off by a cropped margin touches the edge."""
    dhash: str | None = None
    phash: str | None = None
    """Perceptual hashes of the page image (hex, 256 bits), for duplicate detection across scans."""


class Page(BaseModel):
    index: int
    """0-based page number in the file."""
    kind: PageKind
    width: int
    height: int
    """Pixel size of the prepared image (or of the page at the reference dpi when born-digital)."""
    words: list[Word] = Field(default_factory=list)
    stamps: list[Word] = Field(default_factory=list)
    """Words read from stamps (urgency, secrecy, copy, incoming register): kept apart from the print,
    because a stamp is struck across the layout and its box would join unrelated lines."""
    quality: PageQuality = Field(default_factory=PageQuality)
    regions: list[LayoutRegion] = Field(default_factory=list)
    """Found by the configured layout engine (PipelineOptions.layout_engine); empty without one."""

    @property
    def text(self) -> str:
        stamps = " ".join(w.text for w in self.stamps)
        return words_to_text(self.words) + (f"\n{stamps}" if stamps else "")


def words_to_text(words: list[Word]) -> str:
    lines: dict[int, list[Word]] = {}
    for word in words:
        lines.setdefault(word.line, []).append(word)
    ordered = sorted(lines.values(), key=lambda ws: (min(w.bbox.y0 for w in ws), min(w.bbox.x0 for w in ws)))
    return "\n".join(" ".join(w.text for w in sorted(ws, key=lambda w: w.bbox.x0)) for ws in ordered)


class Block(StrEnum):
    PARTY = "party"
    GOVERNMENT = "government"
    MASS_ORG = "mass_org"


class Fields(BaseModel):
    """The metadata of one văn bản (document). Unknown is None, never a guess dressed as a value."""

    organ_name: str | None = None
    parent_organ_name: str | None = None
    number: str | None = None
    """As printed, without "Số" and without spaces: "15/QĐ-XPHC", "127-KL/TW"."""
    code_number: str | None = None
    """The running number alone: "15"."""
    code_notation: str | None = None
    """The symbol alone: "QĐ-XPHC", "KL/TW"."""
    place: str | None = None
    issued_date: date | None = None
    type_name: str | None = None
    subject: str | None = None
    """The trích yếu (summary line), without a leading "V/v"."""
    signer_position: str | None = None
    """Authority and position lines joined with " / ": "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH"."""
    signer_name: str | None = None
    recipients: list[str] = Field(default_factory=list)
    urgency: str | None = None
    confidentiality: str | None = None
    block: Block | None = None


FIELD_NAMES: tuple[str, ...] = tuple(Fields.model_fields)


class Evidence(BaseModel):
    """Where a field value was read: page, box and the raw text, and by which method."""

    page: int
    bbox: BBox
    text: str
    method: str
    file: str | None = None
    """Set when the value was read in another file that is part of the same văn bản (inference.assembly)."""


LayoutLabel = Literal[
    "motto", "issuer", "number", "place_date", "title", "kinh_gui", "body", "signature_block", "recipients",
    "seal", "signature", "handwriting", "stamp", "digital_signature", "page_number",
]
"""Regions of a page: the Decree 30 components (Quốc hiệu + Tiêu ngữ, issuer, number, place and date, type +
subject, Kính gửi, body, authority + signer block, Nơi nhận) and what is struck or written over them (red
seal, wet signature, handwritten number or day, stamps, e-signature box), and the page number."""
LAYOUT_LABELS: tuple[str, ...] = LayoutLabel.__args__


class LayoutRegion(BaseModel):
    """A region found on a page by a layout engine (inference.layout_engines); `score` in 0..1."""

    page: int
    label: LayoutLabel
    bbox: BBox
    score: float


class DocumentQuality(BaseModel):
    pages: list[PageQuality] = Field(default_factory=list)
    blank_pages: list[int] = Field(default_factory=list)
    has_red_seal: bool = False
    has_handwriting: bool = False
    has_digital_signature: bool = False
    incoming_stamp: bool = False
    """An incoming-register stamp ("CV ĐẾN", "ĐẾN Số ... Ngày ...") is on the document."""
    copy_form: str | None = None
    """"SAO Y", "SAO LỤC" or "TRÍCH SAO" when the file is a certified copy."""


class ExtractionResult(BaseModel):
    """The extraction contract: `vanthu extract --json` prints it, `POST /v1/extract` returns it."""

    file: str
    sha256: str
    pages: int
    text: str
    """Full text, pages separated by form feed (\\f)."""
    fields: Fields
    confidence: dict[str, float] = Field(default_factory=dict)
    evidence: dict[str, Evidence] = Field(default_factory=dict)
    quality: DocumentQuality = Field(default_factory=DocumentQuality)
    warnings: list[str] = Field(default_factory=list)
    regions: list[LayoutRegion] = Field(default_factory=list)
    """Layout regions of every page, when a layout engine is configured (PipelineOptions.layout_engine)."""


class DocumentStatus(StrEnum):
    QUEUED = "queued"
    PROCESSING = "processing"
    DONE = "done"
    FAILED = "failed"


class SecrecyLevel(IntEnum):
    """Độ mật of a document and the clearance of a user: a user reads up to their clearance."""

    none = 0
    mat = 1
    """Mật"""
    toi_mat = 2
    """Tối mật"""
    tuyet_mat = 3
    """Tuyệt mật"""


class AccessMode(StrEnum):
    """Chế độ sử dụng: who within the agency's scope may read (see `api.auth.principal.readable_modes`)."""

    public = "public"
    conditional = "conditional"
    restricted = "restricted"


class DocumentAccess(BaseModel):
    """Who may see a document: its agency (and the agencies above it), its secrecy level, its access mode."""

    agency_code: str | None = None
    """The owning agency; None only before it is stored (then the uploader's agency)."""
    secrecy: SecrecyLevel = SecrecyLevel.none
    access_mode: AccessMode = AccessMode.public


class DocumentRecord(DocumentAccess):
    """A stored document as the service shows it."""

    id: str
    sha256: str
    filename: str
    content_type: str | None = None
    size: int
    status: DocumentStatus
    error: str | None = None
    created_at: datetime
    updated_at: datetime
    result: ExtractionResult | None = None
    external_id: str | None = None
    """For a record imported without OCR (`vanthu import`): its id in the system it came from."""


class DocumentSummary(DocumentAccess):
    """A record in a listing: fields, no full text."""

    id: str
    sha256: str
    filename: str
    status: DocumentStatus
    pages: int | None = None
    fields: Fields | None = None
    created_at: datetime


# --- governance: quality flags, classification, retention, duplicates -----------------------------


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class QualityFlag(BaseModel):
    """One quality-control finding on a page, a field or the whole document."""

    code: str
    """Stable: blank_page, blurred, skewed, low_dpi, cropped_margin, low_ocr_confidence, page_gap,
    missing_field, illegible_field."""
    severity: Severity
    message: str
    page: int | None = None
    """0-based page index, when the finding is about one page."""
    field: str | None = None


class Level(StrEnum):
    CENTRAL = "central"
    CITY = "city"
    """Province level: a tỉnh or a centrally-run thành phố (Hà Nội)."""
    DISTRICT = "district"
    COMMUNE = "commune"


class Successor(BaseModel):
    code: str
    name: str
    share: str = "full"
    """"full", "partial" or "remainder" (NQ 1656 wording) or "functions" for an abolished district."""


class Classification(BaseModel):
    block: Block | None = None
    type_name: str | None = None
    level: Level | None = None
    unit: str | None = None
    """The administrative unit named in the issuer ("Quận Ba Đình"), as printed."""
    successors: list[Successor] = Field(default_factory=list)
    """Units that took over an issuer abolished or merged on 1 July 2025; empty when unchanged or unknown."""
    warnings: list[str] = Field(default_factory=list)


class RetentionProposal(BaseModel):
    period: str
    """"permanent", "until_expiry" or a number of years ("70", "20", ...)."""
    rule_id: str | None = None
    citation: str
    reason: str


class DuplicateReason(StrEnum):
    """Why two files are one văn bản, strongest evidence first."""

    COPY_OF = "copy_of"
    EXACT_FILE = "exact_file"
    SAME_PAGES = "same_pages"
    SAME_TEXT = "same_text"
    SAME_METADATA = "same_metadata"
    PARTS_OF = "parts_of"
    """Files that are pages of one văn bản delivered separately (inference.assembly)."""


class DuplicateGroup(BaseModel):
    """Files (or stored documents) that are one văn bản; `original` is the authoritative member."""

    members: list[str]
    reason: DuplicateReason
    reasons: list[DuplicateReason] = Field(default_factory=list)
    """Every reason that linked two members, strongest first."""
    original: str | None = None
    copies: list[str] = Field(default_factory=list)
    """Members that are certified copies (SAO Y, TRÍCH SAO, SAO LỤC) of the original."""


class EntityKind(StrEnum):
    """What an entity link points at in a national register."""

    CITIZEN_ID = "citizen_id"
    """Số định danh cá nhân / CCCD (population register)."""
    TAX_CODE = "tax_code"
    """Mã số thuế / mã số doanh nghiệp (enterprise register)."""
    LAND_PARCEL = "land_parcel"
    """Tờ bản đồ + thửa đất (land register)."""
    ADMIN_UNIT = "admin_unit"
    OFFICIAL = "official"
    """A signer, or a name after an official title (officials register)."""
    PERSON = "person"
    """A private person's name (after ông/bà): personal data."""


class EntityLink(BaseModel):
    """An identifier or name read in a document, typed for a connector to a national register."""

    kind: EntityKind
    value: str
    """As read."""
    normalized: str
    """The register's key: digits only, "<tờ>/<thửa>", a unit code, a name in canonical case."""
    page: int
    bbox: BBox
    confidence: float
    attributes: dict[str, str] = Field(default_factory=dict)
    """What the value itself says, for checking against the register (a CCCD's province, sex, birth year)."""
