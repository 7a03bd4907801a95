"""POST /v1/extract: the pipeline run synchronously, nothing stored."""

from __future__ import annotations

import pytest

from api.store.models import DocumentRow
from inference.schema import ExtractionResult

from .support import BadRequest, StoreProbe, TestClient, decision_pdf


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """Nothing here touches the database: one kind is enough."""
    return sqlite_url


def test_extract_returns_the_extraction_result_and_stores_nothing(client: TestClient, store: StoreProbe) -> None:
    response = client.post("/v1/extract", files={"file": ("../../qd 15.pdf", decision_pdf(), "application/pdf")})

    assert response.status_code == 200, response.text
    result = ExtractionResult.model_validate(response.json())
    assert (result.file, result.pages) == ("qd 15.pdf", 1)
    assert result.fields.type_name == "Quyết định"
    assert result.fields.signer_name == "Nguyễn Văn An"
    assert (store.count(DocumentRow), store.blob_files()) == (0, [])


def test_extract_refuses_bad_input_with_a_reason(client: TestClient, bad_request: BadRequest) -> None:
    response = bad_request.send(client, "/v1/extract")

    assert response.status_code == bad_request.status, response.text
    assert response.json()["error"] == bad_request.code and response.json()["reason"]
