"""eval.metrics: the scoring conventions every evaluation shares."""

from __future__ import annotations

from datetime import date

import pytest

from eval.metrics import LayoutBox, canonical, cer, exact, iou, layout_map, word_f1
from inference.schema import BBox, Block


def test_number_keeps_case_and_drops_spaces() -> None:
    assert canonical("number", "12 / QĐ-UBND") == "12/QĐ-UBND"
    assert canonical("number", " 12/QĐ–UBND ") == "12/QĐ-UBND"  # en dash is a hyphen
    assert exact("number", "12 /QĐ-UBND", "12/QĐ-UBND")
    assert not exact("number", "12/qđ-ubnd", "12/QĐ-UBND")  # case matters in a symbol
    assert not exact("number", "12/QĐ-UBND", "21/QĐ-UBND")
    assert exact("number", "15/NĐ-\u0421\u0420", "15/NĐ-CP")  # Cyrillic look-alikes


def test_other_fields_fold_case_and_whitespace() -> None:
    assert canonical("organ_name", "ỦY BAN NHÂN DÂN  TỈNH") == "ủy ban nhân dân tỉnh"
    assert exact("organ_name", "Ủy ban nhân dân tỉnh Quảng Ngãi", "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI")
    assert exact("signer_name", "nguyễn văn an", "Nguyễn Văn An")
    # Diacritics are not folded: a wrong mark is a wrong value.
    assert not exact("organ_name", "UY BAN NHAN DAN", "ỦY BAN NHÂN DÂN")
    assert not exact("organ_name", "ĐẢNG BỘ QUẬN HẠ ĐỘNG", "ĐẢNG BỘ QUẬN HÀ ĐÔNG")
    # Spaces inside names still count.
    assert not exact("organ_name", "UBNDTỈNH", "UBND TỈNH")


def test_tone_placement_is_one_convention() -> None:
    assert exact("organ_name", "UỶ BAN NHÂN DÂN", "ỦY BAN NHÂN DÂN")
    assert exact("place", "Hoà Bình", "Hòa Bình")
    assert not exact("place", "Hoàng Mai", "Hòang Mai")


@pytest.mark.parametrize("prefix", ["V/v ", "v/v ", "V/V: ", "Về việc ", "về việc: ", "VỀ VIỆC "])
def test_subject_ignores_a_leading_vv(prefix: str) -> None:
    assert canonical("subject", prefix + "Tăng cường quản lý") == "tăng cường quản lý"
    assert exact("subject", prefix + "tăng cường quản lý", "Tăng cường quản lý")


def test_vv_is_only_ignored_in_subject_and_at_the_start() -> None:
    assert canonical("type_name", "V/v abc") == "v/v abc"
    assert canonical("subject", "Báo cáo về việc abc") == "báo cáo về việc abc"


def test_missing_values_are_none() -> None:
    for empty in (None, "", []):
        assert canonical("subject", empty) is None
    assert exact("number", None, None)
    assert exact("number", "", None)
    assert not exact("number", "12/QĐ-UBND", None)
    assert not exact("number", None, "12/QĐ-UBND")


def test_lists_dates_and_enums() -> None:
    assert canonical("recipients", ["Sở Nội vụ", "UBND các phường"]) == "sở nội vụ; ubnd các phường"
    assert exact("issued_date", date(2020, 1, 5), "2020-01-05")
    assert not exact("issued_date", date(2020, 1, 5), date(2020, 5, 1))
    assert exact("block", Block.PARTY, "party")
    assert not exact("block", Block.PARTY, Block.GOVERNMENT)


def test_cer() -> None:
    assert cer("abc", "abc") == 0.0
    assert cer("abd", "abc") == pytest.approx(1 / 3)
    assert cer("ab", "abcd") == pytest.approx(0.5)
    assert cer(None, "abc") == 1.0
    assert cer("", "abc") == 1.0
    assert cer("a much longer prediction", "abc") == 1.0  # capped
    assert cer(None, None) == 0.0 and cer("", "") == 0.0
    assert cer("x", "") == 1.0  # something predicted where there is nothing
    # Diacritics are characters: a lost mark is an error.
    assert cer("Quyet", "Quyết") == pytest.approx(1 / 5)


def test_word_f1() -> None:
    assert word_f1("Quyết định số 12", "quyết định số 12") == 1.0
    assert word_f1("số 12 Quyết định", "Quyết định số 12") == 1.0  # order-free
    assert word_f1("a b c", "a b d") == pytest.approx(2 / 3)
    assert word_f1("a a b", "a b") == pytest.approx(0.8)  # multiset: the second "a" is extra
    assert word_f1("x y", "a b") == 0.0
    assert word_f1("", "") == 1.0
    assert word_f1("a", "") == 0.0 and word_f1("", "a") == 0.0


def test_word_f1_with_and_without_diacritics() -> None:
    assert word_f1("Quyet dinh", "Quyết định") == 0.0
    assert word_f1("Quyet dinh", "Quyết định", diacritics=False) == 1.0
    assert word_f1("Quyết đinh", "Quyết định") == pytest.approx(0.5)
    assert word_f1("Quyết đinh", "Quyết định", diacritics=False) == 1.0
    assert word_f1("UỶ BAN", "ủy ban") == 1.0  # normalised before comparing


def box(label: str, x0: float, y0: float, x1: float, y1: float, score: float = 1.0, page: str = "p1") -> LayoutBox:
    return LayoutBox(page=page, label=label, bbox=BBox(x0=x0, y0=y0, x1=x1, y1=y1), score=score)


def test_iou() -> None:
    a = BBox(x0=0, y0=0, x1=0.2, y1=0.2)
    assert iou(a, a) == pytest.approx(1.0)
    assert iou(a, BBox(x0=0.1, y0=0, x1=0.3, y1=0.2)) == pytest.approx(1 / 3)
    assert iou(a, BBox(x0=0.5, y0=0.5, x1=0.6, y1=0.6)) == 0.0


def test_layout_map_perfect_shifted_and_missed() -> None:
    truth = [box("title", 0.1, 0.1, 0.5, 0.2), box("seal", 0.6, 0.7, 0.8, 0.9),
             box("title", 0.1, 0.1, 0.5, 0.2, page="p2")]
    assert layout_map(truth, truth).map == 1.0
    # Shifted by 0.11 of its 0.4 width: IoU 0.57, a hit at 0.50 and 0.55 only: AP 2/10 for the class.
    shifted = [box("title", 0.21, 0.1, 0.61, 0.2), box("title", 0.21, 0.1, 0.61, 0.2, page="p2"), truth[1]]
    score = layout_map(shifted, truth)
    assert score.per_class["title"] == pytest.approx(0.2, abs=0.01) and score.per_class["seal"] == 1.0
    assert score.map50 == 1.0 and score.map75 == pytest.approx(0.5)
    missed = layout_map(truth[:1], truth)
    assert missed.per_class["seal"] == 0.0 and missed.per_class["title"] == pytest.approx(0.5, abs=0.01)
    assert layout_map([], truth).map == 0.0


def test_layout_map_ranks_by_score_and_matches_once() -> None:
    truth = [box("body", 0.1, 0.3, 0.9, 0.8)]
    confident_miss = [box("body", 0.0, 0.0, 0.1, 0.1, score=0.9), box("body", 0.1, 0.3, 0.9, 0.8, score=0.5)]
    assert layout_map(confident_miss, truth).map == pytest.approx(0.5, abs=0.01)
    duplicate = [box("body", 0.1, 0.3, 0.9, 0.8, score=0.9), box("body", 0.1, 0.3, 0.9, 0.8, score=0.8)]
    assert layout_map(duplicate, truth).map == 1.0  # the duplicate comes after full recall
    other_page = [box("body", 0.1, 0.3, 0.9, 0.8, page="p9")]
    assert layout_map(other_page, truth).map == 0.0
    assert "stamps" not in layout_map([box("stamps", 0, 0, 1, 1)], truth).per_class
