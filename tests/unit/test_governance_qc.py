"""Quality control: the page signals measured in preparation and the flags derived from them."""

from __future__ import annotations

import functools

import cv2
import numpy as np
import pytest

from inference.governance.qc import QcThresholds, printed_page_numbers, quality_flags
from inference.io import render_page
from inference.options import LoadLimits
from inference.prepare import prepare_page
from inference.schema import DocumentQuality, ExtractionResult, Fields, PageQuality, Severity
from training.synth import sample_document

DPI = 300


@functools.cache
def page_image() -> np.ndarray:
    return render_page(sample_document(3).pdf, "application/pdf", 0, DPI, LoadLimits())


def flags_of(quality: PageQuality, text: str = "", **fields: object) -> dict[str, Severity]:
    complete = {"number": "15/QĐ-UBND", "issued_date": "2024-03-12", "organ_name": "UBND QUẬN BA ĐÌNH",
                "type_name": "Quyết định", "subject": "Về việc phê duyệt kế hoạch"}
    result = ExtractionResult(file="x.pdf", sha256="0" * 64, pages=1, text=text,
                              fields=Fields.model_validate(complete | fields),
                              quality=DocumentQuality(pages=[quality]))
    return {f.code: f.severity for f in quality_flags(result)}


def test_a_sharp_page_has_no_flags_and_a_blurred_one_is_flagged() -> None:
    sharp = prepare_page(page_image(), DPI).quality
    blurred = prepare_page(cv2.GaussianBlur(page_image(), (0, 0), 1.5), DPI).quality
    assert sharp.sharpness > QcThresholds().min_sharpness > blurred.sharpness
    assert flags_of(sharp) == {}
    assert flags_of(blurred) == {"blurred": Severity.WARNING}


def test_print_cut_by_a_cropped_margin_is_flagged() -> None:
    image = page_image()
    cropped = np.full_like(image, 255)
    cropped[: image.shape[0] - 400] = image[400:]  # the top 400 px (the header) cut off by the scanner
    assert prepare_page(image, DPI).quality.edge_ink == 0.0
    assert "cropped_margin" in flags_of(prepare_page(cropped, DPI).quality)


def test_page_hashes_are_measured_on_prepared_pages() -> None:
    quality = prepare_page(page_image(), DPI).quality
    assert quality.phash and quality.dhash and len(bytes.fromhex(quality.phash)) == 32


@pytest.mark.parametrize(
    ("quality", "code"),
    [
        (PageQuality(dpi=100, sharpness=5000), "low_dpi"),
        (PageQuality(dpi=300, sharpness=5000, skew_degrees=-3.1), "skewed"),
        (PageQuality(dpi=300, sharpness=5000, mean_word_confidence=0.41), "low_ocr_confidence"),
        (PageQuality(dpi=300, blank=True), "blank_page"),
    ],
)
def test_page_signals_become_flags(quality: PageQuality, code: str) -> None:
    assert list(flags_of(quality)) == [code]


def test_a_gap_in_printed_page_numbers_is_an_error() -> None:
    text = "QUYẾT ĐỊNH\nĐiều 1\f- 2 -\nĐiều 2\f- 4 -\nĐiều 4"
    assert printed_page_numbers(text) == {1: 2, 2: 4}
    assert flags_of(PageQuality(dpi=300), text) == {"page_gap": Severity.ERROR}
    assert flags_of(PageQuality(dpi=300), "Điều 1\f2\nĐiều 2\f3\nĐiều 3") == {}


def test_missing_and_illegible_fields_are_flagged() -> None:
    result = ExtractionResult(file="x", sha256="0" * 64, pages=1, text="",
                              fields=Fields(number="15/QĐ-UBND", organ_name="UBND QUẬN BA ĐÌNH", type_name="Báo cáo"),
                              confidence={"number": 0.3})
    assert {(f.code, f.field, f.severity) for f in quality_flags(result)} == {
        ("illegible_field", "number", Severity.WARNING),
        ("missing_field", "issued_date", Severity.ERROR),
        ("missing_field", "subject", Severity.WARNING),
    }
