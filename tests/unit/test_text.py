"""inference.text: the one normalisation every matcher, evaluator and index relies on."""

from __future__ import annotations

import unicodedata

import pytest

from inference.text import fold, normalize, strip_accents


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # Old-style tone placement is moved, but only at the end of a syllable.
        ("hoà", "hòa"),
        ("Hoà Bình", "Hòa Bình"),
        ("HOÀ", "HÒA"),
        ("khoẻ", "khỏe"),
        ("thuỷ lợi", "thủy lợi"),
        ("Thuý", "Thúy"),
        ("UỶ BAN", "ỦY BAN"),
        ("Uỷ ban", "Ủy ban"),
        ("hoà.", "hòa."),
        # Not at the end of a syllable: unchanged.
        ("Hoàng", "Hoàng"),
        ("hoàn thành", "hoàn thành"),
        ("HOÀNG", "HOÀNG"),
        # After "q" the "u" is part of the consonant: "quý" is already right.
        ("quý", "quý"),
        ("QUÝ", "QUÝ"),
        ("Quỳnh", "Quỳnh"),
        # Already in the new placement: unchanged.
        ("tòa án", "tòa án"),
        ("ủy ban", "ủy ban"),
    ],
)
def test_tone_placement(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_nfc_composition() -> None:
    decomposed = unicodedata.normalize("NFD", "Quyết định Ủy ban")
    assert decomposed != "Quyết định Ủy ban"
    assert normalize(decomposed) == "Quyết định Ủy ban"
    assert unicodedata.is_normalized("NFC", normalize(decomposed))


def test_nfd_old_tone_placement_is_normalised_too() -> None:
    # Decomposed input must reach the tone rule already composed.
    assert normalize(unicodedata.normalize("NFD", "UỶ BAN hoà")) == "ỦY BAN hòa"


def test_cyrillic_lookalikes_become_latin() -> None:
    cyrillic = "NĐ-\u0421\u0420"  # "NĐ-СР" with Cyrillic Es and Er, as found in real source texts
    assert cyrillic != "NĐ-CP"
    assert normalize(cyrillic) == "NĐ-CP"
    assert normalize("\u0410\u0412\u0415\u041d\u041a\u041c\u041e\u0422\u0425") == "ABEHKMOTX"
    assert normalize("\u0430\u0435\u043e\u0440\u0441\u0443\u0445") == "aeopcyx"


def test_eth_becomes_vietnamese_d() -> None:
    assert normalize("\u00d0ẢNG") == "ĐẢNG"
    assert normalize("\u00f0ồng") == "đồng"
    assert fold("\u00d0ảng") == "dang"


@pytest.mark.parametrize("dash", ["\u2013", "\u2014", "\u2012", "\u2212"])
def test_dashes_become_hyphens(dash: str) -> None:
    assert normalize(f"Độc lập {dash} Tự do") == "Độc lập - Tự do"
    assert normalize(f"QĐ{dash}UBND") == "QĐ-UBND"


def test_soft_hyphen_removed_and_whitespace_folded() -> None:
    assert normalize("Quy\u00adết  định\n\tsố\u00a012 ") == "Quyết định số 12"


def test_strip_accents_and_d() -> None:
    assert strip_accents("Đảng Cộng sản Việt Nam") == "Dang Cong san Viet Nam"
    assert strip_accents("đ") == "d"


def test_fold_is_lower_accent_free_and_normalised() -> None:
    assert fold("ỦY BAN NHÂN DÂN") == "uy ban nhan dan"
    assert fold("UỶ  BAN") == fold("Ủy ban") == "uy ban"
    assert fold("NĐ-\u0421\u0420") == "nd-cp"
    assert fold("Số: 12/QĐ–UBND") == "so: 12/qd-ubnd"


def test_normalize_is_idempotent() -> None:
    samples = ["UỶ BAN NHÂN DÂN TỈNH", "hoà", "NĐ-\u0421\u0420", "a \u2013 b", "Hoàng quý"]
    for text in samples:
        once = normalize(text)
        assert normalize(once) == once
