"""The judged vbpl query set: the committed file is valid on its own, agrees with the corpus when ../shared
is present, and the validators reject broken sets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.search_queries import (
    QuerySetError,
    SearchQuery,
    check_against_corpus,
    kind_counts,
    load_queries,
    title_topic,
    vbpl_corpus_path,
)

# Resolved at import, before tests/unit/conftest.py points VANTHU_SHARED_DIR at an empty directory for the
# session: that redirection keeps synthetic documents hermetic and is not meant for this corpus check.
CORPUS = vbpl_corpus_path()

MINIMUM_PER_KIND = {"paraphrase": 35, "body_question": 35, "metadata": 25, "number_lookup": 20,
                    "no_diacritics": 20, "typo": 15, "no_answer": 15}


def _write(tmp_path: Path, records: list[dict]) -> Path:
    path = tmp_path / "queries.jsonl"
    path.write_text("".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records), encoding="utf-8")
    return path


def _record(qid: str = "q001", kind: str = "metadata", judgments: dict | None = None, query: str = "luật 2025") -> dict:
    return {"id": qid, "query": query, "kind": kind,
            "judgments": {"doc_000001": 3} if judgments is None else judgments, "note": ""}


def _corpus(tmp_path: Path) -> Path:
    path = tmp_path / "corpus.jsonl"
    rows = [{"id": "doc_000001", "vbpl_title": "Nghị định số 293/2025/NĐ-CP Quy định mức lương tối thiểu"},
            {"id": "doc_000002", "vbpl_title": "Luật Thuế thu nhập cá nhân số 109/2025/QH15"}]
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path


def test_committed_set_loads_and_covers_every_kind() -> None:
    queries = load_queries()
    counts = kind_counts(queries)
    assert len(queries) >= 180
    assert all(counts[kind] >= minimum for kind, minimum in MINIMUM_PER_KIND.items()), counts
    assert len({query.query for query in queries}) == len(queries)


@pytest.mark.shared
@pytest.mark.skipif(CORPUS is None, reason="../shared/data/vbpl is absent")
def test_committed_set_agrees_with_the_corpus() -> None:
    assert check_against_corpus(load_queries(), CORPUS) == []


@pytest.mark.parametrize(
    ("records", "message"),
    [
        ([_record(), _record()], "duplicate id"),
        ([_record(judgments={"doc_000001": 4})], "outside 0..3"),
        ([_record(kind="no_answer")], "no_answer query has judgments"),
        ([_record(judgments={"doc_000001": 2})], "no document is graded 3"),
        ([_record(kind="no_diacritics", query="lương tối thiểu")], "carries diacritics"),
        ([_record(kind="guess")], "line 1"),
    ],
)
def test_broken_sets_are_rejected(tmp_path: Path, records: list[dict], message: str) -> None:
    with pytest.raises(QuerySetError, match=message):
        load_queries(_write(tmp_path, records))


def test_malformed_json_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "queries.jsonl"
    path.write_text(json.dumps(_record()) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(QuerySetError, match="line 2"):
        load_queries(path)


def test_unreadable_file_is_a_query_set_error(tmp_path: Path) -> None:
    path = tmp_path / "queries.jsonl"
    path.write_bytes(b"\xff\xfe not utf-8")
    with pytest.raises(QuerySetError, match="UTF-8"):
        load_queries(path)
    with pytest.raises(QuerySetError, match="cannot be read"):
        load_queries(tmp_path / "missing.jsonl")


def test_corpus_check_flags_unknown_documents_and_title_words(tmp_path: Path) -> None:
    queries = [
        SearchQuery(id="q001", query="tiền công sàn trả công nhân từng vùng", kind="paraphrase",
                    judgments={"doc_000001": 3}),
        SearchQuery(id="q002", query="mức lương thấp nhất được trả", kind="paraphrase", judgments={"doc_000001": 3}),
        SearchQuery(id="q003", query="luật thuế 2025", kind="metadata", judgments={"doc_000002": 3, "doc_000999": 1}),
    ]
    problems = check_against_corpus(queries, _corpus(tmp_path))
    assert problems == [
        "q002: shares ['luong', 'muc'] with the title of doc_000001",
        "q003: unknown document doc_000999",
    ]


def test_title_topic_drops_type_and_number() -> None:
    assert title_topic("LUẬT AN NINH MẠNG SỐ 116/2025/QH15").split() == ["AN", "NINH", "MẠNG"]
    assert "293" not in title_topic("Nghị định số 293/2025/NĐ-CP Quy định mức lương tối thiểu")
