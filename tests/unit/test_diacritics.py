"""inference.diacritics: OCR's lost and swapped Vietnamese marks restored with the syllable model
(models/artifacts/syllables/v1), and training.lexicon.build, which makes that model."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from inference.diacritics import DATA_FILE, DiacriticRestorer, channel_cost, spellable, split_token
from inference.schema import BBox, Word
from training.lexicon.build import build, file_corpus


@pytest.fixture(scope="module")
def restorer() -> DiacriticRestorer:
    return DiacriticRestorer()


def page(*lines: str, source: str = "ocr") -> list[Word]:
    """OCR words of a page, one text line per argument, boxes left to right."""
    words = []
    for n, line in enumerate(lines):
        for k, text in enumerate(line.split()):
            box = BBox(x0=0.05 + 0.07 * k, y0=0.1 + 0.03 * n, x1=0.11 + 0.07 * k, y1=0.12 + 0.03 * n)
            words.append(Word(text=text, bbox=box, confidence=0.9, source=source, line=n))
    return words


def text(words: list[Word]) -> str:
    return " ".join(w.text for w in words)


def test_fixes_lost_tone_in_context(restorer: DiacriticRestorer) -> None:
    assert restorer.restore_text("Sở Nội vụ đề xuât phương án sắp xếp") == "Sở Nội vụ đề xuất phương án sắp xếp"
    assert restorer.restore_text("Thông báo kêt luận của Ban Thường vụ") == "Thông báo kết luận của Ban Thường vụ"


@pytest.mark.parametrize(
    ("read", "meant"),
    [
        ("ban hành biêu mẫu báo cáo", "ban hành biểu mẫu báo cáo"),
        ("các đơn vị tông hợp kết quả", "các đơn vị tổng hợp kết quả"),
        ("chuyển đôi số và đôi mới sáng tạo", "chuyển đổi số và đổi mới sáng tạo"),
        ("công ty cô phần nhà nước", "công ty cổ phần nhà nước"),
        ("giải quyết các vân đê phát sinh", "giải quyết các vấn đề phát sinh"),
    ],
)
def test_fixes_the_usual_ocr_slips(restorer: DiacriticRestorer, read: str, meant: str) -> None:
    assert restorer.restore_text(read) == meant


def test_keeps_case_and_punctuation(restorer: DiacriticRestorer) -> None:
    assert restorer.restore_text("KÊT LUẬN CỦA BỘ CHÍNH TRỊ") == "KẾT LUẬN CỦA BỘ CHÍNH TRỊ"
    assert restorer.restore_text("Kêt quả (đề xuât), tháng 5") == "Kết quả (đề xuất), tháng 5"


def test_restore_words_in_reading_order(restorer: DiacriticRestorer) -> None:
    words = page("Ủy ban nhân dân tỉnh đề", "xuât phương án kêt hợp")
    shuffled = words[::-1]  # restore() follows line and x, not list order
    restored = restorer.restore(shuffled)
    assert [w.bbox for w in restored] == [w.bbox for w in shuffled]
    assert text(restored[::-1]) == "Ủy ban nhân dân tỉnh đề xuất phương án kết hợp"
    assert all(r.confidence == w.confidence and r.line == w.line for r, w in zip(restored, shuffled, strict=True))


def test_text_layer_words_are_never_touched(restorer: DiacriticRestorer) -> None:
    words = page("đề xuât phương án", source="text_layer")
    assert restorer.restore(words) == words


def test_leaves_correct_text_alone(restorer: DiacriticRestorer) -> None:
    correct = (
        "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư; "
        "Thủ trưởng các cơ quan, đơn vị chịu trách nhiệm trước Ủy ban nhân dân về kết quả thực hiện nhiệm vụ "
        "được giao. Tổng số hồ sơ tiếp nhận trong kỳ là 12.450 hồ sơ, trong đó hồ sơ trực tuyến chiếm 76%."
    )
    assert restorer.restore_text(correct) == correct


@pytest.mark.parametrize(
    "names",
    [
        "Người ký: Trần Cẩm Tú",
        "KT. CHỦ TỊCH PHÓ CHỦ TỊCH Nguyễn Văn Đông",
        "NGUYỄN THỊ HÀ",
        "Đồng chí Lê Khánh Toàn, Phạm Tất Thắng, Ngô Đông Hải",
        "huyện Gia Lâm, xã Tản Lĩnh",
    ],
)
def test_leaves_names_alone(restorer: DiacriticRestorer, names: str) -> None:
    assert restorer.restore_text(names) == names


def test_leaves_abbreviations_numbers_and_unknown_words_alone(restorer: DiacriticRestorer) -> None:
    kept = "UBND QĐ TW HĐND BCH 15/QĐ-UBND 383-QĐ/TW NĐ-CP ngày 05/3/2020 Covid xyzw"
    assert restorer.restore_text(kept) == kept
    assert restorer.restore_text("THÀNH PHÔ HÀ NỘI") == "THÀNH PHỐ HÀ NỘI"  # a vowel mark: a word, not initials


def test_phonotactic_rule() -> None:
    # A syllable ending in p, t, c or ch carries only the sắc or nặng tone.
    for impossible in ("xuât", "kêt", "bach", "hoc", "tâp", "viêc", "đươc", "xuầt", "kểt", "thàch"):
        assert not spellable(impossible)
    for possible in ("xuất", "kết", "bách", "học", "tập", "việc", "đi", "ban", "thành", "xuật"):
        assert spellable(possible)


def test_impossible_reading_is_always_fixed(restorer: DiacriticRestorer) -> None:
    # Even with no context at all: "xuât" cannot be Vietnamese, "xuất" is the likely syllable.
    assert restorer.restore_text("xuât") == "xuất"
    assert restorer.restore_text("kêt") == "kết"
    assert restorer.restore_text("Kêt") == "Kết"


def test_channel_prefers_the_usual_slip() -> None:
    from inference.diacritics import ChannelCosts

    costs = ChannelCosts()
    assert channel_cost("kết", "kết", costs) == 0
    assert channel_cost("kêt", "kết", costs) == costs.tone_lost
    assert channel_cost("ket", "kết", costs) == costs.tone_lost + costs.mod_lost
    # OCR drops marks more often than it invents them.
    assert channel_cost("kết", "ket", costs) > channel_cost("ket", "kết", costs)


def test_split_token() -> None:
    assert split_token("(kết),") == ("(", "kết", "),")
    assert split_token("15/QĐ-UBND") == ("", "15/QĐ-UBND", "")
    assert split_token("...") == ("...", "", "")


def test_fast_enough(restorer: DiacriticRestorer) -> None:
    line = "Các cơ quan đơn vị khẩn trương rà soát thống kê toàn bộ hồ sơ tài liệu đang quản lý và lập danh mục kêt"
    words = page(*[line] * 18)  # ~400 words
    assert len(words) >= 400
    restorer.restore(words)
    best = min(_timed(restorer, words) for _ in range(3))
    assert best < 0.1  # ~10 ms on one core; generous for a shared CI machine


def _timed(restorer: DiacriticRestorer, words: list[Word]) -> float:
    started = time.perf_counter()
    restorer.restore(words)
    return time.perf_counter() - started


def test_missing_artifact_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="training.lexicon.build"):
        DiacriticRestorer(tmp_path / "nothing")


SENTENCES = [
    "Các đơn vị đề xuất phương án và báo cáo kết quả thực hiện.",
    "Ủy ban nhân dân tỉnh kết luận: các đơn vị đề xuất kịp thời.",
    "Đề xuất kết luận của hội nghị được thông qua.",
]


def test_tiny_build_is_deterministic_and_usable(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    lines = [json.dumps({"id": str(i), "text": s}, ensure_ascii=False) for i, s in enumerate(SENTENCES)]
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    first = build(file_corpus([corpus]), tmp_path / "a", min_count=1, evaluate=False)
    second = build(file_corpus([corpus]), tmp_path / "b", min_count=1, evaluate=False)
    assert (tmp_path / "a" / DATA_FILE).read_bytes() == (tmp_path / "b" / DATA_FILE).read_bytes()
    assert first["data_file"] == second["data_file"]
    assert first["counts"]["distinct_syllables"] == len({w.lower().strip(".:,") for s in SENTENCES for w in s.split()})
    card = json.loads((tmp_path / "a" / "card.json").read_text(encoding="utf-8"))
    assert card["sources"]["corpus"]["sha256"] and card["code_sha256"]
    tiny = DiacriticRestorer(tmp_path / "a")
    assert tiny.restore_text("các đơn vị đề xuât") == "các đơn vị đề xuất"
