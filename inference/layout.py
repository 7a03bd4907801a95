"""Words -> lines -> segments.

Tesseract's lines may run across both header columns ("ỦY BAN NHÂN DÂN   CỘNG HÒA XÃ HỘI ..."), and a
text layer has no lines at all, so lines are rebuilt from geometry, the same way for every source, and
split where a column gap interrupts them. A segment is one run of words of one line in one column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from statistics import median

from inference.schema import BBox, Word
from inference.text import fold

COLUMN_GAP_HEIGHTS = 2.2
"""A horizontal gap wider than this many word heights separates two segments of one line."""


@dataclass
class Segment:
    page: int
    words: list[Word] = field(default_factory=list)

    @cached_property
    def bbox(self) -> BBox:
        return BBox.union([w.bbox for w in self.words])

    @cached_property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @cached_property
    def folded(self) -> str:
        return fold(self.text)

    @property
    def confidence(self) -> float:
        return sum(w.confidence for w in self.words) / len(self.words)

    @property
    def is_upper(self) -> bool:
        letters = [c for c in self.text if c.isalpha()]
        return bool(letters) and sum(c.isupper() for c in letters) / len(letters) > 0.8


def group_lines(words: list[Word]) -> list[list[Word]]:
    """Words grouped into text lines, top to bottom, each line left to right.

    A word joins the line whose running centre is within 0.4 word heights of its own centre: centres,
    not box unions, so tight caps lines of a signature block do not merge, and words of any source
    (text layer, OCR, re-reads) group the same way.
    """
    lines: list[list[Word]] = []
    centres: list[float] = []
    for word in sorted(words, key=lambda w: (w.bbox.cy, w.bbox.x0)):
        for i in range(len(lines) - 1, max(-1, len(lines) - 6), -1):
            height = max(median(w.bbox.height for w in lines[i]), word.bbox.height)
            if abs(word.bbox.cy - centres[i]) < 0.4 * height:
                lines[i].append(word)
                centres[i] += (word.bbox.cy - centres[i]) / len(lines[i])
                break
        else:
            lines.append([word])
            centres.append(word.bbox.cy)
    ordered = sorted(zip(centres, lines, strict=True), key=lambda item: item[0])
    return [sorted(line, key=lambda w: w.bbox.x0) for _, line in ordered]


def _starts_motto(words: list[Word], i: int) -> bool:
    """The national motto ("CỘNG HÒA ...") or Party header opens the right column even when the issuer
    beside it leaves too narrow a gap to see the column break."""
    pair = " ".join(fold(w.text) for w in words[i : i + 2])
    return words[i].bbox.x0 > 0.3 and pair in ("cong hoa", "dang cong")


def split_columns(line: list[Word]) -> list[list[Word]]:
    height = median(w.bbox.height for w in line)
    runs = [[line[0]]]
    for i, (previous, word) in enumerate(zip(line, line[1:]), start=1):
        if word.bbox.x0 - previous.bbox.x1 > COLUMN_GAP_HEIGHTS * height or _starts_motto(line, i):
            runs.append([])
        runs[-1].append(word)
    return runs


def segments(words: list[Word], page: int) -> list[Segment]:
    """Segments of a page in reading order of lines (top to bottom, then left to right)."""
    found: list[Segment] = []
    for number, line in enumerate(group_lines(words)):
        for run in split_columns(line):
            found.append(Segment(page=page, words=[w.model_copy(update={"line": number}) for w in run]))
    return found


def assign_lines(words: list[Word]) -> list[Word]:
    """The same words with `line` numbered by geometry (for text layers and merged sources)."""
    return [w.model_copy(update={"line": n}) for n, line in enumerate(group_lines(words)) for w in line]
