"""A document a user may not read does not exist for them, on every path: by id, in lists, search hits,
snippets, facets, similar documents, exports and the change feed (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from integration.support import TestClient, wait_for_document

from api.auth.principal import SecrecyLevel

from .hostile import text_pdf

READER_AGENCY, OTHER_AGENCY = "HN-A", "HN-B"


@dataclass(frozen=True)
class Stored:
    id: str
    sha256: str
    word: str
    """In this document only: searching it can only find this one."""


def store(client: TestClient, word: str, **access: str) -> Stored:
    response = client.post("/v1/documents", files={"file": (f"{word}.pdf", text_pdf(word))}, data=access)
    assert response.status_code == 201, response.text
    record = wait_for_document(client, response.json()["id"])
    assert record["status"] == "done", record["error"]
    assert word in record["result"]["text"]
    return Stored(record["id"], record["sha256"], word)


def test_documents_out_of_scope_or_clearance_leave_no_trace(client: TestClient, client_as) -> None:
    reader = client_as(["staff_reader"], agency=READER_AGENCY, clearance=SecrecyLevel.none)
    client_as(["staff_reader"], agency=OTHER_AGENCY)  # creates the other agency
    visible = store(client, "thongthuong", agency_code=READER_AGENCY)
    hidden = {
        "secret (Mật) in the reader's agency": store(client, "bimatquocgia", agency_code=READER_AGENCY, secrecy="1"),
        "restricted in the reader's agency": store(
            client, "hanchesudung", agency_code=READER_AGENCY, access_mode="restricted"
        ),
        "public in another agency": store(client, "donvikhac", agency_code=OTHER_AGENCY),
    }
    traces = []

    def check(response, what: str) -> None:
        for name, document in hidden.items():
            if document.id in response.text or document.sha256 in response.text:
                traces.append(f"{what} shows the {name} document")

    listed = reader.get("/v1/documents")
    assert [item["id"] for item in listed.json()["items"]] == [visible.id]
    check(listed, "the document list")
    for name, document in hidden.items():
        word = document.word
        assert document.id in client.get("/v1/search", params={"q": word}).text  # the admin finds it
        found = reader.get("/v1/search", params={"q": word, "k": 100})
        assert found.status_code == 200
        check(found, f"searching {word!r}")
        body = found.json()
        if any(word.lower() in hit["snippet"].lower() for hit in body["hits"]):
            traces.append(f"a snippet for {word!r} quotes the {name} document")
        if body["total"] > 1 or any(count > 1 for facet in body["facets"].values() for count in facet.values()):
            traces.append(f"counts for {word!r} include more than the one visible document: {body}")
    check(reader.get(f"/v1/documents/{visible.id}/similar", params={"k": 100}), "similar documents")
    for format in ("json", "xml"):
        check(reader.get("/v1/export", params={"format": format}), f"the {format} export")
    check(reader.get("/v1/changes", params={"since": 0}), "the change feed")
    check(reader.get("/v1/dossiers"), "the dossier list")
    assert traces == [], "\n".join(traces)


def test_a_hidden_document_answers_like_a_missing_one_on_every_route(client: TestClient, client_as) -> None:
    reader = client_as(["staff_reader"], agency=READER_AGENCY)
    client_as(["staff_reader"], agency=OTHER_AGENCY)  # creates the other agency
    hidden = store(client, "donvikhac", agency_code=OTHER_AGENCY)
    missing = str(uuid.uuid4())
    differences = []
    for template, methods in client.app.openapi()["paths"].items():
        if "{document_id}" not in template:
            continue
        for method in methods:
            path = template.replace("{code}", "HS-1").replace("{number}", "1")
            answers = [
                reader.request(method.upper(), path.replace("{document_id}", d), json={}) for d in (hidden.id, missing)
            ]
            shapes = [(a.status_code, a.text.replace(d, "ID")) for a, d in zip(answers, (hidden.id, missing))]
            if shapes[0] != shapes[1]:
                differences.append(f"{method.upper()} {template}: hidden {shapes[0]} vs missing {shapes[1]}")
            if answers[0].status_code < 400:
                differences.append(
                    f"{method.upper()} {template} answered {answers[0].status_code} for a hidden document"
                )
    assert differences == [], "\n".join(differences)
    assert client.get(f"/v1/documents/{hidden.id}").status_code == 200  # it is there
