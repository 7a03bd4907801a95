"""The synthetic document factory: determinism, text layer, ink on the scan, Party format, region boxes."""

from __future__ import annotations

import json
import random
import re
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pypdfium2 as pdfium
import pytest

from inference.prepare import colour_masks
from inference.schema import BBox, Block, Fields
from training.synth import (
    DegradeParams,
    DocumentSpec,
    generate,
    render_scan,
    sample_document,
    sample_scan,
    sample_spec,
    save_scan_pdf,
)
from training.synth.corpus import BUILT_IN_SENTENCES, body_sentences
from training.synth.fonts import covered_chars
from training.synth.formats import date_line, pad_number
from training.synth.truth import RenderedDocument

CLEAN: dict[str, Any] = {"handwritten_number": False, "handwritten_day": False}
SCAN_DPI = 100


def text_layer(pdf: bytes) -> str:
    document = pdfium.PdfDocument(pdf)
    try:
        text = "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()
    return unicodedata.normalize("NFC", text)


def flat(text: str) -> str:
    return " ".join(text.split())


def inside(bbox: BBox, image: np.ndarray, mask: np.ndarray) -> int:
    h, w = image.shape[:2]
    return int(mask[int(bbox.y0 * h) : int(bbox.y1 * h) + 1, int(bbox.x0 * w) : int(bbox.x1 * w) + 1].sum())


def test_zero_padding_rules() -> None:
    assert pad_number(5) == "05" and pad_number(15) == "15"
    assert date_line("Hà Nội", date(2020, 1, 5)) == "Hà Nội, ngày 05 tháng 01 năm 2020"
    assert date_line("Hà Nội", date(2025, 3, 5)) == "Hà Nội, ngày 05 tháng 3 năm 2025"
    assert date_line("Hoàn Kiếm", date(2019, 12, 29)) == "Hoàn Kiếm, ngày 29 tháng 12 năm 2019"


def test_fonts_cover_vietnamese() -> None:
    sample = unicodedata.normalize("NFC", "Ủy ban nhân dân, Quyết định, Hạnh phúc, ỦY BAN, NGHĨA, Đảng, ỹ ự ẵ ễ ộ ở")
    assert set(sample) <= covered_chars()


def test_same_seed_same_bytes_and_pixels() -> None:
    first, second = sample_document(7), sample_document(7)
    assert first.pdf == second.pdf
    assert sample_document(8).pdf != first.pdf
    degrade = DegradeParams(skew_degrees=1.5, noise_sigma=5, blur_sigma=0.5, jpeg_quality=60, illumination=0.2)
    scans = [render_scan(doc, random.Random(3), SCAN_DPI, degrade) for doc in (first, second)]
    assert all(np.array_equal(a, b) for a, b in zip(*scans, strict=True))
    assert save_scan_pdf(scans[0], SCAN_DPI) == save_scan_pdf(scans[1], SCAN_DPI)


@pytest.mark.parametrize(("seed", "kind", "block"), [(1, "QĐ", None), (2, "CV", Block.GOVERNMENT), (3, "KL", None),
                                                     (4, "TTr", Block.MASS_ORG), (5, None, None), (6, "NQ", None)])
def test_text_layer_has_number_date_and_subject(seed: int, kind: str | None, block: Block | None) -> None:
    doc = sample_document(seed, kind=kind, block=block, **CLEAN)
    f = doc.spec.fields
    assert f.number and f.place and f.issued_date and f.subject
    text = flat(text_layer(doc.pdf))
    assert unicodedata.is_normalized("NFC", text)
    assert f"{doc.spec.number_label} {f.number}" in text
    assert date_line(f.place, f.issued_date) in text
    assert (f"V/v {f.subject}" if doc.spec.is_cong_van else f.subject) in text
    assert f.signer_name and f.signer_name in text
    assert text == flat(" ".join(page.text for page in doc.pages))


def test_government_header_renders_diacritics() -> None:
    text = text_layer(sample_document(11, block=Block.GOVERNMENT).pdf)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text


def test_party_format() -> None:
    doc = sample_document(12, kind="KL", block=Block.PARTY, **CLEAN)
    text = text_layer(doc.pdf)
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in text and "CỘNG HÒA" not in text
    assert re.search(r"Số \d{2,}-KL/[A-ZĐ]+\b", text) and "Số:" not in text
    assert doc.spec.fields.number and re.fullmatch(r"\d{2,}-KL/[A-ZĐ]+", doc.spec.fields.number)
    assert doc.spec.signature_lines[0].startswith(("T/M", "K/T")) or len(doc.spec.signature_lines) == 1
    assert next(r for r in doc.pages[0].regions if r.name == "issuer").text.endswith("*")


def test_handwritten_number_leaves_a_gap_and_is_blue_on_the_scan() -> None:
    doc, (page, *_) = sample_scan(21, SCAN_DPI, handwritten_number=True, handwritten_day=True)
    f = doc.spec.fields
    text = flat(text_layer(doc.pdf))
    assert f"{doc.spec.number_label} {f.number}" not in text
    assert f"{doc.spec.number_label} {doc.spec.number_tail}" in text
    _, blue = colour_masks(page)
    number_ink, day_ink = doc.pages[0].boxes("handwriting")
    assert inside(number_ink, page, blue) > 20 and inside(day_ink, page, blue) > 10
    number = doc.pages[0].region("number")
    assert number and inside(number, page, blue) > 20


def test_no_blue_in_the_number_when_printed() -> None:
    doc, (page, *_) = sample_scan(22, SCAN_DPI, **CLEAN)
    _, blue = colour_masks(page)
    number = doc.pages[0].region("number")
    assert number and inside(number, page, blue) == 0


def test_red_seal_over_the_signature() -> None:
    doc, pages = sample_scan(23, SCAN_DPI, red_seal=True)
    page_index = doc.page_of("seal")
    assert page_index is not None
    truth = doc.pages[page_index]
    seal, signature = truth.region("seal"), truth.region("signature")
    assert seal and signature and seal.cx < signature.cx and seal.x1 > signature.x0 and seal.y0 < signature.y1
    red, _ = colour_masks(pages[page_index])
    assert inside(seal, pages[page_index], red) > 200


def test_region_boxes_are_inside_the_page_and_ordered() -> None:
    for seed in range(25):
        doc = sample_document(100 + seed)
        first = doc.pages[0]
        for page in doc.pages:
            for region in page.regions:
                b = region.bbox
                assert 0 <= b.x0 < b.x1 <= 1 and 0 <= b.y0 < b.y1 <= 1, (seed, region)
        number, body, issuer = first.region("number"), first.region("body"), first.region("issuer")
        assert number and body and issuer and first.region("place_date") and first.region("motto")
        assert issuer.y1 <= number.y1 and number.y1 <= body.y0, seed
        last = doc.pages[-1]
        assert last.region("signature") and last.region("recipients"), seed


def test_long_documents_paginate_with_page_numbers() -> None:
    doc = next(d for d in (sample_document(s, kind="QĐ") for s in range(40)) if len(d.pages) > 1)
    assert doc.pages[1].region("page_number") and not doc.pages[0].region("page_number")
    assert doc.pages[1].text.split("\n")[0] == "2"
    assert doc.pages[-1].region("body"), "the signature block never stands alone on a page"


def test_degradation_rotation_modes_and_blank_back() -> None:
    doc = sample_document(31, **CLEAN)
    upright = render_scan(doc, random.Random(1), SCAN_DPI)
    turned = render_scan(doc, random.Random(1), SCAN_DPI, DegradeParams(rotation=90, mode="bw", blank_back_page=True))
    assert turned[0].shape == (upright[0].shape[1], upright[0].shape[0], 3)
    assert set(np.unique(turned[0])) <= {0, 255}
    assert len(turned) == len(upright) + 1 and (turned[-1] < 128).mean() < 0.001


def test_spec_rejects_inconsistent_ground_truth() -> None:
    spec = sample_spec(random.Random(5))
    with pytest.raises(ValueError, match="signer_position"):
        DocumentSpec.model_validate({**spec.model_dump(), "signature_lines": ["GIÁM ĐỐC BỊA"]})


def test_builtin_sentences_without_shared(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("VANTHU_SHARED_DIR", str(tmp_path / "absent"))
    assert body_sentences(Block.GOVERNMENT) == BUILT_IN_SENTENCES
    assert isinstance(sample_document(41), RenderedDocument)


def test_generate_writes_pdf_scan_and_truth(tmp_path: Path) -> None:
    written = generate(2, seed=9, out_dir=tmp_path, dpi=SCAN_DPI)
    assert [p.name for p in written] == ["doc_0000.json", "doc_0001.json"]
    for path in written:
        record = json.loads(path.read_text("utf-8"))
        fields = Fields.model_validate(record["fields"])
        assert fields.number and fields.issued_date
        born, scan = tmp_path / record["pdf"], tmp_path / record["scan"]["file"]
        assert flat(text_layer(born.read_bytes())) == flat(" ".join(page["text"] for page in record["pages"]))
        document = pdfium.PdfDocument(scan.read_bytes())
        assert len(document) == len(record["scan"]["pages"]) >= len(record["pages"])
        document.close()
