"""Classification: issuer level from the issuer lines, successor units from a unit table."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from inference.governance.classify import classify, issuer_level
from inference.governance.units import UnitTable, UnitTableError, read_links
from inference.schema import Fields, Level

TABLE = """old_code,old_name,old_district,new_code,new_name,share
00001,Phường Phúc Xá,Quận Ba Đình,00097,Phường Hồng Hà,full
00004,Phường Trúc Bạch,Quận Ba Đình,00004,Phường Ba Đình,full
09859,Xã Sơn Đồng,Huyện Hoài Đức,09871,Xã Sơn Đồng,full
09880,Xã Sơn Đông,Thị xã Sơn Tây,09900,Phường Tùng Thiện,partial
09880,Xã Sơn Đông,Thị xã Sơn Tây,09901,Xã Đoài Phương,remainder
"""


@pytest.fixture
def units(tmp_path: Path) -> UnitTable:
    path = tmp_path / "hanoi_successors.csv"
    path.write_text(TABLE, encoding="utf-8")
    return UnitTable.from_dir(tmp_path)


@pytest.mark.parametrize(
    ("organ", "parent", "level", "unit"),
    [
        ("ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI", None, Level.CITY, "Thành phố Hà Nội"),
        ("ỦY BAN NHÂN DÂN QUẬN BA ĐÌNH", None, Level.DISTRICT, "Quận Ba Đình"),
        ("UBND THÀNH PHỐ QUẢNG NGÃI", None, Level.DISTRICT, "Thành phố Quảng Ngãi"),  # a provincial city
        ("ỦY BAN NHÂN DÂN PHƯỜNG PHÚC XÁ", "UBND QUẬN BA ĐÌNH", Level.COMMUNE, "Phường Phúc Xá"),
        ("PHÒNG NỘI VỤ", "UBND HUYỆN CHƯƠNG MỸ", Level.DISTRICT, "Huyện Chương Mỹ"),
        ("HUYỆN ỦY ỨNG HÒA", "ĐẢNG BỘ THÀNH PHỐ HÀ NỘI", Level.DISTRICT, "Huyện Ứng Hòa"),
        ("ĐẢNG ỦY XÃ BÁT TRÀNG", "ĐẢNG BỘ HUYỆN GIA LÂM", Level.COMMUNE, "Xã Bát Tràng"),
        ("ỦY BAN KIỂM TRA", "THÀNH ỦY HÀ NỘI", Level.CITY, "Thành phố Hà Nội"),
        ("HỘI NÔNG DÂN THỊ XÃ SƠN TÂY", "BAN CHẤP HÀNH", Level.DISTRICT, "Thị xã Sơn Tây"),
        ("BCH Đoàn TP Hà Nội", None, Level.CITY, "Thành phố Hà Nội"),
        ("BỘ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI", None, Level.CENTRAL, None),
        ("SỞ GIÁO DỤC VÀ ĐÀO TẠO", None, Level.CITY, None),
    ],
)
def test_issuer_level(organ: str, parent: str | None, level: Level, unit: str | None) -> None:
    found_level, found_unit, _ = issuer_level(organ, parent)
    assert (found_level, found_unit) == (level, unit)


def test_a_merged_commune_gets_its_successor(units: UnitTable) -> None:
    fields = Fields(organ_name="ỦY BAN NHÂN DÂN PHƯỜNG PHÚC XÁ", issued_date=date(2020, 5, 4), block="government")
    result = classify(fields, units)
    assert result.level == Level.COMMUNE and result.warnings == []
    assert [s.name for s in result.successors] == ["Phường Hồng Hà"]


def test_names_that_differ_only_by_marks_are_different_units(units: UnitTable) -> None:
    dong = classify(Fields(organ_name="UBND XÃ SƠN ĐỒNG", issued_date=date(2019, 1, 1)), units)
    dong_other = classify(Fields(organ_name="UBND XÃ SƠN ĐÔNG", issued_date=date(2019, 1, 1)), units)
    assert [s.name for s in dong.successors] == ["Xã Sơn Đồng"]
    assert [(s.name, s.share) for s in dong_other.successors] == [("Phường Tùng Thiện", "partial"),
                                                                   ("Xã Đoài Phương", "remainder")]


def test_an_abolished_district_passes_to_the_units_on_its_territory(units: UnitTable) -> None:
    result = classify(Fields(organ_name="ỦY BAN NHÂN DÂN QUẬN BA ĐÌNH", issued_date=date(2021, 1, 1)), units)
    assert [(s.name, s.share) for s in result.successors] == [
        ("Phường Hồng Hà", "functions"), ("Phường Ba Đình", "functions")]
    assert any("district level was abolished" in w for w in result.warnings)


def test_documents_issued_after_the_reorganisation_have_no_successor(units: UnitTable) -> None:
    result = classify(Fields(organ_name="ỦY BAN NHÂN DÂN PHƯỜNG HỒNG HÀ", issued_date=date(2025, 8, 1)), units)
    assert result.level == Level.COMMUNE and result.successors == [] and result.warnings == []


def test_without_a_table_the_level_still_works_and_the_successor_is_unknown() -> None:
    result = classify(Fields(organ_name="ỦY BAN NHÂN DÂN PHƯỜNG PHÚC XÁ", issued_date=date(2020, 5, 4)), None)
    assert result.level == Level.COMMUNE and result.successors == []
    assert result.warnings == ["no unit conversion table is loaded: successor unit unknown"]


def test_a_file_that_is_not_a_unit_table_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("code,name\n01,Hà Nội\n", encoding="utf-8")
    with pytest.raises(UnitTableError, match="missing columns: old_code, old_name, new_code, new_name"):
        read_links(path)
