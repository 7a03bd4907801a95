"""From line roles to field values: which lines make a value, and the readers that validate them."""

from __future__ import annotations

import numpy as np

from inference.kie.lexicon import DocumentLexicon
from inference.kie.model import LayoutLMExtractor, Span, candidate_groups, runner_up_spans, second_choices
from inference.kie.rules import Found, RuleExtractor, is_recipient, list_items, subject_text
from inference.schema import BBox, Word


def line(role: str, text: str, x0: float, y0: float, prob: float = 0.9, page: int = 0) -> Span:
    """One line of `text` starting at (x0, y0), its words 0.06 wide, with the role the model gave it (lines
    numbered top to bottom, as `segments` numbers them)."""
    words = [Word(text=t, bbox=BBox(x0=x0 + 0.07 * i, y0=y0, x1=x0 + 0.07 * i + 0.06, y1=y0 + 0.015),
                  line=round(y0 * 100)) for i, t in enumerate(text.split())]
    return Span(role, page, words, [prob] * len(words))


def rules_for(spans: list[Span]) -> RuleExtractor:
    rules = RuleExtractor()
    rules.lexicon = DocumentLexicon([w.text for s in spans for w in s.words])
    return rules


def read(role: str, spans: list[Span]) -> dict[str, Found]:
    found: dict[str, Found] = {}
    LayoutLMExtractor._first_valid(rules_for(spans), role, candidate_groups(spans, role), found)
    return found


def test_a_number_line_split_by_a_handwriting_gap_is_read_as_one_line():
    spans = [line("number", "Số:", 0.15, 0.10), line("number", "15", 0.27, 0.101), line("number", "/QĐ-UBND", 0.33, 0.10)]
    assert len(candidate_groups(spans, "number")) == 1
    found = read("number", spans)
    assert found["number"].value == "15/QĐ-UBND" and found["number"].method == "layoutlm"
    assert found["code_number"].value == "15"


def test_when_the_best_candidate_does_not_validate_the_next_one_is_read():
    spans = [line("number", "Kính gửi", 0.15, 0.30, prob=0.95), line("number", "Số: 7/TB-UBND", 0.15, 0.10, prob=0.6)]
    assert candidate_groups(spans, "number")[0][0].segment.text == "Kính gửi"
    assert read("number", spans)["number"].value == "7/TB-UBND"
    assert read("issued_date", [line("issued_date", "Hà Nội, ngày 3 tháng 13 năm 2025", 0.5, 0.1)]) == {}


def test_the_issuer_block_is_split_by_the_organ_names_and_the_number_line_is_no_part_of_it():
    wrapped = [line("organ_name", "ỦY BAN NHÂN DÂN", 0.15, 0.05), line("parent_organ_name", "TỈNH QUẢNG NGÃI", 0.15, 0.07),
               line("organ_name", "Số: 23/BC-UBND", 0.15, 0.09)]
    found: dict[str, Found] = {}
    LayoutLMExtractor._issuer(rules_for(wrapped), wrapped, found)
    assert found["organ_name"].value == "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI" and "parent_organ_name" not in found

    parented = [line("parent_organ_name", "UBND THÀNH PHỐ ĐÀ NẴNG", 0.1, 0.05),
                line("parent_organ_name", "SỞ GIÁO DỤC VÀ ĐÀO TẠO", 0.1, 0.07)]
    found = {}
    LayoutLMExtractor._issuer(rules_for(parented), parented, found)
    assert found["parent_organ_name"].value == "UBND THÀNH PHỐ ĐÀ NẴNG"
    assert found["organ_name"].value == "SỞ GIÁO DỤC VÀ ĐÀO TẠO"


def test_candidates_on_an_earlier_page_and_confident_ones_come_first():
    spans = [line("signer_name", "Nguyễn Văn An", 0.6, 0.9, prob=0.99, page=1),
             line("signer_name", "Trần Thị Bình", 0.6, 0.9, prob=0.7, page=0),
             line("signer_name", "Lê Văn Cường", 0.6, 0.5, prob=0.3, page=0)]
    ranked = [g[0].segment.text for g in candidate_groups(spans, "signer_name")]
    assert ranked == ["Trần Thị Bình", "Nguyễn Văn An", "Lê Văn Cường"]
    assert read("signer_name", spans)["signer_name"].value == "Trần Thị Bình"


def test_second_choices_fill_a_missing_one_line_role_and_the_middle_of_a_subject():
    name = line("signer_name", "Vũ Thị Trang", 0.6, 0.89, prob=0.35)
    assert runner_up_spans(0, [name.segment], np.array([[0.65, 0.35]] * 3), ("O", "signer_name"))[0].field == "signer_name"
    assert runner_up_spans(0, [name.segment], np.array([[0.9, 0.1]] * 3), ("O", "signer_name")) == []
    number_first = np.array([[0.0, 0.35, 0.65]] * 3)  # a line the model reads as a number is no runner-up name
    assert runner_up_spans(0, [name.segment], number_first, ("O", "signer_name", "number")) == []
    assert second_choices([], [name]) == [name]
    assert second_choices([line("signer_name", "Lê Văn An", 0.6, 0.7)], [name]) == []  # the role has a line

    subject = [line("subject", "Kết luận của Phó Chủ tịch", 0.2, 0.200), line("subject", "trong thời gian đến", 0.2, 0.257)]
    middle = [line("subject", "MTV Đầu tư, Xây dựng", 0.2, 0.237, 0.46), line("subject", "báo cáo về tình hình", 0.2, 0.218, 0.34)]
    far = line("subject", "Cơn bão số 3", 0.2, 0.5, 0.4)
    assert second_choices(subject, [*middle, far]) == middle
    [group] = candidate_groups([*subject, *middle], "subject")
    assert [s.segment.text for s in group] == [
        "Kết luận của Phó Chủ tịch", "báo cáo về tình hình", "MTV Đầu tư, Xây dựng", "trong thời gian đến"]


def test_list_lines_become_addressees_and_a_stamp_beside_the_list_is_none():
    lines = ["Nơi nhận:", "- Sở Nội vụ;", "HỎA TỐC", "- Sở Tài chính thành phố", "Hà Nội;", "- Lưu: VT."]
    assert [i for i in list_items(lines) if is_recipient(i)] == ["Sở Nội vụ", "Sở Tài chính thành phố Hà Nội"]


def test_a_subject_starts_at_its_marker_when_debris_comes_before_it():
    assert subject_text("#RUNG2M BA +4 0.NG Về việc tăng cường công tác") == "Về việc tăng cường công tác"
    assert subject_text("V/v góp ý dự thảo") == "góp ý dự thảo"
