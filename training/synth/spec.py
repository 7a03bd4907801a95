"""What one synthetic document is: the ground-truth fields plus everything needed to draw it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from inference.schema import Block, Fields

ParagraphStyle = Literal["plain", "italic", "bold", "heading"]
"""plain/italic/bold: justified with a first-line indent; heading: bold, centred, no indent."""


class Paragraph(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str
    style: ParagraphStyle = "plain"


class PageLayout(BaseModel):
    """Millimetres and points within the Decree 30 ranges."""

    model_config = ConfigDict(frozen=True)

    margin_top: float = 20.0
    margin_bottom: float = 20.0
    margin_left: float = 30.0
    margin_right: float = 15.0
    header_size: float = 13.0
    body_size: float = 14.0
    line_spacing: float = 1.25
    first_line_indent: float = 12.7
    paragraph_gap: float = 2.0
    signature_gap: float = 28.0
    """Blank height between the authority lines and the signer's name (signature and seal go there), mm;
    real pages leave 25 to 45."""
    seal_diameter: float = 36.0


class Arrival(BaseModel):
    """What the receiving office writes into its "CÔNG VĂN ĐẾN" register stamp."""

    model_config = ConfigDict(frozen=True)

    receiver: str
    number: int
    received: date


class DocumentSpec(BaseModel):
    fields: Fields
    type_code: str
    """Decree 30 / HD 36 abbreviation ("QĐ", "KL", ...); "CV" for công văn."""
    layout: Block
    motto: list[str]
    """Top-right header: Quốc hiệu + Tiêu ngữ, "ĐẢNG CỘNG SẢN VIỆT NAM" or "ĐOÀN TNCS HỒ CHÍ MINH"."""
    issuer_mark: str | None = None
    """"*" (Party) or "***" (Youth Union) under the issuer instead of a rule."""
    body: list[Paragraph]
    kinh_gui: list[str] = Field(default_factory=list)
    recipients: list[str] = Field(default_factory=list)
    """"Nơi nhận" items as printed, without the leading "- " and the closing ";" or "."."""
    signature_lines: list[str]
    handwritten_number: bool = False
    """The printed number line has a blank; the number is written by hand on the scan."""
    handwritten_day: bool = False
    red_seal: bool = False
    digital_signature_box: bool = False
    incoming_stamp: bool = False
    signed_at: datetime
    """Time shown in the digital-signature box."""
    arrival: Arrival
    page: PageLayout = Field(default_factory=PageLayout)

    @model_validator(mode="after")
    def _fields_agree(self) -> DocumentSpec:
        f = self.fields
        if f.signer_position != " / ".join(self.signature_lines):
            raise ValueError("fields.signer_position must be the signature lines joined with ' / '")
        if f.block != self.layout:
            raise ValueError("fields.block must equal layout")
        if not (f.number and f.code_number and f.code_notation and f.number.startswith(f.code_number)):
            raise ValueError("fields.number must be code_number followed by code_notation")
        if f.issued_date is None or not f.place:
            raise ValueError("fields.issued_date and fields.place are required")
        return self

    @property
    def is_cong_van(self) -> bool:
        return self.type_code == "CV"

    @property
    def number_label(self) -> str:
        """HD 36 writes "Số 127-KL/TU" without a colon; everyone else "Số: ..."."""
        return "Số" if self.layout == Block.PARTY else "Số:"

    @property
    def number_tail(self) -> str:
        """What follows the running number: "/QĐ-UBND" or "-KL/TU"."""
        assert self.fields.number and self.fields.code_number
        return self.fields.number[len(self.fields.code_number) :]

    @property
    def stamps(self) -> list[str]:
        return [s for s in (self.fields.urgency, self.fields.confidentiality) if s]

    @property
    def wet_signature(self) -> bool:
        """E-signed documents carry the signature box instead of an ink signature."""
        return not self.digital_signature_box
