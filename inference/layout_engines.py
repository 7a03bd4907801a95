"""Layout engines behind one small interface, registered by name: a page image (and its words) -> regions.

    model  the trained network (inference.layout_model, models/artifacts/layout): reads pixels only
    rules  the baseline: what the rule extractor (inference.kie.rules) locates from the words, turned into
           regions (the evidence box of each field it finds, the national-motto lines). It has no locator for
           the body, "Kính gửi", seals, signatures, handwriting, the e-signature box or page numbers.

`vanthu eval layout` scores them against the synthetic factory's regions (eval/layout.py).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from inference.kie.rules import RuleExtractor
from inference.layout import assign_lines, segments
from inference.layout_model import LayoutModel
from inference.registry import Registry
from inference.schema import BBox, LayoutLabel, LayoutRegion, Page, PageKind, Word


class LayoutEngine(Protocol):
    def regions(self, gray: np.ndarray, words: list[Word] | None = None, page: int = 0) -> list[LayoutRegion]:
        """Regions of one page: `gray` the page image (uint8), `words` what was read on it (boxes normalised)."""
        ...


LAYOUT_ENGINES: Registry[LayoutEngine] = Registry("layout engine")

FIELD_REGIONS: dict[str, LayoutLabel] = {
    "organ_name": "issuer",
    "parent_organ_name": "issuer",
    "number": "number",
    "place": "place_date",
    "issued_date": "place_date",
    "subject": "title",
    "signer_position": "signature_block",
    "signer_name": "signature_block",
    "recipients": "recipients",
    "urgency": "stamp",
    "confidentiality": "stamp",
}
"""Field whose evidence box is (part of) a region -> that region's label."""
MOTTO_STARTS = ("cong hoa xa hoi", "doc lap", "dang cong san viet nam", "doan tncs ho chi minh")
MOTTO_TOP = 0.3


class RuleLayout:
    """The rule baseline: regions from the evidence boxes of the fields the rule extractor finds on the page."""

    def regions(self, gray: np.ndarray, words: list[Word] | None = None, page: int = 0) -> list[LayoutRegion]:
        words = assign_lines(words or [])
        if not words:
            return []
        height, width = gray.shape[:2]
        extraction = RuleExtractor().extract(
            [Page(index=page, kind=PageKind.SCANNED, width=width, height=height, words=words)]
        )
        boxes: dict[LayoutLabel, list[BBox]] = {}
        stamps: list[BBox] = []
        for field, evidence in extraction.evidence.items():
            label = FIELD_REGIONS.get(field)
            if label == "stamp":
                stamps.append(evidence.bbox)
            elif label:
                boxes.setdefault(label, []).append(evidence.bbox)
        type_line = extraction.evidence.get("type_name")
        symbol = extraction.evidence.get("code_notation")
        if type_line and (symbol is None or type_line.bbox != symbol.bbox):  # not a type read from the symbol
            boxes.setdefault("title", []).append(type_line.bbox)
        motto = [s.bbox for s in segments(words, page) if s.bbox.y0 < MOTTO_TOP and s.folded.startswith(MOTTO_STARTS)]
        if motto:
            boxes["motto"] = motto
        merged = [
            LayoutRegion(page=page, label=label, bbox=BBox.union(found), score=1.0) for label, found in boxes.items()
        ]
        return merged + [LayoutRegion(page=page, label="stamp", bbox=box, score=1.0) for box in stamps]


LAYOUT_ENGINES.register("model")(LayoutModel)
LAYOUT_ENGINES.register("rules")(RuleLayout)

ENGINE_MODELS = {"model": "layout"}
"""Engines that run a trained model: its name in the model registry (PipelineOptions.model_dirs)."""


def create_layout_engine(name: str, model_dirs: dict[str, str]) -> LayoutEngine:
    """The engine `name`, with the model version the registry made active (the committed default otherwise)."""
    model = ENGINE_MODELS.get(name)
    return LAYOUT_ENGINES.create(name, **({"model_dir": model_dirs[model]} if model in model_dirs else {}))
