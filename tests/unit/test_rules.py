"""inference.kie.rules on born-digital synthetic documents (text layer, no OCR) and on hand-made pages.

Born-digital synthetic PDFs with `spec.handwritten_number` / `spec.handwritten_day` print a gap where
the number / day is (the ink is drawn only on the scan): there the expected value is None.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from eval.metrics import exact
from inference.kie import RuleExtractor
from inference.kie.vocab import type_from_notation
from inference.layout import assign_lines
from inference.options import PipelineOptions
from inference.pipeline import extract_document
from inference.schema import BBox, Block, ExtractionResult, Page, PageKind, PageQuality, Word
from training.synth import sample_document
from training.synth.truth import RenderedDocument

SEEDS = range(30)

# Share of the 30 seeds with the field right, measured when these tests were written (in brackets) and
# the bar asserted, a little below.
BARS = {
    "number": 0.95,  # [1.00 of 20 printed numbers]
    "code_notation": 0.95,  # [1.00]
    "issued_date": 0.95,  # [1.00 of 18 printed days]
    "place": 0.95,  # [1.00]
    "organ_name": 0.9,  # [0.967: "ĐAN PHƯỢNG" -> "ĐAN PHƯỜNG"]
    "parent_organ_name": 0.9,  # [0.967]
    "type_name": 0.95,  # [1.00]
    "subject": 0.9,  # [0.933: Công văn subjects, see the xfail tests below; 0.70 before 23a0f34]
    "signer_position": 0.95,  # [1.00]
    "signer_name": 0.95,  # [1.00]
    "block": 0.95,  # [1.00]
    "urgency": 0.95,  # [1.00]
    "confidentiality": 0.9,  # [0.967: "MẶT TRẬN" read as the "MẬT" stamp]
}
OPTIONAL = ("parent_organ_name", "urgency", "confidentiality")


RULES = PipelineOptions(field_extractor="rules")


def extract(rendered: RenderedDocument) -> ExtractionResult:
    """The rule extractor alone (the default extractor is the trained model, which these rules back)."""
    return extract_document(rendered.pdf, "document.pdf", RULES)


def document(seed: int, field_overrides: dict[str, Any], **options: Any) -> RenderedDocument:
    """sample_document with some ground-truth fields changed (overrides of `fields` go in whole; keys that
    are no DocumentSpec attribute, such as `urgency`, are silently ignored by sample_document)."""
    fields = sample_document(seed, **options).spec.fields.model_dump()
    return sample_document(seed, fields={**fields, **field_overrides}, **options)


@pytest.fixture(scope="module")
def born_digital() -> list[tuple[RenderedDocument, ExtractionResult]]:
    out = []
    for seed in SEEDS:
        rendered = sample_document(seed)
        out.append((rendered, extract(rendered)))
    return out


def expected(rendered: RenderedDocument, field: str) -> Any:
    spec = rendered.spec
    if field in ("number", "code_number") and spec.handwritten_number:
        return None
    if field == "issued_date" and spec.handwritten_day:
        return None
    return getattr(spec.fields, field)


@pytest.mark.parametrize("field", list(BARS))
def test_field_accuracy_on_born_digital_documents(born_digital, field: str) -> None:
    # Optional fields are scored everywhere (None is a right answer); a handwritten gap is scored by
    # test_handwriting_gaps_give_none_not_a_guess instead.
    scored = [(r, res) for r, res in born_digital if field in OPTIONAL or expected(r, field) is not None]
    assert len(scored) >= 15
    right = [exact(field, getattr(res.fields, field), expected(r, field)) for r, res in scored]
    accuracy = sum(right) / len(right)
    misses = [(r.spec.fields.number, getattr(res.fields, field))
              for (r, res), ok in zip(scored, right, strict=True) if not ok]
    assert accuracy >= BARS[field], f"{field}: {accuracy:.3f} < {BARS[field]}; misses: {misses}"


def test_the_sample_covers_the_hard_cases(born_digital) -> None:
    specs = [r.spec for r, _ in born_digital]
    assert sum(s.handwritten_number for s in specs) >= 5
    assert sum(s.handwritten_day for s in specs) >= 5
    assert {s.layout for s in specs} == set(Block)
    assert sum(s.is_cong_van for s in specs) >= 2


def test_handwriting_gaps_give_none_not_a_guess(born_digital) -> None:
    for rendered, result in born_digital:
        spec = rendered.spec
        if spec.handwritten_number:
            assert result.fields.number is None
            assert result.fields.code_number is None
            # The printed symbol beside the gap is still read.
            assert result.fields.code_notation == spec.fields.code_notation
            assert "number not found" in result.warnings
        if spec.handwritten_day:
            assert result.fields.issued_date is None
            assert "issued_date not found" in result.warnings


def test_born_digital_evidence_and_confidence(born_digital) -> None:
    for rendered, result in born_digital:
        assert result.pages == len(rendered.pages)
        assert result.text.count("\f") == len(rendered.pages) - 1
        assert all(p.blank is False for p in result.quality.pages)
        for field, evidence in result.evidence.items():
            box = evidence.bbox
            assert 0.0 <= box.x0 <= box.x1 <= 1.0 and 0.0 <= box.y0 <= box.y1 <= 1.0, field
            assert 0 <= evidence.page < result.pages
            assert 0.0 <= result.confidence[field] <= 1.0
        if result.fields.number:
            evidence = result.evidence["number"]
            assert evidence.page == 0
            assert result.fields.number in evidence.text.replace(" ", "")
            truth = rendered.pages[0].region("number")
            assert truth is not None and abs(evidence.bbox.cy - truth.cy) < 0.01
            assert result.confidence["number"] == 0.95  # a valid number from a text layer


@pytest.mark.parametrize("seed", range(100, 105))
def test_party_conclusion(seed: int) -> None:
    rendered = sample_document(seed, kind="KL", block=Block.PARTY, handwritten_number=False, handwritten_day=False)
    truth = rendered.spec.fields
    result = extract(rendered).fields
    assert "-KL/" in truth.number  # "Số 12-KL/TU": HD 36 style
    assert result.number == truth.number
    assert result.code_number == truth.code_number
    assert result.code_notation == truth.code_notation
    assert result.block == Block.PARTY
    assert result.type_name == "Kết luận"
    assert result.issued_date == truth.issued_date
    assert exact("organ_name", result.organ_name, truth.organ_name)
    assert exact("subject", result.subject, truth.subject)


@pytest.mark.parametrize("seed", range(100, 105))
def test_cong_van(seed: int) -> None:
    rendered = document(seed, {"urgency": None}, kind="CV", block=Block.GOVERNMENT, handwritten_number=False,
                        handwritten_day=False)
    truth = rendered.spec.fields
    result = extract(rendered).fields
    assert rendered.spec.is_cong_van
    assert result.type_name == "Công văn"
    assert result.subject == truth.subject
    assert not result.subject.lower().startswith("v/v")
    assert result.number == truth.number
    assert result.block == Block.GOVERNMENT


# -- bugs found on born-digital documents -----------------------------------------------------------


@pytest.mark.parametrize("urgency", ["KHẨN", "HỎA TỐC"])
def test_cong_van_subject_without_urgency_stamp(urgency: str) -> None:
    rendered = document(103, {"urgency": urgency}, kind="CV", block=Block.GOVERNMENT)
    assert rendered.spec.stamps == [urgency]
    result = extract(rendered).fields
    assert result.urgency == urgency
    assert result.subject == rendered.spec.fields.subject


def test_cong_van_subject_is_not_cut_at_the_page_centre() -> None:
    rendered = sample_document(13)
    assert rendered.spec.is_cong_van
    assert extract(rendered).fields.subject == rendered.spec.fields.subject  # "... xây dựng đô thị"


@pytest.mark.parametrize("seed", [1, 27])
def test_subject_starting_with_thuc_hien(seed: int) -> None:
    """"KẾ HOẠCH / Thực hiện ...": a subject line may open like a body paragraph (was None before 23a0f34)."""
    rendered = sample_document(seed)
    assert rendered.spec.fields.subject.startswith("Thực hiện")
    assert exact("subject", extract(rendered).fields.subject, rendered.spec.fields.subject)


def test_subject_wrapping_onto_thuc_hien() -> None:
    rendered = sample_document(49)
    assert "kinh phí thực hiện" in rendered.spec.fields.subject
    assert exact("subject", extract(rendered).fields.subject, rendered.spec.fields.subject)


@pytest.mark.parametrize("seed", [3, 11])
def test_subject_stops_before_the_body(seed: int) -> None:
    """The body of a Biên bản ("Hôm nay, ...") or Giấy mời ("<issuer> trân trọng kính mời") opens with no
    _BODY_START phrase: the wider gap must end the subject (ran into the body before 23a0f34)."""
    rendered = sample_document(seed)
    assert rendered.spec.type_code in ("BB", "GM")
    assert exact("subject", extract(rendered).fields.subject, rendered.spec.fields.subject)


@pytest.mark.parametrize("seed", [42, 44])
def test_born_digital_issuer_is_not_respelt(seed: int) -> None:
    rendered = sample_document(seed)
    truth = rendered.spec.fields
    assert truth.parent_organ_name
    assert extract(rendered).fields.parent_organ_name == truth.parent_organ_name


def test_mat_tran_is_not_a_secrecy_stamp_born_digital() -> None:
    rendered = sample_document(27)
    assert rendered.spec.fields.confidentiality is None
    assert "MẶT TRẬN" in rendered.spec.fields.organ_name
    assert extract(rendered).fields.confidentiality is None


# -- hand-made pages --------------------------------------------------------------------------------

CHAR = 0.0085
HEIGHT = 0.014


def line(text: str, y: float, centre: float) -> list[Word]:
    tokens = text.split()
    width = (sum(len(t) for t in tokens) + len(tokens) - 1) * CHAR
    x, words = centre - width / 2, []
    for token in tokens:
        words.append(Word(text=token, bbox=BBox(x0=x, y0=y, x1=x + len(token) * CHAR, y1=y + HEIGHT),
                          source="text_layer"))
        x += (len(token) + 1) * CHAR
    return words


def header(number: str = "Số: 15/QĐ-UBND", when: str = "Hà Nội, ngày 05 tháng 01 năm 2020",
           organ: tuple[str, ...] = ("ỦY BAN NHÂN DÂN", "TỈNH QUẢNG NGÃI"), extra: tuple[list[Word], ...] = ()) -> Page:
    lines = [line(text, 0.06 + 0.018 * i, 0.25) for i, text in enumerate(organ)]
    lines += [line("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 0.06, 0.7), line("Độc lập - Tự do - Hạnh phúc", 0.078, 0.7)]
    lines += [line(number, 0.12, 0.25), line(when, 0.12, 0.7), *extra]
    words = [w for ws in lines for w in ws]
    return Page(index=0, kind=PageKind.BORN_DIGITAL, width=2480, height=3508, words=assign_lines(words))


def fields(page: Page):
    return RuleExtractor().extract([page]).fields


@pytest.mark.parametrize(
    ("printed", "number", "code_number", "code_notation", "type_name", "block"),
    [
        ("Số: 15/QĐ-UBND", "15/QĐ-UBND", "15", "QĐ-UBND", "Quyết định", Block.GOVERNMENT),
        ("Số:15/QĐ-UBND", "15/QĐ-UBND", "15", "QĐ-UBND", "Quyết định", Block.GOVERNMENT),
        ("Số: 15 /QĐ - UBND", "15/QĐ-UBND", "15", "QĐ-UBND", "Quyết định", Block.GOVERNMENT),
        ("Số: O5/TB-UBND", "05/TB-UBND", "05", "TB-UBND", "Thông báo", Block.GOVERNMENT),  # OCR O for 0
        ("Số: I5/KH-UBND", "15/KH-UBND", "15", "KH-UBND", "Kế hoạch", Block.GOVERNMENT),  # OCR I for 1
        ("Số: 15/2020/TT-BTC", "15/2020/TT-BTC", "15", "TT-BTC", "Thông tư", Block.GOVERNMENT),  # year in the number
        ("Số: 1234/UBND-KT", "1234/UBND-KT", "1234", "UBND-KT", "Công văn", Block.GOVERNMENT),
        ("Số 12-KL/TU", "12-KL/TU", "12", "KL/TU", "Kết luận", Block.PARTY),
        ("Số: 123-QĐ/TU", "123-QĐ/TU", "123", "QĐ/TU", "Quyết định", Block.PARTY),
    ],
)
def test_number_line(printed, number, code_number, code_notation, type_name, block) -> None:
    title = (line(type_name.upper(), 0.17, 0.5),)
    found = fields(header(number=printed, extra=title))
    assert (found.number, found.code_number, found.code_notation) == (number, code_number, code_notation)
    assert found.type_name == type_name
    assert found.block == block


@pytest.mark.parametrize(
    ("printed", "type_name"),
    [("Số: 15/QĐ-UBND", "Quyết định"), ("Số: 05/TB-UBND", "Thông báo"), ("Số: 1234/UBND-KT", "Công văn"),
     ("Số 12-KL/TU", "Kết luận"), ("Số 12-TT/TU", "Thông tri")],
)
def test_type_from_the_symbol_when_there_is_no_title(printed: str, type_name: str) -> None:
    extraction = RuleExtractor().extract([header(number=printed)])
    assert extraction.fields.type_name == type_name
    assert extraction.confidence["type_name"] < extraction.confidence["number"]  # a derived value


@pytest.mark.parametrize(("printed", "right"), [("Số: 15/2020/TT-BTC", "Thông tư"), ("Số: 15/2020/NĐ-CP", "Nghị định")])
def test_legal_text_symbol_without_title(printed: str, right: str) -> None:
    assert fields(header(number=printed)).type_name in (None, right)


def test_number_gap_gives_notation_only() -> None:
    found = fields(header(number="Số:      /QĐ-UBND"))
    assert found.number is None and found.code_number is None
    assert found.code_notation == "QĐ-UBND"
    assert found.type_name == "Quyết định"


@pytest.mark.parametrize(
    ("printed", "place", "issued"),
    [
        ("Hà Nội, ngày 05 tháng 01 năm 2020", "Hà Nội", date(2020, 1, 5)),
        ("Quảng Ngãi, ngày 5 tháng 3 năm 2021", "Quảng Ngãi", date(2021, 3, 5)),
        ("TP. Hồ Chí Minh, ngày 15 tháng 12 năm 2019", "TP. Hồ Chí Minh", date(2019, 12, 15)),
        ("Hà Nội, ngày 15, tháng 3, năm 2020", "Hà Nội", date(2020, 3, 15)),
        ("Hà Nội, ngày l5 tháng O3 năm 2020", "Hà Nội", date(2020, 3, 15)),  # OCR l and O
    ],
)
def test_place_and_date(printed: str, place: str, issued: date) -> None:
    found = fields(header(when=printed))
    assert found.place == place
    assert found.issued_date == issued


def test_invalid_date_is_a_warning_not_a_value() -> None:
    extraction = RuleExtractor().extract([header(when="Hà Nội, ngày 31 tháng 02 năm 2020")])
    assert extraction.fields.issued_date is None
    assert any("invalid date" in w for w in extraction.warnings)
    assert "issued_date not found" in extraction.warnings


def test_date_with_capital_i_for_one() -> None:
    assert fields(header(when="Hà Nội, ngày I5 tháng 3 năm 2020")).issued_date == date(2020, 3, 15)


def test_date_with_bar_for_one_is_not_misread() -> None:
    assert fields(header(when="Hà Nội, ngày |5 tháng 3 năm 2020")).issued_date in (None, date(2020, 3, 15))


def test_issuer_parent_and_organ() -> None:
    found = fields(header(organ=("UBND THÀNH PHỐ HÀ NỘI", "SỞ NỘI VỤ")))
    assert found.parent_organ_name == "UBND THÀNH PHỐ HÀ NỘI"
    assert found.organ_name == "SỞ NỘI VỤ"
    found = fields(header(organ=("ỦY BAN NHÂN DÂN", "TỈNH QUẢNG NGÃI")))
    assert found.parent_organ_name is None
    assert found.organ_name == "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI"


def test_mass_org_block() -> None:
    found = fields(header(number="Số: 15/KH-MTTQ", organ=("ỦY BAN MẶT TRẬN TỔ QUỐC", "VIỆT NAM HUYỆN BA VÌ")))
    assert found.block == Block.MASS_ORG
    assert found.confidentiality is None  # a 6-word line is no stamp


def test_mat_tran_is_not_a_secrecy_stamp() -> None:
    found = fields(header(number="Số: 15/KH-MTTQ", organ=("ỦY BAN MẶT TRẬN TỔ", "QUỐC VIỆT NAM", "HUYỆN BA VÌ")))
    assert found.confidentiality is None


@pytest.mark.parametrize(("stamp", "field", "value"), [("HỎA TỐC", "urgency", "HỎA TỐC"), ("KHẨN", "urgency", "KHẨN"),
                                                       ("MẬT", "confidentiality", "MẬT"), ("SAO Y", None, "SAO Y")])
def test_stamps(stamp: str, field: str | None, value: str) -> None:
    extraction = RuleExtractor().extract([header(extra=(line(stamp, 0.15, 0.25),))])
    if field:
        assert getattr(extraction.fields, field) == value
    else:
        assert extraction.copy_form == value


def test_title_signature_and_recipients() -> None:
    body = (
        line("QUYẾT ĐỊNH", 0.17, 0.5),
        line("Về việc ban hành Quy chế làm việc", 0.188, 0.5),
        line("CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH", 0.22, 0.5),
        line("Căn cứ Luật Tổ chức chính quyền địa phương;", 0.25, 0.45),
        line("Kính gửi: Sở Nội vụ", 0.28, 0.5),
        line("KT. CHỦ TỊCH", 0.70, 0.72),
        line("PHÓ CHỦ TỊCH", 0.718, 0.72),
        line("Nguyễn Văn An", 0.80, 0.72),
    )
    extraction = RuleExtractor().extract([header(extra=body)])
    found = extraction.fields
    assert found.type_name == "Quyết định"
    assert found.subject == "Về việc ban hành Quy chế làm việc"
    assert found.signer_position == "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH"
    assert found.signer_name == "Nguyễn Văn An"
    assert found.recipients == ["Sở Nội vụ"]
    assert extraction.evidence["signer_name"].text == "Nguyễn Văn An"
    assert extraction.warnings == []


def _shifted(words: list[Word], x0: float) -> list[Word]:
    offset = x0 - words[0].bbox.x0
    return [w.model_copy(update={"bbox": w.bbox.model_copy(update={"x0": w.bbox.x0 + offset, "x1": w.bbox.x1 + offset})})
            for w in words]


def test_cong_van_subject_ignores_a_note_typed_beside_it() -> None:
    """A routing note typed over the right half of the header runs on from the trích yếu lines without a
    column gap (a real 1-bit fax scan): the trích yếu stays inside the issuer's column."""
    first = line("V/v bảo đảm an toàn giao thông", 0.15, 0.25)
    second = line("trong dịp nghỉ hè năm 2019", 0.168, 0.25)
    page = header(number="Số: 1535/SGDĐT-CTrTT", organ=("UBND THÀNH PHỐ ĐÀ NẴNG", "SỞ GIÁO DỤC VÀ ĐÀO TẠO"), extra=(
        first + _shifted(line("1. Cô Hương gửi văn bản đến các đơn vị", 0.15, 0.5), first[-1].bbox.x1 + 0.025),
        second + _shifted(line("2. Phòng CTSV phối hợp với Đoàn TN", 0.168, 0.5), 0.45),
        line("Kính gửi: Các trường trực thuộc", 0.21, 0.5),
    ))
    found = fields(page)
    assert found.type_name == "Công văn"
    assert found.subject == "bảo đảm an toàn giao thông trong dịp nghỉ hè năm 2019"


def test_no_text_gives_no_fields_and_a_warning() -> None:
    empty = Page(index=0, kind=PageKind.SCANNED, width=10, height=10, words=[])
    extraction = RuleExtractor().extract([empty])
    assert extraction.fields.model_dump(exclude_defaults=True) == {}
    assert extraction.warnings == ["no readable text on any page"]


def test_blank_pages_are_skipped() -> None:
    blank = Page(index=0, kind=PageKind.SCANNED, width=10, height=10, words=[], quality=PageQuality(blank=True))
    page = header().model_copy(update={"index": 1})
    found = RuleExtractor().extract([blank, page])
    assert found.fields.number == "15/QĐ-UBND"
    assert found.evidence["number"].page == 1


def test_type_from_notation() -> None:
    assert type_from_notation("QĐ-UBND", party=False) == "Quyết định"
    assert type_from_notation("KL/TU", party=True) == "Kết luận"
    assert type_from_notation("TT/TU", party=True) == "Thông tri"
    assert type_from_notation("UBND-VP", party=False) is None  # a công văn symbol starts with the issuer


def test_government_tt_is_not_thong_tri() -> None:
    assert type_from_notation("TT-BTC", party=False) in (None, "Thông tư")
