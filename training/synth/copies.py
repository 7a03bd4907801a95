"""Certified copies for the factory: a "SAO Y" of a scanned document (Decree 30/2020, Art. 25-27 and
Appendix I form of copies): a red SAO Y stamp struck at the top of the first page and the copy block
(copying body, copy number, place and date, authority and signer) on a page of its own."""

from __future__ import annotations

import random
from datetime import date

import numpy as np
from PIL import Image, ImageDraw

from training.synth.ink import apply_ink, serif
from training.synth.spec import DocumentSpec

STAMP_RED = (205, 35, 40)


def _stamp(image: np.ndarray, text: str, dpi: int, rng: random.Random) -> None:
    size = round(dpi * 0.2)
    font = serif(size, "B")
    left, top, right, bottom = font.getbbox(text)
    pad = size // 3
    mask = Image.new("L", (right - left + 2 * pad, bottom - top + 2 * pad), 0)
    draw = ImageDraw.Draw(mask)
    draw.rectangle((0, 0, mask.width - 1, mask.height - 1), outline=255, width=max(2, size // 12))
    draw.text((pad - left, pad - top), text, font=font, fill=255)
    alpha = np.asarray(mask.rotate(rng.uniform(-4, 4), expand=True), np.float32) / 255.0
    height, width = image.shape[:2]
    apply_ink(image, alpha * 0.9, STAMP_RED, round(width * rng.uniform(0.62, 0.7)), round(height * 0.012))


def _copy_page(shape: tuple[int, ...], spec: DocumentSpec, number: int, copied: date, dpi: int) -> np.ndarray:
    page = Image.new("RGB", (shape[1], shape[0]), "white")
    draw = ImageDraw.Draw(page)
    mm = dpi / 25.4
    organ = spec.fields.organ_name or ""
    lines = [
        ((25 * mm, 25 * mm), organ, serif(round(dpi * 0.16), "B")),
        ((90 * mm, 35 * mm), "SAO Y", serif(round(dpi * 0.2), "B")),
        ((25 * mm, 47 * mm), f"Số: {number:02d}/SY-VP", serif(round(dpi * 0.18), "")),
        ((105 * mm, 47 * mm), f"{spec.fields.place}, ngày {copied.day:02d} tháng {copied.month:02d} năm {copied.year}",
         serif(round(dpi * 0.18), "I")),
        ((120 * mm, 60 * mm), "TL. CHỦ TỊCH", serif(round(dpi * 0.18), "B")),
        ((120 * mm, 67 * mm), "CHÁNH VĂN PHÒNG", serif(round(dpi * 0.18), "B")),
        ((120 * mm, 92 * mm), "Trần Văn Bình", serif(round(dpi * 0.18), "B")),
    ]
    for position, text, font in lines:
        draw.text(position, text, fill="black", font=font)
    return np.asarray(page)


def certified_copy(images: list[np.ndarray], spec: DocumentSpec, dpi: int, rng: random.Random,
                   number: int = 1) -> list[np.ndarray]:
    """The SAO Y of a scan: its pages, stamped, and the copy block page. `images` are not changed."""
    pages = [image.copy() for image in images]
    _stamp(pages[0], "SAO Y", dpi, rng)
    issued = spec.fields.issued_date or date(2024, 1, 1)
    copied = date.fromordinal(issued.toordinal() + rng.randint(1, 20))
    return [*pages, _copy_page(pages[0].shape, spec, number, copied, dpi)]
