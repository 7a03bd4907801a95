"""Duplicate matching: what must be grouped, what must never be (hard negatives), copies and originals."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader, PdfWriter

from inference.governance.dedup import find_groups, pair_reasons, signature
from inference.governance.images import dhash, hash_distance, phash
from inference.io import render_page
from inference.options import LoadLimits
from inference.pipeline import extract_document
from inference.schema import DocumentQuality, DuplicateReason, ExtractionResult, Fields, PageQuality
from training.synth import sample_document

BODY = (
    "Điều 1. Phê duyệt kế hoạch cải cách hành chính năm 2024 của quận, gồm các nhiệm vụ trọng tâm về "
    "thủ tục hành chính, tổ chức bộ máy, công vụ, tài chính công và chuyển đổi số. Điều 2. Văn phòng "
    "chủ trì, phối hợp với các phòng, ban, đơn vị theo dõi, đôn đốc việc thực hiện và báo cáo kết quả. "
    "Điều 3. Quyết định này có hiệu lực kể từ ngày ký."
)


def result(name: str, number: str | None = "15/QĐ-UBND", issued: date | None = date(2024, 3, 12),
           organ: str = "ỦY BAN NHÂN DÂN QUẬN BA ĐÌNH", signer: str = "CHỦ TỊCH", text: str = BODY,
           copy_form: str | None = None, sha: str | None = None) -> ExtractionResult:
    header = f"{organ}\nSố: {number or ''}\n"
    return ExtractionResult(
        file=name, sha256=sha or name.ljust(64, "0"), pages=1, text=header + text,
        fields=Fields(number=number, issued_date=issued, organ_name=organ, type_name="Quyết định",
                      signer_position=signer),
        quality=DocumentQuality(pages=[PageQuality(dpi=300)], copy_form=copy_form),
    )


def group_of(*results: ExtractionResult) -> list[list[str]]:
    return [g.members for g in find_groups(signature(r.file, r) for r in results)]


def test_identical_files_are_one_group_by_file_hash() -> None:
    groups = find_groups([signature("a.pdf", result("a", sha="f" * 64)), signature("b.pdf", result("b", sha="f" * 64))])
    assert [(g.members, g.reason) for g in groups] == [(["a.pdf", "b.pdf"], DuplicateReason.EXACT_FILE)]


def test_same_number_date_issuer_and_text_are_one_document() -> None:
    reasons = pair_reasons(signature("a", result("a")), signature("b", result("b")))
    assert DuplicateReason.SAME_TEXT in reasons and DuplicateReason.SAME_METADATA in reasons


@pytest.mark.parametrize(
    "other",
    [
        {"number": "16/QĐ-UBND"},  # same subject and body, another number
        {"issued": date(2023, 3, 12)},  # the number reused in another year
        {"organ": "ỦY BAN NHÂN DÂN QUẬN HOÀN KIẾM"},  # the number of another issuer
        {"signer": "TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH"},  # the Committee's series, not the Chairman's
    ],
    ids=["other number", "other year", "other issuer", "other series"],
)
def test_hard_negatives_are_never_grouped(other: dict) -> None:
    assert group_of(result("a"), result("b", **other)) == []


def test_the_year_of_a_date_line_with_blank_day_and_month_keeps_years_apart() -> None:
    blank = {"number": None, "issued": None}  # number and day left blank for handwriting
    first = result("a", **blank, text="Số: /QĐ-UBND Ba Đình, ngày tháng 3 năm 2024\n" + BODY)
    second = result("b", **blank, text="Số: /QĐ-UBND Ba Đình, ngày tháng 3 năm 2023\n" + BODY)
    assert signature("a", first).year == 2024
    assert group_of(first, second) == []
    assert group_of(first, first.model_copy(update={"file": "c", "sha256": "c" * 64})) == [["a", "c"]]


def test_a_missing_number_is_looked_for_in_the_text_and_a_different_one_refuses() -> None:
    found = result("b", number=None, text=BODY)  # the reading lost the field; the line says 15
    assert group_of(result("a"), found.model_copy(update={"text": "Số: 15/QĐ-UBND\n" + BODY}))
    assert group_of(result("a"), found.model_copy(update={"text": "Số: 16/QĐ-UBND\n" + BODY})) == []


def test_a_reading_without_number_never_joins_two_conflicting_documents() -> None:
    groups = group_of(result("a", number="15/QĐ-UBND"), result("b", number="16/QĐ-UBND"),
                      result("c", number=None, text="Số: /QĐ-UBND\n" + BODY))
    assert all(not {"a", "b"} <= set(g) for g in groups)


def test_a_certified_copy_is_linked_to_its_original() -> None:
    original = result("original")
    copy = result("copy", text=BODY + "\nỦY BAN NHÂN DÂN QUẬN BA ĐÌNH SAO Y\nSố: 03/SY-VP")
    [group] = find_groups([signature("copy", copy), signature("original", original)])
    assert group.reason == DuplicateReason.COPY_OF
    assert group.original == "original" and group.copies == ["copy"]


def test_body_text_mentioning_copies_in_lower_case_is_not_a_copy() -> None:
    sig = signature("a", result("a", text=BODY + " Hồ sơ gồm bản sao y bản chính giấy chứng nhận."))
    assert sig.copy_form is None


def test_page_hashes_survive_resolution_and_tell_documents_apart() -> None:
    first, second = sample_document(3).pdf, sample_document(4).pdf
    limits = LoadLimits()
    at_150 = render_page(first, "application/pdf", 0, 150, limits).max(axis=2)
    at_50 = render_page(first, "application/pdf", 0, 50, limits).max(axis=2)
    other = render_page(second, "application/pdf", 0, 150, limits).max(axis=2)
    assert hash_distance(phash(at_150), phash(at_50)) < 0.1
    assert hash_distance(dhash(at_150), dhash(at_50)) < 0.15
    assert hash_distance(phash(at_150), phash(other)) > 0.2


def _rewritten(pdf: bytes) -> bytes:
    """The same document saved again by another program: other bytes, same pages."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.add_metadata({"/Producer": "another scanner station"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_the_pipeline_groups_a_resaved_file_and_keeps_another_document_apart() -> None:
    pdf = sample_document(3).pdf
    first = extract_document(pdf, "a.pdf")
    again = extract_document(_rewritten(pdf), "b.pdf")
    other = extract_document(sample_document(4).pdf, "c.pdf")
    assert first.sha256 != again.sha256
    [group] = find_groups([signature("a.pdf", first), signature("b.pdf", again), signature("c.pdf", other)])
    assert group.members == ["a.pdf", "b.pdf"]
    assert DuplicateReason.SAME_PAGES in group.reasons and DuplicateReason.SAME_TEXT in group.reasons


def test_documents_declared_apart_are_never_grouped_again() -> None:
    a, b, c = (signature(k, result(k)) for k in ("a", "b", "c"))
    assert [g.members for g in find_groups([a, b, c])] == [["a", "b", "c"]]
    [group] = find_groups([a, b, c], apart={frozenset(("a", "b"))})
    assert len(group.members) == 2 and not {"a", "b"} <= set(group.members)
