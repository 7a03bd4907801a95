"""Turn the bytes of an uploaded file into pages: size, resolution, text layer, form values, pixels.

Pure: reads the bytes it is given, writes nothing. Every problem with the input surfaces as an
`InputError` subclass with a message for people; library exceptions never escape.

Boxes are normalised to the page as it is displayed, i.e. after the PDF /Rotate is applied: a word
printed at the top-left of a page with /Rotate 90 ends up near the top-right (x ~ 1, y ~ 0), which is
where it is on the rendered image that OCR sees.
"""

from __future__ import annotations

import codecs
import ctypes
import hashlib
import io
import math
import struct
import threading
import unicodedata
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from inference.errors import CorruptFile, EmptyFile, EncryptedFile, InputError, TooLarge, UnsupportedFormat
from inference.options import LoadLimits
from inference.schema import BBox, Word

PDF = "application/pdf"
TIFF = "image/tiff"
PNG = "image/png"
JPEG = "image/jpeg"


@dataclass(frozen=True)
class SourcePage:
    index: int
    width_pt: float
    height_pt: float
    source_dpi: float | None
    text_words: list[Word]
    field_words: list[Word]
    needs_ocr: bool
    appearance_boxes: list[BBox] = field(default_factory=list)
    """Annotations drawn only by an appearance stream, with no text value: e-signing platforms stamp
    the number and the day this way (in /Sig widgets). They are OCRed from a rendering of the page."""
    thumbnail: np.ndarray | None = None
    """A page read from its text layer, rendered small (THUMBNAIL_DPI, grey, brightest channel so red
    and blue ink drop out as page preparation drops them on scans): its page hashes come from it."""


@dataclass(frozen=True)
class SourceDocument:
    filename: str
    sha256: str
    media_type: str
    pages: list[SourcePage]


# --- sniffing ---------------------------------------------------------------------------------

_IMAGE_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"II*\x00", TIFF),
    (b"MM\x00*", TIFF),
    (b"II+\x00", TIFF),  # BigTIFF
    (b"MM\x00+", TIFF),
)

_OTHER_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy Microsoft Office document (DOC/XLS/PPT)"),
    (0, b"GIF87a", "a GIF image"),
    (0, b"GIF89a", "a GIF image"),
    (8, b"WEBP", "a WebP image"),
    (4, b"ftypheic", "a HEIC image"),
    (4, b"ftypmif1", "a HEIF image"),
    (4, b"jP  ", "a JPEG 2000 image"),
    (0, b"AT&TFORM", "a DjVu document"),
    (0, b"Rar!\x1a\x07", "a RAR archive"),
    (0, b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (0, b"\x1f\x8b", "a gzip archive"),
    (0, b"{\\rtf", "an RTF document"),
    (0, b"%!PS", "a PostScript file"),
    (0, b"\xff\xfe", "plain text (UTF-16)"),
    (0, b"\xfe\xff", "plain text (UTF-16)"),
)

_ZIP_KINDS: tuple[tuple[bytes, str], ...] = (
    (b"word/", "a Word document (DOCX)"),
    (b"xl/", "an Excel workbook (XLSX)"),
    (b"ppt/", "a PowerPoint presentation (PPTX)"),
    (b"application/vnd.oasis.opendocument", "an OpenDocument file (ODT/ODS)"),
)


def sniff_media_type(data: bytes) -> str:
    """The media type of `data` judged by its first bytes (never by a file name)."""
    if not data:
        raise EmptyFile("The file is empty (0 bytes).")
    if b"%PDF-" in data[:1024]:  # the PDF spec tolerates junk before the header; so do readers
        return PDF
    for magic, media_type in _IMAGE_MAGIC:
        if data.startswith(magic):
            return media_type
    raise UnsupportedFormat(
        f"Unsupported file type: this is {_describe_unsupported(data)}. Send a PDF, TIFF, PNG or JPEG file."
    )


def _describe_unsupported(data: bytes) -> str:
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        head = data[:65536]
        return next((kind for marker, kind in _ZIP_KINDS if marker in head), "a ZIP archive")
    for offset, magic, kind in _OTHER_MAGIC:
        if data[offset : offset + len(magic)] == magic:
            return kind
    if data.startswith(b"BM") and int.from_bytes(data[2:6], "little") == len(data):
        return "a BMP image"
    return _describe_text(data[:4096]) or f"an unrecognised binary file (starting with {data[:8].hex(' ')})"


def _describe_text(head: bytes) -> str | None:
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return None
    if any(ord(c) < 32 and c not in "\t\n\r\f" for c in text):
        return None
    start = text.lstrip("\ufeff \t\r\n").lower()
    if start.startswith(("<!doctype html", "<html")):
        return "an HTML page"
    if start.startswith("<?xml"):
        return "an XML document"
    return "plain text"


# --- entry points -----------------------------------------------------------------------------


def inspect_document(data: bytes, filename: str, limits: LoadLimits, min_text_chars: int = 40) -> SourceDocument:
    """Validate the file and describe its pages; pixels are decoded only to prove images are intact."""
    media_type = sniff_media_type(data)
    _check_bytes(data, limits)
    if media_type == PDF:
        pages = _inspect_pdf(data, limits, min_text_chars)
    else:
        pages = _inspect_image(data, media_type, limits)
    return SourceDocument(
        filename=filename, sha256=hashlib.sha256(data).hexdigest(), media_type=media_type, pages=pages
    )


def render_page(
    data: bytes, media_type: str, index: int, dpi: int, limits: LoadLimits, annotations: bool = True
) -> np.ndarray:
    """Page `index` as an RGB uint8 array (H x W x 3) at `dpi`; self-contained, for worker processes.
    `annotations=False` leaves out PDF annotations and form widgets (to isolate what they draw)."""
    if dpi <= 0:
        raise ValueError(f"dpi must be positive, got {dpi}")
    _check_bytes(data, limits)
    if media_type == PDF:
        return _render_pdf(data, index, dpi, limits, annotations)
    if media_type in _PIL_FORMATS:
        return _render_image(data, media_type, index, dpi, limits)
    raise UnsupportedFormat(f"Cannot render {media_type!r}: only PDF, TIFF, PNG and JPEG are supported.")


def _check_bytes(data: bytes, limits: LoadLimits) -> None:
    if len(data) > limits.max_bytes:
        raise TooLarge(f"The file is {_mb(len(data))}; at most {_mb(limits.max_bytes)} is accepted.")


def _check_page_count(count: int, limits: LoadLimits) -> None:
    if count > limits.max_pages:
        raise TooLarge(f"The file has {count} pages; at most {limits.max_pages} are accepted.")


def _check_pixels(width: int, height: int, what: str, limits: LoadLimits) -> None:
    if width * height > limits.max_page_pixels:
        raise TooLarge(
            f"{what} is {width}x{height} pixels ({width * height / 1e6:.0f} Mpx), more than the limit of "
            f"{limits.max_page_pixels / 1e6:.0f} Mpx per page."
        )


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


# --- PDF: opening -----------------------------------------------------------------------------

# PDFium is not thread-safe and its ctypes calls release the GIL, so threads take turns.
_PDFIUM_LOCK = threading.Lock()


@contextmanager
def _open_pdf(data: bytes) -> Iterator[pdfium.PdfDocument]:
    _check_pdf_complete(data)
    with _PDFIUM_LOCK:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            raise _pdf_load_error(exc) from exc
        try:
            pdf.init_forms()  # before any page is loaded, so form fields can be read and drawn
            yield pdf
        except pdfium.PdfiumError as exc:
            raise CorruptFile(f"The PDF is damaged and cannot be read ({exc}).") from exc
        finally:
            pdf.close()


def _check_pdf_complete(data: bytes) -> None:
    # PDFium rebuilds a lost cross-reference table and happily opens the first part of a cut-off
    # file; Acrobat requires %%EOF within the last 1024 bytes, so its absence means truncation.
    if b"%%EOF" not in data[-65536:].rstrip(b"\x00\t\n\r\f ")[-1024:]:
        raise CorruptFile("The PDF is incomplete (truncated): it has no end-of-file marker.")


def _pdf_load_error(exc: pdfium.PdfiumError) -> InputError:
    if exc.err_code == pdfium_c.FPDF_ERR_PASSWORD:
        return EncryptedFile("The PDF is password-protected; remove the password and upload it again.")
    if exc.err_code == pdfium_c.FPDF_ERR_SECURITY:
        return EncryptedFile("The PDF is protected by an unsupported security scheme; remove the protection.")
    return CorruptFile(f"The PDF is damaged and cannot be opened ({exc}).")


def _page(pdf: pdfium.PdfDocument, index: int) -> pdfium.PdfPage:
    if not 0 <= index < len(pdf):
        raise IndexError(f"page index {index} out of range for a {len(pdf)}-page PDF")
    return pdf[index]


# --- PDF: geometry ----------------------------------------------------------------------------

_Rect = tuple[float, float, float, float]
"""left, bottom, right, top in PDF user space (points, origin bottom-left)."""
_Box = tuple[float, float, float, float]
"""x0, y0, x1, y1 on the displayed page (points, origin top-left, y downwards)."""


@dataclass(frozen=True)
class _PageFrame:
    """Maps PDF user space to the displayed page: points, origin top-left, /Rotate applied."""

    left: float
    bottom: float
    right: float
    top: float
    rotation: int

    @classmethod
    def of(cls, page: pdfium.PdfPage) -> _PageFrame:
        left, bottom, right, top = page.get_bbox()
        if right - left <= 0 or top - bottom <= 0:
            raise CorruptFile("The PDF has a page with no area (its MediaBox/CropBox is empty).")
        return cls(left, bottom, right, top, page.get_rotation())

    @property
    def size(self) -> tuple[float, float]:
        width, height = self.right - self.left, self.top - self.bottom
        return (height, width) if self.rotation in (90, 270) else (width, height)

    def to_display(self, rect: _Rect) -> _Box:
        (x0, y0), (x1, y1) = self._point(rect[0], rect[3]), self._point(rect[2], rect[1])
        return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)

    def _point(self, x: float, y: float) -> tuple[float, float]:
        u, v = x - self.left, self.top - y
        width, height = self.right - self.left, self.top - self.bottom
        if self.rotation == 90:  # /Rotate turns the page clockwise
            return height - v, u
        if self.rotation == 180:
            return width - u, height - v
        if self.rotation == 270:
            return v, width - u
        return u, v

    def normalise(self, box: _Box) -> BBox:
        width, height = self.size
        return BBox(
            x0=_clamp01(box[0] / width),
            y0=_clamp01(box[1] / height),
            x1=_clamp01(box[2] / width),
            y1=_clamp01(box[3] / height),
        )


def _clamp01(value: float) -> float:
    return min(1.0, max(0.0, value))


# --- PDF: page objects (images, invisible text) -----------------------------------------------

THUMBNAIL_DPI = 24
"""An A4 page is 199 x 281 px: more than the 128 px page hashes need, for about 5 ms a page."""
_FULL_PAGE_COVER = 0.8
_INVISIBLE_MODES = (pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE, pdfium_c.FPDF_TEXTRENDERMODE_CLIP)
_MAX_FORM_DEPTH = 15


@dataclass
class _ObjectScan:
    max_image_pixels: int = 0
    max_image_size: tuple[int, int] = (0, 0)
    full_page_image_dpi: float | None = None
    text_objects: int = 0
    invisible_text_objects: int = 0


def _scan_objects(page: pdfium.PdfPage) -> _ObjectScan:
    scan = _ObjectScan()
    frame = _PageFrame.of(page)
    best_cover = _FULL_PAGE_COVER
    for obj, to_page in _page_objects(page, pdfium_c.FPDFPage_CountObjects, pdfium_c.FPDFPage_GetObject):
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_TEXT:
            scan.text_objects += 1
            scan.invisible_text_objects += pdfium_c.FPDFTextObj_GetTextRenderMode(obj) in _INVISIBLE_MODES
        elif kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            best_cover = _add_image(scan, obj, to_page, frame, best_cover)
    return scan


def _page_objects(
    parent: object, count: Callable, get: Callable, to_page: pdfium.PdfMatrix | None = None, depth: int = 0
) -> Iterator[tuple[object, pdfium.PdfMatrix]]:
    """Every page object with the matrix from its container's space to page space.

    PDFium reports bounds of objects inside a Form XObject in that form's space.
    """
    to_page = to_page or pdfium.PdfMatrix()
    for i in range(count(parent)):
        obj = get(parent, i)
        if not obj:
            continue
        yield obj, to_page
        if pdfium_c.FPDFPageObj_GetType(obj) == pdfium_c.FPDF_PAGEOBJ_FORM and depth < _MAX_FORM_DEPTH:
            inner = _object_matrix(obj).multiply(to_page)
            count_inner, get_inner = pdfium_c.FPDFFormObj_CountObjects, pdfium_c.FPDFFormObj_GetObject
            yield from _page_objects(obj, count_inner, get_inner, inner, depth + 1)


def _object_matrix(obj: object) -> pdfium.PdfMatrix:
    matrix = pdfium_c.FS_MATRIX()
    if not pdfium_c.FPDFPageObj_GetMatrix(obj, matrix):
        return pdfium.PdfMatrix()
    return pdfium.PdfMatrix.from_raw(matrix)


def _add_image(scan: _ObjectScan, obj: object, to_page: pdfium.PdfMatrix, frame: _PageFrame, best: float) -> float:
    """Record an image object; returns the best page coverage seen so far."""
    width, height = ctypes.c_uint(), ctypes.c_uint()
    if not pdfium_c.FPDFImageObj_GetImagePixelSize(obj, width, height):
        return best
    pixels = width.value * height.value
    if pixels > scan.max_image_pixels:
        scan.max_image_pixels, scan.max_image_size = pixels, (width.value, height.value)
    rect = _object_rect(obj, to_page)
    cover = _coverage(rect, frame)
    if cover >= best and pixels:
        area_sq_in = (rect[2] - rect[0]) * (rect[3] - rect[1]) / 72**2
        scan.full_page_image_dpi = math.sqrt(pixels / area_sq_in)  # rotation-proof: pixels per area
        return cover
    return best


def _object_rect(obj: object, to_page: pdfium.PdfMatrix) -> _Rect:
    left, bottom, right, top = ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float()
    if not pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
        return (0.0, 0.0, 0.0, 0.0)
    return to_page.on_rect(left.value, bottom.value, right.value, top.value)


def _coverage(rect: _Rect, frame: _PageFrame) -> float:
    overlap_w = min(rect[2], frame.right) - max(rect[0], frame.left)
    overlap_h = min(rect[3], frame.top) - max(rect[1], frame.bottom)
    page_area = (frame.right - frame.left) * (frame.top - frame.bottom)
    if overlap_w <= 0 or overlap_h <= 0 or page_area <= 0:
        return 0.0
    return overlap_w * overlap_h / page_area


def _check_embedded_images(scan: _ObjectScan, index: int, limits: LoadLimits) -> None:
    width, height = scan.max_image_size
    _check_pixels(width, height, f"An image on page {index + 1}", limits)


# --- PDF: text layer --------------------------------------------------------------------------

_Char = tuple[str, float, float, float, float]
"""A glyph: text, left, bottom, right, top in PDF user space (loose, font-wide box)."""

_COLUMN_GAP = 2.5
"""A horizontal gap wider than this many line heights separates blocks printed side by side
(the two header blocks of a văn bản share a baseline but are not one line)."""


@dataclass
class _Line:
    words: list[tuple[str, _Box]] = field(default_factory=list)

    @property
    def box(self) -> _Box:
        boxes = [box for _, box in self.words]
        return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def _text_words(page: pdfium.PdfPage, frame: _PageFrame) -> list[Word]:
    textpage = page.get_textpage()
    try:
        chars = _page_chars(textpage)
    finally:
        textpage.close()
    width, height = frame.size
    words = []
    for text, rect in _group_words(chars):
        box = frame.to_display(rect)
        if 0 <= (box[0] + box[2]) / 2 <= width and 0 <= (box[1] + box[3]) / 2 <= height:
            words.append((text, box))
    lines = _order_lines(_group_lines(words))
    return [
        Word(text=text, bbox=frame.normalise(box), source="text_layer", line=number)
        for number, line in enumerate(lines)
        for text, box in line.words
    ]


def _page_chars(textpage: pdfium.PdfTextPage) -> list[_Char | None]:
    """The page's glyphs in content order; None marks a word boundary (whitespace)."""
    raw = textpage.raw
    get_unicode, get_box = pdfium_c.FPDFText_GetUnicode, pdfium_c.FPDFText_GetLooseCharBox
    rect = pdfium_c.FS_RECTF()
    chars: list[_Char | None] = []
    for i in range(textpage.count_chars()):
        code = get_unicode(raw, i)
        if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF):
            continue
        char = chr(code)
        if char.isspace():
            chars.append(None)
        elif get_box(raw, i, rect):
            chars.append((char, rect.left, rect.bottom, rect.right, rect.top))
    return chars


def _group_words(chars: list[_Char | None]) -> list[tuple[str, _Rect]]:
    words: list[tuple[str, _Rect]] = []
    current: list[_Char] = []
    for char in [*chars, None]:
        if current and (char is None or _starts_new_word(current[-1], char)):
            words.append(_make_word(current))
            current = []
        if char is not None:
            current.append(char)
    return words


def _starts_new_word(prev: _Char, char: _Char) -> bool:
    """A glyph that jumps back or off the baseline starts a word even without a space between."""
    height = max(prev[4] - prev[2], char[4] - char[2])
    jumps_back = char[1] < prev[1] - 0.1 * height
    off_line = abs((char[2] + char[4]) - (prev[2] + prev[4])) / 2 > 0.5 * height
    return jumps_back or off_line


def _make_word(chars: list[_Char]) -> tuple[str, _Rect]:
    glyphs, lefts, bottoms, rights, tops = zip(*chars)
    return unicodedata.normalize("NFC", "".join(glyphs)), (min(lefts), min(bottoms), max(rights), max(tops))


def _group_lines(words: list[tuple[str, _Box]]) -> list[_Line]:
    """Consecutive words (content order) share a line while they sit side by side on one baseline."""
    lines: list[_Line] = []
    for word in words:
        if lines and _continues_line(lines[-1].words[-1][1], word[1]):
            lines[-1].words.append(word)
        else:
            lines.append(_Line([word]))
    return lines


def _continues_line(prev: _Box, box: _Box) -> bool:
    short, tall = sorted((prev[3] - prev[1], box[3] - box[1]))
    overlap = min(prev[3], box[3]) - max(prev[1], box[1])
    gap = box[0] - prev[2]
    return overlap >= 0.5 * short and -0.5 * tall <= gap <= _COLUMN_GAP * tall


def _order_lines(lines: list[_Line]) -> list[_Line]:
    """Reading order: rows of lines top to bottom, lines side by side left to right."""
    rows: list[list[_Line]] = []
    for line in sorted(lines, key=lambda ln: ln.box[1] + ln.box[3]):
        if rows and _same_row(rows[-1][0].box, line.box):
            rows[-1].append(line)
        else:
            rows.append([line])
    ordered = []
    for row in rows:
        ordered.extend(sorted(row, key=lambda ln: ln.box[0]))
    for line in ordered:
        line.words.sort(key=lambda word: word[1][0])
    return ordered


def _same_row(first: _Box, box: _Box) -> bool:
    return abs((box[1] + box[3]) - (first[1] + first[3])) / 2 < 0.5 * (first[3] - first[1])


def _usable_chars(words: list[Word]) -> int:
    """Characters that carry text: not private-use glyph codes or replacement marks (broken fonts)."""
    return sum(1 for word in words for c in word.text if unicodedata.category(c)[0] not in "CZ" and c != "\ufffd")


# --- PDF: form fields and annotations ---------------------------------------------------------

_VALUE_FIELD_TYPES = (
    pdfium_c.FPDF_FORMFIELD_TEXTFIELD,
    pdfium_c.FPDF_FORMFIELD_COMBOBOX,
    pdfium_c.FPDF_FORMFIELD_LISTBOX,
)


def _field_words(
    annotations: list[tuple[str, _Rect, bool]], frame: _PageFrame, first_line: int
) -> tuple[list[Word], list[BBox]]:
    """One word per non-empty annotation value, boxed by the annotation's /Rect; and the boxes of
    annotations that have only an appearance to show."""
    words: list[Word] = []
    drawn_only: list[BBox] = []
    for value, rect, has_appearance in annotations:
        text = unicodedata.normalize("NFC", " ".join(value.split()))
        box = frame.normalise(frame.to_display(rect))
        if text:
            words.append(Word(text=text, bbox=box, source="form_field", line=first_line + len(words)))
        elif has_appearance and (box.x1 - box.x0) * box.height < 0.25:
            drawn_only.append(box)
    return words, drawn_only


def _annotation_values(pdf: pdfium.PdfDocument, page: pdfium.PdfPage) -> list[tuple[str, _Rect, bool]]:
    """(value, /Rect, has an appearance stream) of each annotation on the page."""
    values = []
    for i in range(pdfium_c.FPDFPage_GetAnnotCount(page)):
        annot = pdfium_c.FPDFPage_GetAnnot(page, i)
        if not annot:
            continue
        try:
            rect = pdfium_c.FS_RECTF()
            if pdfium_c.FPDFAnnot_GetRect(annot, rect):
                has_appearance = bool(pdfium_c.FPDFAnnot_HasKey(annot, b"AP"))
                values.append(
                    (_annotation_value(pdf, annot), (rect.left, rect.bottom, rect.right, rect.top), has_appearance)
                )
        finally:
            pdfium_c.FPDFPage_CloseAnnot(annot)
    return values


def _annotation_value(pdf: pdfium.PdfDocument, annot: object) -> str:
    subtype = pdfium_c.FPDFAnnot_GetSubtype(annot)
    if subtype == pdfium_c.FPDF_ANNOT_WIDGET:
        return _widget_value(pdf, annot)
    if subtype == pdfium_c.FPDF_ANNOT_POPUP:  # repeats its parent's /Contents
        return ""
    return _read_wide(pdfium_c.FPDFAnnot_GetStringValue, annot, b"Contents")


def _widget_value(pdf: pdfium.PdfDocument, annot: object) -> str:
    """The field's /V (inherited from parent fields) for text and choice fields; signatures have none."""
    kind = pdfium_c.FPDFAnnot_GetFormFieldType(pdf.formenv, annot)
    if kind in _VALUE_FIELD_TYPES:
        return _read_wide(pdfium_c.FPDFAnnot_GetFormFieldValue, pdf.formenv, annot)
    # A widget outside the AcroForm field tree (seen in e-signing output) still may carry a /V string.
    if kind == -1 and pdfium_c.FPDFAnnot_GetValueType(annot, b"V") == pdfium_c.FPDF_OBJECT_STRING:
        return _read_wide(pdfium_c.FPDFAnnot_GetStringValue, annot, b"V")
    return ""


def _read_wide(function: Callable, *args: object) -> str:
    """Call a PDFium getter that fills a UTF-16LE buffer and returns its size in bytes."""
    size = function(*args, None, 0)
    if size <= 2:
        return ""
    buffer = ctypes.create_string_buffer(size)
    function(*args, ctypes.cast(buffer, ctypes.POINTER(pdfium_c.FPDF_WCHAR)), size)
    return buffer.raw[: size - 2].decode("utf-16-le", errors="replace")


# --- PDF: inspect and render ------------------------------------------------------------------


def _inspect_pdf(data: bytes, limits: LoadLimits, min_text_chars: int) -> list[SourcePage]:
    with _open_pdf(data) as pdf:
        _check_page_count(len(pdf), limits)
        return [_inspect_pdf_page(pdf, index, limits, min_text_chars) for index in range(len(pdf))]


def _inspect_pdf_page(pdf: pdfium.PdfDocument, index: int, limits: LoadLimits, min_text_chars: int) -> SourcePage:
    page = _page(pdf, index)
    try:
        scan = _scan_objects(page)
        _check_embedded_images(scan, index, limits)
        frame = _PageFrame.of(page)
        text_words = _text_words(page, frame)
        first_field_line = max((w.line for w in text_words), default=-1) + 1
        field_words, appearance_boxes = _field_words(_annotation_values(pdf, page), frame, first_field_line)
        width, height = page.get_size()
        needs_ocr = _pdf_needs_ocr(text_words, scan, min_text_chars)
        # Here, with the page open and its objects checked: rendering it later costs both again.
        thumbnail = None if needs_ocr else _grey_rendering(page, index, THUMBNAIL_DPI, limits)
    finally:
        page.close()
    return SourcePage(
        index=index,
        width_pt=width,
        height_pt=height,
        source_dpi=scan.full_page_image_dpi,
        text_words=text_words,
        field_words=field_words,
        needs_ocr=needs_ocr,
        appearance_boxes=appearance_boxes,
        thumbnail=thumbnail,
    )


def _grey_rendering(page: pdfium.PdfPage, index: int, dpi: int, limits: LoadLimits) -> np.ndarray:
    _check_page_pixels(page, index, dpi, limits)
    return page.render(scale=dpi / 72, rev_byteorder=True).to_numpy().max(axis=2)


def _check_page_pixels(page: pdfium.PdfPage, index: int, dpi: int, limits: LoadLimits) -> None:
    width, height = (math.ceil(side * dpi / 72) for side in page.get_size())
    _check_pixels(width, height, f"Page {index + 1} at {dpi} dpi", limits)


def _pdf_needs_ocr(text_words: list[Word], scan: _ObjectScan, min_text_chars: int) -> bool:
    if _usable_chars(text_words) < min_text_chars:
        return True
    # Mostly invisible text over a page-sized image is an earlier OCR; ours may be better.
    earlier_ocr = 2 * scan.invisible_text_objects > scan.text_objects
    return scan.full_page_image_dpi is not None and earlier_ocr


def _render_pdf(data: bytes, index: int, dpi: int, limits: LoadLimits, annotations: bool) -> np.ndarray:
    with _open_pdf(data) as pdf:
        page = _page(pdf, index)
        try:
            _check_page_pixels(page, index, dpi, limits)
            _check_embedded_images(_scan_objects(page), index, limits)
            bitmap = page.render(
                scale=dpi / 72, may_draw_forms=annotations, draw_annots=annotations, rev_byteorder=True
            )
            return np.ascontiguousarray(bitmap.to_numpy())
        finally:
            page.close()


# --- images -----------------------------------------------------------------------------------

_PIL_FORMATS = {TIFF: ["TIFF"], PNG: ["PNG"], JPEG: ["JPEG"]}
# Pillow's decoders raise any of these on malformed or truncated input.
_PIL_ERRORS = (
    OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError, KeyError, TypeError, ZeroDivisionError
)

_MIN_DPI, _MAX_DPI = 50.0, 1200.0
_A4_SHORT_SIDE_IN = 8.27
_MAX_PAGE_SIDE_IN = 24.0
"""A page longer than this (A2 is 23.4 in) means the dpi metadata is a default such as 72, not the scan's."""
_MAX_UPSCALE = 4.0
_ORIENTATION_TAG = 0x0112
_ORIENTATION_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_WHITE = (255, 255, 255, 255)


@contextmanager
def _open_image(data: bytes, media_type: str, limits: LoadLimits) -> Iterator[Image.Image]:
    # Process-wide backstop for Pillow's own bomb guard; our header checks run before decoding.
    Image.MAX_IMAGE_PIXELS = limits.max_page_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=_PIL_FORMATS[media_type]) as image:
                yield image
    except InputError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise TooLarge(f"The image has too many pixels to decode safely: {exc}") from exc
    except _PIL_ERRORS as exc:
        kind = _PIL_FORMATS[media_type][0]
        raise CorruptFile(f"The {kind} image is damaged, truncated or in an encoding we cannot read ({exc}).") from exc


def _frame_count(image: Image.Image, media_type: str, limits: LoadLimits) -> int:
    """Frames of a TIFF, walked no further than one past the page limit (a file can chain millions)."""
    if media_type != TIFF:
        return 1
    count = 1
    while _has_frame(image, count):
        count += 1
        if count > limits.max_pages:
            raise TooLarge(f"The file has more than {limits.max_pages} pages; at most {limits.max_pages} are accepted.")
    return count


def _has_frame(image: Image.Image, index: int) -> bool:
    try:
        image.seek(index)
    except EOFError:
        return False
    return True


def _load_frame(image: Image.Image, index: int, limits: LoadLimits) -> None:
    """Decode frame `index` after checking its size from the header."""
    image.seek(index)
    _check_pixels(image.width, image.height, f"Image page {index + 1}", limits)
    image.load()


def _inspect_image(data: bytes, media_type: str, limits: LoadLimits) -> list[SourcePage]:
    with _open_image(data, media_type, limits) as image:
        count = _frame_count(image, media_type, limits)
        return [_inspect_frame(image, index, limits) for index in range(count)]


def _inspect_frame(image: Image.Image, index: int, limits: LoadLimits) -> SourcePage:
    _load_frame(image, index, limits)
    (width, height), (x_dpi, y_dpi) = image.size, _frame_dpi(image)
    if _orientation(image) in (5, 6, 7, 8):
        width, height, x_dpi, y_dpi = height, width, y_dpi, x_dpi
    return SourcePage(
        index=index,
        width_pt=width * 72 / x_dpi,
        height_pt=height * 72 / y_dpi,
        source_dpi=math.sqrt(x_dpi * y_dpi),
        text_words=[],
        field_words=[],
        needs_ocr=True,
    )


def _frame_dpi(image: Image.Image) -> tuple[float, float]:
    """Horizontal and vertical dpi of the stored pixels (fax TIFFs are 204 x 98)."""
    dpi = image.info.get("dpi")
    if _plausible_dpi(image.size, dpi):
        return float(dpi[0]), float(dpi[1])
    estimate = min(_MAX_DPI, max(_MIN_DPI, min(image.size) / _A4_SHORT_SIDE_IN))
    return estimate, estimate


def _plausible_dpi(size: tuple[int, int], dpi: object) -> bool:
    if not (isinstance(dpi, tuple) and len(dpi) == 2):
        return False
    x_dpi, y_dpi = float(dpi[0]), float(dpi[1])
    if not (_MIN_DPI <= x_dpi <= _MAX_DPI and _MIN_DPI <= y_dpi <= _MAX_DPI):
        return False
    return max(size[0] / x_dpi, size[1] / y_dpi) <= _MAX_PAGE_SIDE_IN


def _orientation(image: Image.Image) -> int:
    return int(image.getexif().get(_ORIENTATION_TAG, 1))


def _render_image(data: bytes, media_type: str, index: int, dpi: int, limits: LoadLimits) -> np.ndarray:
    with _open_image(data, media_type, limits) as image:
        count = _frame_count(image, media_type, limits)
        if 0 <= index < count:
            return _render_frame(image, index, dpi, limits)
    raise IndexError(f"page index {index} out of range for a {count}-page image file")


def _render_frame(image: Image.Image, index: int, dpi: int, limits: LoadLimits) -> np.ndarray:
    _load_frame(image, index, limits)
    size = _target_size(image, dpi)
    _check_pixels(*size, f"Image page {index + 1} at {dpi} dpi", limits)
    orientation = _orientation(image)
    page = _flatten(image)
    if page.size != size:
        page = page.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    if orientation in _ORIENTATION_TRANSPOSE:
        page = page.transpose(_ORIENTATION_TRANSPOSE[orientation])
    return np.array(page.convert("RGB"))


def _target_size(image: Image.Image, dpi: int) -> tuple[int, int]:
    """Pixel size at `dpi`, in the stored (not yet EXIF-rotated) orientation."""
    x_dpi, y_dpi = _frame_dpi(image)
    x_scale, y_scale = min(dpi / x_dpi, _MAX_UPSCALE), min(dpi / y_dpi, _MAX_UPSCALE)
    return max(1, round(image.width * x_scale)), max(1, round(image.height * y_scale))


def _flatten(image: Image.Image) -> Image.Image:
    """An 8-bit L or RGB copy: alpha composited onto white paper, 16-bit and float scaled down."""
    if image.mode in ("1", "L"):
        return image.convert("L")
    if image.mode.startswith("I") or image.mode == "F":
        return _wide_gray_to_l(image)
    if "A" in image.mode or "a" in image.mode or "transparency" in image.info:
        rgba = image.convert("RGBA")
        return Image.alpha_composite(Image.new("RGBA", rgba.size, _WHITE), rgba).convert("RGB")
    return image.convert("RGB")


def _wide_gray_to_l(image: Image.Image) -> Image.Image:
    # Pillow's own conversion clips everything above 255 to white instead of scaling.
    values = np.asarray(image).astype(np.float32)
    if image.mode.startswith("I;16") or values.max(initial=0) > 255:
        values = values / 257
    return Image.fromarray(np.clip(np.rint(values), 0, 255).astype(np.uint8))
