"""Font files: TeX Gyre Termes (the Times New Roman clone Decree 30 asks for), DejaVu as fallback.

Both cover Vietnamese precomposed letters; Liberation Serif does not. Debian: fonts-texgyre,
fonts-dejavu-core; fonts-dkg-handwriting (optional) gives the handwritten numbers a ballpoint look.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import fontTools
from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable

FONT_DIRS = (
    Path("/usr/share/texmf/fonts/opentype/public/tex-gyre"),
    Path("/usr/share/texlive/texmf-dist/fonts/opentype/public/tex-gyre"),
    Path("/usr/share/fonts/opentype/tex-gyre"),
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/truetype/fifthhorseman"),
)

STYLE_FILES: dict[str, tuple[str, ...]] = {
    "": ("texgyretermes-regular.otf", "DejaVuSerif.ttf"),
    "B": ("texgyretermes-bold.otf", "DejaVuSerif-Bold.ttf"),
    "I": ("texgyretermes-italic.otf", "DejaVuSerif-Italic.ttf"),
    "BI": ("texgyretermes-bolditalic.otf", "DejaVuSerif-BoldItalic.ttf"),
}
PDF_OUTLINES = "glyf"
"""The outline format of the fonts embedded in the PDFs (part of the cached font's key)."""
# Digits only are drawn by hand, so a handwriting face without Vietnamese letters is fine.
HANDWRITING_FILES = ("dkg.ttf", "texgyrechorus-mediumitalic.otf", "DejaVuSans-Oblique.ttf")


def _first_existing(names: tuple[str, ...]) -> Path:
    for name in names:
        for folder in FONT_DIRS:
            if (folder / name).is_file():
                return folder / name
    raise FileNotFoundError(f"none of {names} found; install fonts-texgyre and fonts-dejavu-core")


@cache
def text_font(style: str = "") -> Path:
    """The serif face for a PDF style ("", "B", "I", "BI")."""
    return _first_existing(STYLE_FILES[style])


@cache
def handwriting_font() -> Path:
    return _first_existing(HANDWRITING_FILES)


@cache
def covered_chars() -> frozenset[str]:
    """Characters every text style can draw; corpus sentences with anything else are skipped."""
    sets = []
    for style in STYLE_FILES:
        with TTFont(text_font(style), lazy=True) as font:
            sets.append(set(font.getBestCmap()))
    return frozenset(chr(c) for c in set.intersection(*sets))


def _cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "vanthu" / "fonts"


@cache
def pdf_font(style: str = "") -> Path:
    """The text face as fpdf2 should embed it: cut to the characters we draw, its CFF outlines turned
    into TrueType ones (quadratic, within 1/1000 em of the cubic curves: the same glyphs on any scan).
    fpdf2 parses and subsets the font again for every PDF; on CFF, decompiling and recompiling the
    charstrings was a third of the time it takes to make a document, TrueType glyphs are copied as they
    are. Built once per font file and fontTools version, in the user's cache; the same input gives the
    same bytes."""
    source = text_font(style)
    chars = "".join(sorted(covered_chars()))
    key = hashlib.sha256(source.read_bytes() + (fontTools.version + chars + PDF_OUTLINES).encode()).hexdigest()[:16]
    target = _cache_dir() / f"{source.stem}-{key}.ttf"
    if not target.is_file():
        _write_pdf_font(source, target)
    return target


def _write_pdf_font(source: Path, target: Path) -> None:
    options = subset.Options()
    options.desubroutinize = True
    options.name_IDs = ["*"]
    options.notdef_outline = True
    font = TTFont(source, recalcTimestamp=False)  # the source's date: the same bytes on every machine
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in covered_chars()])
    subsetter.subset(font)
    if "CFF " in font:
        to_truetype(font)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, suffix=target.suffix, delete=False) as partial:
        font.save(partial)
    os.replace(partial.name, target)  # several workers may build it at once: the last complete file wins


def to_truetype(font: TTFont, max_err: float = 1.0) -> None:
    """Replace a CFF font's outlines by quadratic TrueType ones (`glyf`), as fontTools' otf2ttf does."""
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = font["glyf"] = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {name: _quadratic(glyph_set, name, max_err) for name in order}
    font["loca"] = newTable("loca")
    del font["CFF "]
    glyf.compile(font)
    font["maxp"] = _truetype_maxp()
    post = font["post"]
    post.formatType, post.extraNames, post.mapping, post.glyphOrder = 2.0, [], {}, order
    font["head"].glyphDataFormat = 0
    font["head"].indexToLocFormat = 0
    font.sfntVersion = "\x00\x01\x00\x00"


def _quadratic(glyph_set: Any, name: str, max_err: float) -> Any:
    pen = TTGlyphPen(glyph_set)
    glyph_set[name].draw(Cu2QuPen(pen, max_err, reverse_direction=True))
    return pen.glyph()


def _truetype_maxp() -> Any:
    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for name in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs", "maxStackElements",
                 "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, name, 0)
    maxp.maxZones = 1
    return maxp  # the glyph counts are filled in when the font is compiled
