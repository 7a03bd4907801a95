"""DocumentSpec -> born-digital PDF (Decree 30 / HD 36 layout, real text layer) -> scanned page images."""

from __future__ import annotations

import io
import random
from dataclasses import dataclass

import numpy as np
import pikepdf
import pypdfium2 as pdfium
from pikepdf import Name
from PIL import Image

from inference.schema import Block
from training.synth.degrade import DegradeParams, as_read, blank_page, damage, encode_jpeg
from training.synth.formats import date_line, date_parts
from training.synth.ink import draw_scan_ink
from training.synth.layout import FIXED_DATE, PAGE_W, PT, Box, Composer, new_pdf
from training.synth.spec import DocumentSpec
from training.synth.truth import RegionName, RenderedDocument

RED = (215, 0, 0)
HEADER_SPACING = 1.2
HEADER_OUTDENT = 10.0
"""The issuer column starts this far left of the text margin, as the header tables of real templates do."""
NUMBER_GAP_MM, DAY_GAP_MM = 15.0, 9.0
INK_MARGIN_MM = 3.0
"""Scan-only ink is drawn with jitter; its truth box is the nominal spot grown by this much."""
INCOMING_BOX: Box = (8.0, 4.0, 58.0, 28.0)
SIGNATURE_SPLIT = 0.45
"""The signature column starts this far across the text width; "Nơi nhận" sits left of it."""


def render_pdf(spec: DocumentSpec) -> RenderedDocument:
    """The born-digital PDF with a real text layer, and where everything was put."""
    c = Composer(new_pdf(), spec.page)
    c.new_page()
    if spec.digital_signature_box:
        digital_signature(c, spec)
    if spec.incoming_stamp:
        c.mark("stamps", grown(INCOMING_BOX), incoming_text(spec), layer="scan")
    split, header_bottom = header(c, spec)
    c.y = number_and_date(c, spec, split, header_bottom + 2.5)
    if not spec.is_cong_van:
        title(c, spec)
    kinh_gui(c, spec)
    body(c, spec)
    closing(c, spec)
    return RenderedDocument(pdf=bytes(c.pdf.output()), spec=spec, pages=c.truths())


def grown(box: Box, by: float = INK_MARGIN_MM) -> Box:
    return (box[0] - by, box[1] - by, box[2] + by, box[3] + by)


def line_height(size: float, spacing: float = HEADER_SPACING) -> float:
    return size * PT * spacing


def incoming_text(spec: DocumentSpec) -> str:
    a = spec.arrival
    return f"{a.receiver}\nCÔNG VĂN ĐẾN\nSố: {a.number}\nNgày: {a.received:%d/%m/%Y}"


def digital_signature(c: Composer, spec: DocumentSpec) -> None:
    """The e-signature appearance top right of page 1 ("Ký bởi ... Thời gian ký ...")."""
    lines = [f"Ký bởi: {(spec.fields.organ_name or '').title()}",
             f"Thời gian ký: {spec.signed_at:%d.%m.%Y %H:%M:%S} +07:00"]
    size, x1, top = 9.0, PAGE_W - 6, 3.0
    x0 = x1 - max(c.width(t, "", size) for t in lines) - 4
    for i, text in enumerate(lines):
        c.draw(text, x0 + 2, top + 1 + i * line_height(size), "", size, "digital_signature", colour=RED)
    c.frame((x0, top, x1, top + 2 + len(lines) * line_height(size)), RED, 0.3)


def header(c: Composer, spec: DocumentSpec) -> tuple[float, float]:
    """Issuer top left, motto top right; returns the column split and the header's bottom."""
    size = spec.page.header_size
    # The Tiêu ngữ is set one point larger than the Quốc hiệu (Decree 30 App. I).
    sizes = [size] + [size + 1] * (len(spec.motto) - 1)
    motto_width = max(c.width(t, "B", s) for t, s in zip(spec.motto, sizes, strict=True))
    split = c.right - motto_width - 6
    left = issuer(c, spec, c.left - HEADER_OUTDENT, split)
    right = stacked(c, list(zip(spec.motto, ["B"] * len(spec.motto), sizes, strict=True)), split, c.right, "motto")
    c.rule(*_under(c, spec.motto[-1], "B", sizes[-1], split, c.right, 1.0), right + 0.8)
    return split, max(left, right + 1.5)


def _under(c: Composer, text: str, style: str, size: float, x0: float, x1: float, share: float) -> tuple[float, float]:
    """A rule centred under `text`, `share` of its width long."""
    half = c.width(text, style, size) * share / 2
    return (x0 + x1) / 2 - half, (x0 + x1) / 2 + half


def stacked(c: Composer, lines: list[tuple[str, str, float]], x0: float, x1: float, name: RegionName) -> float:
    """Centred, wrapped header lines from the composer's y; returns the bottom."""
    y = c.y
    for text, style, size in lines:
        for line in c.wrap_balanced(text, x1 - x0 - 2, style, size):
            c.draw_centred(line, x0, x1, y, style, size, name)
            y += line_height(size)
    return y


def issuer(c: Composer, spec: DocumentSpec, x0: float, x1: float) -> float:
    size = spec.page.header_size
    f = spec.fields
    lines = [(f.parent_organ_name, "", size)] if f.parent_organ_name else []
    bottom = stacked(c, [*lines, (f.organ_name or "", "B", size)], x0, x1, "issuer")
    if spec.issuer_mark:
        c.draw_centred(spec.issuer_mark, x0, x1, bottom, "B", size, "issuer")
        return bottom + line_height(size)
    last = c.wrap_balanced(f.organ_name or "", x1 - x0 - 2, "B", size)[-1]
    c.rule(*_under(c, last, "B", size, x0, x1, 0.45), bottom + 0.8)
    return bottom + 1.5


def number_and_date(c: Composer, spec: DocumentSpec, split: float, top: float) -> float:
    """"Số: ..." centred left, place and date italic right, on one baseline; V/v and stamps under the number."""
    size, f = spec.page.header_size, spec.fields
    assert f.issued_date and f.place
    left = c.left - HEADER_OUTDENT
    if spec.handwritten_number:
        x = centred_x(c, left, split, c.gap_width(spec.number_label, spec.number_tail, NUMBER_GAP_MM, "", size))
        _, gap = c.draw_with_gap(spec.number_label, spec.number_tail, NUMBER_GAP_MM, x, top, "", size, "number")
        c.mark("handwriting", grown(gap), f.code_number or "", layer="scan")
    else:
        c.draw_centred(f"{spec.number_label} {f.number}", left, split, top, "", size, "number")
    date_size = size + 1
    date_top = top - PT  # one point larger: start one point higher to share the baseline
    head, tail = date_parts(f.place, f.issued_date)
    if spec.handwritten_day:
        x = centred_x(c, split, c.right, c.gap_width(head, tail, DAY_GAP_MM, "I", date_size))
        _, gap = c.draw_with_gap(head, tail, DAY_GAP_MM, x, date_top, "I", date_size, "place_date")
        c.mark("handwriting", grown(gap), str(f.issued_date.day), layer="scan")
    else:
        text = date_line(f.place, f.issued_date)
        x = centred_x(c, split, c.right, c.width(text, "I", date_size))
        c.draw(text, x, date_top, "I", date_size, "place_date")
    y = top + line_height(size)
    if spec.is_cong_van:
        c.y = y
        y = stacked(c, [(f"V/v {f.subject}", "", size)], left, split, "title")
    return stamps(c, spec, left, split, y + 1.5) + 2.5


def centred_x(c: Composer, x0: float, x1: float, width: float) -> float:
    """Left edge of `width` centred between x0 and x1, pulled back inside the right margin if too wide."""
    return min((x0 + x1 - width) / 2, c.right - width)


def stamps(c: Composer, spec: DocumentSpec, x0: float, x1: float, top: float) -> float:
    """Urgency and secrecy: red framed caps under the number (Decree 30 boxes 10a/10b)."""
    size = spec.page.header_size + 1
    for text in spec.stamps:
        box = c.draw_centred(text, x0, x1, top + 1.5, "B", size, "stamps", colour=RED)
        c.frame(grown(box, 1.2), RED, 0.6)
        top = box[3] + 3.5
    return top


def title(c: Composer, spec: DocumentSpec) -> None:
    """Type name (caps bold) and trích yếu (bold), centred, with a short rule under."""
    size = spec.page.body_size
    type_size = size + (2 if spec.layout == Block.PARTY else 0)
    c.y += 2
    c.y = stacked(c, [((spec.fields.type_name or "").upper(), "B", type_size)], c.left, c.right, "title")
    width = c.right - c.left
    margin = width * 0.1
    c.y = stacked(c, [(spec.fields.subject or "", "B", size)], c.left + margin, c.right - margin, "title")
    c.rule(*_centre_span(c, width * 0.25), c.y + 2.0)
    c.y += 4


def _centre_span(c: Composer, length: float) -> tuple[float, float]:
    mid = (c.left + c.right) / 2
    return mid - length / 2, mid + length / 2


def kinh_gui(c: Composer, spec: DocumentSpec) -> None:
    if not spec.kinh_gui:
        return
    size = spec.page.body_size
    label = "Kính gửi:"
    single = f"{label} {spec.kinh_gui[0]}."
    c.y += 1
    if len(spec.kinh_gui) == 1 and c.width(single, "", size) < (c.right - c.left) * 0.9:
        c.draw_centred(single, c.left, c.right, c.y, "", size, "kinh_gui")
        c.y += line_height(size) + 2
        return
    x_label = c.left + (c.right - c.left) * 0.15
    x_items = x_label + c.width(label + " ", "", size)
    c.draw(label, x_label, c.y, "", size, "kinh_gui")
    many = len(spec.kinh_gui) > 1
    for i, item in enumerate(spec.kinh_gui):
        text = f"{'- ' if many else ''}{item}{'.' if i == len(spec.kinh_gui) - 1 else ';'}"
        for line in c.wrap(text, c.right - x_items, "", size):
            c.draw(line, x_items, c.y, "", size, "kinh_gui")
            c.y += line_height(size)
    c.y += 2


STYLE = {"plain": "", "italic": "I", "bold": "B", "heading": "B"}
CLOSING_GAP = 3.0
RECIPIENT_SIZE, RECIPIENT_LABEL_SIZE = 11.0, 12.0


@dataclass(frozen=True)
class BodyLine:
    text: str
    style: str
    x: float | None
    """Left edge; None for a centred heading."""
    justify: float | None
    after: float
    """Extra space below: the paragraph gap after a paragraph's last line."""


def body_lines(c: Composer, spec: DocumentSpec) -> list[BodyLine]:
    """Justified paragraphs with a first-line indent (last line ragged); headings centred."""
    layout = spec.page
    width = c.right - c.left
    out: list[BodyLine] = []
    for p in spec.body:
        style = STYLE[p.style]
        indent = 0.0 if p.style == "heading" else layout.first_line_indent
        lines = c.wrap(p.text, width, style, layout.body_size, indent)
        for i, text in enumerate(lines):
            last = i == len(lines) - 1
            shift = indent if i == 0 else 0.0
            x = None if p.style == "heading" else c.left + shift
            justify = None if last or p.style == "heading" else width - shift
            out.append(BodyLine(text, style, x, justify, layout.paragraph_gap if last else 0.0))
    return out


def page_breaks(c: Composer, lines: list[BodyLine], step: float, closing_height: float) -> set[int]:
    """Lines that start a new page: fill greedily, then carry the last two lines over when the
    signature block would otherwise stand alone on its page, as typists do."""
    breaks: set[int] = set()
    y, first_on_page = c.y, 0
    for i, line in enumerate(lines):
        if y + step > c.bottom:
            breaks.add(i)
            y, first_on_page = c.layout.margin_top, i
        y += step + line.after
    if y + closing_height > c.bottom and len(lines) - 2 > first_on_page:
        breaks.add(len(lines) - 2)
    return breaks


def body(c: Composer, spec: DocumentSpec) -> None:
    size = spec.page.body_size
    step = line_height(size, spec.page.line_spacing)
    lines = body_lines(c, spec)
    breaks = page_breaks(c, lines, step, closing_height(c, spec))
    for i, line in enumerate(lines):
        if i in breaks:
            c.new_page()
        if line.x is None:
            c.draw_centred(line.text, c.left, c.right, c.y, line.style, size, "body")
        else:
            c.draw(line.text, line.x, c.y, line.style, size, "body", justify=line.justify)
        c.y += step + line.after


def recipient_lines(c: Composer, spec: DocumentSpec) -> list[str]:
    width = (c.right - c.left) * SIGNATURE_SPLIT - 4
    items = [f"- {r}{'.' if i == len(spec.recipients) - 1 else ';'}" for i, r in enumerate(spec.recipients)]
    return [line for item in items for line in c.wrap(item, width, "", RECIPIENT_SIZE)]


def closing_height(c: Composer, spec: DocumentSpec) -> float:
    signature = line_height(spec.page.body_size) * (len(spec.signature_lines) + 1) + spec.page.signature_gap
    recipients = line_height(RECIPIENT_SIZE, 1.25) * (len(recipient_lines(c, spec)) + 1.2)
    return CLOSING_GAP + max(signature, recipients)


def closing(c: Composer, spec: DocumentSpec) -> None:
    """Signature block bottom right and "Nơi nhận" bottom left, level with each other, kept on one page."""
    size, gap = spec.page.body_size, spec.page.signature_gap
    split = c.left + (c.right - c.left) * SIGNATURE_SPLIT
    step_sig, step_rec = line_height(size), line_height(RECIPIENT_SIZE, 1.25)
    c.need(closing_height(c, spec))
    top = c.y + CLOSING_GAP
    y = top
    for line in spec.signature_lines:
        c.draw_centred(line, split, c.right, y, "B", size, "signature")
        y += step_sig
    scan_ink(c, spec, split, y, y + gap)
    c.draw_centred(spec.fields.signer_name or "", split, c.right, y + gap, "B", size, "signature")
    c.draw("Nơi nhận:", c.left, top, "BI", RECIPIENT_LABEL_SIZE, "recipients")
    y_rec = top + step_rec * 1.2
    for line in recipient_lines(c, spec):
        c.draw(line, c.left + (0 if line.startswith("- ") else 2), y_rec, "", RECIPIENT_SIZE, "recipients")
        y_rec += step_rec
    c.y = max(y + gap + step_sig, y_rec)


def scan_ink(c: Composer, spec: DocumentSpec, x0: float, top: float, bottom: float) -> None:
    """Where render_scan puts the signature and, over its left third, the seal (drawn in this order)."""
    centre, middle = (x0 + c.right) / 2, (top + bottom) / 2
    if spec.wet_signature:
        c.mark("signature_ink", grown((centre - 20, top + 2, centre + 20, bottom - 2)), layer="scan")
    if spec.red_seal:
        r = spec.page.seal_diameter / 2
        cx = centre - (c.right - x0) * 0.22
        c.mark("seal", grown((cx - r, middle - r, cx + r, middle + r), 1.0), seal_text(spec), "scan")


def seal_text(spec: DocumentSpec) -> str:
    """Around the seal's ring: the issuer, after its parent body when it has one."""
    f = spec.fields
    return f"{f.parent_organ_name} * {f.organ_name} *" if f.parent_organ_name else f"{f.organ_name} *"


def scan_pages(rendered: RenderedDocument, rng: random.Random, dpi: int = 300,
               degrade: DegradeParams | None = None) -> list[np.ndarray]:
    """The paper copy as the scanner's sensor saw it, before any JPEG: ink added, then damaged; RGB pages
    for a colour scan, grey (2-D) for a grey or black-and-white one (`degrade.damage`)."""
    params = degrade or DegradeParams()
    noise = np.random.default_rng(rng.getrandbits(64))
    document = pdfium.PdfDocument(rendered.pdf)
    pages: list[np.ndarray] = []
    try:
        for truth, page in zip(rendered.pages, document, strict=True):
            image = page.render(scale=dpi / 72, rev_byteorder=True).to_numpy().copy()
            draw_scan_ink(image, truth, rendered.spec, rng)
            pages.append(damage(image, params, noise))
    finally:
        document.close()
    if params.blank_back_page:
        shape = pages[-1].shape
        upright = (shape[1], shape[0], *shape[2:]) if params.rotation in (90, 270) else shape
        pages.append(damage(blank_page(upright, noise), params, noise))
    return pages


def render_scan(rendered: RenderedDocument, rng: random.Random, dpi: int = 300,
                degrade: DegradeParams | None = None) -> list[np.ndarray]:
    """The paper copy as a reader of the scan sees it: RGB uint8 pages, ink added, then degraded."""
    params = degrade or DegradeParams()
    return [as_read(page, params.jpeg_quality) for page in scan_pages(rendered, rng, dpi, params)]


def scan_file(pages: list[np.ndarray], dpi: int, degrade: DegradeParams, quality: int = 80) -> bytes:
    """`scan_pages` filed as the scanner files them: a black-and-white scan as 1-bit CCITT G4 pages; any
    other as JPEG pages, each the scanner's one JPEG (at `quality` when `degrade` names none), put in the
    PDF as it is, not decoded and encoded again. Grey-looking colour pages are stored grey."""
    if degrade.mode == "bw" and not degrade.jpeg_quality:
        return save_scan_pdf(pages, dpi)
    stored = [image if image.ndim == 2 or not is_grey(image) else image[..., 0] for image in pages]
    return jpeg_pdf([(encode_jpeg(image, degrade.jpeg_quality or quality), image) for image in stored], dpi)


def jpeg_pdf(pages: list[tuple[bytes, np.ndarray]], dpi: int) -> bytes:
    """A PDF of one JPEG per page (its bytes and the image it encodes), each page the image's size at `dpi`."""
    pdf = pikepdf.new()
    for data, image in pages:
        height, width = image.shape[:2]
        stream = pdf.make_stream(data)
        stream.update({"/Type": Name.XObject, "/Subtype": Name.Image, "/Width": width, "/Height": height,
                       "/ColorSpace": Name.DeviceGray if image.ndim == 2 else Name.DeviceRGB,
                       "/BitsPerComponent": 8, "/Filter": Name.DCTDecode})
        size = (width * 72 / dpi, height * 72 / dpi)
        page = pdf.add_blank_page(page_size=size)
        page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=stream))
        page.Contents = pdf.make_stream(f"q {size[0]:.4f} 0 0 {size[1]:.4f} 0 0 cm /Im0 Do Q".encode())
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True)
    return out.getvalue()


def save_scan_pdf(images: list[np.ndarray], dpi: int = 300, quality: int = 80) -> bytes:
    """Page images into one PDF at `dpi`, so the scan exists as a file: 1-bit pages CCITT G4, others JPEG."""
    pictures = [picture(a) for a in images]
    if any(p.mode == "1" for p in pictures) and not all(p.mode == "1" for p in pictures):
        pictures = [p.convert("L") if p.mode == "1" else p for p in pictures]
    # Pillow's G4 encoder rejects a quality setting; it applies to every page of the file.
    jpeg = {} if pictures[0].mode == "1" else {"quality": quality}
    out = io.BytesIO()
    pictures[0].save(out, "PDF", resolution=float(dpi), save_all=True, append_images=pictures[1:], **jpeg,
                     creationDate=FIXED_DATE.utctimetuple(), modDate=FIXED_DATE.utctimetuple())
    return out.getvalue()


def is_grey(image: np.ndarray) -> bool:
    sample = image[::16, ::16]  # a colour page nearly always shows it here, without a full pass
    if not (np.array_equal(sample[..., 0], sample[..., 1]) and np.array_equal(sample[..., 1], sample[..., 2])):
        return False
    return bool(np.array_equal(image[..., 0], image[..., 1]) and np.array_equal(image[..., 1], image[..., 2]))


def picture(image: np.ndarray) -> Image.Image:
    """A scan page as the scanner would store it: 1-bit, greyscale or colour (an RGB or a grey array)."""
    if image.ndim == 3 and not is_grey(image):
        return Image.fromarray(image)
    grey = image if image.ndim == 2 else image[..., 0]
    one_bit = bool(((grey == 0) | (grey == 255)).all())
    return Image.fromarray(grey).convert("1") if one_bit else Image.fromarray(grey)
