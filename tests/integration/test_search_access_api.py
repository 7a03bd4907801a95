"""Search through the API respects access: another agency's confidential document is found by no path
(hits, totals, facets, snippets, similar documents), personal data shows only to officers, and a
correction or an access change reaches the index at once."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable

import pytest
from sqlalchemy import select

from api.auth.principal import AccessMode, Principal, Role, SecrecyLevel
from api.search import access_scope, import_records
from api.store.models import DocumentRow
from inference.schema import DocumentAccess

from .support import ClientAs, TestClient

AGENCY_A, AGENCY_B = "HN-SXD", "HN-BCH"
SECRET_WORDS = "phương án bố trí trận địa phòng không Sóc Sơn"
RECORDS = [
    ({"id": "a-public", "title": "Quyết định phê duyệt kế hoạch bảo trì đường giao thông nông thôn",
      "text": "Điều 1. Phê duyệt kế hoạch bảo trì đường giao thông nông thôn năm 2025 trên địa bàn các xã.",
      "metadata": {"number": "12/QĐ-SXD", "type_name": "Quyết định", "organ_name": "SỞ XÂY DỰNG"}},
     {"agency_code": AGENCY_A, "secrecy": 0, "access_mode": "public"}),
    ({"id": "a-permit", "title": "Giấy phép xây dựng nhà ở riêng lẻ",
      "text": "Cấp giấy phép xây dựng nhà ở riêng lẻ cho ông Nguyễn Văn Bình, CCCD số 001099012345.",
      "metadata": {"number": "45/GPXD", "type_name": "Giấy phép", "organ_name": "SỞ XÂY DỰNG"}},
     {"agency_code": AGENCY_A, "secrecy": 0, "access_mode": "conditional"}),
    ({"id": "a-confidential", "title": "Báo cáo rà soát cầu yếu",
      "text": "Báo cáo mật về rà soát các cầu yếu trên tuyến đê hữu Hồng.",
      "metadata": {"number": "9/BC-SXD", "type_name": "Báo cáo", "organ_name": "SỞ XÂY DỰNG"}},
     {"agency_code": AGENCY_A, "secrecy": 1, "access_mode": "public"}),
    ({"id": "b-public", "title": "Thông báo tuyển quân năm 2025",
      "text": "Thông báo lịch khám tuyển nghĩa vụ quân sự năm 2025 cho thanh niên các phường.",
      "metadata": {"number": "2/TB-BCH", "type_name": "Thông báo", "organ_name": "BỘ CHỈ HUY QUÂN SỰ"}},
     {"agency_code": AGENCY_B, "secrecy": 0, "access_mode": "public"}),
    ({"id": "b-secret", "title": "Chỉ thị về phương án bố trí trận địa phòng không",
      "text": f"Điều 1. Phê duyệt {SECRET_WORDS}, mật danh Hoả Tiễn Xanh.",
      "metadata": {"number": "3/CT-BCH", "type_name": "Chỉ thị", "organ_name": "BỘ CHỈ HUY QUÂN SỰ"}},
     {"agency_code": AGENCY_B, "secrecy": 1, "access_mode": "public"}),
]


@pytest.fixture
def documents(client: TestClient, client_as: Callable[..., ClientAs]) -> dict[str, str]:
    """external id -> document id: the records imported, then given their agency and secrecy by the root admin."""
    for agency in (AGENCY_A, AGENCY_B):
        client_as([Role.staff_reader], agency=agency)  # creates the agency under the root
    runtime = client.app.state.runtime
    assert import_records(runtime, [json.dumps(record, ensure_ascii=False) for record, _ in RECORDS]).created == 5
    with runtime.sessions() as session:
        ids = {row.external_id: row.id for row in session.scalars(select(DocumentRow))}
    for record, access in RECORDS:
        response = client.patch(f"/v1/documents/{ids[record['id']]}/access", json=access)
        assert response.status_code == 200, response.text
    return ids


@pytest.fixture
def reader_a(client_as: Callable[..., ClientAs]) -> ClientAs:
    """A staff reader of agency A without clearance."""
    return client_as([Role.staff_reader], agency=AGENCY_A)


def external_ids(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [hit["external_id"] for hit in response.json()["hits"]]


def test_confidential_words_of_another_agency_find_nothing_anywhere(
    client: TestClient, reader_a: ClientAs, documents: dict[str, str]
) -> None:
    assert external_ids(client.get("/v1/search", params={"q": SECRET_WORDS}))[0] == "b-secret"

    body = reader_a.get("/v1/search", params={"q": SECRET_WORDS}).json()
    facets = reader_a.get("/v1/search", params={"q": "văn bản của bộ chỉ huy quân sự"}).json()["facets"]
    shown = json.dumps([body, facets], ensure_ascii=False)

    assert body["no_answer"] and body["hits"] == [] and set(body["facets"]["issuer"]) == {"SỞ XÂY DỰNG"}
    assert "BỘ CHỈ HUY QUÂN SỰ" not in facets["issuer"] and "Chỉ thị" not in facets["type_name"]
    assert "Hoả Tiễn" not in shown and "3/CT-BCH" not in shown
    assert external_ids(reader_a.get("/v1/search", params={"q": "chỉ thị 3/CT-BCH"})) == []


def test_similar_to_an_invisible_document_is_a_404_like_a_missing_one(
    client: TestClient, reader_a: ClientAs, documents: dict[str, str]
) -> None:
    hidden = reader_a.get(f"/v1/documents/{documents['b-secret']}/similar")
    missing = reader_a.get("/v1/documents/00000000-0000-0000-0000-000000000000/similar")

    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["error"] == missing.json()["error"] == "not_found"
    assert hidden.json()["reason"].replace(documents["b-secret"], "ID") == missing.json()["reason"].replace(
        "00000000-0000-0000-0000-000000000000", "ID")
    visible = reader_a.get(f"/v1/documents/{documents['a-public']}/similar", params={"k": 10}).json()
    assert {hit["external_id"] for hit in visible} == {"a-permit"}
    assert client.get(f"/v1/documents/{documents['b-secret']}/similar").status_code == 200


def test_each_reader_finds_what_its_agency_clearance_and_roles_allow(
    client_as: Callable[..., ClientAs], documents: dict[str, str]
) -> None:
    cleared_b = client_as([Role.staff_reader], agency=AGENCY_B, clearance=SecrecyLevel.mat)
    pipeline_a = client_as([Role.pipeline], agency=AGENCY_A, clearance=SecrecyLevel.mat)

    assert external_ids(cleared_b.get("/v1/search", params={"q": SECRET_WORDS}))[0] == "b-secret"
    assert "a-confidential" in external_ids(pipeline_a.get("/v1/search", params={"q": "rà soát cầu yếu đê"}))
    assert "a-permit" not in external_ids(pipeline_a.get("/v1/search", params={"q": "giấy phép xây dựng nhà ở"}))


def test_personal_data_in_hits_shows_to_officers_only(
    client_as: Callable[..., ClientAs], reader_a: ClientAs, documents: dict[str, str]
) -> None:
    officer = client_as([Role.records_officer], agency=AGENCY_A)
    query = {"q": "giấy phép xây dựng nhà ở riêng lẻ"}

    masked = reader_a.get("/v1/search", params=query).json()["hits"][0]
    shown = officer.get("/v1/search", params=query).json()["hits"][0]

    assert masked["external_id"] == shown["external_id"] == "a-permit"
    assert "001099012345" not in masked["snippet"] and "Nguyễn Văn Bình" not in masked["snippet"]
    assert "*********345" in masked["snippet"] and "001099012345" in shown["snippet"]


def test_search_needs_a_principal(client: TestClient, documents: dict[str, str]) -> None:
    for path in ("/v1/search?q=kế+hoạch", f"/v1/documents/{documents['a-public']}/similar"):
        response = client.get(path, auth=None)
        assert (response.status_code, response.json()["error"]) == (401, "not_authenticated")


def test_a_correction_and_an_access_change_reach_the_index_at_once(
    client: TestClient, reader_a: ClientAs, documents: dict[str, str]
) -> None:
    corrected = client.put(f"/v1/documents/{documents['a-public']}/fields",
                           json={"fields": {"subject": "Kế hoạch nạo vét kênh mương thuỷ lợi"}})
    assert corrected.status_code == 200, corrected.text
    assert external_ids(reader_a.get("/v1/search", params={"q": "nạo vét kênh mương"}))[0] == "a-public"

    moved = client.patch(f"/v1/documents/{documents['a-public']}/access",
                         json={"agency_code": AGENCY_B, "secrecy": 0, "access_mode": "public"})
    assert moved.status_code == 200, moved.text
    assert "a-public" not in external_ids(reader_a.get("/v1/search", params={"q": "nạo vét kênh mương"}))


def test_the_scope_of_a_principal_admits_exactly_what_it_may_read() -> None:
    agencies = ("HN", AGENCY_A, AGENCY_B)
    for roles, clearance in itertools.product([[role] for role in Role], SecrecyLevel):
        principal = Principal(subject="user:x", name="x", roles=frozenset(roles), agency_code=AGENCY_A,
                              scope=frozenset({AGENCY_A}), clearance=clearance)
        scope = access_scope(principal)
        for agency, secrecy, mode in itertools.product(agencies, SecrecyLevel, AccessMode):
            access = DocumentAccess(agency_code=agency, secrecy=secrecy, access_mode=mode)
            assert scope.admits(access) == principal.may_read(agency, secrecy, mode), (roles, clearance, access)
        assert scope.reveal_personal_data == principal.reveal_personal_data
