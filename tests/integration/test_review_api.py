"""`GET /v1/review`: low-confidence fields beside governance's items, paging, and only what the caller may see."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from api.auth.principal import Role
from api.settings import Settings
from api.settings_admin import ReviewSettings

from .support import ClientAs, TestClient, make_settings, synthetic_pdf
from .test_governance_api import add, assert_error, resaved

LOW_CONFIDENCE = 0.9
"""Born-digital synthetic documents read `block` at 0.8."""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return make_settings(settings.data_dir, settings.database_url, review=ReviewSettings(low_confidence=LOW_CONFIDENCE))


def review(client: TestClient | ClientAs, **params: object) -> list[dict]:
    response = client.get("/v1/review", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def fields_queued(client: TestClient) -> dict[str, dict]:
    return {i["field"]: i for i in review(client, kind="fields")}


def test_low_confidence_fields_are_queued_with_their_value_then_confirmed_or_corrected(client: TestClient) -> None:
    """Which fields a synthetic document reads below the bar depends on its content (the corpus in
    ../shared, when present, changes it); `block` is always among them."""
    first = add(client, "a.pdf", synthetic_pdf(3)[0])
    queued = fields_queued(client)
    assert all(i["confidence"] < LOW_CONFIDENCE and i["document_id"] == first["id"] for i in queued.values())
    block = queued["block"]
    assert (block["document_id"], block["code"], block["filename"]) == (first["id"], "low_confidence", "a.pdf")
    assert block["value"] == first["fields"]["block"] and block["confidence"] == pytest.approx(0.8)

    confirmed = client.post(f"/v1/review/{block['id']}/resolve", json={"by": "lan", "note": "đúng"})
    assert confirmed.status_code == 200, confirmed.text
    assert "block" not in fields_queued(client)
    assert [i["id"] for i in review(client, kind="fields", status="resolved")] == [block["id"]]

    second = add(client, "b.pdf", synthetic_pdf(5)[0])
    assert fields_queued(client)["block"]["document_id"] == second["id"]
    corrected = client.put(f"/v1/documents/{second['id']}/fields", json={"fields": {"block": "party"}})
    assert corrected.status_code == 200, corrected.text
    assert fields_queued(client)["block"]["value"] == "party"  # the queue shows the corrected value


def test_the_queue_is_paged_oldest_first(client: TestClient) -> None:
    add(client, "a.pdf", synthetic_pdf(5)[0])
    everything = review(client)
    assert len(everything) >= 4 and {i["kind"] for i in everything} >= {"fields", "retention"}
    seen, cursor = [], None
    while True:
        response = client.get("/v1/review", params={"limit": 2} | ({"cursor": cursor} if cursor else {}))
        assert response.status_code == 200 and len(response.json()) <= 2
        seen += [i["id"] for i in response.json()]
        cursor = response.headers.get("X-Vanthu-Next-Cursor")
        if cursor is None:
            break
    assert seen == [i["id"] for i in everything]
    assert_error(client.get("/v1/review", params={"cursor": "not-a-cursor"}), 422, "invalid_cursor")
    assert_error(client.get("/v1/review", params={"kind": "everything"}), 422, "invalid_request")


def test_officers_see_only_items_of_documents_they_may_see(
    client: TestClient, client_as: Callable[..., ClientAs]
) -> None:
    north = client_as([Role.records_officer], agency="HN-BAC")
    south = client_as([Role.records_officer], agency="HN-NAM")
    pdf = synthetic_pdf(3)[0]
    mine = add(client, "bac.pdf", pdf, agency_code="HN-BAC")
    add(client, "nam.pdf", resaved(pdf), agency_code="HN-NAM")

    [group_item] = review(client, kind="duplicates")  # the root admin sees both members
    assert {m["filename"] for m in group_item["group"]["members"]} == {"bac.pdf", "nam.pdf"}
    assert {i["document_id"] for i in review(north)} == {mine["id"]}  # not the group: one member is not theirs
    assert all(i["filename"] == "nam.pdf" for i in review(south))
    assert review(client_as([Role.records_officer], agency="HN-DONG")) == []

    assert_error(client_as([Role.staff_reader]).get("/v1/review"), 403, "forbidden")
    assert_error(client.get("/v1/review", auth=None), 401, "not_authenticated")


def test_retention_items_carry_the_proposal(client: TestClient) -> None:
    document = add(client, "a.pdf", synthetic_pdf(5)[0])
    [item] = review(client, kind="retention")
    assert item["document_id"] == document["id"]
    assert item["retention"]["source"] == "proposed" and item["retention"]["period"]
