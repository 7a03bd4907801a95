"""Search within an access scope: what a scope may not see leaves no trace in any answer."""

from __future__ import annotations

import json
from datetime import date
from functools import cache

import numpy as np
import pytest

from inference.schema import AccessMode, Fields, SecrecyLevel
from inference.search.access import AccessScope
from inference.search.embedders import EMBEDDERS, Embedder
from inference.search.engine import IndexInput, SearchEngine
from inference.search.vectors import VECTOR_INDEXES

AGENCY_A, AGENCY_B = "HN-SXD", "HN-SNV"
READER_A = AccessScope(agencies=frozenset({AGENCY_A}))
SECRET_QUERY = "phương án bố trí trận địa phòng không"

PUBLIC_A = [
    IndexInput(key="a-1", agency_code=AGENCY_A, text="Điều 1. Phê duyệt kế hoạch bảo trì đường giao thông nông thôn "
               "năm 2025 trên địa bàn các xã. Điều 2. Sở Xây dựng hướng dẫn thực hiện.",
               fields=Fields(type_name="Quyết định", number="12/QĐ-SXD", organ_name="SỞ XÂY DỰNG",
                             subject="Phê duyệt kế hoạch bảo trì đường giao thông nông thôn",
                             issued_date=date(2025, 3, 2))),
    IndexInput(key="a-2", agency_code=AGENCY_A, text="Cấp giấy phép xây dựng cho ông Nguyễn Văn Bình, CCCD số "
               "001099012345, thường trú tại phường Cửa Nam. Công trình nhà ở riêng lẻ hai tầng.",
               fields=Fields(type_name="Giấy phép", number="45/GPXD", organ_name="SỞ XÂY DỰNG",
                             subject="Cấp giấy phép xây dựng cho ông Nguyễn Văn Bình", issued_date=date(2025, 4, 9))),
    IndexInput(key="a-3", agency_code=AGENCY_A, text="Báo cáo tình hình triển khai dự án cải tạo chung cư cũ "
               "và kế hoạch di dời các hộ dân trong quý II.",
               fields=Fields(type_name="Báo cáo", number="7/BC-SXD", organ_name="SỞ XÂY DỰNG",
                             subject="Tình hình cải tạo chung cư cũ", issued_date=date(2024, 6, 30))),
]
CONFIDENTIAL_B = [
    IndexInput(key="b-secret", agency_code=AGENCY_B, secrecy=SecrecyLevel.mat, access_mode=AccessMode.restricted,
               text=f"Điều 1. Phê duyệt {SECRET_QUERY} khu vực Sóc Sơn, mật danh Hoả Tiễn Xanh. "
                    "Điều 2. Bộ Chỉ huy quân sự thành phố tổ chức thực hiện.",
               fields=Fields(type_name="Chỉ thị", number="3/CT-BCH", organ_name="BỘ CHỈ HUY QUÂN SỰ THÀNH PHỐ",
                             subject="Phương án bố trí trận địa phòng không", issued_date=date(2023, 1, 5))),
]


@cache
def embedder() -> Embedder:
    return EMBEDDERS.create("sentence-transformers")


def build(*documents: IndexInput) -> SearchEngine:
    engine = SearchEngine(embedder())
    engine.add(documents)
    return engine


@pytest.fixture(scope="module")
def engine() -> SearchEngine:
    return build(*PUBLIC_A, *CONFIDENTIAL_B)


@pytest.fixture(scope="module")
def without_secret() -> SearchEngine:
    return build(*PUBLIC_A)


def test_a_scope_finds_what_it_may_see(engine: SearchEngine) -> None:
    hits = engine.search("kế hoạch bảo trì đường giao thông nông thôn", k=3, scope=READER_A).hits

    assert hits[0].id == "a-1" and "<mark>" in hits[0].snippet


@pytest.mark.parametrize("query", [SECRET_QUERY, "chỉ thị 3/CT-BCH", "mật danh Hoả Tiễn Xanh", "tran dia phong khong",
                                   "phong khongg", "văn bản của bộ chỉ huy quân sự thành phố", "kế hoạch năm 2025"])
def test_a_document_out_of_scope_leaves_no_trace_in_the_answer(
    engine: SearchEngine, without_secret: SearchEngine, query: str
) -> None:
    """Hits, total, facets, snippets, typo corrections, the issuer read from the query, coverage, similarity
    and the no-answer decision are exactly those of an index that never held the document."""
    seen = engine.search(query, k=10, scope=READER_A)
    never_indexed = without_secret.search(query, k=10, scope=READER_A)

    assert seen.model_dump() == never_indexed.model_dump()
    assert "b-secret" not in [hit.id for hit in seen.hits]
    shown = json.dumps(seen.model_dump(mode="json", include={"hits", "facets", "corrections"}), ensure_ascii=False)
    assert "Hoả Tiễn" not in shown and "CHỈ HUY" not in shown


def test_the_document_is_found_by_a_scope_with_the_agency_the_clearance_and_the_mode(engine: SearchEngine) -> None:
    cleared = AccessScope(agencies=frozenset({AGENCY_B}), clearance=SecrecyLevel.mat, modes=frozenset(AccessMode))
    uncleared = AccessScope(agencies=frozenset({AGENCY_B}), clearance=SecrecyLevel.none, modes=frozenset(AccessMode))
    no_mode = AccessScope(agencies=frozenset({AGENCY_B}), clearance=SecrecyLevel.mat)

    assert engine.search(SECRET_QUERY, scope=cleared).hits[0].id == "b-secret"
    for scope in (uncleared, no_mode, READER_A):
        response = engine.search(SECRET_QUERY, scope=scope)
        assert "b-secret" not in [hit.id for hit in response.hits]
        assert "BỘ CHỈ HUY QUÂN SỰ THÀNH PHỐ" not in response.facets["issuer"]


def test_similar_to_an_invisible_document_is_unknown_and_never_suggests_one(engine: SearchEngine) -> None:
    with pytest.raises(KeyError):
        engine.similar("b-secret", scope=READER_A)

    assert {hit.id for hit in engine.similar("a-1", k=10, scope=READER_A)} == {"a-2", "a-3"}
    assert "b-secret" in {hit.id for hit in engine.similar("a-1", k=10)}


def test_personal_data_is_masked_in_hits_unless_the_scope_reveals_it(engine: SearchEngine) -> None:
    query = "giấy phép xây dựng nhà ở riêng lẻ"
    masked = next(hit for hit in engine.search(query, scope=READER_A).hits if hit.id == "a-2")
    revealing = AccessScope(agencies=frozenset({AGENCY_A}), reveal_personal_data=True)
    shown = next(hit for hit in engine.search(query, scope=revealing).hits if hit.id == "a-2")

    assert "001099012345" not in masked.snippet and "Nguyễn Văn Bình" not in masked.snippet + masked.fields.subject
    assert "*********345" in masked.snippet and "N. V. B." in masked.fields.subject
    assert "001099012345" in shown.snippet and shown.fields.subject == PUBLIC_A[1].fields.subject


def test_changing_a_documents_access_changes_who_finds_it(engine: SearchEngine) -> None:
    moved = build(*PUBLIC_A, *CONFIDENTIAL_B)
    assert "b-secret" not in [hit.id for hit in moved.search(SECRET_QUERY, scope=READER_A).hits]

    moved.add([CONFIDENTIAL_B[0].model_copy(update={"agency_code": AGENCY_A, "secrecy": SecrecyLevel.none,
                                                    "access_mode": AccessMode.public})])

    assert moved.search(SECRET_QUERY, scope=READER_A).hits[0].id == "b-secret"


def test_the_snapshot_keeps_access_and_an_older_snapshot_is_refused(engine: SearchEngine) -> None:
    files = engine.snapshot()
    restored = SearchEngine.restore(files, embedder())
    assert "b-secret" not in [hit.id for hit in restored.search(SECRET_QUERY, scope=READER_A).hits]

    older = json.loads(files["store.json"])
    del older["format"]
    with pytest.raises(ValueError, match="rebuild"):
        SearchEngine.restore(files | {"store.json": json.dumps(older).encode()}, embedder())


@pytest.mark.parametrize("kind", ["flat", "ivf"])
def test_a_restricted_vector_search_finds_the_nearest_selected_vectors(kind: str) -> None:
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(4000, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    options = {"training": vectors, "expected": len(vectors)} if kind == "ivf" else {}
    index = VECTOR_INDEXES.create(kind, dimension=16, nprobe=4, **options)
    index.add(np.arange(len(vectors)), vectors)
    selected = np.arange(0, len(vectors), 100)

    _, found = index.search(vectors[:3], 5, within=selected)
    exact = np.argsort(-(vectors[:3] @ vectors[selected].T), axis=1)[:, :5]

    assert np.isin(found, selected).all()
    assert (found == selected[exact]).mean() >= 0.9
    assert index.search(vectors[:1], 5, within=np.zeros(0, dtype=np.int64))[1].shape == (1, 0)
