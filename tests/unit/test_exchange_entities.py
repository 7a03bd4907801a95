"""Entity recognisers, masking of personal data and the file-based register connector; one test reads a
rendered scan with the real pipeline."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from inference.exchange.entities import UnitTable, citizen_id_attributes, recognise, tax_code_is_valid
from inference.exchange.masking import mask_document, mask_links, mask_text
from inference.exchange.registers import REGISTER_CONNECTORS, CheckStatus, check_link
from inference.exchange.standard import StandardDocument
from inference.io import inspect_document
from inference.options import PipelineOptions
from inference.pipeline import extract_pages
from inference.schema import BBox, EntityKind, EntityLink, Evidence, Fields, Page, PageKind, Word

TODAY = date(2026, 11, 21)
UNITS = UnitTable({"00004": "Phường Ba Đình", "37": "Tỉnh Ninh Bình", "00070": "Phường Hoàn Kiếm"})


def page(*lines: str, index: int = 0) -> Page:
    """Each line at its own height, each word 0.05 wide."""
    words = [
        Word(
            text=text,
            bbox=BBox(x0=0.05 * i, y0=0.05 * n, x1=0.05 * i + 0.04, y1=0.05 * n + 0.02),
            confidence=0.9,
            line=n,
        )
        for n, line in enumerate(lines)
        for i, text in enumerate(line.split())
    ]
    return Page(index=index, kind=PageKind.SCANNED, width=1654, height=2339, words=words)


def box(link: EntityLink) -> tuple[float, float, float, float]:
    return (link.bbox.x0, link.bbox.y0, link.bbox.x1, link.bbox.y1)


def found(*lines: str) -> dict[tuple[EntityKind, str], EntityLink]:
    return {(link.kind, link.normalized): link for link in recognise([page(*lines)], units=UNITS, today=TODAY)}


def test_citizen_id_is_checked_and_read() -> None:
    assert citizen_id_attributes("001203012345", TODAY) == {
        "province_code": "001",
        "province": "Hà Nội",
        "sex": "male",
        "birth_year": "2003",
    }
    assert citizen_id_attributes("037185000123", TODAY)["sex"] == "female"
    assert citizen_id_attributes("003203012345", TODAY) is None  # 003 is no province's code
    assert citizen_id_attributes("001299012345", TODAY) is None  # born in 2099


def test_citizen_id_in_a_line_with_its_box_and_cue() -> None:
    links = found("Bà Trần Thị Mai, số CCCD: 001203012345 cấp ngày 01/02/2021", "mã 079090000001 đính kèm")
    cued = links[(EntityKind.CITIZEN_ID, "001203012345")]
    assert cued.value == "001203012345" and cued.page == 0
    assert box(cued) == pytest.approx((0.3, 0.0, 0.34, 0.02))  # the one word of the number
    assert cued.confidence == pytest.approx(0.95 * 0.9)
    assert links[(EntityKind.CITIZEN_ID, "079090000001")].confidence == pytest.approx(0.7 * 0.9)
    assert not any(kind == EntityKind.CITIZEN_ID and value.startswith("0102") for kind, value in links)


def test_tax_codes_need_their_check_digit() -> None:
    assert tax_code_is_valid("0100109106") and tax_code_is_valid("0100109106-001")
    assert not tax_code_is_valid("0100109107") and not tax_code_is_valid("010010910")
    links = found("Mã số thuế: 0100109106-001; số 0100109107 không hợp lệ")
    assert list(links) == [(EntityKind.TAX_CODE, "0100109106-001")]
    assert links[(EntityKind.TAX_CODE, "0100109106-001")].attributes == {"branch": "001"}


def test_land_parcels_in_either_order() -> None:
    links = found("tại thửa đất số 345, tờ bản đồ số 12 xã Yên Lạc", "Tờ bản đồ số 07 thửa số 015")
    assert links[(EntityKind.LAND_PARCEL, "12/345")].attributes == {"sheet": "12", "parcel": "345"}
    assert (EntityKind.LAND_PARCEL, "7/15") in links


def test_names_after_titles_officials_and_private_persons() -> None:
    links = found(
        "Giao ông Nguyễn Văn Bình thực hiện",
        "đồng chí Trần Thị Mai, Phó Chủ tịch",
        "Giám đốc Sở Tài chính chủ trì",
    )
    assert EntityKind.PERSON == links[(EntityKind.PERSON, "Nguyễn Văn Bình")].kind
    assert (EntityKind.OFFICIAL, "Trần Thị Mai") in links
    assert not any("Sở" in value for _, value in links)


def test_administrative_units_from_the_configured_table(tmp_path: Path) -> None:
    links = found("UBND PHƯỜNG BA ĐÌNH, thành phố Hà Nội")
    unit = links[(EntityKind.ADMIN_UNIT, "00004")]
    assert unit.attributes == {"name": "Phường Ba Đình"}
    assert box(unit) == pytest.approx((0.05, 0.0, 0.19, 0.02))  # "PHƯỜNG BA ĐÌNH," from its three words
    table = tmp_path / "units.csv"
    table.write_text("code,name,type\n00070,Phường Hoàn Kiếm,phường\n", encoding="utf-8")
    assert UnitTable.load(table).by_name == {"phuong hoan kiem": "00070"}
    table.write_text("ma,ten\n1,x\n", encoding="utf-8")
    with pytest.raises(ValueError, match="code and name"):
        UnitTable.load(table)


def test_signer_comes_from_the_extracted_fields_once_per_page() -> None:
    fields = Fields(signer_name="Nguyễn Văn An", signer_position="CHỦ TỊCH")
    evidence = {
        "signer_name": Evidence(
            page=1, bbox=BBox(x0=0.6, y0=0.8, x1=0.8, y1=0.82), text="Nguyễn Văn An", method="rules"
        )
    }
    links = recognise([page("đồng chí Nguyễn Văn An", index=1)], fields, evidence, today=TODAY)
    assert [(link.kind, link.normalized, link.bbox.y0) for link in links] == [
        (EntityKind.OFFICIAL, "Nguyễn Văn An", 0.8)
    ]
    assert links[0].attributes == {"position": "CHỦ TỊCH"}


def test_masking_is_the_default_and_reveal_shows_everything() -> None:
    text = "Cấp cho ông Nguyễn Văn Bình, CCCD 001203012345; đồng chí Trần Thị Mai ký"
    assert mask_text(text) == "Cấp cho ông N. V. B., CCCD *********345; đồng chí Trần Thị Mai ký"
    assert mask_text(text, reveal_personal_data=True) == text
    links = list(found(text).values())
    masked = {link.kind: link for link in mask_links(links)}
    assert masked[EntityKind.CITIZEN_ID].normalized == "*********345" and masked[EntityKind.CITIZEN_ID].attributes == {}
    assert masked[EntityKind.PERSON].value == "N. V. B." and masked[EntityKind.OFFICIAL].value == "Trần Thị Mai"
    assert mask_links(links, reveal_personal_data=True) == links
    document = StandardDocument(Sha256="a" * 64, Subject=text, TypeName="Quyết định")
    assert mask_document(document).Subject == mask_text(text) and mask_document(document).TypeName == "Quyết định"


def test_file_registers_match_mismatch_unknown(tmp_path: Path) -> None:
    (tmp_path / "population").mkdir()
    (tmp_path / "population" / "001203012345.json").write_text(json.dumps({"sex": "female", "name": "x"}))
    (tmp_path / "land").mkdir()
    (tmp_path / "land" / "12-345.json").write_text(json.dumps({"sheet": "12", "parcel": "345", "area_m2": 120}))
    connector = REGISTER_CONNECTORS.create("files", root=tmp_path)
    links = found("CCCD 001203012345 thửa đất số 345 tờ bản đồ số 12 MST 0100109106")

    citizen = check_link(connector, links[(EntityKind.CITIZEN_ID, "001203012345")])
    assert citizen.status == CheckStatus.MISMATCH and citizen.differences == {"sex": ("male", "female")}
    assert check_link(connector, links[(EntityKind.LAND_PARCEL, "12/345")]).status == CheckStatus.MATCH
    unknown = check_link(connector, links[(EntityKind.TAX_CODE, "0100109106")])
    assert (unknown.status, unknown.register_name) == (CheckStatus.UNKNOWN, "enterprises")


def test_links_read_from_a_scan_by_the_real_pipeline() -> None:
    image = Image.new("RGB", (1654, 2339), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 34)
    draw.text((200, 300), "Số CCCD: 001203012345", fill="black", font=font)
    draw.text((200, 400), "Mã số thuế: 0100109106", fill="black", font=font)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", dpi=(200, 200))
    options = PipelineOptions(ocr_dpi=200, workers=1)
    source = inspect_document(buffer.getvalue(), "scan.png", options.limits, options.min_text_layer_chars)
    pages, _ = extract_pages(buffer.getvalue(), source, options)
    links = {(link.kind, link.normalized): link for link in recognise(pages, today=TODAY)}
    citizen = links[(EntityKind.CITIZEN_ID, "001203012345")]
    assert citizen.bbox.y0 == pytest.approx(300 / 2339, abs=0.01) and citizen.confidence > 0.5
    assert (EntityKind.TAX_CODE, "0100109106") in links
