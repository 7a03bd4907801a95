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

import fontTools
from fontTools import subset
from fontTools.ttLib import TTFont

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
    """The text face as fpdf2 should embed it: cut to the characters we draw, with its CFF subroutines
    expanded. fpdf2 subsets the font again for every PDF, and on the whole TeX Gyre font, walking the
    subroutines is a third of the time it takes to make a document. Built once per font file and
    fontTools version, in the user's cache; the same input gives the same bytes."""
    source = text_font(style)
    chars = "".join(sorted(covered_chars()))
    key = hashlib.sha256(source.read_bytes() + (fontTools.version + chars).encode()).hexdigest()[:16]
    target = _cache_dir() / f"{source.stem}-{key}{source.suffix}"
    if not target.is_file():
        _write_pdf_font(source, target)
    return target


def _write_pdf_font(source: Path, target: Path) -> None:
    options = subset.Options()
    options.desubroutinize = True
    options.name_IDs = ["*"]
    options.notdef_outline = True
    font = TTFont(source)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in covered_chars()])
    subsetter.subset(font)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, suffix=target.suffix, delete=False) as partial:
        font.save(partial)
    os.replace(partial.name, target)  # several workers may build it at once: the last complete file wins
