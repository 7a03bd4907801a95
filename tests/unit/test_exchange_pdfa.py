"""The archival PDF/A: real pipeline words, real OCRmyPDF and pikepdf, checked with pikepdf and pypdf."""

from __future__ import annotations

import io

import pikepdf
import pytest
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader

from inference.exchange.pdfa import (
    PdfaCheck,
    PdfaFailed,
    born_digital_to_pdfa,
    check_pdfa,
    document_to_pdfa,
    image_dpi,
)
from inference.io import inspect_document
from inference.options import PipelineOptions
from inference.pipeline import extract_pages
from inference.schema import Page, PageKind, PageQuality, words_to_text

DPI = 200
OPTIONS = PipelineOptions(ocr_dpi=DPI, workers=1)
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
CFF_FONT = "/usr/share/texmf/fonts/opentype/public/tex-gyre/texgyretermes-regular.otf"
LINES = ["UỶ BAN NHÂN DÂN TỈNH NINH BÌNH", "Số: 15/QĐ-UBND", "QUYẾT ĐỊNH", "Về việc phê duyệt kế hoạch năm 2024"]


def scanned_page() -> Image.Image:
    page = Image.new("RGB", (1654, 2339), "white")
    draw = ImageDraw.Draw(page)
    for row, line in enumerate(LINES):
        draw.text((200, 200 + 90 * row), line, fill="black", font=ImageFont.truetype(FONT, 40))
    return page


def scanned_pdf() -> bytes:
    out = io.BytesIO()
    scanned_page().save(out, "PDF", resolution=DPI)
    return out.getvalue()


def scanned_png() -> bytes:
    out = io.BytesIO()
    scanned_page().save(out, "PNG", dpi=(DPI, DPI))
    return out.getvalue()


def archive(data: bytes, name: str) -> tuple[list[Page], bytes]:
    source = inspect_document(data, name, OPTIONS.limits, OPTIONS.min_text_layer_chars)
    pages, _ = extract_pages(data, source, OPTIONS)
    return pages, document_to_pdfa(data, source, pages, DPI, OPTIONS.limits, title="Quyết định 15")


@pytest.fixture(scope="module")
def scanned() -> tuple[list[Page], bytes]:
    return archive(scanned_pdf(), "scan.pdf")


def test_scanned_pdf_keeps_its_own_page_image_and_gets_our_words(scanned: tuple[list[Page], bytes]) -> None:
    pages, data = scanned
    assert check_pdfa(data) == PdfaCheck(
        part="2", conformance="B", output_intent=True, fonts_embedded=True, pages=1, image_pages=1
    )
    with pikepdf.open(io.BytesIO(scanned_pdf())) as original, pikepdf.open(io.BytesIO(data)) as pdf:
        (kept,) = pdf.pages[0].get_images().values()
        (scan,) = original.pages[0].get_images().values()
        assert kept.read_raw_bytes() == scan.read_raw_bytes()  # the scan's own stream, not re-encoded
        assert list(pdf.pages[0].mediabox) == list(original.pages[0].mediabox)

    extracted = PdfReader(io.BytesIO(data)).pages[0].extract_text().split()
    assert extracted == words_to_text(pages[0].words).split()
    assert "15/QĐ-UBND" in extracted


def test_scanned_image_becomes_its_image_plus_invisible_text() -> None:
    pages, data = archive(scanned_png(), "scan.png")
    assert check_pdfa(data).ok
    with pikepdf.open(io.BytesIO(data)) as pdf:
        (image,) = pdf.pages[0].get_images().values()
        assert (image.Width, image.Height) == (pages[0].width, pages[0].height)
        assert image.ColorSpace == "/DeviceGray"  # black print on white: no colour to keep
        assert float(pdf.pages[0].mediabox[2]) == pytest.approx(pages[0].width * 72 / DPI, abs=1)
        assert "3 Tr" in pdf.pages[0].Contents.read_bytes().decode("latin-1")  # text render mode 3: invisible
    assert PdfReader(io.BytesIO(data)).pages[0].extract_text().split() == words_to_text(pages[0].words).split()


def test_title_goes_into_the_metadata(scanned: tuple[list[Page], bytes]) -> None:
    with pikepdf.open(io.BytesIO(scanned[1])) as pdf:
        assert pdf.open_metadata().get("dc:title") == "Quyết định 15"


def born_digital_pdf(font: str = FONT) -> bytes:
    """Text in an embedded font (TrueType by default, as most office software writes it)."""
    pdf = FPDF(unit="pt", format="A4")
    pdf.add_font("Body", fname=font)
    pdf.set_font("Body", size=13)
    pdf.add_page()
    for row, line in enumerate(LINES * 4):
        pdf.text(80, 80 + 24 * row, line)
    return bytes(pdf.output())


def test_born_digital_pdf_is_converted_keeping_its_own_text() -> None:
    original = born_digital_pdf()
    _, data = archive(original, "born.pdf")
    check = check_pdfa(data)
    assert check.ok and (check.pages, check.image_pages) == (1, 0)
    assert (
        PdfReader(io.BytesIO(data)).pages[0].extract_text() == PdfReader(io.BytesIO(original)).pages[0].extract_text()
    )


def test_born_digital_pdf_pikepdf_cannot_confirm_is_archived_as_image_and_its_words() -> None:
    # An OpenType font with CFF outlines, which pikepdf's PDF/A check does not cover.
    pages, data = archive(born_digital_pdf(CFF_FONT), "cff.pdf")
    check = check_pdfa(data)
    assert check.ok and check.pages == check.image_pages == len(pages)
    reader = PdfReader(io.BytesIO(data))
    for page, archived in zip(pages, reader.pages):
        assert archived.extract_text().split() == words_to_text(page.words).split()


def test_colour_pages_stay_colour_and_black_and_white_pages_one_bit() -> None:
    colour = Image.new("RGB", (800, 1100), "white")
    ImageDraw.Draw(colour).ellipse((300, 800, 500, 1000), outline=(200, 30, 30), width=12)  # a red seal
    bilevel = Image.new("1", (800, 1100), 1)
    ImageDraw.Draw(bilevel).rectangle((100, 100, 700, 140), fill=0)
    for drawn, colour_space, bits in ((colour, "/DeviceRGB", 8), (bilevel.convert("RGB"), "/DeviceGray", 1)):
        out = io.BytesIO()
        drawn.save(out, "PNG", dpi=(DPI, DPI))
        _, data = archive(out.getvalue(), "page.png")
        with pikepdf.open(io.BytesIO(data)) as pdf:
            (image,) = pdf.pages[0].get_images().values()
            assert (image.ColorSpace, image.BitsPerComponent) == (colour_space, bits)


def test_the_check_tells_a_plain_pdf_from_a_pdfa() -> None:
    plain = check_pdfa(scanned_pdf())
    assert not plain.ok and (plain.part, plain.output_intent) == (None, False)


def test_a_broken_pdf_is_refused_with_a_reason() -> None:
    with pytest.raises(PdfaFailed, match="cannot read the PDF"):
        born_digital_to_pdfa(b"%PDF-1.7\n" + b"garbage" * 100)


def test_page_images_keep_the_scan_resolution() -> None:
    page = Page(index=0, kind=PageKind.SCANNED, width=2480, height=3508)
    assert image_dpi(page, 300) == 300
    assert image_dpi(page.model_copy(update={"quality": PageQuality(dpi=200.1)}), 300) == 200
    assert image_dpi(page.model_copy(update={"quality": PageQuality(dpi=9600)}), 300) == 300
