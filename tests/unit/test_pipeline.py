"""pipeline.extract_document end to end on synthetic scans: real pdfium, real Tesseract, no stubs.

OCR runs at 200 dpi (PipelineOptions(ocr_dpi=200), scans made at 200 dpi) to keep the suite fast; every
OCR result is computed once per module and shared.
"""

from __future__ import annotations

import hashlib
import io

import numpy as np
import pytest
from PIL import Image

from eval.metrics import exact
from inference.io import inspect_document
from inference.options import PipelineOptions
from inference.pipeline import extract_document, extract_pages
from inference.schema import Block, ExtractionResult, PageKind
from training.synth import DegradeParams, sample_scan, save_scan_pdf
from training.synth.truth import RenderedDocument

DPI = 200
OPTIONS = PipelineOptions(ocr_dpi=DPI)
MILD = DegradeParams(noise_sigma=3, blur_sigma=0.4, skew_degrees=0.7, jpeg_quality=75, blank_back_page=True)


def png(image: np.ndarray, dpi: int = DPI) -> bytes:
    out = io.BytesIO()
    Image.fromarray(image).save(out, "PNG", dpi=(dpi, dpi))
    return out.getvalue()


def tiff(images: list[np.ndarray], dpi: int = DPI) -> bytes:
    frames = [Image.fromarray(a) for a in images]
    out = io.BytesIO()
    frames[0].save(out, "TIFF", dpi=(dpi, dpi), save_all=True, append_images=frames[1:], compression="tiff_lzw")
    return out.getvalue()


def assert_printed(rendered: RenderedDocument) -> None:
    """The number and the day are printed (not handwritten), so the page pass can read them."""
    assert not rendered.spec.handwritten_number
    assert not rendered.spec.handwritten_day


# -- a two-page scanned PDF with a seal and a blank back page -----------------------------------------


@pytest.fixture(scope="module")
def scan() -> tuple[RenderedDocument, bytes, ExtractionResult]:
    rendered, images = sample_scan(6, dpi=DPI, degrade=MILD)
    assert_printed(rendered)
    assert len(rendered.pages) == 2 and len(images) == 3  # two pages and the blank back
    assert rendered.spec.red_seal and not rendered.spec.digital_signature_box
    pdf = save_scan_pdf(images, DPI)
    return rendered, pdf, extract_document(pdf, "scan.pdf", OPTIONS)


def test_scan_header_fields(scan) -> None:
    rendered, _, result = scan
    truth = rendered.spec.fields
    assert result.fields.number == truth.number
    assert result.fields.code_number == truth.code_number
    assert result.fields.issued_date == truth.issued_date
    assert result.fields.organ_name == truth.organ_name
    assert result.fields.place == truth.place
    assert result.fields.type_name == truth.type_name
    assert exact("subject", result.fields.subject, truth.subject)
    assert result.fields.block == Block.GOVERNMENT


def test_scan_evidence_and_confidence(scan) -> None:
    rendered, _, result = scan
    evidence = result.evidence["number"]
    assert evidence.page == 0
    box = evidence.bbox
    assert 0.0 <= box.x0 < box.x1 <= 1.0 and 0.0 <= box.y0 < box.y1 <= 1.0
    truth = rendered.pages[0].region("number")
    assert truth is not None
    assert abs(box.cx - truth.cx) < 0.03 and abs(box.cy - truth.cy) < 0.02  # where "Số: ..." is printed
    assert result.fields.number in evidence.text.replace(" ", "")
    assert set(result.confidence) == set(result.evidence)
    for field, value in result.confidence.items():
        assert 0.0 <= value <= 1.0, field
    for field, found in result.evidence.items():
        b = found.bbox
        assert 0.0 <= b.x0 <= b.x1 <= 1.0 and 0.0 <= b.y0 <= b.y1 <= 1.0, field
        assert 0 <= found.page < result.pages


def test_scan_pages_text_and_identity(scan) -> None:
    _, pdf, result = scan
    assert result.pages == 3
    assert result.file == "scan.pdf"
    assert result.sha256 == hashlib.sha256(pdf).hexdigest()
    pages = result.text.split("\f")
    assert len(pages) == 3
    assert "Số:" in pages[0] and "BÁO CÁO" in pages[0].upper()
    assert pages[1].strip() and pages[2] == ""  # the blank back page has no text
    assert len(result.quality.pages) == 3
    assert all(abs(q.dpi - DPI) < 1 for q in result.quality.pages)
    assert not any("dpi" in w for w in result.warnings)


def test_scan_quality_flags(scan) -> None:
    rendered, _, result = scan
    quality = result.quality
    seal_page = rendered.page_of("seal")
    assert seal_page is not None
    assert quality.has_red_seal
    assert [q.red_seal for q in quality.pages] == [i == seal_page for i in range(3)]
    assert quality.has_handwriting  # the blue ink signature
    assert not quality.has_digital_signature
    # Skew: the page was scanned turned 0.7 degrees counter-clockwise; skew_degrees is the correction.
    assert abs(quality.pages[0].skew_degrees + 0.7) <= 0.2
    assert all(q.rotation == 0 for q in quality.pages)
    assert quality.pages[0].mean_word_confidence is not None and quality.pages[0].mean_word_confidence > 0.7


def test_scan_blank_back_page(scan) -> None:
    _, _, result = scan
    assert result.quality.blank_pages == [2]
    assert [q.blank for q in result.quality.pages] == [False, False, True]
    assert "page 3 is blank" in result.warnings
    assert result.quality.pages[2].mean_word_confidence is None


# -- other inputs ---------------------------------------------------------------------------------------


def test_png_input() -> None:
    rendered, images = sample_scan(10, dpi=DPI, degrade=DegradeParams(noise_sigma=3))
    assert_printed(rendered)
    assert len(images) == 1
    data = png(images[0])
    result = extract_document(data, "page.png", OPTIONS)
    truth = rendered.spec.fields
    assert result.pages == 1 and "\f" not in result.text
    assert result.fields.number == truth.number
    assert result.fields.issued_date == truth.issued_date
    assert result.fields.organ_name == truth.organ_name
    assert result.fields.signer_name == truth.signer_name
    assert result.quality.has_red_seal == rendered.spec.red_seal
    assert abs(result.quality.pages[0].dpi - DPI) < 1


def test_multipage_tiff_input() -> None:
    rendered, images = sample_scan(25, dpi=DPI, degrade=DegradeParams(noise_sigma=3))
    assert_printed(rendered)
    assert len(images) == 2
    data = tiff(images)
    source = inspect_document(data, "scan.tif", OPTIONS.limits)
    assert len(source.pages) == 2 and all(p.needs_ocr for p in source.pages)
    pages, result = extract_pages(data, source, OPTIONS)
    assert [p.kind for p in pages] == [PageKind.SCANNED, PageKind.SCANNED]
    truth = rendered.spec.fields
    assert result.pages == 2 and result.text.count("\f") == 1
    assert result.fields.number == truth.number
    assert result.fields.issued_date == truth.issued_date
    # The signature block is on the second page.
    assert rendered.page_of("signature") == 1
    assert result.fields.signer_name == truth.signer_name
    assert result.fields.signer_position == truth.signer_position
    assert result.evidence["signer_name"].page == 1


@pytest.mark.parametrize("fed", [90, 180])
def test_turned_scan_is_turned_upright(fed: int) -> None:
    """90: a landscape image, turned before OCR; 180: portrait, found by the low OCR confidence."""
    rendered, images = sample_scan(18, dpi=DPI, degrade=DegradeParams(rotation=fed, noise_sigma=3))
    assert_printed(rendered)
    assert (images[0].shape[1] > images[0].shape[0]) == (fed == 90)
    result = extract_document(save_scan_pdf(images, DPI), "turned.pdf", OPTIONS)
    # Fed turned clockwise (DegradeParams.rotation), so turned back as much counter-clockwise.
    assert result.quality.pages[0].rotation == fed
    assert result.fields.number == rendered.spec.fields.number
    assert result.fields.issued_date == rendered.spec.fields.issued_date


def test_handwritten_number_and_day_are_read_again() -> None:
    rendered, images = sample_scan(23, dpi=DPI, degrade=DegradeParams(noise_sigma=3))
    spec = rendered.spec
    assert spec.handwritten_number and spec.handwritten_day
    assert rendered.pages[0].boxes("handwriting")
    data = png(images[0])
    source = inspect_document(data, "page.png", OPTIONS.limits)
    pages, result = extract_pages(data, source, OPTIONS)
    assert result.fields.code_notation == spec.fields.code_notation
    # The writer may drop a leading zero ("3" for "03"): compare the values.
    assert result.fields.code_number is not None and int(result.fields.code_number) == int(spec.fields.code_number)
    assert result.fields.issued_date == spec.fields.issued_date
    reread = [w.text for w in pages[0].words if w.source == "reread" and w.text.isdigit()]
    assert str(int(spec.fields.code_number)) in [str(int(t)) for t in reread]
    assert result.quality.has_handwriting


@pytest.fixture(scope="module")
def incoming() -> tuple[RenderedDocument, ExtractionResult]:
    rendered, images = sample_scan(39, dpi=DPI, degrade=DegradeParams(noise_sigma=3))
    assert rendered.spec.incoming_stamp
    assert_printed(rendered)
    return rendered, extract_document(png(images[0]), "page.png", OPTIONS)


def test_incoming_stamp_is_flagged(incoming) -> None:
    rendered, result = incoming
    assert result.quality.incoming_stamp
    assert result.fields.number == rendered.spec.fields.number
    assert result.fields.issued_date == rendered.spec.fields.issued_date


def test_incoming_stamp_does_not_break_the_issuer(incoming) -> None:
    rendered, result = incoming
    assert result.fields.organ_name == rendered.spec.fields.organ_name


def test_blank_low_resolution_image() -> None:
    """No OCR happens on a blank page; its low resolution and emptiness are reported."""
    page = np.full((1754, 1240, 3), 250, np.uint8)  # A4 at 150 dpi
    result = extract_document(png(page, 150), "blank.png", OPTIONS)
    assert result.pages == 1 and result.text == ""
    assert result.quality.blank_pages == [0]
    assert "page 1 is blank" in result.warnings
    assert any("150 dpi" in w and "200 dpi" in w for w in result.warnings)
    assert "no readable text on any page" in result.warnings
    assert result.fields.model_dump(exclude_defaults=True) == {}
    assert result.evidence == {} and result.confidence == {}
