"""A document without text (a blank scan) in the search index: searching must not fail."""

from __future__ import annotations

import io

from integration.support import TestClient, wait_for_document
from PIL import Image


def blank_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (400, 560), 255).save(buffer, "PNG", dpi=(50, 50))
    return buffer.getvalue()


def test_searching_beside_a_blank_document_answers(client: TestClient) -> None:
    created = client.post("/v1/documents", files={"file": ("blank.png", blank_png())})
    done = wait_for_document(client, created.json()["id"])
    assert done["status"] == "done" and not done["result"]["text"].strip()
    for query in ("quyết định", "0", "2024"):
        response = client.get("/v1/search", params={"q": query})
        assert response.status_code == 200, response.text
