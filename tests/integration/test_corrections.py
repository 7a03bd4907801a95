"""Corrections of extracted fields: versions, the overlay on the record, validation, the training export."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from datasets import load_from_disk

from api.auth.principal import Role
from api.corrections_export import NothingToExport, export_corrections
from api.runtime import open_runtime
from api.settings import Settings

from .support import TEST_ADMIN, TestClient, make_settings, started_client, synthetic_pdf, wait_for_document

WHO = f"user:{TEST_ADMIN}"
BOX = {"page": 0, "bbox": {"x0": 0.1, "y0": 0.12, "x1": 0.3, "y1": 0.14}}


@pytest.fixture
def document(client: TestClient) -> dict:
    """A born-digital synthetic document, extracted."""
    pdf, _ = synthetic_pdf(3)
    created = client.post("/v1/documents", files={"file": ("vb.pdf", pdf)}).json()
    record = wait_for_document(client, created["id"])
    assert record["status"] == "done", record["error"]
    return record


def correct(client: TestClient, document_id: str, body: dict):
    return client.put(f"/v1/documents/{document_id}/fields", json=body)


def test_corrections_are_versioned_and_overlaid_on_the_extraction(client: TestClient, document: dict) -> None:
    extracted = document["result"]["fields"]
    first = correct(client, document["id"], {"fields": {"number": "15/QĐ-UBND", "issued_date": "2024-03-12"},
                                             "boxes": {"number": BOX}})
    second = correct(client, document["id"], {"fields": {"number": "16/QĐ-UBND", "urgency": "thượng khẩn"}})

    assert first.status_code == 200, first.json()
    assert second.status_code == 200, second.json()
    v1, v2 = first.json(), second.json()
    assert (v1["version"], v2["version"]) == (1, 2)
    assert v1["previous"] == {"number": extracted["number"], "issued_date": extracted["issued_date"]}
    assert v2["previous"] == {"number": "15/QĐ-UBND", "urgency": extracted["urgency"]}
    assert v2["fields"] == {"number": "16/QĐ-UBND", "urgency": "THƯỢNG KHẨN"}
    assert v1["corrected_by"] == WHO and v1["boxes"] == {"number": BOX}

    record = client.get(f"/v1/documents/{document['id']}").json()
    assert record["fields"]["number"] == "16/QĐ-UBND"
    assert record["fields"]["issued_date"] == "2024-03-12"
    assert record["fields"]["urgency"] == "THƯỢNG KHẨN"
    assert record["fields"]["subject"] == extracted["subject"]
    assert record["corrected_fields"] == ["issued_date", "number", "urgency"]
    assert record["correction_version"] == 2
    assert record["result"]["fields"] == extracted  # the extraction itself is kept as it was

    history = client.get(f"/v1/documents/{document['id']}/corrections").json()
    assert [item["version"] for item in history["items"]] == [1, 2]
    listed = client.get("/v1/documents").json()["items"][0]
    assert listed["fields"]["number"] == "16/QĐ-UBND"


def test_null_clears_a_field(client: TestClient, document: dict) -> None:
    response = correct(client, document["id"], {"fields": {"subject": None, "recipients": ["UBND các xã"]}})

    assert response.status_code == 200, response.json()
    fields = client.get(f"/v1/documents/{document['id']}").json()["fields"]
    assert fields["subject"] is None and fields["recipients"] == ["UBND các xã"]


@pytest.mark.parametrize(
    ("body", "status", "code", "reason_part"),
    [
        ({"fields": {"numero": "15"}}, 422, "invalid_correction", "unknown field 'numero'"),
        ({"fields": {"issued_date": "12/03/2024"}}, 422, "invalid_correction", "ISO date"),
        ({"fields": {"issued_date": "2024-02-30"}}, 422, "invalid_correction", "ISO date"),
        ({"fields": {"urgency": "rất khẩn"}}, 422, "invalid_correction", "HỎA TỐC"),
        ({"fields": {"block": "church"}}, 422, "invalid_correction", "block"),
        ({"fields": {"number": 15}}, 422, "invalid_correction", "number"),
        ({"fields": {"subject": "   "}}, 422, "invalid_correction", "null to clear"),
        ({"fields": {}}, 422, "invalid_correction", "nothing to correct"),
        ({"boxes": {"number": {"page": 7, "bbox": BOX["bbox"]}}}, 422, "invalid_correction", "past the last page"),
        ({"boxes": {"numero": BOX}}, 422, "invalid_correction", "unknown field"),
        ({"boxes": {"number": {"page": 0, "bbox": {"x0": 10, "y0": 0, "x1": 200, "y1": 1}}}}, 422, "invalid_request",
         "normalised"),
        ({"fields": {"number": "1"}, "by": "x"}, 422, "invalid_request", "by"),
    ],
)
def test_bad_corrections_are_refused_and_nothing_is_stored(
    client: TestClient, document: dict, body: dict, status: int, code: str, reason_part: str
) -> None:
    response = correct(client, document["id"], body)

    assert response.status_code == status
    assert response.json()["error"] == code and reason_part in response.json()["reason"]
    assert client.get(f"/v1/documents/{document['id']}/corrections").json()["items"] == []
    assert client.get(f"/v1/documents/{document['id']}").json()["correction_version"] == 0


def test_who_corrects_must_be_known_and_a_records_officer(client: TestClient, client_as, document: dict) -> None:
    path, body = f"/v1/documents/{document['id']}/fields", {"fields": {"number": "1/QĐ"}}
    anonymous = client.put(path, json=body, auth=None)
    reader = client_as([Role.staff_reader]).put(path, json=body)
    officer = client_as([Role.records_officer]).put(path, json=body)

    assert anonymous.status_code == 401 and anonymous.json()["error"] == "not_authenticated"
    assert reader.status_code == 403 and reader.json()["error"] == "forbidden"
    assert officer.status_code == 200 and officer.json()["corrected_by"] == "user:records-officer.hn.0"


def test_unknown_document(client: TestClient) -> None:
    assert correct(client, "nope", {"fields": {"number": "1/QĐ"}}).status_code == 404
    assert client.get("/v1/documents/nope/corrections").status_code == 404


def test_a_document_not_extracted_yet_cannot_be_corrected(tmp_path: Path, sqlite_url: str) -> None:
    settings = make_settings(tmp_path / "data", sqlite_url, job_workers=0)
    with started_client(settings) as client:
        created = client.post("/v1/documents", files={"file": ("vb.pdf", synthetic_pdf(3)[0])}).json()
        response = correct(client, created["id"], {"fields": {"number": "1/QĐ"}})

    assert response.status_code == 409 and response.json()["error"] == "not_extracted"


@pytest.fixture
def runtime(settings: Settings) -> Iterator:
    runtime = open_runtime(settings)
    yield runtime
    runtime.close()


def test_export_is_a_deterministic_dataset_of_words_and_corrected_fields(
    client: TestClient, document: dict, runtime, tmp_path: Path
) -> None:
    correct(client, document["id"], {"fields": {"number": "15/QĐ-UBND"}, "boxes": {"number": BOX}})
    correct(client, document["id"], {"fields": {"issued_date": "2024-03-12"}})

    card = export_corrections(runtime.sessions, tmp_path / "a")
    again = export_corrections(runtime.sessions, tmp_path / "b")

    assert (card.rows, card.corrected_values, card.documents_without_pages) == (1, 2, 0)
    assert card.version == again.version and card.version.startswith("sha256:")
    for name in ("data-00000-of-00001.arrow", "state.json", "dataset_info.json", "card.json", "README.md"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    row = load_from_disk(str(tmp_path / "a"))[0]
    assert (row["document_id"], row["version"]) == (document["id"], 2)
    assert row["fields"]["number"] == "15/QĐ-UBND" and row["fields"]["issued_date"] == "2024-03-12"
    assert row["corrected_fields"] == ["issued_date", "number"]
    assert row["boxes"] == [{"field": "number", "page": 0, **BOX["bbox"]}]
    assert row["corrected_by"] == [WHO]
    texts = [w["text"] for w in row["words"]]
    assert len(texts) > 50 and card.words == len(texts)
    assert all(0 <= w["x0"] < w["x1"] <= 1 and 0 <= w["y0"] < w["y1"] <= 1 for w in row["words"])
    assert set(texts) <= set(document["result"]["text"].split())


def test_export_since_keeps_recent_corrections_only(
    client: TestClient, document: dict, runtime, tmp_path: Path
) -> None:
    correct(client, document["id"], {"fields": {"number": "15/QĐ-UBND"}})
    later = datetime.now(UTC) + timedelta(minutes=5)

    assert export_corrections(runtime.sessions, tmp_path / "all").rows == 1
    with pytest.raises(NothingToExport):
        export_corrections(runtime.sessions, tmp_path / "none", since=later)
    assert not (tmp_path / "none").exists()
