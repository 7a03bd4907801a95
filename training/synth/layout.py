"""A small line composer over fpdf2: wraps, justifies, paginates and records where every line went."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

from fontTools.ttLib import TTFont
from fpdf import FPDF

from inference.schema import BBox
from training.synth.fonts import STYLE_FILES, pdf_font
from training.synth.spec import PageLayout
from training.synth.truth import Layer, PageTruth, Region, RegionName

PAGE_W, PAGE_H = 210.0, 297.0
PT = 25.4 / 72
"""Millimetres per point."""
ASCENT, DESCENT = 0.95, 0.25
"""Of the em: Vietnamese capitals carry stacked marks above the cap height."""
FIXED_DATE = datetime(2000, 1, 1, tzinfo=UTC)
SEPARATE: frozenset[str] = frozenset({"stamps", "handwriting"})
"""Regions kept one box per mark; all others merge into one box per page."""
Box = tuple[float, float, float, float]
RGB = tuple[int, int, int]
BLACK: RGB = (0, 0, 0)


def new_pdf() -> FPDF:
    pdf = FPDF(unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_margins(0, 0, 0)
    # Fonts parsed once, copied: fpdf2's copy shares the fontTools font, which it subsets in place at
    # output, so each copy gets its own (opened lazily: its tables are read when the subsetter needs them).
    for key, parsed in _parsed_fonts().items():
        font = pdf.fonts[key] = copy.deepcopy(parsed)
        font.ttfont = TTFont(font.ttffile, recalcTimestamp=False, lazy=True)
        font.ttfont.recalcBBoxes = False  # see _parsed_fonts
    return pdf


@cache
def _parsed_fonts() -> dict[str, Any]:
    """The "serif" faces as fpdf2's add_font loads them, once per process."""
    pdf = FPDF(unit="mm", format="A4")
    for style in STYLE_FILES:
        pdf.add_font("serif", style, str(pdf_font(style)))
    for font in pdf.fonts.values():
        # The subset keeps the whole font's bounding boxes, valid for its glyphs; recomputing them from
        # every outline was a third of the time it takes to make a document.
        font.ttfont.recalcBBoxes = False
    return pdf.fonts


@dataclass
class Mark:
    page: int
    name: RegionName
    box: Box
    text: str
    layer: Layer


@dataclass
class Composer:
    pdf: FPDF
    layout: PageLayout
    page: int = -1
    y: float = 0.0
    marks: list[Mark] = field(default_factory=list)
    lines: list[list[str]] = field(default_factory=list)

    @property
    def left(self) -> float:
        return self.layout.margin_left

    @property
    def right(self) -> float:
        return PAGE_W - self.layout.margin_right

    @property
    def bottom(self) -> float:
        return PAGE_H - self.layout.margin_bottom

    def new_page(self) -> None:
        """A page; from the second on, its number centred in the top margin (Decree 30)."""
        self.pdf.add_page()
        self.page += 1
        self.lines.append([])
        self.y = self.layout.margin_top
        if self.page:
            size = self.layout.body_size
            text = str(self.page + 1)
            x = (PAGE_W - self.width(text, "", size)) / 2
            self.draw(text, x, self.layout.margin_top / 2 - size * PT / 2, "", size, "page_number")

    def fits(self, height: float) -> bool:
        return self.y + height <= self.bottom

    def need(self, height: float) -> None:
        if not self.fits(height):
            self.new_page()

    def width(self, text: str, style: str, size: float) -> float:
        """What fpdf2's get_string_width gives (no shaping, spacing or stretching is used), from the font's
        advance widths directly: its general path costs a fifth of the time it takes to draw a document."""
        widths = self.pdf.fonts[f"serif{style}"].cw
        return sum(widths[ord(c)] for c in text) * size * 0.001 / self.pdf.k

    def wrap(self, text: str, width: float, style: str, size: float, indent: float = 0.0) -> list[str]:
        """Greedy word wrap; the first line is `indent` narrower."""
        lines: list[str] = []
        current = ""
        for word in text.split():
            trial = f"{current} {word}" if current else word
            room = width - (indent if not lines else 0.0)
            if current and self.width(trial, style, size) > room:
                lines.append(current)
                current = word
            else:
                current = trial
        return [*lines, current] if current else lines

    def wrap_balanced(self, text: str, width: float, style: str, size: float) -> list[str]:
        """Like wrap, but as narrow as the same number of lines allows, so no lone last word."""
        best = self.wrap(text, width, style, size)
        while len(best) > 1 and width > 20:
            width *= 0.95
            trial = self.wrap(text, width, style, size)
            if len(trial) > len(best):
                break
            best = trial
        return best

    def draw(self, text: str, x: float, top: float, style: str, size: float, name: RegionName,
             justify: float | None = None, colour: RGB = BLACK) -> Box:
        """One line with its top at `top`; `justify` spreads the words over that width."""
        self.pdf.set_font("serif", style, size)
        self.pdf.set_text_color(*colour)
        em = size * PT
        baseline = top + em
        words = text.split(" ")
        natural = self.width(text, style, size)
        if justify is None or len(words) < 2:
            self.pdf.text(x, baseline, text)
            width = natural
        else:
            extra = (justify - natural) / (len(words) - 1)
            cursor = x
            for i, word in enumerate(words):
                # The trailing space keeps a real space in the text layer between the spread words.
                self.pdf.text(cursor, baseline, word + (" " if i < len(words) - 1 else ""))
                cursor += self.width(word + " ", style, size) + extra
            width = justify
        box = (x, baseline - ASCENT * em, x + width, baseline + DESCENT * em)
        self.mark(name, box, text)
        self.lines[self.page].append(text)
        return box

    def draw_centred(self, text: str, x0: float, x1: float, top: float, style: str, size: float,
                     name: RegionName, colour: RGB = BLACK) -> Box:
        return self.draw(text, (x0 + x1 - self.width(text, style, size)) / 2, top, style, size, name, colour=colour)

    def draw_with_gap(self, head: str, tail: str, gap: float, x: float, top: float, style: str, size: float,
                      name: RegionName) -> tuple[Box, Box]:
        """`head`, a blank `gap` mm wide (for handwriting), `tail` on one line; returns line and gap boxes."""
        self.pdf.set_font("serif", style, size)
        em = size * PT
        head_w = self.width(head + " ", style, size)
        self.pdf.set_text_color(*BLACK)
        self.pdf.text(x, top + em, head + " ")
        self.pdf.text(x + head_w + gap, top + em, tail)
        right = x + head_w + gap + self.width(tail, style, size)
        box = (x, top + em - ASCENT * em, right, top + em + DESCENT * em)
        self.mark(name, box, f"{head} {tail}")
        self.lines[self.page].append(f"{head} {tail}")
        return box, (x + head_w, box[1], x + head_w + gap, box[3])

    def gap_width(self, head: str, tail: str, gap: float, style: str, size: float) -> float:
        return self.width(head + " ", style, size) + gap + self.width(tail, style, size)

    def rule(self, x0: float, x1: float, y: float, colour: RGB = BLACK, weight: float = 0.3) -> None:
        self.pdf.set_draw_color(*colour)
        self.pdf.set_line_width(weight)
        self.pdf.line(x0, y, x1, y)

    def frame(self, box: Box, colour: RGB, weight: float = 0.5) -> None:
        self.pdf.set_draw_color(*colour)
        self.pdf.set_line_width(weight)
        self.pdf.rect(box[0], box[1], box[2] - box[0], box[3] - box[1])

    def mark(self, name: RegionName, box: Box, text: str = "", layer: Layer = "print", page: int | None = None) -> None:
        self.marks.append(Mark(self.page if page is None else page, name, box, text, layer))

    def truths(self) -> list[PageTruth]:
        return [PageTruth(index=i, text="\n".join(text), regions=self._regions(i)) for i, text in enumerate(self.lines)]

    def _regions(self, page: int) -> list[Region]:
        merged: dict[tuple[str, str], list[Mark]] = {}
        separate: list[list[Mark]] = []
        for m in (m for m in self.marks if m.page == page):
            if m.name in SEPARATE:
                separate.append([m])
            else:
                merged.setdefault((m.name, m.layer), []).append(m)
        return [_region(group) for group in (*merged.values(), *separate)]


def _normalised(box: Box) -> BBox:
    x0, y0, x1, y1 = box
    return BBox(x0=max(0.0, x0 / PAGE_W), y0=max(0.0, y0 / PAGE_H), x1=min(1.0, x1 / PAGE_W), y1=min(1.0, y1 / PAGE_H))


def _region(marks: list[Mark]) -> Region:
    bbox = BBox.union([_normalised(m.box) for m in marks])
    text = "\n".join(m.text for m in marks if m.text)
    return Region(name=marks[0].name, bbox=bbox, text=text, layer=marks[0].layer)
