"""Injection strings in search questions, filters and other parameters: SQL, full-text and regex syntax,
unicode tricks. Each is answered with a 200 that shows nothing hidden or a 4xx with a reason, never a 500,
and the store is unchanged (SQLite and PostgreSQL)."""

from __future__ import annotations

from urllib.parse import quote

from integration.support import StoreProbe, TestClient, wait_for_document

from api.auth.principal import SecrecyLevel
from api.store.models import DocumentRow

from .hostile import text_pdf

INJECTIONS = [
    "' OR '1'='1",
    "'; DROP TABLE documents; --",
    '" OR 1=1 --',
    "1; SELECT pg_sleep(5)",
    "%' UNION SELECT * FROM users --",
    "admin'--",
    "\\' OR 1=1",
    "NEAR(a b)",
    '"unterminated',
    "title:* OR body:*",
    "a AND OR NOT (",
    "*",
    "-",
    "^2 ~ ?",
    ".*",
    "(?i).*",
    "[",
    "(((((",
    "\\",
    "a{1,99999}",
    "$(id)",
    "{{7*7}}",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "\u202egnp.exe",
    "\u200b\u200b\u200b",
    "a" + "\u0301" * 400,
    "ＳＥＬＥＣＴ",
    "𝔰𝔢𝔩𝔢𝔠𝔱",
    "\ufeff",
    "\x00",
    "\x00' OR 1=1",
    "\ud7ff\ue000",
    "Quyết định \x1b[31m",
    "x" * 499,
]
SEARCH_FILTERS = ["q", "type", "issuer", "number", "block", "year", "date_from", "ignore"]
OTHER_PARAMETERS = [
    ("/v1/documents", "cursor"),
    ("/v1/changes", "since"),
    ("/v1/audit", "actor"),
    ("/v1/audit", "action"),
    ("/v1/audit", "cursor"),
    ("/v1/review", "status"),
    ("/v1/review", "cursor"),
    ("/v1/duplicates", "status"),
    ("/v1/export", "dossier"),
    ("/v1/training-runs", "model"),
]


def answer_problem(response, hidden_id: str) -> str | None:
    if response.status_code >= 500 or (response.status_code >= 400 and not response.json().get("reason")):
        return f"{response.status_code} {response.text[:200]}"
    return f"shows the hidden document: {response.text[:200]}" if hidden_id and hidden_id in response.text else None


def test_injection_strings_are_answered_cleanly(client: TestClient, client_as, store: StoreProbe) -> None:
    reader = client_as(["staff_reader"], clearance=SecrecyLevel.none)
    hidden = client.post("/v1/documents", files={"file": ("mat.pdf", text_pdf("bimat"))}, data={"secrecy": "1"})
    assert wait_for_document(client, hidden.json()["id"])["status"] == "done"
    hidden_id, documents = hidden.json()["id"], store.count(DocumentRow)
    problems = []
    for text in INJECTIONS:
        requests = [
            ("/v1/search", {"q": "quyết định", name: text} if name != "q" else {"q": text}) for name in SEARCH_FILTERS
        ]
        requests += [(path, {name: text}) for path, name in OTHER_PARAMETERS]
        requests += [(f"/v1/documents/{quote(text, safe='')}", {}), (f"/v1/dossiers/{quote(text, safe='')}", {})]
        for path, params in requests:
            for who, caller in (("reader", reader), ("admin", client)):
                try:
                    problem = answer_problem(caller.get(path, params=params), hidden_id if who == "reader" else "")
                except Exception as error:  # noqa: BLE001 - the test client raises what the service did not handle
                    problem = f"raised {type(error).__name__}: {str(error)[:150]}"
                problems += [f"{who} {path} {params!r}: {problem}"] if problem else []
    assert problems == [], "\n".join(problems[:30])
    assert store.count(DocumentRow) == documents
    assert client.get(f"/v1/documents/{hidden_id}").json()["status"] == "done"
