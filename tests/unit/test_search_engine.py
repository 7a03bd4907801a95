"""The hybrid search engine with the committed embedder, on synthetic documents."""

from __future__ import annotations

import random
from functools import cache

import pytest

from inference.schema import Block
from inference.search.embedders import EMBEDDERS, Embedder
from inference.search.engine import IndexInput, SearchEngine
from inference.search.query import SearchFilters
from inference.text import fold
from training.synth import document_seed, sample_spec

DOCUMENTS = 12


@cache
def embedder() -> Embedder:
    return EMBEDDERS.create("sentence-transformers")


def synthetic(index: int) -> IndexInput:
    spec = sample_spec(random.Random(document_seed(3, index)))
    body = "\n".join(p.text for p in spec.body)
    return IndexInput(key=f"doc-{index}", fields=spec.fields, text=f"{body}\f{spec.fields.subject}",
                      external_id=f"ext-{index}")


@pytest.fixture
def engine() -> SearchEngine:
    engine = SearchEngine(embedder())
    engine.add(synthetic(i) for i in range(DOCUMENTS))
    return engine


def test_the_embedder_gives_unit_vectors_closer_for_related_texts() -> None:
    vectors = embedder().encode(["hợp đồng lao động điện tử", "hop dong lao dong dien tu", "bản đồ địa hình"])

    assert vectors.shape == (3, embedder().dimension)
    assert abs(float((vectors[0] ** 2).sum()) - 1) < 1e-4
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_a_number_lookup_puts_the_numbered_document_first(engine: SearchEngine) -> None:
    target = synthetic(5)
    response = engine.search(f"{target.fields.type_name} {target.fields.number}", k=3)

    assert response.read_as.number == target.fields.number.upper()
    assert response.hits[0].id == "doc-5" and response.hits[0].external_id == "ext-5"
    assert not response.no_answer


def test_the_subject_without_diacritics_finds_the_document(engine: SearchEngine) -> None:
    target = synthetic(7)
    response = engine.search(fold(target.fields.subject), k=5)

    assert "doc-7" in [hit.id for hit in response.hits[:3]]
    hit = next(hit for hit in response.hits if hit.id == "doc-7")
    assert "<mark>" in hit.snippet and hit.page in (1, 2)


def test_explicit_filters_exclude_and_facets_count(engine: SearchEngine) -> None:
    year = synthetic(2).fields.issued_date.year
    response = engine.search("kế hoạch thực hiện", k=DOCUMENTS, filters=SearchFilters(year=year))

    assert response.hits and all(hit.fields.issued_date.year == year for hit in response.hits)
    assert sum(response.facets["year"].values()) == response.total
    party = engine.search("kế hoạch", k=DOCUMENTS, filters=SearchFilters(block=Block.PARTY))
    assert all(hit.fields.block == Block.PARTY for hit in party.hits)


def test_nothing_relevant_is_said_rather_than_ranked(engine: SearchEngine) -> None:
    response = engine.search("giải vô địch bóng đá thế giới Brazil Argentina", k=5)

    assert response.no_answer and response.hits == [] and response.reason
    numbered = engine.search("nghị định 999/2031/NĐ-CP")
    assert numbered.no_answer and "999/2031/NĐ-CP" in numbered.reason


def test_update_delete_snapshot_and_similar(engine: SearchEngine) -> None:
    replaced = synthetic(4).model_copy(update={"text": "Quy chuẩn kỹ thuật quốc gia về bản đồ địa hình tỷ lệ"})
    engine.add([replaced])
    assert len(engine) == DOCUMENTS
    assert engine.search("bản đồ địa hình", k=1).hits[0].id == "doc-4"

    assert engine.remove("doc-4") and "doc-4" not in engine
    assert all(hit.id != "doc-4" for hit in engine.search("bản đồ địa hình", k=DOCUMENTS).hits)

    restored = SearchEngine.restore(engine.snapshot(), embedder())
    query = synthetic(1).fields.subject
    assert [h.id for h in restored.search(query).hits] == [h.id for h in engine.search(query).hits]
    similar = restored.similar("doc-1", k=3)
    assert len(similar) == 3 and all(hit.id != "doc-1" for hit in similar)
