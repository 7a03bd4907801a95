"""Hostile and malformed files, built here byte by byte: decompression bombs and a corpus of broken inputs."""

from __future__ import annotations

import functools
import io
import random
import struct
import zlib
from collections.abc import Callable

from PIL import Image

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MB = 1024 * 1024
ADLER_MODULUS = 65521
SEED = 20260521


# --- PDF --------------------------------------------------------------------------------------------


def pdf_file(objects: list[bytes]) -> bytes:
    """A PDF with a correct cross-reference table from numbered object bodies; object 1 is the catalog."""
    out, offsets = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def pdf_stream(dictionary: bytes, data: bytes) -> bytes:
    return b"<< %s /Length %d >>\nstream\n%s\nendstream" % (dictionary, len(data), data)


def one_page(content: bytes, media_box: bytes = b"[0 0 595 842]", content_filter: bytes = b"") -> list[bytes]:
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox %s /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>"
        % media_box,
        pdf_stream(content_filter, content),
        font,
    ]


def text_content(lines: int = 20, word: str = "hoach") -> bytes:
    """Helvetica text, enough characters for the page to count as born-digital."""
    line = b"1 0 0 1 60 %d Tm (Quyet dinh so %d ve viec ke " + word.encode("ascii") + b" nam 2024) Tj\n"
    return b"BT /F1 12 Tf\n" + b"".join(line % (800 - 30 * i, i) for i in range(lines)) + b"ET"


@functools.cache
def text_pdf(word: str = "hoach") -> bytes:
    """A valid one-page born-digital PDF (no OCR needed) repeating `word`; the base of the broken variants."""
    return pdf_file(one_page(text_content(word=word)))


def deflate(data: bytes) -> bytes:
    return zlib.compress(data, 9)


def zeros_deflated(megabytes: int) -> bytes:
    """A zlib stream of `megabytes` MB of zero bytes (whitespace to a PDF parser), built without inflating
    them: after a full flush the compressor starts afresh, so every further megabyte deflates the same."""
    compressor = zlib.compressobj(9)
    first = compressor.compress(bytes(MB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeated = first[2:]  # the first block carries the 2-byte zlib header
    end = compressor.flush(zlib.Z_FINISH)[:-4]  # the final block, without the checksum of one megabyte
    checksum = 1 | ((megabytes * MB) % ADLER_MODULUS) << 16  # adler32 of zeros: a stays 1, b counts the bytes
    return first + repeated * (megabytes - 1) + end + struct.pack(">I", checksum)


@functools.cache
def pdf_flate_bomb(expanded_mb: int = 2048) -> bytes:
    """A page whose content stream inflates to `expanded_mb` MB; deflated twice (the filter array
    `[/FlateDecode /FlateDecode]`) the file is a few kB."""
    content = deflate(zeros_deflated(expanded_mb))
    return pdf_file(one_page(content, content_filter=b"/Filter [/FlateDecode /FlateDecode]"))


def pdf_huge_page() -> bytes:
    """A text page of 200 x 200 inches with UserUnit 75 (15000 inches): its small rendering is a bomb."""
    objects = one_page(text_content(), media_box=b"[0 0 14400 14400]")
    objects[2] = objects[2].replace(b"/Type /Page ", b"/Type /Page /UserUnit 75 ")
    return pdf_file(objects)


def pdf_nested_arrays(depth: int = 100_000) -> bytes:
    objects = one_page(text_content())
    objects[2] = objects[2].replace(b"/Contents", b"/Deep %s /Contents" % (b"[" * depth + b"]" * depth))
    return pdf_file(objects)


def pdf_many_pages(pages: int) -> bytes:
    kids = b" ".join(b"%d 0 R" % (3 + i) for i in range(pages))
    content_ref = 3 + pages
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R >>" % content_ref
    return pdf_file(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
            *[page] * pages,
            pdf_stream(b"", b""),
        ]
    )


def pdf_page_tree_loop() -> bytes:
    """The page tree lists itself as its own kid."""
    return pdf_file([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"])


def corrupted_xref(pdf: bytes) -> bytes:
    start = pdf.rindex(b"\nxref\n") + 1
    return pdf[:start] + pdf[start:].replace(b" 00000 n", b" 99999 x").replace(b"startxref\n", b"startxref\n9")


# --- images -----------------------------------------------------------------------------------------


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


@functools.cache
def png_bomb(side: int = 100_000) -> bytes:
    """A 1-bit PNG of side x side pixels (10 Gpx by default) whose first rows are there: a few kB."""
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    rows = deflate(bytes((1 + side // 8) * 64))
    return PNG_SIGNATURE + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", rows) + png_chunk(b"IEND", b"")


def encoded(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


@functools.cache
def jpeg_bomb(side: int = 65_000) -> bytes:
    """A real 16 x 16 JPEG whose frame header (SOF0) claims side x side pixels."""
    data = bytearray(encoded(Image.new("L", (16, 16), 255), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", side, side)
    return bytes(data)


def tiff(frames: list[tuple[int, int]], loop: bool = False) -> bytes:
    """A little-endian TIFF of 1-bit uncompressed frames of the given (width, height), each with one strip
    of 8 bytes whatever its size; `loop` points the last frame back at the first."""
    entries = 8
    ifd_size = 2 + entries * 12 + 4
    out = bytearray(b"II*\x00" + struct.pack("<I", 8))
    first = 8
    for index, (width, height) in enumerate(frames):
        start = len(out)
        strip = start + ifd_size
        last = index == len(frames) - 1
        following = first if last and loop else 0 if last else strip + 8
        tags = [
            (256, 4, width),
            (257, 4, height),
            (258, 3, 1),
            (259, 3, 1),
            (262, 3, 0),
            (273, 4, strip),
            (278, 4, height),
            (279, 4, 8),
        ]
        out += struct.pack("<H", entries) + b"".join(
            struct.pack("<HHII", tag, kind, 1, value) for tag, kind, value in tags
        )
        out += struct.pack("<I", following) + bytes(8)
    return bytes(out)


def tiff_many_frames(count: int = 5000) -> bytes:
    return tiff([(8, 8)] * count)


def tiff_huge_second_frame() -> bytes:
    return tiff([(8, 8), (100_000, 100_000)])


# --- the malformed corpus ---------------------------------------------------------------------------


def truncated(data: bytes, keep: float = 0.5) -> bytes:
    return data[: max(1, int(len(data) * keep))]


def flipped_bytes(data: bytes, count: int = 64, seed: int = SEED) -> bytes:
    """`count` bytes overwritten at random places after the first 16 (the magic stays)."""
    rng = random.Random(seed)
    damaged = bytearray(data)
    for _ in range(count):
        damaged[rng.randrange(16, len(damaged))] = rng.randrange(256)
    return bytes(damaged)


def random_bytes(size: int = 4096, seed: int = SEED) -> bytes:
    return random.Random(seed).randbytes(size)


def sample_png() -> bytes:
    image = Image.new("L", (400, 300), 255)
    image.paste(0, (20, 20, 200, 60))
    return encoded(image, "PNG")


def sample_jpeg() -> bytes:
    return encoded(Image.open(io.BytesIO(sample_png())).convert("RGB"), "JPEG")


def sample_tiff() -> bytes:
    page = Image.open(io.BytesIO(sample_png()))
    return encoded(page, "TIFF", save_all=True, append_images=[page], compression="tiff_lzw")


MALFORMED: dict[str, Callable[[], bytes]] = {
    "zero bytes": lambda: b"",
    "nul bytes": lambda: bytes(4096),
    "random bytes": random_bytes,
    "random bytes behind a PDF header": lambda: b"%PDF-1.7\n" + random_bytes() + b"\n%%EOF\n",
    "jpeg behind a PDF header": lambda: b"%PDF-1.4\n" + sample_jpeg(),
    "pdf header only": lambda: b"%PDF-1.7\n%%EOF\n",
    "truncated pdf": lambda: truncated(text_pdf()),
    "pdf cut before its end marker": lambda: text_pdf()[:-7],
    "pdf with a corrupted xref": lambda: corrupted_xref(text_pdf()),
    "pdf with damaged bytes": lambda: flipped_bytes(text_pdf()),
    "pdf without a catalog": lambda: pdf_file([b"<< /Type /Pages /Kids [] /Count 0 >>"]),
    "pdf with no pages": lambda: pdf_file(
        [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
    ),
    "pdf page tree loop": pdf_page_tree_loop,
    "pdf with 100000 nested arrays": pdf_nested_arrays,
    "pdf with a page of 15000 inches": pdf_huge_page,
    "pdf with a huge string": lambda: pdf_file(one_page(b"BT /F1 12 Tf (" + b"A" * 8_000_000 + b") Tj ET")),
    "png magic only": lambda: PNG_SIGNATURE,
    "png of one pixel": lambda: encoded(Image.new("L", (1, 1), 255), "PNG"),
    "truncated png": lambda: truncated(sample_png()),
    "png with damaged bytes": lambda: flipped_bytes(sample_png()),
    "png header without data": lambda: (
        PNG_SIGNATURE + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 10, 10, 8, 0, 0, 0, 0))
    ),
    "truncated jpeg": lambda: truncated(sample_jpeg()),
    "jpeg with damaged bytes": lambda: flipped_bytes(sample_jpeg()),
    "truncated tiff": lambda: truncated(sample_tiff()),
    "tiff with damaged bytes": lambda: flipped_bytes(sample_tiff()),
    "tiff frame chain loop": lambda: tiff([(8, 8), (8, 8)], loop=True),
    "tiff with a strip offset outside the file": lambda: tiff([(8, 8)])[:-8],
}
"""Broken files of every supported kind; each must be refused with a 4xx or read without harm."""

BOMBS: dict[str, Callable[[], bytes]] = {
    "png of 10 Gpx": png_bomb,
    "jpeg of 4 Gpx": jpeg_bomb,
    "tiff of 5000 frames": tiff_many_frames,
    "pdf of 10000 pages": lambda: pdf_many_pages(10_000),
    "tiff whose second frame is 10 Gpx": tiff_huge_second_frame,
    "pdf with a 2 GB flate bomb content stream": pdf_flate_bomb,
}
"""Files built to exhaust memory or time when decoded; each must be refused with a 4xx."""
