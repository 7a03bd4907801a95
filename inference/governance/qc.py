"""Quality control: flags with a severity from the signals the pipeline measured (ExtractionResult)."""

from __future__ import annotations

import re

from pydantic import BaseModel

from inference.schema import ExtractionResult, PageQuality, QualityFlag, Severity

REQUIRED_FIELDS = {"number": Severity.ERROR, "issued_date": Severity.ERROR, "organ_name": Severity.ERROR,
                   "type_name": Severity.WARNING, "subject": Severity.WARNING}
"""Decree 30 metadata a record cannot do without, and how bad its absence is."""
_PAGE_NUMBER = re.compile(r"^[-–\s]*(\d{1,3})[-–\s]*$")


class QcThresholds(BaseModel):
    min_dpi: float = 195.0
    """The 200 dpi standard (TT 05/2025 Art. 8), with room for rounding in file headers."""
    min_sharpness: float = 1000.0
    """Variance of the Laplacian around the ink of a prepared 300 dpi page: factory scans score ~5000,
    a Gaussian blur of sigma 1 px ~1600, sigma 1.5 ~400."""
    skew_degrees: float = 2.0
    max_edge_ink: float = 0.02
    min_word_confidence: float = 0.6
    min_field_confidence: float = 0.5
    """Extractors halve a field's confidence when its value fails validation: below this it is illegible."""


def page_flags(index: int, quality: PageQuality, limits: QcThresholds) -> list[QualityFlag]:
    page = index + 1
    if quality.blank:
        return [QualityFlag(code="blank_page", severity=Severity.INFO, page=index, message=f"page {page} is blank")]
    checks = [
        (quality.dpi is not None and quality.dpi < limits.min_dpi, "low_dpi", Severity.WARNING,
         f"page {page} was scanned at {quality.dpi or 0:.0f} dpi, below the 200 dpi standard"),
        (quality.sharpness is not None and quality.sharpness < limits.min_sharpness, "blurred", Severity.WARNING,
         f"page {page} is blurred (sharpness {quality.sharpness})"),
        (abs(quality.skew_degrees) >= limits.skew_degrees, "skewed", Severity.INFO,
         f"page {page} was scanned {abs(quality.skew_degrees):.1f}° askew (corrected)"),
        ((quality.edge_ink or 0.0) > limits.max_edge_ink, "cropped_margin", Severity.WARNING,
         f"page {page}: ink touches the edge, the margin may be cropped"),
        (quality.mean_word_confidence is not None and quality.mean_word_confidence < limits.min_word_confidence,
         "low_ocr_confidence", Severity.WARNING, f"page {page} reads poorly (mean word confidence "
         f"{quality.mean_word_confidence})"),
    ]
    return [QualityFlag(code=code, severity=severity, page=index, message=message)
            for failed, code, severity, message in checks if failed]


def printed_page_numbers(text: str) -> dict[int, int]:
    """Page index -> the number printed alone on its first line (Decree 30 numbers pages from 2, top centre)."""
    found = {}
    for index, page_text in enumerate(text.split("\f")):
        first = next((line for line in page_text.splitlines() if line.strip()), "")
        match = _PAGE_NUMBER.match(first)
        if match:
            found[index] = int(match.group(1))
    return found


def page_gap_flags(text: str) -> list[QualityFlag]:
    numbers = sorted(printed_page_numbers(text).items())
    flags = []
    for (index, number), (next_index, next_number) in zip(numbers, numbers[1:]):
        if next_number - number > next_index - index:
            missing = next_number - number - (next_index - index)
            flags.append(QualityFlag(
                code="page_gap", severity=Severity.ERROR, page=next_index,
                message=f"page numbered {next_number} follows page {number}: {missing} page(s) missing",
            ))
    return flags


def field_flags(result: ExtractionResult, limits: QcThresholds) -> list[QualityFlag]:
    flags = []
    for field, severity in REQUIRED_FIELDS.items():
        if getattr(result.fields, field) in (None, ""):
            flags.append(QualityFlag(code="missing_field", severity=severity, field=field,
                                     message=f"{field} not found"))
        elif result.confidence.get(field, 1.0) < limits.min_field_confidence:
            flags.append(QualityFlag(code="illegible_field", severity=Severity.WARNING, field=field,
                                     message=f"{field} read with low confidence; check it against the page"))
    return flags


def quality_flags(result: ExtractionResult, limits: QcThresholds | None = None) -> list[QualityFlag]:
    """Every flag of one document: pages, page numbering, required fields."""
    limits = limits or QcThresholds()
    pages = [flag for index, quality in enumerate(result.quality.pages) for flag in page_flags(index, quality, limits)]
    return pages + page_gap_flags(result.text) + field_flags(result, limits)
