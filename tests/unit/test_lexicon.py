"""inference.kie.lexicon: diacritics restored from the document itself and from closed vocabularies."""

from __future__ import annotations

import pytest

from inference.kie.lexicon import DocumentLexicon, canonical_name, canonical_organ, canonical_position

BODY = (
    "Ủy ban nhân dân tỉnh Quảng Ngãi ban hành Kế hoạch thực hiện công tác cải cách hành chính "
    "trên địa bàn tỉnh Quảng Ngãi năm 2025. Các sở, ban, ngành của tỉnh Quảng Ngãi thực hiện."
)


@pytest.fixture(scope="module")
def lexicon() -> DocumentLexicon:
    header = "ỦY BAN NHÂN DÂN TĨNH QUANG NGAI".split()  # capitals are left out of the lexicon
    return DocumentLexicon(header + BODY.split())


def test_restore_from_body_words(lexicon: DocumentLexicon) -> None:
    assert lexicon.restore("TĨNH QUANG NGAI") == "TỈNH QUẢNG NGÃI"
    assert lexicon.restore("ỦY BAN NHÂN DÂN TĨNH QUANG NGAI") == "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI"


def test_restore_keeps_case(lexicon: DocumentLexicon) -> None:
    assert lexicon.restore("Tĩnh Quang Ngai") == "Tỉnh Quảng Ngãi"
    assert lexicon.restore("tinh quang ngai") == "tỉnh quảng ngãi"


def test_restore_leaves_unknown_words(lexicon: DocumentLexicon) -> None:
    assert lexicon.restore("SỞ TƯ PHÁP") == "SỞ TƯ PHÁP"
    assert lexicon.restore("") == ""


def test_capitals_are_not_learnt() -> None:
    lexicon = DocumentLexicon("TĨNH QUANG NGAI".split())
    assert lexicon.unigrams == {}
    assert lexicon.restore("TINH QUANG NGAI") == "TINH QUANG NGAI"


def test_misread_word_is_restored_from_a_near_form() -> None:
    # "NGAAI" is no Vietnamese syllable (doubled vowel): the form one edit away, seen twice, is used.
    lexicon = DocumentLexicon(BODY.split())
    assert lexicon.restore("NGAAI") == "NGÃI"


def test_canonical_position_fixes_known_positions(lexicon: DocumentLexicon) -> None:
    assert canonical_position("PHO CHU TỊCH", lexicon) == "PHÓ CHỦ TỊCH"
    assert canonical_position("KT. CHU TỊCH", lexicon) == "KT. CHỦ TỊCH"
    assert canonical_position("KT.CHỦ TỊCH", lexicon) == "KT. CHỦ TỊCH"
    assert canonical_position("Kt. Chủ tịch", lexicon) == "KT. CHỦ TỊCH"
    assert canonical_position("TL. CHANH VAN PHONG", lexicon) == "TL. CHÁNH VĂN PHÒNG"
    assert canonical_position("TM. ỦY BAN NHÂN DÂN", lexicon) == "TM. ỦY BAN NHÂN DÂN"
    assert canonical_position("TM. BAN THUONG VU", lexicon) == "TM. BAN THƯỜNG VỤ"
    assert canonical_position("GIÁM ĐỐC", lexicon) == "GIÁM ĐỐC"


def test_canonical_position_of_a_longer_line_restores_from_the_document(lexicon: DocumentLexicon) -> None:
    # Not in the closed list, but starts with a position: its words are restored from the document.
    assert canonical_position("CHỦ TỊCH UBND TĨNH QUANG NGAI", lexicon) == "CHỦ TỊCH UBND TỈNH QUẢNG NGÃI"


@pytest.mark.parametrize("noise", ["SN", "Ầ", "", "#4", "Kính gửi", "Nguyễn Văn An"])
def test_canonical_position_drops_noise_lines(lexicon: DocumentLexicon, noise: str) -> None:
    assert canonical_position(noise, lexicon) is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Trân Văn An", "Trần Văn An"),
        ("Nguyen Thị Hoa", "Nguyễn Thị Hoa"),
        ("NGUYEN VĂN AN", "Nguyễn VĂN AN"),
        ("Lê Văn Tám", "Lê Văn Tám"),
        ("Đăng Minh Châu", "Đặng Minh Châu"),
        ("Vo Thi Sau", "Võ Thi Sau"),  # only the surname comes from the closed list
    ],
)
def test_canonical_name_fixes_the_surname(name: str, expected: str) -> None:
    assert canonical_name(name) == expected


def test_canonical_name_fixes_only_the_first_surname() -> None:
    assert canonical_name("Trân Văn Lê") == "Trần Văn Lê"
    assert canonical_name("văn thư") == "văn thư"  # lower case: no name


@pytest.mark.parametrize("name", ["Lã Văn Tâm", "Chử Xuân Định"])
def test_canonical_name_keeps_a_correct_surname_missing_from_the_list(name: str) -> None:
    assert canonical_name(name) == name


def test_canonical_organ_spells_standard_words(lexicon: DocumentLexicon) -> None:
    assert canonical_organ("UY BAN NHAN DAN TĨNH QUANG NGAI", lexicon) == "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI"
    assert canonical_organ("SO GIAO DUC VA ĐAO TAO", lexicon) == "SỞ GIÁO DỤC VÀ ĐÀO TẠO"
    assert canonical_organ("SỐ NỘI VỤ", lexicon) == "SỞ NỘI VỤ"  # "SỞ"/"SỐ": a name starts with SỞ
    assert canonical_organ("UBND QUAN HOÀN KIẾM", lexicon) == "UBND QUẬN HOÀN KIẾM"
    assert canonical_organ("ĐANG BỘ THANH PHO HA NOI", lexicon) == "ĐẢNG BỘ THÀNH PHỐ HÀ NỘI"


def test_canonical_organ_leaves_heads_inside_names() -> None:
    # "SO" after an ordinary word is not turned into "SỞ" (it may be "SỐ", "SƠ"); no document words here.
    empty = DocumentLexicon([])
    assert canonical_organ("TRUNG TAM SO HOA", empty) == "TRUNG TÂM SO HOA"
    assert canonical_organ("UBND HUYEN BA VI", empty) == "UBND HUYỆN BA VI"


def test_canonical_organ_keeps_dan_phuong() -> None:
    assert canonical_organ("ĐẢNG ỦY XÃ ĐAN PHƯỢNG", DocumentLexicon([])) == "ĐẢNG ỦY XÃ ĐAN PHƯỢNG"


def test_canonical_organ_drops_stray_full_stops_but_keeps_abbreviations() -> None:
    empty = DocumentLexicon([])
    assert canonical_organ("ỦY BAN NHÂN. DÂN QUẬN. HOÀN KIẾM", empty) == "ỦY BAN NHÂN DÂN QUẬN HOÀN KIẾM"
    assert canonical_organ("UBND TP. HÀ NỘI", empty) == "UBND TP. HÀ NỘI"
