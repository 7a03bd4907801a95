"""Parts of one văn bản delivered as separate files (inference.assembly)."""

from __future__ import annotations

from datetime import date

from inference.assembly import assemble, delivery_key, runs, top_page_number
from inference.governance.dedup import group_results
from inference.schema import BBox, DuplicateReason, Evidence, ExtractionResult, Fields

HEADER = Fields(
    organ_name="SỞ GIÁO DỤC VÀ ĐÀO TẠO", number="1906/SGDĐT-CTrTT", code_number="1906", code_notation="SGDĐT-CTrTT",
    issued_date=date(2020, 7, 26), type_name="Công văn", subject="khẩn trương phòng, chống dịch", block="government",
    recipients=["Phòng giáo dục các quận, huyện"],
)
CLOSING = Fields(signer_position="GIÁM ĐỐC", signer_name="Lê Thị Bích Thuận", recipients=["Bộ Giáo dục và Đào tạo"])
BOX = BBox(x0=0.1, y0=0.1, x1=0.4, y1=0.12)


def result(file: str, fields: Fields, text: str, pages: int = 1, sha: str = "") -> ExtractionResult:
    evidence = {name: Evidence(page=0, bbox=BOX, text=str(value), method="rules")
                for name, value in fields.model_dump().items() if value}
    return ExtractionResult(file=file, sha256=sha or file, pages=pages, text=text, fields=fields,
                            confidence=dict.fromkeys(evidence, 0.9), evidence=evidence,
                            warnings=["signer_name not found"] if not fields.signer_name else ["number not found"])


def first_page(folder: str = "letters") -> ExtractionResult:
    return result(f"{folder}/letter_1.jpg", HEADER, "UBND THÀNH PHỐ ĐÀ NẴNG\nSố: 1906 /SGDĐT-CTrTT\nThực hiện chỉ đạo")


def second_page(text: str = "2\n- Báo cáo công tác chuẩn bị\nNơi nhận:", fields: Fields = CLOSING) -> ExtractionResult:
    return result("letters/letter_2.jpg", fields, text)


def test_a_headerless_next_page_shares_the_fields_of_the_whole_document():
    head, tail = assemble([first_page(), second_page()])
    for part in (head, tail):
        assert part.fields.number == "1906/SGDĐT-CTrTT"
        assert part.fields.issued_date == date(2020, 7, 26)
        assert part.fields.signer_name == "Lê Thị Bích Thuận"
        assert part.fields.recipients == ["Bộ Giáo dục và Đào tạo"], "the Nơi nhận, not page 1's Kính gửi"
    assert tail.evidence["number"].file == "letters/letter_1.jpg"
    assert tail.evidence["signer_name"].file is None, "read in this file"
    assert head.evidence["signer_name"].file == "letters/letter_2.jpg"
    assert "number not found" not in tail.warnings and "signer_name not found" not in head.warnings
    assert any("part 2 of 2" in w for w in tail.warnings)


def test_the_page_number_alone_links_a_part_without_a_signature():
    middle = second_page(text="- 2 -\nb) Hiệu trưởng các trường", fields=Fields())
    last = result("letters/letter_3.jpg", CLOSING, "3\nNơi nhận:")
    assert runs([first_page(), middle, last]) == [["letters/letter_1.jpg", "letters/letter_2.jpg", "letters/letter_3.jpg"]]


def test_separate_documents_stay_separate():
    signed = first_page().model_copy(update={"fields": HEADER.model_copy(update={"signer_name": "Nguyễn Văn A"})})
    assert runs([signed, second_page()]) == [], "the document before was complete"
    assert runs([first_page("other"), second_page()]) == [], "another folder"
    assert runs([first_page(), second_page(text="Phụ lục\nDanh sách", fields=Fields())]) == [], "no page number, no signature"
    assert runs([first_page(), second_page(text="3\n- Báo cáo", fields=Fields())]) == [], "not the next page"
    assert runs([first_page(), first_page()]) == [], "a file with its own header is a document of its own"
    unchanged = list(assemble([first_page("other"), second_page()]))
    assert unchanged[1].fields == CLOSING


def test_top_page_number_and_delivery_order():
    assert top_page_number(second_page(text="\n 12 \nnext")) == 12
    assert top_page_number(second_page(text="Số 2\n")) is None
    files = ["b/page_10.jpg", "a/z.pdf", "b/page_2.jpg", "b/Page_1.jpg"]
    assert sorted(files, key=delivery_key) == ["a/z.pdf", "b/Page_1.jpg", "b/page_2.jpg", "b/page_10.jpg"]


def test_parts_form_one_duplicate_group():
    groups = group_results([first_page(), second_page(), result("letters/x.pdf", Fields(number="5/UBND"), "x")])
    assert [g.members for g in groups] == [["letters/letter_1.jpg", "letters/letter_2.jpg"]]
    assert DuplicateReason.PARTS_OF in groups[0].reasons
