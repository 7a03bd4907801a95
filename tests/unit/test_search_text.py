"""Search text handling: token streams, passages, BM25, query understanding, import records, vectors."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from inference.schema import Block, Fields
from inference.search.bm25 import BM25
from inference.search.query import parse_query
from inference.search.rank import correct_typos, reciprocal_rank_fusion, snippet
from inference.search.records import ImportRecord, parse_import_line, vbpl_record
from inference.search.text import exact_tokens, folded_tokens, split_passages
from inference.search.vectors import VECTOR_INDEXES


def test_cyrillic_look_alikes_fold_into_the_latin_number() -> None:
    cyrillic = exact_tokens("Nghị định số 15/2020/NĐ-\u0421\u0420 của Chính phủ")
    latin = exact_tokens("Nghị định số 15/2020/NĐ-CP của Chính phủ")

    assert cyrillic == latin
    assert "15/2020/nđ-cp" in latin and "nđ" in latin and "cp" in latin
    assert "15/2020/nd-cp" in folded_tokens(latin)


def test_folded_stream_drops_diacritics_only() -> None:
    assert folded_tokens(exact_tokens("Quyết định Ủy ban")) == ["quyet", "dinh", "uy", "ban"]


def test_passages_overlap_and_carry_their_page() -> None:
    text = " ".join(f"a{i}" for i in range(100)) + "\f" + " ".join(f"b{i}" for i in range(100))
    passages = split_passages(text, size=80, overlap=20)

    assert [p.page for p in passages] == [1, 1, 2]
    assert passages[1].text.split()[0] == "a60"
    assert passages[-1].text.split()[-1] == "b99"


def test_bm25_ranks_by_term_rarity_and_forgets_removed_documents() -> None:
    index = BM25()
    index.add(1, exact_tokens("lưu trữ hồ sơ tài liệu"))
    index.add(2, exact_tokens("lưu trữ kho bảo quản"))
    index.add(3, exact_tokens("ngân sách nhà nước"))

    scores = index.scores(exact_tokens("kho lưu trữ"))
    assert set(scores) == {1, 2} and scores[2] > scores[1]

    index.remove(2)
    assert set(index.scores(exact_tokens("kho lưu trữ"))) == {1}
    restored = BM25.from_bytes(index.to_bytes())
    assert restored.scores(exact_tokens("lưu trữ ngân sách")) == index.scores(exact_tokens("lưu trữ ngân sách"))
    assert len(restored) == 2


@pytest.mark.parametrize("query", ["nghị định 15 năm 2020 về xử phạt", "nghi dinh so 15 nam 2020 ve xu phat"])
def test_type_number_and_year_are_read_with_or_without_diacritics(query: str) -> None:
    filters = parse_query(query).filters

    assert (filters.type_name, filters.number, filters.year) == ("Nghị định", "15", 2020)


def test_a_whole_number_a_range_a_block_and_an_issuer_are_read() -> None:
    assert parse_query("kết luận 127-KL/TW").filters.number == "127-KL/TW"
    assert parse_query("ket luan 127-kl/tw").filters.number == "127-KL/TW"
    ranged = parse_query("thông tư từ năm 2019 đến 2021").filters
    assert (ranged.type_name, ranged.date_from, ranged.date_to) == ("Thông tư", date(2019, 1, 1), date(2021, 12, 31))
    assert parse_query("nghị định sau năm 2024").filters.date_from == date(2025, 1, 1)
    typed_year = parse_query("thong tu nam 2026").filters  # "tư" folds to "tu" like "từ" (from): not a range
    assert (typed_year.type_name, typed_year.year, typed_year.date_from) == ("Thông tư", 2026, None)
    assert parse_query("văn bản của Đảng về cán bộ").filters.block == Block.PARTY
    issuers = ["BỘ TÀI CHÍNH", "CHÍNH PHỦ"]
    assert parse_query("hướng dẫn của bo tai chinh về thuế", issuers).filters.issuer == "BỘ TÀI CHÍNH"
    assert parse_query("chính sách thu hút nhân tài").filters.is_empty()


def test_number_filter_matches_folded_and_cyrillic_numbers() -> None:
    filters = parse_query("15/2020/nd-cp").filters

    assert filters.matches(Fields(number="15/2020/NĐ-\u0421\u0420"))
    assert not filters.matches(Fields(number="16/2020/NĐ-CP"))


def test_typos_are_corrected_against_the_vocabulary_preferring_frequent_words() -> None:
    vocabulary = {"dien": 50, "tien": 5, "hop": 40, "dong": 60}

    assert correct_typos(["dieen", "hop", "dongg"], vocabulary) == {"dieen": "dien", "dongg": "dong"}


def test_rrf_puts_an_item_first_in_both_lists_on_top_with_score_one() -> None:
    fused = reciprocal_rank_fusion([([1, 2, 3], 1.0), ([1, 3], 1.0)])

    assert fused[1] == pytest.approx(1.0)
    assert fused[3] > fused[2]


def test_snippet_marks_query_words_in_the_best_window() -> None:
    text = " ".join(["khác"] * 50 + ["Hợp", "đồng", "lao", "động", "điện", "tử"] + ["khác"] * 50)
    cut, highlighted = snippet(text, {"hop", "dong", "dien", "tu"}, words=10)

    assert "<mark>Hợp</mark> <mark>đồng</mark> lao <mark>động</mark> <mark>điện</mark> <mark>tử</mark>" in cut
    assert cut.startswith("… ") and cut.endswith(" …")
    assert highlighted == ["Hợp", "đồng", "động", "điện", "tử"]


def test_import_lines_are_validated_and_content_addressed() -> None:
    line = '{"id": "x-1", "title": "Quyết định về lưu trữ", "text": "Điều 1.", "metadata": {"number": "5/QĐ-UBND"}}'
    record = parse_import_line(line)

    assert record.sha256() == parse_import_line(line.replace(": ", ":")).sha256()
    assert record.to_result().fields.subject == "Quyết định về lưu trữ"
    with pytest.raises(ValueError, match="unknown metadata keys"):
        parse_import_line('{"id": "x", "metadata": {"colour": "red"}}')
    with pytest.raises(ValueError, match="id"):
        parse_import_line('{"title": "no id"}')
    with pytest.raises(ValueError):
        parse_import_line("not json")


def test_vbpl_record_uses_the_header_then_the_attribute_table() -> None:
    attributes_only = vbpl_record({
        "id": "doc_x", "vbpl_title": "Văn bản hợp nhất số 8376 /VBHN-BTP Quy định chế độ báo cáo", "text": "Số hiệu",
        "vbpl_attributes": {"Số hiệu": "8376 /VBHN-BTP", "Loại văn bản": "Văn bản hợp nhất",
                            "Ngày ký xác thực": "18/12/2025", "Cơ quan ban hành": "Bộ Tư pháp"},
    })
    fields = attributes_only.fields()

    assert (fields.number, fields.type_name, fields.issued_date) == ("8376/VBHN-BTP", "Văn bản hợp nhất",
                                                                     date(2025, 12, 18))
    assert isinstance(attributes_only, ImportRecord) and fields.block == Block.GOVERNMENT


def test_auto_vector_index_turns_into_ivf_and_still_updates_and_deletes() -> None:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(400, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = VECTOR_INDEXES.create("auto", dimension=16, ivf_threshold=300, nprobe=64)
    index.add(np.arange(400), vectors)

    assert "IVF" in type(index.index).__name__ and len(index) == 400
    _, ids = index.search(vectors[7:8], 1)
    assert ids[0][0] == 7
    index.add(np.array([7]), vectors[8:9])
    assert len(index) == 400
    index.remove(np.array([8]))
    _, ids = index.search(vectors[8:9], 1)
    assert ids[0][0] == 7
    restored = type(index).deserialize(index.serialize(), "auto")
    assert len(restored) == 399


def test_ranking_metrics_of_the_search_evaluation() -> None:
    from eval.metrics import ndcg, recall, reciprocal_rank

    judgments = {"a": 3, "b": 1, "z": 2}
    assert reciprocal_rank(["x", "b", "a"], judgments) == 0.5
    assert reciprocal_rank(["x"] * 10 + ["a"], judgments) == 0.0
    assert ndcg(["a", "z", "b"], judgments) == pytest.approx(1.0)
    assert 0 < ndcg(["b", "z", "a"], judgments) < 1
    assert recall(["a", "x", "b"], judgments, k=2) == pytest.approx(1 / 3)
