"""Font files: TeX Gyre Termes (the Times New Roman clone Decree 30 asks for), DejaVu as fallback.

Both cover Vietnamese precomposed letters; Liberation Serif does not. Debian: fonts-texgyre,
fonts-dejavu-core; fonts-dkg-handwriting (optional) gives the handwritten numbers a ballpoint look.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

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
