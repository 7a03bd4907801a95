"""inference.layout: words -> lines -> segments, on hand-made page geometry."""

from __future__ import annotations

import random

from inference.layout import assign_lines, group_lines, segments, split_columns
from inference.schema import BBox, Word

CHAR = 0.0085
"""Width of one character, as a share of the page width (13 pt caps on A4)."""
HEIGHT = 0.014


def line_words(text: str, y: float, x0: float, height: float = HEIGHT, gap: float = CHAR) -> list[Word]:
    """`text` laid out from x0 at top y: one Word per token, one character width between them."""
    words, x = [], x0
    for token in text.split():
        words.append(Word(text=token, bbox=BBox(x0=x, y0=y, x1=x + len(token) * CHAR, y1=y + height)))
        x += len(token) * CHAR + gap
    return words


def texts(lines: list[list[Word]]) -> list[str]:
    return [" ".join(w.text for w in line) for line in lines]


def test_header_columns_on_one_line_become_two_segments() -> None:
    issuer = line_words("ỦY BAN NHÂN DÂN", 0.06, 0.12)
    motto = line_words("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 0.0605, 0.45)
    segs = segments(issuer + motto, page=0)
    assert [s.text for s in segs] == ["ỦY BAN NHÂN DÂN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"]
    # One line, two segments: the same line number, the left one first.
    assert segs[0].words[0].line == segs[1].words[0].line
    assert segs[0].bbox.x1 < segs[1].bbox.x0
    assert all(s.page == 0 for s in segs)


def test_motto_starts_a_segment_even_after_a_narrow_gap() -> None:
    # A long issuer line leaves less than a column gap before the motto.
    issuer = line_words("ĐẢNG BỘ THÀNH PHỐ HÀ NỘI", 0.06, 0.12)
    motto = line_words("CỘNG HÒA XÃ HỘI", 0.06, issuer[-1].bbox.x1 + 1.5 * CHAR)
    assert motto[0].bbox.x0 - issuer[-1].bbox.x1 < 2.2 * HEIGHT  # narrower than a column gap
    assert motto[0].bbox.x0 > 0.3
    segs = segments(issuer + motto, page=0)
    assert [s.text for s in segs] == ["ĐẢNG BỘ THÀNH PHỐ HÀ NỘI", "CỘNG HÒA XÃ HỘI"]


def test_party_motto_starts_a_segment_too() -> None:
    issuer = line_words("THÀNH ỦY HÀ NỘI", 0.06, 0.2)
    motto = line_words("ĐẢNG CỘNG SẢN VIỆT NAM", 0.06, issuer[-1].bbox.x1 + 1.5 * CHAR)
    assert [s.text for s in segments(issuer + motto, 0)] == ["THÀNH ỦY HÀ NỘI", "ĐẢNG CỘNG SẢN VIỆT NAM"]


def test_cong_hoa_inside_the_left_column_does_not_split() -> None:
    # "Cộng hòa" in body text near the left margin is not the motto.
    words = line_words("nước Cộng hòa xã hội chủ nghĩa Việt Nam", 0.5, 0.12)
    assert len(split_columns(words)) == 1


def test_narrow_gaps_stay_in_one_segment() -> None:
    words = line_words("Số: 15/QĐ-UBND", 0.15, 0.2, gap=2.0 * HEIGHT)
    assert len(split_columns(words)) == 1
    words = line_words("Số: 15/QĐ-UBND", 0.15, 0.2, gap=2.5 * HEIGHT)
    assert len(split_columns(words)) == 2


def test_tight_signature_lines_do_not_merge() -> None:
    # Caps lines of a signature block, boxes overlapping vertically (ascenders and descenders):
    # a box-union rule would merge them, the centre rule must not.
    first = line_words("KT. CHỦ TỊCH", 0.700, 0.6, height=0.018)
    second = line_words("PHÓ CHỦ TỊCH", 0.712, 0.6, height=0.018)
    assert first[0].bbox.y1 > second[0].bbox.y0  # the boxes do overlap
    lines = group_lines(second + first)
    assert texts(lines) == ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]


def test_words_of_a_line_with_jitter_group_into_one_line() -> None:
    words = line_words("Hà Nội, ngày 05 tháng 01 năm 2020", 0.15, 0.5)
    jittered = [w.model_copy(update={"bbox": w.bbox.model_copy(update={"y0": w.bbox.y0 + d, "y1": w.bbox.y1 + d})})
                for w, d in zip(words, [0.0, 0.002, -0.002, 0.003, 0.001, -0.001, 0.002, 0.0], strict=True)]
    lines = group_lines(jittered)
    assert texts(lines) == ["Hà Nội, ngày 05 tháng 01 năm 2020"]


def test_lines_top_to_bottom_words_left_to_right_whatever_the_input_order() -> None:
    page = (line_words("QUYẾT ĐỊNH", 0.20, 0.45) + line_words("Về việc ban hành quy chế", 0.22, 0.35)
            + line_words("Căn cứ Luật Tổ chức chính quyền địa phương;", 0.26, 0.15))
    shuffled = page[:]
    random.Random(4).shuffle(shuffled)
    assert texts(group_lines(shuffled)) == [
        "QUYẾT ĐỊNH", "Về việc ban hành quy chế", "Căn cứ Luật Tổ chức chính quyền địa phương;",
    ]


def test_assign_lines_numbers_lines_by_geometry() -> None:
    words = line_words("PHÓ CHỦ TỊCH", 0.72, 0.6) + line_words("KT. CHỦ TỊCH", 0.70, 0.6)
    numbered = assign_lines(words)
    by_line: dict[int, list[str]] = {}
    for w in numbered:
        by_line.setdefault(w.line, []).append(w.text)
    assert sorted(by_line.values()) == sorted([["KT.", "CHỦ", "TỊCH"], ["PHÓ", "CHỦ", "TỊCH"]])
    top = next(w.line for w in numbered if w.text == "KT.")
    bottom = next(w.line for w in numbered if w.text == "PHÓ")
    assert top < bottom
    # The input words are not modified (copies).
    assert all(w.line == 0 for w in words)


def test_segment_properties() -> None:
    words = [w.model_copy(update={"confidence": c}) for w, c in
             zip(line_words("ỦY BAN NHÂN DÂN", 0.06, 0.12), [0.9, 0.7, 0.8, 0.6], strict=True)]
    seg = segments(words, page=3)[0]
    assert seg.page == 3
    assert seg.text == "ỦY BAN NHÂN DÂN"
    assert seg.folded == "uy ban nhan dan"
    assert seg.is_upper
    assert abs(seg.confidence - 0.75) < 1e-9
    assert seg.bbox == BBox(x0=words[0].bbox.x0, y0=0.06, x1=words[-1].bbox.x1, y1=0.06 + HEIGHT)
    lower = segments(line_words("Về việc ban hành", 0.2, 0.3), 0)[0]
    assert not lower.is_upper
    assert segments(line_words("12/QĐ-UBND", 0.2, 0.3), 0)[0].is_upper  # letters only counted
    assert not segments(line_words("123 456", 0.2, 0.3), 0)[0].is_upper  # no letters at all
