"""inference.io against real files built here: PDFs by PDFium/pypdf/Pillow or by hand, images by Pillow."""

from __future__ import annotations

import ctypes
import io
import resource
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.annotations import FreeText
from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, NumberObject, TextStringObject

from inference.errors import CorruptFile, EmptyFile, EncryptedFile, InputError, TooLarge, UnsupportedFormat
from inference.io import SourceDocument, inspect_document, render_page, sniff_media_type
from inference.options import LoadLimits

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
LIMITS = LoadLimits()
A4 = (595.0, 842.0)
BODY = "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015"

# --- builders -----------------------------------------------------------------------------------


def _save(pdf: pdfium.PdfDocument) -> bytes:
    buffer = io.BytesIO()
    pdf.save(buffer)
    return buffer.getvalue()


def _add_text(pdf: pdfium.PdfDocument, page: pdfium.PdfPage, font: object, x: float, y: float, text: str,
              invisible: bool = False) -> None:
    obj = pdfium_c.FPDFPageObj_CreateTextObj(pdf, font, 12.0)
    encoded = (text + "\x00").encode("utf-16-le")
    pdfium_c.FPDFText_SetText(obj, ctypes.cast(ctypes.c_char_p(encoded), ctypes.POINTER(pdfium_c.FPDF_WCHAR)))
    if invisible:
        pdfium_c.FPDFTextObj_SetTextRenderMode(obj, pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE)
    pdfium_c.FPDFPageObj_Transform(obj, 1, 0, 0, 1, x, y)
    pdfium_c.FPDFPage_InsertObject(page, obj)


def _load_font(pdf: pdfium.PdfDocument) -> object:
    data = FONT.read_bytes()
    buffer = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
    return pdfium_c.FPDFText_LoadFont(pdf, buffer, len(data), pdfium_c.FPDF_FONT_TRUETYPE, True)


def _add_image(page: pdfium.PdfPage, pdf: pdfium.PdfDocument, image: Image.Image, size: tuple[float, float]) -> None:
    obj = pdfium.PdfImage.new(pdf)
    obj.set_bitmap(pdfium.PdfBitmap.from_pil(image))
    obj.set_matrix(pdfium.PdfMatrix().scale(*size))
    page.insert_obj(obj)


def text_pdf(pages: list[list[tuple[float, float, str]]], rotation: int = 0, scan: Image.Image | None = None,
             invisible: bool = False) -> bytes:
    """A PDF with Vietnamese text in DejaVu Sans (embedded); optionally over a full-page image."""
    pdf = pdfium.PdfDocument.new()
    font = _load_font(pdf)
    for lines in pages:
        page = pdf.new_page(*A4)
        if scan is not None:
            _add_image(page, pdf, scan, A4)
        for x, y, text in lines:
            _add_text(pdf, page, font, x, y, text, invisible)
        page.gen_content()
        page.set_rotation(rotation)
    return _save(pdf)


def letter_lines() -> list[tuple[float, float, str]]:
    header = [(60, 780, "ỦY BAN NHÂN DÂN"), (330, 780, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")]
    return [*header, (60, 750, "Số: 15/QĐ-UBND")] + [(60, 700 - 16 * i, BODY) for i in range(30)]


def raw_pdf(objects: list[bytes]) -> bytes:
    """A PDF from numbered object bodies; object 1 must be the catalog."""
    out, offsets = b"%PDF-1.7\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


def stream(header: bytes, data: bytes) -> bytes:
    return b"<< %s /Length %d >>\nstream\n%s\nendstream" % (header, len(data), data)


def one_page_pdf(media_box: bytes, resources: bytes = b"<< >>", content: bytes = b"") -> list[bytes]:
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox %s /Resources %s /Contents 4 0 R >>" % (media_box, resources),
        stream(b"", content),
    ]


def image_bytes(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def page_image(size: tuple[int, int], mode: str = "L") -> Image.Image:
    """White paper with a black block in the top-left quarter, so orientation is visible."""
    image = Image.new(mode, size, "white")
    image.paste("black", (0, 0, size[0] // 4, size[1] // 4))
    return image


def noise(size: tuple[int, int]) -> Image.Image:
    return Image.fromarray(np.random.default_rng(0).integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def words_by_text(doc: SourceDocument, page: int = 0) -> dict[str, list]:
    found: dict[str, list] = {}
    for word in doc.pages[page].text_words:
        found.setdefault(word.text, []).append(word)
    return found


@pytest.fixture(scope="module")
def letter_pdf() -> bytes:
    return text_pdf([letter_lines(), [(60, 780, "Trang 2"), *letter_lines()[3:]]])


@pytest.fixture(scope="module")
def bomb_png() -> bytes:
    """40000 x 40000 1-bit PNG: 1.6 Gpx, a few hundred KB on disk."""
    width = height = 40000
    compressor = zlib.compressobj(1)
    block = bytes((1 + width // 8) * 1000)
    idat = b"".join([compressor.compress(block) for _ in range(height // 1000)] + [compressor.flush()])
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


# --- sniffing -------------------------------------------------------------------------------------


def test_sniff_by_magic_bytes_not_extension(letter_pdf: bytes) -> None:
    png = image_bytes(page_image((40, 60)), "PNG")
    assert sniff_media_type(letter_pdf) == "application/pdf"
    assert sniff_media_type(png) == "image/png"
    assert sniff_media_type(image_bytes(page_image((40, 60)), "JPEG")) == "image/jpeg"
    assert sniff_media_type(image_bytes(page_image((40, 60)), "TIFF")) == "image/tiff"
    assert inspect_document(png, "scan.pdf", LIMITS).media_type == "image/png"


def _zip(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "found"),
    [
        (_zip(["notes.txt"]), "ZIP archive"),
        (_zip(["[Content_Types].xml", "word/document.xml"]), "Word document"),
        ("Quyết định số 15/QĐ-UBND\n".encode(), "plain text"),
        (image_bytes(page_image((20, 20)), "GIF"), "GIF image"),
        (b"\x00\x01\x02\x03garbage", "unrecognised binary"),
    ],
)
def test_unsupported_formats_say_what_was_found(data: bytes, found: str) -> None:
    with pytest.raises(UnsupportedFormat, match=found):
        sniff_media_type(data)
    with pytest.raises(UnsupportedFormat):
        inspect_document(data, "x.pdf", LIMITS)


def test_empty_file() -> None:
    with pytest.raises(EmptyFile) as info:
        inspect_document(b"", "empty.pdf", LIMITS)
    assert info.value.reason


# --- born-digital PDF -----------------------------------------------------------------------------


def test_text_layer_words_boxes_and_lines(letter_pdf: bytes) -> None:
    doc = inspect_document(letter_pdf, "qd.pdf", LIMITS)
    assert doc.media_type == "application/pdf" and len(doc.pages) == 2
    assert len(doc.sha256) == 64
    page = doc.pages[0]
    assert (page.width_pt, page.height_pt) == pytest.approx(A4)
    assert page.source_dpi is None and page.needs_ocr is False and page.field_words == []
    words = words_by_text(doc)
    number = words["15/QĐ-UBND"][0]
    assert number.source == "text_layer"
    label = words["Số:"][0]
    assert label.bbox.x0 == pytest.approx(60 / 595, abs=0.01)
    assert label.line == number.line and label.bbox.x1 < number.bbox.x0
    assert number.bbox.y1 == pytest.approx(1 - 750 / 842, abs=0.01)  # baseline, measured from the top
    top = words["ỦY"][0]
    assert top.bbox.y0 < 0.08 and top.bbox.x0 < top.bbox.x1 and top.bbox.y0 < top.bbox.y1
    assert "quyền" in words and "Việt" not in words and "VIỆT" in words


def test_lines_split_header_blocks_and_follow_reading_order(letter_pdf: bytes) -> None:
    page = inspect_document(letter_pdf, "qd.pdf", LIMITS).pages[0]
    by_line: dict[int, list[str]] = {}
    for word in page.text_words:
        by_line.setdefault(word.line, []).append(word.text)
    texts = [" ".join(by_line[line]) for line in sorted(by_line)]
    assert texts[:3] == ["ỦY BAN NHÂN DÂN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Số: 15/QĐ-UBND"]
    assert texts[3] == BODY and len(texts) == 33
    assert [w.line for w in page.text_words] == sorted(w.line for w in page.text_words)


def test_short_text_layer_needs_ocr(letter_pdf: bytes) -> None:
    sparse = text_pdf([[(60, 780, "Trang 2")]])
    page = inspect_document(sparse, "x.pdf", LIMITS).pages[0]
    assert page.needs_ocr is True
    assert [w.text for w in page.text_words] == ["Trang", "2"]
    assert inspect_document(sparse, "x.pdf", LIMITS, min_text_chars=5).pages[0].needs_ocr is False


def test_rotated_page_boxes_follow_display() -> None:
    doc = inspect_document(text_pdf([letter_lines()], rotation=90), "r.pdf", LIMITS)
    page = doc.pages[0]
    assert (page.width_pt, page.height_pt) == pytest.approx((842.0, 595.0))
    top_left_word = words_by_text(doc)["ỦY"][0]  # printed top-left, displayed top-right after /Rotate 90
    assert top_left_word.bbox.x1 > 0.9 and top_left_word.bbox.y0 < 0.15
    image = render_page(text_pdf([letter_lines()], rotation=90), "application/pdf", 0, 72, LIMITS)
    assert image.shape[1] > image.shape[0]


def test_render_pdf_page_rgb_at_dpi(letter_pdf: bytes) -> None:
    image = render_page(letter_pdf, "application/pdf", 1, 144, LIMITS)
    assert image.shape == (1684, 1190, 3) and image.dtype == np.uint8
    assert image.min() < 100 < 250 <= image.max()  # ink on white paper
    with pytest.raises(IndexError):
        render_page(letter_pdf, "application/pdf", 2, 72, LIMITS)


# --- form fields and annotations ------------------------------------------------------------------


def form_pdf(acroform: bool = True) -> bytes:
    """Fields as e-signing platforms leave them; without `acroform` the widgets are orphans."""
    writer = PdfWriter()
    page = writer.add_blank_page(*A4)

    def widget(extra: dict, rect: tuple[float, ...]) -> DictionaryObject:
        annot = DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Widget"),
            NameObject("/Rect"): ArrayObject([FloatObject(v) for v in rect]),
            NameObject("/F"): NumberObject(4),
        })
        annot.update({NameObject(k): v for k, v in extra.items()})
        return annot

    number = writer._add_object(widget(
        {"/FT": NameObject("/Tx"), "/T": TextStringObject("so"), "/V": TextStringObject("15/QĐ-UBND")},
        (400, 770, 540, 790)))
    empty = writer._add_object(widget({"/FT": NameObject("/Tx"), "/T": TextStringObject("trong")}, (60, 60, 200, 80)))
    signature = writer._add_object(
        widget({"/FT": NameObject("/Sig"), "/T": TextStringObject("ky")}, (300, 60, 500, 120))
    )
    kid = writer._add_object(widget({}, (60, 700, 200, 720)))
    parent = writer._add_object(DictionaryObject({
        NameObject("/FT"): NameObject("/Tx"),
        NameObject("/T"): TextStringObject("ngay"),
        NameObject("/V"): TextStringObject("12/03/2024"),
        NameObject("/Kids"): ArrayObject([kid]),
    }))
    kid.get_object()[NameObject("/Parent")] = parent
    page[NameObject("/Annots")] = ArrayObject([number, empty, signature, kid])
    if acroform:
        writer.root_object[NameObject("/AcroForm")] = DictionaryObject({
            NameObject("/Fields"): ArrayObject([number, empty, signature, parent]),
            NameObject("/DA"): TextStringObject("/Helv 0 Tf 0 g"),
        })
    writer.add_annotation(0, FreeText(text="Ngày ký: 12/03/2024", rect=(60, 600, 260, 620)))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_form_fields_and_annotations_become_field_words() -> None:
    page = inspect_document(form_pdf(), "signed.pdf", LIMITS).pages[0]
    fields = {word.text: word for word in page.field_words}
    assert set(fields) == {"15/QĐ-UBND", "12/03/2024", "Ngày ký: 12/03/2024"}  # empty and /Sig skipped
    number = fields["15/QĐ-UBND"]
    assert number.source == "form_field"
    assert number.bbox.x0 == pytest.approx(400 / 595) and number.bbox.x1 == pytest.approx(540 / 595)
    assert number.bbox.y0 == pytest.approx(1 - 790 / 842) and number.bbox.y1 == pytest.approx(1 - 770 / 842)
    assert fields["12/03/2024"].bbox.y0 == pytest.approx(1 - 720 / 842)  # value inherited from the parent field
    assert len({word.line for word in page.field_words}) == 3
    assert page.text_words == [] and page.needs_ocr is True


def test_widget_values_outside_an_acroform_are_read() -> None:
    page = inspect_document(form_pdf(acroform=False), "signed.pdf", LIMITS).pages[0]
    assert {word.text for word in page.field_words} == {"15/QĐ-UBND", "Ngày ký: 12/03/2024"}  # no parent to inherit


def test_render_draws_form_field_values() -> None:
    image = render_page(form_pdf(), "application/pdf", 0, 150, LIMITS)
    px = 150 / 72
    field_area = image[int((842 - 790) * px) : int((842 - 770) * px), int(400 * px) : int(540 * px)]
    assert field_area.min() < 128  # the value was drawn, though the field had no appearance stream


# --- scanned PDFs ---------------------------------------------------------------------------------


def test_scanned_pdf_needs_ocr_with_source_dpi() -> None:
    data = image_bytes(page_image((1654, 2339)), "PDF", resolution=200)
    page = inspect_document(data, "scan.pdf", LIMITS).pages[0]
    assert page.needs_ocr is True and page.text_words == []
    assert page.source_dpi == pytest.approx(200, rel=0.01)
    assert page.width_pt == pytest.approx(1654 * 72 / 200, rel=0.001)
    image = render_page(data, "application/pdf", 0, 100, LIMITS)
    assert abs(image.shape[0] - 1170) <= 1 and abs(image.shape[1] - 827) <= 1 and image.shape[2] == 3
    assert image[50, 50].max() < 60 and image[-50, -50].min() > 200  # the black block stays top-left


def test_invisible_text_over_scan_is_reocred_but_visible_text_is_not() -> None:
    scan = page_image((827, 1170), "RGB")
    ocred = inspect_document(text_pdf([letter_lines()], scan=scan, invisible=True), "o.pdf", LIMITS).pages[0]
    assert ocred.needs_ocr is True and len(ocred.text_words) > 100
    assert ocred.source_dpi == pytest.approx(100, rel=0.01)
    overlay = inspect_document(text_pdf([letter_lines()], scan=scan), "v.pdf", LIMITS).pages[0]
    assert overlay.needs_ocr is False


def test_scan_inside_scaled_form_xobject_is_found() -> None:
    image = zlib.compress(bytes(150 * 200))
    objects = one_page_pdf(b"[0 0 600 800]", b"<< /XObject << /F1 5 0 R >> >>", b"q 1 0 0 1 0 0 cm /F1 Do Q")
    objects += [
        stream(b"/Type /XObject /Subtype /Form /BBox [0 0 1200 1600] /Matrix [0.5 0 0 0.5 0 0] "
               b"/Resources << /XObject << /Im1 6 0 R >> >>", b"q 1200 0 0 1600 0 0 cm /Im1 Do Q"),
        stream(b"/Type /XObject /Subtype /Image /Width 150 /Height 200 /ColorSpace /DeviceGray "
               b"/BitsPerComponent 8 /Filter /FlateDecode", image),
    ]
    page = inspect_document(raw_pdf(objects), "f.pdf", LIMITS).pages[0]
    assert page.source_dpi == pytest.approx(150 / (600 / 72), rel=0.01)  # not 300 / (600 / 72)


# --- image files ----------------------------------------------------------------------------------


def multipage_tiff() -> bytes:
    frames = [page_image((850, 1100), "RGB"), page_image((850, 1100), "L"), page_image((1700, 2200), "1")]
    buffer = io.BytesIO()
    frames[0].save(buffer, "TIFF", save_all=True, append_images=frames[1:], dpi=(100, 100), compression="tiff_lzw")
    return buffer.getvalue()


def test_multipage_tiff_pages_and_render() -> None:
    data = multipage_tiff()
    doc = inspect_document(data, "scan.tif", LIMITS)
    assert doc.media_type == "image/tiff" and len(doc.pages) == 3
    assert all(page.needs_ocr and page.text_words == [] for page in doc.pages)
    assert [page.index for page in doc.pages] == [0, 1, 2]
    assert doc.pages[0].source_dpi == pytest.approx(100)
    assert (doc.pages[0].width_pt, doc.pages[0].height_pt) == pytest.approx((612, 792))
    bilevel = render_page(data, "image/tiff", 2, 50, LIMITS)  # 1700 x 2200 px at 100 dpi, halved
    assert bilevel.shape == (1100, 850, 3) and bilevel.dtype == np.uint8
    upscaled = render_page(data, "image/tiff", 1, 300, LIMITS)
    assert upscaled.shape == (3300, 2550, 3)
    assert upscaled[100, 100].tolist() == [0, 0, 0] and upscaled[-100, -100].tolist() == [255, 255, 255]
    with pytest.raises(IndexError):
        render_page(data, "image/tiff", 3, 72, LIMITS)


def test_png_dpi_metadata_and_upscale_cap() -> None:
    data = image_bytes(page_image((400, 500)), "PNG", dpi=(50, 50))
    page = inspect_document(data, "p.png", LIMITS).pages[0]
    assert page.source_dpi == pytest.approx(50, rel=0.01)
    assert page.width_pt == pytest.approx(400 * 72 / 50, rel=0.01)
    assert render_page(data, "image/png", 0, 300, LIMITS).shape == (2000, 1600, 3)  # 6x asked, 4x given


def test_jpeg_without_or_with_implausible_dpi_is_estimated_as_a4() -> None:
    plain = inspect_document(image_bytes(page_image((1240, 1754)), "JPEG"), "j.jpg", LIMITS).pages[0]
    assert plain.source_dpi == pytest.approx(1240 / 8.27, rel=0.01)
    default_72 = image_bytes(page_image((2480, 3508)), "JPEG", dpi=(72, 72))
    assert inspect_document(default_72, "j.jpg", LIMITS).pages[0].source_dpi == pytest.approx(300, rel=0.01)


def test_jpeg_exif_orientation_is_applied() -> None:
    stored = page_image((600, 400), "RGB")  # landscape as stored, block at stored top-left
    exif = Image.Exif()
    exif[0x0112] = 6  # display rotated 90 degrees clockwise
    data = image_bytes(stored, "JPEG", dpi=(100, 100), exif=exif.tobytes())
    page = inspect_document(data, "phone.jpg", LIMITS).pages[0]
    assert (page.width_pt, page.height_pt) == pytest.approx((400 * 72 / 100, 600 * 72 / 100))
    image = render_page(data, "image/jpeg", 0, 100, LIMITS)
    assert image.shape == (600, 400, 3)
    assert image[20, -20].max() < 60 and image[20, 20].min() > 200  # stored top-left is now top-right


@pytest.mark.parametrize(
    ("image", "fmt", "expected"),
    [
        (Image.fromarray(np.full((40, 30), 32896, dtype=np.uint16)), "PNG", 128),  # 16-bit gray
        (Image.new("RGBA", (30, 40), (0, 0, 0, 0)), "PNG", 255),  # transparent -> white paper
        (Image.new("CMYK", (30, 40), (0, 0, 0, 255)), "JPEG", 0),  # black ink
        (Image.new("1", (30, 40), 0), "PNG", 0),
    ],
)
def test_any_mode_becomes_rgb(image: Image.Image, fmt: str, expected: int) -> None:
    data = image_bytes(image, fmt, dpi=(100, 100))
    media_type = sniff_media_type(data)
    rendered = render_page(data, media_type, 0, 100, LIMITS)
    assert rendered.shape == (40, 30, 3) and rendered.dtype == np.uint8
    assert abs(int(rendered[20, 15].mean()) - expected) <= 3


# --- bad input ------------------------------------------------------------------------------------


def _raises(error: type[InputError], data: bytes, limits: LoadLimits = LIMITS) -> InputError:
    with pytest.raises(error) as info:
        inspect_document(data, "bad", limits)
    assert str(info.value) and info.value.reason
    return info.value


def test_truncated_pdf_is_corrupt(letter_pdf: bytes) -> None:
    _raises(CorruptFile, letter_pdf[: int(len(letter_pdf) * 0.6)])


def test_garbage_pdf_is_corrupt() -> None:
    _raises(CorruptFile, b"%PDF-1.7\n" + bytes(range(256)) * 20 + b"\n%%EOF\n")


def test_password_protected_pdf() -> None:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(text_pdf([letter_lines()]))))
    writer.encrypt(user_password="mat-khau", owner_password="chu", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    error = _raises(EncryptedFile, buffer.getvalue())
    assert "password" in error.reason


def test_pdf_encrypted_with_empty_user_password_opens() -> None:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(text_pdf([letter_lines()]))))
    writer.encrypt(user_password="", owner_password="chu", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    doc = inspect_document(buffer.getvalue(), "restricted.pdf", LIMITS)
    assert "15/QĐ-UBND" in words_by_text(doc)


def test_too_many_pages(letter_pdf: bytes) -> None:
    _raises(TooLarge, letter_pdf, LoadLimits(max_pages=1))
    _raises(TooLarge, multipage_tiff(), LoadLimits(max_pages=2))


def test_too_many_bytes(letter_pdf: bytes) -> None:
    error = _raises(TooLarge, letter_pdf, LoadLimits(max_bytes=1000))
    assert "MB" in error.reason
    with pytest.raises(TooLarge):
        render_page(letter_pdf, "application/pdf", 0, 72, LoadLimits(max_bytes=1000))


def test_png_bomb_is_refused_from_the_header(bomb_png: bytes) -> None:
    before = peak_rss_mb()
    _raises(TooLarge, bomb_png)
    with pytest.raises(TooLarge):
        render_page(bomb_png, "image/png", 0, 300, LIMITS)
    assert peak_rss_mb() - before < 300


def test_pillow_bomb_warning_becomes_too_large() -> None:
    data = image_bytes(page_image((1000, 1000)), "PNG")  # between Pillow's warning and error thresholds
    error = _raises(TooLarge, data, LoadLimits(max_page_pixels=600_000))
    assert "pixels" in error.reason


def test_pdf_image_bomb_is_refused() -> None:
    image = zlib.compress(bytes(2480 * 3508 // 8))
    objects = one_page_pdf(b"[0 0 595 842]", b"<< /XObject << /Im1 5 0 R >> >>", b"q 595 0 0 842 0 0 cm /Im1 Do Q")
    objects.append(stream(b"/Type /XObject /Subtype /Image /Width 2480 /Height 3508 /ColorSpace /DeviceGray "
                          b"/BitsPerComponent 1 /Filter /FlateDecode", image))
    data = raw_pdf(objects)
    assert inspect_document(data, "ok.pdf", LIMITS).pages[0].source_dpi == pytest.approx(300, rel=0.01)
    _raises(TooLarge, data, LoadLimits(max_page_pixels=1_000_000))
    with pytest.raises(TooLarge):
        render_page(data, "application/pdf", 0, 72, LoadLimits(max_page_pixels=1_000_000))


def test_huge_pdf_page_is_refused_before_rendering() -> None:
    data = raw_pdf(one_page_pdf(b"[0 0 14400 14400]"))  # 200 x 200 inches
    page = inspect_document(data, "poster.pdf", LIMITS).pages[0]
    assert page.width_pt == pytest.approx(14400)
    before = peak_rss_mb()
    with pytest.raises(TooLarge, match="3600 Mpx"):
        render_page(data, "application/pdf", 0, 300, LIMITS)
    assert peak_rss_mb() - before < 100


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_truncated_image_is_corrupt(fmt: str) -> None:
    data = image_bytes(noise((300, 300)), fmt)
    _raises(CorruptFile, data[: int(len(data) * 0.6)])


def test_corrupt_tiff_frame_is_corrupt() -> None:
    data = multipage_tiff()
    _raises(CorruptFile, data[: len(data) // 2])


def test_render_unknown_media_type() -> None:
    with pytest.raises(UnsupportedFormat):
        render_page(b"GIF89a", "image/gif", 0, 72, LIMITS)
