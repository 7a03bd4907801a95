"""Archival PDF/A-2b: each scanned page as its image with an invisible text layer made from our own OCR words
(Circular 05/2025/TT-BNV asks for "two-layer" PDF/A), or a born-digital PDF converted keeping its text.

OCRmyPDF does the PDF work: its fpdf2 renderer lays our words out under the page image (the same renderer it
uses for Tesseract's words), and its pipeline, with no OCR engine, turns the result into PDF/A-2b. Its
pikepdf-based ("internal") PDF/A backend is used because the Ghostscript of Debian 12 (10.0.0) is one OCRmyPDF
refuses for PDFs that carry text (see docs/decisions.md). Pure: works in a temporary directory, returns bytes.
"""

from __future__ import annotations

import io
import logging
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import ocrmypdf
import pikepdf
from ocrmypdf.font import MultiFontManager
from ocrmypdf.fpdf_renderer import Fpdf2PdfRenderer
from ocrmypdf.hocrtransform import BoundingBox, OcrClass, OcrElement
from PIL import Image
from pydantic import BaseModel

from inference.errors import InputError
from inference.io import PDF, SourceDocument, render_page
from inference.options import LoadLimits
from inference.prepare import turn
from inference.schema import BBox, Page, PageKind, Word

logger = logging.getLogger(__name__)

OCRMYPDF_FONTS = Path(ocrmypdf.__file__).parent / "data"
JPEG_QUALITY = 75
"""OCRmyPDF's own default for page images."""
MIN_IMAGE_DPI, MAX_IMAGE_DPI = 72, 1200
TEXT_DPI = 300
"""Resolution of the coordinate grid a text layer laid over an existing page is placed on."""
GREY_SPREAD = 24
"""Largest difference between a pixel's channels still taken for grey (scanner noise, JPEG artefacts)."""
PDFA_OUTPUT = "pdfa-2"


class PdfaFailed(InputError):
    code = "pdfa_failed"


@dataclass(frozen=True)
class ScannedPage:
    image: np.ndarray
    """RGB (H x W x 3) uint8, upright as the words were read, `page.width` x `page.height` pixels."""
    page: Page
    dpi: int


def scanned_to_pdfa(pages: list[ScannedPage], title: str | None = None) -> bytes:
    """Page images with our words as an invisible text layer, as PDF/A-2b bytes."""
    if not pages:
        raise ValueError("no pages")
    with tempfile.TemporaryDirectory(prefix="vanthu-pdfa-") as scratch:
        folder = Path(scratch)
        fonts = MultiFontManager(OCRMYPDF_FONTS)
        rendered = [_render_page(scanned, fonts, folder, number) for number, scanned in enumerate(pages)]
        return _to_pdfa(_pages_only(rendered, folder), folder, title)


def scanned_pdf_to_pdfa(pdf: bytes, pages: list[Page], title: str | None = None) -> bytes:
    """A scanned PDF with its own page images, untouched (their resolution and compression: a 1-bit fax stays
    CCITT/JBIG2), and our words laid over each page as invisible text. Raises `PdfaFailed` for pages this
    cannot place words on (turned by /Rotate or by our reader) or that pikepdf cannot confirm as PDF/A."""
    with tempfile.TemporaryDirectory(prefix="vanthu-pdfa-") as scratch:
        folder = Path(scratch)
        fonts = MultiFontManager(OCRMYPDF_FONTS)
        combined = pikepdf.new()
        with _open(pdf) as original, ExitStack() as text_layers:
            for number, (page, read) in enumerate(zip(original.pages, pages, strict=True)):
                text_layer = text_layers.enter_context(pikepdf.open(_text_layer(page, read, fonts, folder, number)))
                combined.pages.append(page)
                combined.pages[-1].add_overlay(text_layer.pages[0])
            combined.save(folder / "pages.pdf")
        return _to_pdfa(folder / "pages.pdf", folder, title)


def _open(pdf: bytes) -> pikepdf.Pdf:
    try:
        return pikepdf.open(io.BytesIO(pdf))
    except pikepdf.PdfError as error:
        raise PdfaFailed(f"cannot read the PDF: {error}") from error


def _text_layer(page: pikepdf.Page, read: Page, fonts: MultiFontManager, folder: Path, number: int) -> Path:
    """A text-only page of the same size in points as `page`, with the words where they were read."""
    x0, y0, x1, y1 = (float(v) for v in page.mediabox)
    if int(page.obj.get("/Rotate", 0)) % 360 or read.quality.rotation or (x0, y0) != (0, 0):
        raise PdfaFailed(f"page {number + 1} is turned or offset; its words are placed on a rendered image")
    sized = read.model_copy(update={"width": round(x1 * TEXT_DPI / 72), "height": round(y1 * TEXT_DPI / 72)})
    output = folder / f"text-{number}.pdf"
    Fpdf2PdfRenderer(page=ocr_tree(sized), dpi=TEXT_DPI, multi_font_manager=fonts, invisible_text=True).render(output)
    return output


def born_digital_to_pdfa(pdf: bytes, title: str | None = None) -> bytes:
    """A PDF that has its own text, converted to PDF/A-2b with that text kept (no OCR)."""
    with tempfile.TemporaryDirectory(prefix="vanthu-pdfa-") as scratch:
        folder = Path(scratch)
        (folder / "input.pdf").write_bytes(pdf)
        return _to_pdfa(_pages_only([folder / "input.pdf"], folder), folder, title)


def _pages_only(sources: list[Path], folder: Path) -> Path:
    """The pages of the sources in a fresh document. The catalogue's extras (an /OpenAction, which fpdf2 and
    many producers write, outlines, scripts) stay behind: pikepdf's PDF/A check refuses an /OpenAction."""
    combined = pikepdf.new()
    for source in sources:
        try:
            with pikepdf.open(source) as pdf:
                combined.pages.extend(pdf.pages)
        except pikepdf.PdfError as error:
            raise PdfaFailed(f"cannot read the PDF: {error}") from error
    path = folder / "pages.pdf"
    combined.save(path)
    return path


def _render_page(scanned: ScannedPage, fonts: MultiFontManager, folder: Path, number: int) -> Path:
    image_path = _save_image(scanned, folder / f"page-{number}")
    output = folder / f"page-{number}.pdf"
    tree = ocr_tree(scanned.page)
    Fpdf2PdfRenderer(
        page=tree, dpi=scanned.dpi, multi_font_manager=fonts, invisible_text=True, image=image_path
    ).render(output)
    return output


def _save_image(scanned: ScannedPage, stem: Path) -> Path:
    """Colour as the original (TT 05/2025): a page with no colour is stored grey, a black-and-white one
    (a fax, a 1-bit scan) as 1-bit PNG, which keeps it sharp and small; colour pages as JPEG."""
    rgb = scanned.image.astype(np.int16)
    spread = int((rgb.max(axis=2) - rgb.min(axis=2)).max()) if rgb.size else 0
    image = Image.fromarray(scanned.image)
    dpi = (scanned.dpi, scanned.dpi)
    if spread > GREY_SPREAD:
        path = stem.with_suffix(".jpg")
        image.save(path, quality=JPEG_QUALITY, dpi=dpi)
    elif np.isin(scanned.image[..., 0], (0, 255)).all():
        path = stem.with_suffix(".png")
        image.convert("1", dither=Image.Dither.NONE).save(path, dpi=dpi)
    else:
        path = stem.with_suffix(".jpg")
        image.convert("L").save(path, quality=JPEG_QUALITY, dpi=dpi)
    return path


def ocr_tree(page: Page) -> OcrElement:
    """Our words as OCRmyPDF's page -> line -> word tree, in the pixels of the prepared page."""
    lines: dict[int, list[Word]] = {}
    for word in page.words:
        if word.text.strip():
            lines.setdefault(word.line, []).append(word)
    children = [
        OcrElement(
            ocr_class=OcrClass.LINE,
            bbox=_pixels(BBox.union([w.bbox for w in words]), page),
            children=[
                OcrElement(ocr_class=OcrClass.WORD, text=w.text, bbox=_pixels(w.bbox, page), confidence=w.confidence)
                for w in sorted(words, key=lambda w: w.bbox.x0)
            ],
        )
        for words in lines.values()
    ]
    return OcrElement(ocr_class=OcrClass.PAGE, bbox=BoundingBox(0, 0, page.width, page.height), children=children)


def _pixels(box: BBox, page: Page) -> BoundingBox:
    return BoundingBox(box.x0 * page.width, box.y0 * page.height, box.x1 * page.width, box.y1 * page.height)


def _to_pdfa(source: Path, folder: Path, title: str | None) -> bytes:
    output = folder / "pdfa.pdf"
    try:
        ocrmypdf.ocr(
            source,
            output,
            mode="skip",
            ocr_engine="none",
            output_type=PDFA_OUTPUT,
            pdfa_backend="internal",
            optimize=0,
            jobs=1,
            progress_bar=False,
            title=title,
        )
    except ocrmypdf.exceptions.ExitCodeException as error:
        raise PdfaFailed(f"cannot make a PDF/A of this file: {type(error).__name__}: {error}") from error
    return output.read_bytes()


def document_to_pdfa(
    data: bytes, source: SourceDocument, pages: list[Page], dpi: int, limits: LoadLimits, title: str | None = None
) -> bytes:
    """The archival PDF/A of a document the pipeline read (`pages` as `extract_pages` returned them at `dpi`).

    A born-digital PDF is converted as it is, a scanned PDF keeps its page images with our words laid over
    them, when pikepdf can confirm the result. Otherwise (fonts with CFF outlines, form widgets, turned pages,
    images and mixed documents) each page is rendered and archived as its image with the words beneath."""
    kinds = {page.kind for page in pages}
    if source.media_type == PDF and kinds <= {PageKind.BORN_DIGITAL, PageKind.SCANNED} and len(kinds) == 1:
        convert = (
            born_digital_to_pdfa if kinds == {PageKind.BORN_DIGITAL} else partial(scanned_pdf_to_pdfa, pages=pages)
        )
        try:
            return convert(data, title=title)
        except PdfaFailed as error:
            logger.warning("%s: archived as page images with a text layer: %s", source.filename, error.reason)
    scanned = []
    for page in pages:
        page_dpi = image_dpi(page, dpi)
        image = turn(render_page(data, source.media_type, page.index, page_dpi, limits), page.quality.rotation)
        # Boxes are fractions of the page, so they fit the image as rendered now whatever size it was read at.
        sized = page.model_copy(update={"width": image.shape[1], "height": image.shape[0]})
        scanned.append(ScannedPage(image, sized, page_dpi))
    return scanned_to_pdfa(scanned, title)


def image_dpi(page: Page, dpi: int) -> int:
    """The page image is kept at the resolution it was scanned at (100 % scale, nothing invented by
    resampling); `dpi` when that is unknown or implausible."""
    scanned_at = page.quality.dpi
    return round(scanned_at) if scanned_at and MIN_IMAGE_DPI <= scanned_at <= MAX_IMAGE_DPI else dpi


class PdfaCheck(BaseModel):
    """What an archival copy is checked for. pikepdf's own validator confirmed the PDF/A at conversion; this is
    the independent look a reader gets: the claim in the XMP, the colour intent, the fonts, the page images."""

    part: str | None
    conformance: str | None
    output_intent: bool
    fonts_embedded: bool
    pages: int
    image_pages: int

    @property
    def ok(self) -> bool:
        return (self.part, self.conformance, self.output_intent, self.fonts_embedded) == ("2", "B", True, True)


def check_pdfa(data: bytes) -> PdfaCheck:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        metadata = pdf.open_metadata()
        intents = pdf.Root.get("/OutputIntents", [])
        fonts = [font for page in pdf.pages for _, font in page.Resources.get("/Font", {}).items()]
        return PdfaCheck(
            part=metadata.get("pdfaid:part"),
            conformance=metadata.get("pdfaid:conformance"),
            output_intent=any(i.get("/S") == "/GTS_PDFA1" and "/DestOutputProfile" in i for i in intents),
            fonts_embedded=all(_embedded(font) for font in fonts),
            pages=len(pdf.pages),
            image_pages=sum(1 for page in pdf.pages if page.get_images()),
        )


def _embedded(font: pikepdf.Dictionary) -> bool:
    descriptor = font.DescendantFonts[0].FontDescriptor if "/DescendantFonts" in font else font.get("/FontDescriptor")
    return descriptor is not None and any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
