"""Governance in the service: duplicate groups, the review queue, retention decisions, unit import,
and `vanthu dedup`, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from typer.testing import CliRunner

from api.cli import app as cli_app
from api.settings import Settings, get_settings
from inference.schema import Block
from training.synth import sample_document

from .support import JOB_TIMEOUT_SECONDS, TestClient, numbered_pdf, synthetic_pdf, wait_for_document

UNITS_CSV = """old_code,old_name,old_district,new_code,new_name,share
00001,Phường Phúc Xá,Quận Ba Đình,00097,Phường Hồng Hà,full
00004,Phường Trúc Bạch,Quận Ba Đình,00004,Phường Ba Đình,full
"""


def resaved(pdf: bytes, producer: str = "another scanner station") -> bytes:
    """The same document saved again by another program: other bytes (another sha256), same pages."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.add_metadata({"/Producer": producer})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def add(client: TestClient, name: str, data: bytes, **access: str) -> dict:
    """Store a document (form fields `access`: agency_code, ...) and wait until its extraction and then its
    governance are recorded."""
    response = client.post("/v1/documents", files={"file": (name, data)}, data=access or None)
    assert response.status_code == 201, response.text
    record = wait_for_document(client, response.json()["id"])
    assert record["status"] == "done", record
    deadline = time.monotonic() + JOB_TIMEOUT_SECONDS
    while client.get(f"/v1/documents/{record['id']}/governance").json()["retention"] is None:
        assert time.monotonic() < deadline, "governance was not recorded"
        time.sleep(0.1)
    return record


def assert_error(response, status: int, code: str) -> None:  # noqa: ANN001
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == code and body["reason"]


def test_duplicates_are_grouped_then_confirmed_once(client: TestClient) -> None:
    pdf, _ = synthetic_pdf(3)
    first, second = add(client, "a.pdf", pdf), add(client, "b.pdf", resaved(pdf))
    add(client, "other.pdf", synthetic_pdf(4)[0])
    [group] = client.get("/v1/duplicates").json()
    assert {m["document_id"] for m in group["members"]} == {first["id"], second["id"]}
    assert (group["status"], group["reason"]) == ("proposed", "same_pages")
    [item] = client.get("/v1/review", params={"kind": "duplicates"}).json()
    assert item["group_id"] == group["id"]

    confirmation = {"by": "thu.nguyen", "original_id": second["id"]}
    confirmed = client.post(f"/v1/duplicates/{group['id']}/confirm", json=confirmation)
    assert confirmed.status_code == 200, confirmed.text
    body = confirmed.json()
    assert (body["status"], body["original_id"], body["decided_by"]) == ("confirmed", second["id"], "thu.nguyen")
    roles = {m["document_id"]: m["role"] for m in body["members"]}
    assert roles == {first["id"]: "duplicate", second["id"]: "original"}
    assert_error(client.post(f"/v1/duplicates/{group['id']}/reject", json={"by": "an"}), 409, "already_decided")
    assert client.get("/v1/review", params={"kind": "duplicates"}).json() == []
    [resolved] = client.get("/v1/review", params={"kind": "duplicates", "status": "resolved"}).json()
    assert resolved["resolved_by"] == "thu.nguyen"


def test_documents_staff_rejected_are_not_grouped_again(client: TestClient) -> None:
    pdf, _ = synthetic_pdf(3)
    first, second = add(client, "a.pdf", pdf), add(client, "b.pdf", resaved(pdf))
    [group] = client.get("/v1/duplicates").json()
    rejected = client.post(f"/v1/duplicates/{group['id']}/reject", json={"by": "an", "note": "two originals"})
    assert rejected.json()["status"] == "rejected"
    third = add(client, "c.pdf", resaved(pdf, "a third station"))
    [proposed] = client.get("/v1/duplicates", params={"status": "proposed"}).json()
    members = {m["document_id"] for m in proposed["members"]}
    assert third["id"] in members and len(members) == 2 and not {first["id"], second["id"]} <= members


def test_group_decisions_refuse_bad_requests(client: TestClient) -> None:
    assert_error(client.post("/v1/duplicates/nope/reject", json={"by": "an"}), 404, "not_found")
    assert_error(client.post("/v1/duplicates/nope/confirm", json={"note": "no name"}), 422, "invalid_request")
    assert_error(client.get("/v1/duplicates", params={"status": "maybe"}), 422, "invalid_request")


def test_retention_is_proposed_then_overridden_with_who(client: TestClient) -> None:
    document = add(client, "a.pdf", synthetic_pdf(5)[0])
    governance = client.get(f"/v1/documents/{document['id']}/governance").json()
    proposal = governance["retention"]
    assert proposal["source"] == "proposed" and proposal["citation"] and proposal["rule_id"]
    assert governance["classification"]["level"] in ("city", "district", "commune")
    [item] = client.get("/v1/review", params={"kind": "retention"}).json()
    assert item["document_id"] == document["id"]

    other = "5" if proposal["period"] != "5" else "permanent"
    decided = client.post(f"/v1/documents/{document['id']}/retention", json={"by": "lan.tran", "period": other})
    assert decided.status_code == 200, decided.text
    assert (decided.json()["source"], decided.json()["period"], decided.json()["decided_by"]) == ("overridden", other,
                                                                                                  "lan.tran")
    history = client.get(f"/v1/documents/{document['id']}/governance").json()["retention_history"]
    assert [h["source"] for h in history] == ["proposed", "overridden"]
    assert client.get("/v1/review", params={"kind": "retention"}).json() == []
    assert_error(client.post(f"/v1/documents/{document['id']}/retention", json={"by": "a", "period": "7"}), 422,
                 "invalid_request")
    assert_error(client.post("/v1/documents/nope/retention", json={"by": "a"}), 404, "not_found")


def test_quality_flags_are_queued_and_resolved_once(client: TestClient) -> None:
    document = add(client, "blank-ish.pdf", numbered_pdf(1))  # a page with nothing but "Trang 1/1"
    items = client.get("/v1/review", params={"kind": "quality"}).json()
    assert ("missing_field", "number", "error") in {(i["code"], i["field"], i["severity"]) for i in items}
    assert all(i["document_id"] == document["id"] for i in items)
    resolved = client.post(f"/v1/review/{items[0]['id']}/resolve", json={"by": "an", "note": "no number on the page"})
    assert resolved.status_code == 200 and resolved.json()["resolution"] == "resolved: no number on the page"
    assert_error(client.post(f"/v1/review/{items[0]['id']}/resolve", json={"by": "an"}), 409, "already_decided")
    assert_error(client.post("/v1/review/nope/resolve", json={"by": "an"}), 404, "not_found")


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("VANTHU_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("VANTHU_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("VANTHU_PIPELINE__WORKERS", "1")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def phuc_xa_decision() -> bytes:
    spec_fields = sample_document(11, kind="QĐ", block=Block.GOVERNMENT).spec.fields.model_dump()
    fields = spec_fields | {"organ_name": "ỦY BAN NHÂN DÂN PHƯỜNG PHÚC XÁ", "parent_organ_name": "UBND QUẬN BA ĐÌNH",
                            "issued_date": date(2020, 5, 4)}
    return sample_document(11, kind="QĐ", block=Block.GOVERNMENT, fields=fields).pdf


def test_imported_units_give_the_successor(client: TestClient, cli_env: None, tmp_path: Path) -> None:
    table = tmp_path / "units.csv"
    table.write_text(UNITS_CSV, encoding="utf-8")
    imported = CliRunner().invoke(cli_app, ["units", "import", str(table)])
    assert imported.exit_code == 0 and "2 unit links imported" in imported.output, imported.output
    document = add(client, "phuc-xa.pdf", phuc_xa_decision())
    classification = client.get(f"/v1/documents/{document['id']}/governance").json()["classification"]
    assert classification["level"] == "commune"
    assert [s["name"] for s in classification["successors"]] == ["Phường Hồng Hà"]

    bad = tmp_path / "bad.csv"
    bad.write_text("code,name\n01,Hà Nội\n", encoding="utf-8")
    refused = CliRunner().invoke(cli_app, ["units", "import", str(bad)])
    assert refused.exit_code == 1 and "not a unit conversion table" in refused.output


class TestDedupCommand:
    @pytest.fixture
    def database_url(self, sqlite_url: str) -> str:
        return sqlite_url

    def test_prints_groups_of_files_as_json(self, cli_env: None, tmp_path: Path) -> None:
        pdf, _ = synthetic_pdf(3)
        (tmp_path / "a.pdf").write_bytes(pdf)
        (tmp_path / "b.pdf").write_bytes(resaved(pdf))
        (tmp_path / "c.pdf").write_bytes(synthetic_pdf(4)[0])
        (tmp_path / "notes.pdf").write_bytes("không phải PDF".encode())
        result = CliRunner().invoke(cli_app, ["dedup", str(tmp_path), "--json"])
        assert result.exit_code == 1  # notes.pdf is refused and reported; the others are grouped
        [group] = json.loads(result.stdout.strip().splitlines()[-1])["groups"]
        assert group["members"] == [str(tmp_path / "a.pdf"), str(tmp_path / "b.pdf")]
        assert group["reason"] == "same_pages"
        assert "notes.pdf" in result.stderr
