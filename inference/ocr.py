"""OCR engines behind one small interface, registered by name.

Tesseract runs one thread per process (OMP_THREAD_LIMIT=1): on two cores its own threading makes it
about four times slower, so parallelism comes from processes, one per core.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import unicodedata
from functools import cache
from pathlib import Path
from typing import Literal, Protocol

import numpy as np
from PIL import Image

from inference.registry import Registry
from inference.schema import BBox, Word

Mode = Literal["page", "line", "word", "sparse"]


class OcrEngine(Protocol):
    def read(
        self,
        gray: np.ndarray,
        dpi: float,
        mode: Mode = "page",
        whitelist: str | None = None,
        offset: tuple[int, int, int, int] | None = None,
    ) -> list[Word]:
        """Words of a grey image. `offset` = (x, y, page_width, page_height) of a crop, so boxes are page-relative."""
        ...

    def orientation(self, gray: np.ndarray, dpi: float) -> int:
        """Degrees counter-clockwise that turn the page upright (0, 90, 180, 270)."""
        ...


OCR_ENGINES: Registry[OcrEngine] = Registry("OCR engine")

TESSDATA_CANDIDATES = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
)


def tessdata_dir() -> str:
    for candidate in [os.environ.get("TESSDATA_PREFIX", ""), *TESSDATA_CANDIDATES]:
        if candidate and (Path(candidate) / "vie.traineddata").exists():
            return candidate
    raise RuntimeError(
        "Tesseract's Vietnamese data (vie.traineddata) was not found: install Debian's tesseract-ocr-vie "
        "(make setup does) or set TESSDATA_PREFIX"
    )


class TesseractEngine:
    """Tesseract through tesserocr (in-process; no temp files, no numpy-to-CLI round trip)."""

    _PSM = {"page": 3, "line": 7, "word": 8, "sparse": 11}

    def __init__(self, language: str = "vie"):
        self.language = language

    @cache  # noqa: B019 - one API object per engine and mode, kept for the process's life
    def _api(self, mode: Mode):
        import tesserocr

        api = tesserocr.PyTessBaseAPI(path=tessdata_dir(), lang=self.language, psm=self._PSM[mode])
        api.SetVariable("preserve_interword_spaces", "0")
        return api

    def read(self, gray, dpi, mode="page", whitelist=None, offset=None):
        import tesserocr

        api = self._api(mode)
        api.SetVariable("tessedit_char_whitelist", whitelist or "")
        api.SetImage(Image.fromarray(gray))
        api.SetSourceResolution(int(dpi))
        api.Recognize()
        x_off, y_off, page_w, page_h = offset or (0, 0, gray.shape[1], gray.shape[0])
        words: list[Word] = []
        line = -1
        iterator = api.GetIterator()
        level = tesserocr.RIL.WORD
        for item in tesserocr.iterate_level(iterator, level) if iterator else ():
            if item.IsAtBeginningOf(tesserocr.RIL.TEXTLINE):
                line += 1
            text = _word_text(item, level)
            box = item.BoundingBox(level)
            if not text or box is None:
                continue
            x0, y0, x1, y1 = box
            words.append(
                Word(
                    text=unicodedata.normalize("NFC", text),
                    bbox=BBox(
                        x0=(x0 + x_off) / page_w,
                        y0=(y0 + y_off) / page_h,
                        x1=(x1 + x_off) / page_w,
                        y1=(y1 + y_off) / page_h,
                    ),
                    confidence=max(0.0, item.Confidence(level)) / 100.0,
                    source="ocr",
                    line=max(line, 0),
                )
            )
        api.Clear()
        return words

    def orientation(self, gray, dpi):
        import tesserocr

        api = tesserocr.PyTessBaseAPI(path=tessdata_dir(), lang="osd", psm=tesserocr.PSM.OSD_ONLY)
        try:
            api.SetImage(Image.fromarray(gray))
            api.SetSourceResolution(int(dpi))
            found = api.DetectOrientationScript()
        finally:
            api.End()
        if not found or found.get("orient_conf", 0) < 2.0:
            return 0
        return int(found["orient_deg"])


def _word_text(item, level) -> str:
    try:
        return (item.GetUTF8Text(level) or "").strip()
    except RuntimeError:  # tesserocr raises for an empty word instead of returning ""
        return ""


@OCR_ENGINES.register("tesseract")
def _tesseract(language: str = "vie") -> OcrEngine:
    return TesseractEngine(language)
