"""Standard metadata (Circular 02/2019, Decree 30 App. VI): mapping from our fields, JSON and XML round trips,
the XSD, and errors that say where."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from lxml import etree

from inference.exchange.formats import ExchangeFormatError, dump, dump_xml, load, xml_schema
from inference.exchange.standard import (
    Exchange,
    Signer,
    StandardDocument,
    StandardFile,
    fields_to_standard,
    file_code,
    standard_to_fields,
)
from inference.schema import Fields

FIELDS = Fields(
    organ_name="UỶ BAN NHÂN DÂN TỈNH NINH BÌNH",
    number="15/QĐ-UBND",
    code_number="15",
    code_notation="QĐ-UBND",
    issued_date=date(2024, 3, 12),
    type_name="Quyết định",
    subject="Về việc phê duyệt kế hoạch cải cách hành chính năm 2024",
    signer_position="KT. CHỦ TỊCH / PHÓ CHỦ TỊCH",
    signer_name="Nguyễn Văn An",
    recipients=["Như Điều 3", "Lưu: VT"],
    place="Ninh Bình",
)


def document(sha: str = "a", **values: object) -> StandardDocument:
    return StandardDocument.model_validate({"Sha256": sha * 64, **fields_to_standard(FIELDS), **values})


def exchange() -> Exchange:
    dossier = StandardFile(
        FileCode=file_code("000.00.07.H01", 2024, "05"),
        OrganId="000.00.07.H01",
        FileCatalog=2024,
        FileNotation="05",
        Title="Hồ sơ cải cách hành chính năm 2024",
        Maintenance="Vĩnh viễn",
        StartDate=date(2024, 1, 2),
        TotalDoc=1,
        Documents=[document(DocOrdinal=1, PageAmount=2, Keyword="cải cách", Mode="Công khai")],
    )
    loose = document("b", Description="Bản chụp <mờ> & thiếu trang", To=[])
    return Exchange(ExportedAt=datetime(2026, 1, 5, 8, 30, tzinfo=UTC), Files=[dossier], Documents=[loose])


def test_fields_map_to_the_standard_names() -> None:
    mapped = document()
    assert (mapped.TypeName, mapped.CodeNumber, mapped.CodeNotation) == ("Quyết định", "15", "QĐ-UBND")
    assert mapped.SignerInfo == Signer(Position="KT. CHỦ TỊCH / PHÓ CHỦ TỊCH", FullName="Nguyễn Văn An")
    assert (mapped.IssuedDate, mapped.To, mapped.Language) == (
        date(2024, 3, 12),
        ["Như Điều 3", "Lưu: VT"],
        "Tiếng Việt",
    )


def test_standard_back_to_fields_keeps_what_the_standard_does_not_carry() -> None:
    assert standard_to_fields(document(), FIELDS) == FIELDS
    edited = standard_to_fields(document(CodeNumber="127", CodeNotation="KL/TW"), FIELDS)
    assert (edited.number, edited.place) == ("127-KL/TW", "Ninh Bình")  # a Party notation takes a hyphen
    assert standard_to_fields(document(CodeNumber="07"), FIELDS).number == "07/QĐ-UBND"


@pytest.mark.parametrize("format", ["json", "xml"])
def test_round_trip(format: str) -> None:
    original = exchange()
    assert load(dump(original, format)) == original


def test_xml_is_valid_against_our_schema_and_namespaced() -> None:
    root = etree.fromstring(dump_xml(exchange()))
    assert xml_schema().validate(root), xml_schema().error_log
    assert root.tag == "{urn:vanthu:exchange:1}Exchange"
    file_code_element = root.find("{*}Files/{*}File/{*}FileCode")
    assert file_code_element is not None and file_code_element.text == "000.00.07.H01.2024.05"


@pytest.mark.parametrize(
    ("mangle", "where"),
    [
        (lambda x: x.replace(b"<FileCatalog>2024", b"<FileCatalog>24"), "line 9: Element 'FileCatalog'"),
        (lambda x: x.replace(b"<Title>", b"<Tittle>").replace(b"</Title>", b"</Tittle>"), "Element 'Tittle'"),
        (lambda x: x.replace(b"2024-03-12", b"12/03/2024", 1), "Element 'IssuedDate'"),
        (lambda x: x.replace(b"</Exchange>", b""), "line "),
        (lambda x: x.replace("Hồ sơ".encode(), b"H\xf4 s\xf4"), "line "),  # not UTF-8
    ],
)
def test_bad_xml_names_line_and_element(mangle, where: str) -> None:
    with pytest.raises(ExchangeFormatError) as raised:
        load(mangle(dump_xml(exchange())))
    assert where in raised.value.reason


def test_xml_entities_are_not_expanded() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><Exchange>&e;</Exchange>'
    with pytest.raises(ExchangeFormatError):
        load(bomb)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (b'{"ExportedAt": "2026-01-05T08:30:00Z",\n "Documents": [}', "line 2, column 16"),
        (b'{"ExportedAt": "2026-01-05T08:30:00Z", "Documents": [{"Sha256": "xyz"}]}', "Documents[0].Sha256"),
        (b'{"ExportedAt": "2026-01-05T08:30:00Z", "Documents": [], "Extra": 1}', "Extra"),
        (b'{"ExportedAt": "2026-01-05T08:30:00Z", "Files": [{"FileCode": "' + b"x" * 31 + b'"}]}', "Files[0].FileCode"),
        (b"\xff\xfe{", "neither JSON"),
    ],
)
def test_bad_json_names_line_or_key(text: bytes, where: str) -> None:
    with pytest.raises(ExchangeFormatError) as raised:
        load(text)
    assert where in raised.value.reason


def test_lengths_of_the_standard_are_enforced() -> None:
    with pytest.raises(ValueError, match="Subject"):
        document(Subject="x" * 501)
    with pytest.raises(ValueError, match="OrganId"):
        StandardFile(FileCode="a", OrganId="có dấu", FileCatalog=2024, FileNotation="1", Title="t")
