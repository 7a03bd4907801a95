"""Decompression bombs, a corpus of malformed files, oversized uploads and hostile file names against the
upload routes, on SQLite and PostgreSQL: each is refused with a 4xx and a reason (or, for a damaged file
that can still be read, stored and extracted or failed with a reason), the service keeps serving, and what
was stored before is still there, whole."""

from __future__ import annotations

from pathlib import Path

from integration.support import MAX_UPLOAD_BYTES, StoreProbe, TestClient, multipart_body, wait_for_document

from api.jobs import UNEXPECTED_FAILURE
from api.settings import Settings
from api.store.models import DocumentRow, JobRow
from api.uploads import MAX_FILENAME_CHARS

from .hostile import BOMBS, MALFORMED, text_pdf

REFUSALS = {
    "bad_multipart",
    "empty_file",
    "unsupported_format",
    "corrupt_file",
    "encrypted_file",
    "too_large",
    "input_too_complex",
}
HOSTILE_NAMES = [
    "../../etc/passwd",
    "/etc/passwd",
    "..\\..\\Windows\\win.ini",
    "C:\\Windows\\System32\\config\\SAM",
    "..",
    "../",
    "a\x00b.pdf",
    "ok.pdf\x00.exe",
    "line\r\nX-Injected: 1.pdf",
    "fdp.\u202egnp.pdf",
    "x" * 10_000 + ".pdf",
    "<script>alert(1)</script>.pdf",
    "%2e%2e%2fetc%2fpasswd",
    "~/.ssh/id_rsa",
    "\\\\server\\share\\a.pdf",
]


class Baseline:
    """A document stored before the attack; `intact()` says whether it and its file survived."""

    def __init__(self, client: TestClient, store: StoreProbe):
        self.client, self.store = client, store
        response = client.post("/v1/documents", files={"file": ("baseline.pdf", text_pdf())})
        assert response.status_code == 201, response.text
        self.id, self.sha256 = response.json()["id"], response.json()["sha256"]
        assert wait_for_document(client, self.id)["status"] == "done"
        self.counts = self.current_counts()

    def current_counts(self) -> tuple[int, int, int]:
        return self.store.count(DocumentRow), self.store.count(JobRow), len(self.store.blob_files())

    def intact(self) -> bool:
        record = self.client.get(f"/v1/documents/{self.id}")
        return record.status_code == 200 and self.store.blobs.read(self.sha256) == text_pdf()


def refused(response) -> str | None:
    """None when the response is a clean 4xx refusal; otherwise what is wrong with it."""
    if not 400 <= response.status_code < 500:
        return f"{response.status_code} {response.text[:200]}"
    body = response.json()
    return None if body.get("error") in REFUSALS and body.get("reason") else f"unexpected body {body}"


def test_decompression_bombs_are_refused(client: TestClient, store: StoreProbe) -> None:
    baseline = Baseline(client, store)
    problems = []
    for name, make in BOMBS.items():
        for route in ("/v1/documents", "/v1/extract"):
            problem = refused(client.post(route, files={"file": (f"{name}.bin", make())}))
            problems += [f"{route} {name}: {problem}"] if problem else []
    assert problems == []
    assert baseline.current_counts() == baseline.counts and baseline.intact()


def test_malformed_files_are_refused_or_read_without_harm(client: TestClient, store: StoreProbe) -> None:
    baseline = Baseline(client, store)
    problems, accepted = [], []
    for name, make in MALFORMED.items():
        response = client.post("/v1/documents", files={"file": (f"{name}.pdf", make())})
        if response.status_code == 201:
            accepted.append((name, response.json()["id"]))
        elif problem := refused(response):
            problems.append(f"{name}: {problem}")
    for name, document_id in accepted:  # read despite the damage: extracted, or failed with a reason
        record = wait_for_document(client, document_id)
        if record["status"] == "failed" and (not record["error"] or record["error"] == UNEXPECTED_FAILURE):
            problems.append(f"{name}: the job failed without a reason: {record['error']}")
    assert problems == []
    assert len(accepted) < len(MALFORMED) // 3, accepted
    assert store.count(DocumentRow) == baseline.counts[0] + len(accepted) and baseline.intact()


def test_malformed_files_through_extract_are_refused_or_read(client: TestClient) -> None:
    problems = []
    for name, make in MALFORMED.items():
        response = client.post("/v1/extract", files={"file": (f"{name}.pdf", make())})
        if response.status_code != 200 and (problem := refused(response)):
            problems.append(f"{name}: {problem}")
    assert problems == []


def test_oversized_uploads_are_refused_before_they_are_read(client: TestClient, store: StoreProbe) -> None:
    baseline = Baseline(client, store)
    big = b"%PDF-1.7\n" + bytes(MAX_UPLOAD_BYTES)
    body, content_type = multipart_body("big.pdf", big)
    lying = client.post(  # a Content-Length smaller than the body: the stream is counted, not the header
        "/v1/documents", content=body, headers={"content-type": content_type, "content-length": "1000"}
    )
    streamed = client.post(
        "/v1/documents",
        content=iter([body[i : i + 65536] for i in range(0, len(body), 65536)]),
        headers={"content-type": content_type},
    )
    declared = client.post("/v1/extract", files={"file": ("big.pdf", big)})
    for response in (streamed, declared):
        assert response.status_code == 413 and response.json()["error"] == "too_large", response.text
    assert lying.status_code in (400, 413), lying.text
    assert baseline.current_counts() == baseline.counts and baseline.intact()


def test_hostile_file_names_never_leave_the_store(
    client: TestClient, store: StoreProbe, settings: Settings, tmp_path: Path
) -> None:
    outside_before = {p for p in tmp_path.rglob("*") if settings.data_dir not in p.parents}
    problems = []
    for index, name in enumerate(HOSTILE_NAMES):
        data = text_pdf() + b"%% copy %d\n" % index
        body, content_type = multipart_body(name, data)
        response = client.post("/v1/documents", content=body, headers={"content-type": content_type})
        if response.status_code != 201:
            problems += [f"{name[:40]!r}: {response.status_code} {response.text[:200]}"] if refused(response) else []
            continue
        stored = response.json()["filename"]
        unsafe = (
            any(c in stored for c in "/\\\x00\r\n\u202e") or stored in (".", "..") or len(stored) > MAX_FILENAME_CHARS
        )
        problems += [f"{name[:40]!r} stored as {stored[:40]!r}"] if unsafe else []
        disposition = client.get(f"/v1/documents/{response.json()['id']}").status_code
        problems += [f"{name[:40]!r}: reading it back answered {disposition}"] if disposition != 200 else []
    assert problems == [], "\n".join(problems)
    blobs = store.blob_files()
    assert all(settings.blobs_dir in blob.parents and len(blob.name) == 64 for blob in blobs)
    assert {p for p in tmp_path.rglob("*") if settings.data_dir not in p.parents} == outside_before
