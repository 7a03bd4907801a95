"""The stored-document routes, on SQLite and PostgreSQL, with the real pipeline behind the job worker."""

from __future__ import annotations

from api.store.models import DocumentRow, JobRow
from inference.schema import DocumentRecord, ExtractionResult

from .support import (
    BadRequest,
    StoreProbe,
    TestClient,
    decision_pdf,
    decision_png,
    synthetic_pdf,
    wait_for_document,
)


def test_upload_is_queued_then_extracted(client: TestClient, store: StoreProbe) -> None:
    response = client.post("/v1/documents", files={"file": ("C:\\scans\\qd-15.png", decision_png(), "image/png")})

    assert response.status_code == 201
    created = DocumentRecord.model_validate(response.json())
    assert response.headers["location"] == f"/v1/documents/{created.id}"
    assert (created.filename, created.content_type, created.size) == ("qd-15.png", "image/png", len(decision_png()))
    assert created.status in ("queued", "processing") and created.result is None

    done = DocumentRecord.model_validate(wait_for_document(client, created.id))
    assert done.status == "done", done.error
    assert done.result is not None and done.result.pages == 1
    assert done.result.sha256 == created.sha256
    assert done.result.fields.type_name == "Quyết định"
    assert done.result.fields.signer_name == "Nguyễn Văn An"
    assert str(done.result.fields.issued_date) == "2024-03-12"
    assert "QUYẾT ĐỊNH" in done.result.text
    assert [p.name for p in store.blob_files()] == [created.sha256]
    assert store.blob_files()[0].parent.name == created.sha256[:2]


def test_same_bytes_again_return_the_existing_record(client: TestClient, store: StoreProbe) -> None:
    first = client.post("/v1/documents", files={"file": ("a.pdf", decision_pdf())})
    again = client.post("/v1/documents", files={"file": ("renamed.pdf", decision_pdf())})

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["filename"] == "a.pdf"
    assert (store.count(DocumentRow), store.count(JobRow), len(store.blob_files())) == (1, 1, 1)
    wait_for_document(client, first.json()["id"])


def test_listing_pages_through_summaries_without_text(client: TestClient) -> None:
    synthetic = [synthetic_pdf(seed) for seed in (3, 5)]
    uploads = [(f"{n}.pdf", pdf) for n, (pdf, _) in enumerate(synthetic)] + [("qd.png", decision_png())]
    ids = [client.post("/v1/documents", files={"file": upload}).json()["id"] for upload in uploads]
    records = [wait_for_document(client, document_id) for document_id in ids]

    first = client.get("/v1/documents", params={"limit": 2}).json()
    second = client.get("/v1/documents", params={"limit": 2, "cursor": first["next_cursor"]}).json()

    listed = first["items"] + second["items"]
    assert [item["id"] for item in listed] == ids[::-1]  # newest first
    assert second["next_cursor"] is None
    assert all("text" not in item and "result" not in item for item in listed)
    assert [item["fields"] for item in listed] == [record["result"]["fields"] for record in records[::-1]]
    assert [item["pages"] for item in listed] == [1, *(pages for _, pages in synthetic[::-1])]
    assert all(item["status"] == "done" for item in listed)


def test_bad_uploads_are_refused_and_nothing_is_stored(
    client: TestClient, store: StoreProbe, bad_request: BadRequest
) -> None:
    response = bad_request.send(client, "/v1/documents")

    assert response.status_code == bad_request.status, response.text
    assert response.json()["error"] == bad_request.code
    assert response.json()["reason"]
    assert (store.count(DocumentRow), store.count(JobRow), store.blob_files()) == (0, 0, [])


def test_unknown_document_and_bad_queries_answer_with_reasons(client: TestClient) -> None:
    missing = client.get("/v1/documents/no-such-id")
    bad_cursor = client.get("/v1/documents", params={"cursor": "not-a-cursor"})
    bad_limit = client.get("/v1/documents", params={"limit": 0})
    no_route = client.get("/v2/anything")

    assert (missing.status_code, missing.json()["error"]) == (404, "not_found")
    assert "no-such-id" in missing.json()["reason"]
    assert (bad_cursor.status_code, bad_cursor.json()["error"]) == (422, "invalid_cursor")
    assert (bad_limit.status_code, bad_limit.json()["error"]) == (422, "invalid_request")
    assert "limit" in bad_limit.json()["reason"]
    assert (no_route.status_code, no_route.json()["error"]) == (404, "not_found")


def test_health_and_docs(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/docs").status_code == 200
    schema = client.get("/openapi.json").json()
    upload = schema["paths"]["/v1/documents"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert upload["schema"]["required"] == ["file"]
    assert ExtractionResult.__name__ in schema["components"]["schemas"]
