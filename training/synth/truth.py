"""Ground truth of a rendered document: per page, its text and where each layout region is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

from inference.schema import BBox
from training.synth.spec import DocumentSpec

RegionName = Literal[
    "motto", "issuer", "number", "place_date", "title", "kinh_gui", "body", "signature", "recipients",
    "stamps", "seal", "digital_signature", "page_number", "handwriting", "signature_ink",
]
Layer = Literal["print", "scan"]
"""print: in the born-digital PDF (and so on the scan); scan: ink that only render_scan adds."""


class Region(BaseModel):
    name: RegionName
    bbox: BBox
    """Normalised to the page, origin top-left; for scan-layer ink, a box the ink stays inside."""
    text: str = ""
    layer: Layer = "print"


class PageTruth(BaseModel):
    index: int
    text: str
    """The printed text, line by line in drawing order (a blank left for handwriting is one space)."""
    regions: list[Region]

    def boxes(self, name: RegionName) -> list[BBox]:
        return [r.bbox for r in self.regions if r.name == name]

    def region(self, name: RegionName) -> BBox | None:
        """The union of all boxes of that name on this page, None when the page has none."""
        found = self.boxes(name)
        return BBox.union(found) if found else None


@dataclass(frozen=True)
class RenderedDocument:
    pdf: bytes
    spec: DocumentSpec
    pages: list[PageTruth]

    def page_of(self, name: RegionName) -> int | None:
        """Index of the first page with that region."""
        return next((p.index for p in self.pages if p.boxes(name)), None)
