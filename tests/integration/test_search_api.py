"""Search in the service: import of digital records, GET /v1/search, similar, DELETE, the CLI, the index on disk."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from api.cli import app as cli_app
from api.search import SearchService, import_records
from api.settings import Settings, get_settings
from api.store.models import DocumentRow
from inference.search.access import AccessScope
from inference.search.query import SearchFilters

from .support import TestClient, decision_pdf, wait_for_document

RECORDS = [
    {"id": "vb-1", "title": "Nghị định quy định về hợp đồng lao động điện tử",
     "text": "Điều 1. Nghị định này quy định về giao kết, thực hiện hợp đồng lao động điện tử giữa người lao động "
             "và người sử dụng lao động.\fĐiều 2. Nền tảng hợp đồng lao động điện tử được kết nối với cơ sở dữ liệu.",
     "metadata": {"number": "337/2025/NĐ-CP", "type_name": "Nghị định", "organ_name": "CHÍNH PHỦ",
                  "issued_date": "2025-12-24"}},
    {"id": "vb-2", "title": "Thông tư ban hành quy chuẩn kỹ thuật quốc gia về bản đồ địa hình",
     "text": "Điều 1. Ban hành Quy chuẩn kỹ thuật quốc gia về bản đồ địa hình quốc gia tỷ lệ 1:25.000.",
     "metadata": {"number": "48/2025/TT-BNNMT", "type_name": "Thông tư", "organ_name": "BỘ NÔNG NGHIỆP VÀ MÔI TRƯỜNG",
                  "issued_date": "2025-11-03"}},
    {"id": "vb-3", "title": "Kết luận về công tác cán bộ",
     "text": "Bộ Chính trị kết luận về công tác cán bộ và sắp xếp tổ chức bộ máy.",
     "metadata": {"number": "127-KL/TW", "type_name": "Kết luận", "block": "party", "issued_date": "2025-02-28"}},
]
EVERYTHING = AccessScope.everything()


def lines(records: list[dict]) -> list[str]:
    return [json.dumps(record, ensure_ascii=False) for record in records]


@pytest.fixture
def imported(client: TestClient) -> Iterator[dict[str, str]]:
    """external id -> document id of the records imported into the running app's store."""
    report = import_records(client.app.state.runtime, lines(RECORDS))
    assert (report.created, report.failed) == (3, [])
    with client.app.state.runtime.sessions() as session:
        ids = {row.external_id: row.id for row in session.scalars(select(DocumentRow))}
    yield ids


def test_search_returns_hits_with_snippets_pages_and_what_the_query_was_read_as(
    client: TestClient, imported: dict[str, str]
) -> None:
    response = client.get("/v1/search", params={"q": "hop dong lao dong dien tu", "k": 2})

    assert response.status_code == 200
    body = response.json()
    first = body["hits"][0]
    assert (first["external_id"], first["id"]) == ("vb-1", imported["vb-1"])
    assert "<mark>" in first["snippet"] and first["page"] in (1, 2)
    assert first["fields"]["number"] == "337/2025/NĐ-CP"

    numbered = client.get("/v1/search", params={"q": "kết luận 127-KL/TW"}).json()
    assert numbered["read_as"]["number"] == "127-KL/TW" and numbered["hits"][0]["external_id"] == "vb-3"

    filtered = client.get("/v1/search", params={"q": "quy chuẩn bản đồ", "type": "Nghị định"}).json()
    assert all(hit["fields"]["type_name"] == "Nghị định" for hit in filtered["hits"])

    nothing = client.get("/v1/search", params={"q": "giải vô địch bóng đá thế giới"}).json()
    assert nothing["no_answer"] is True and nothing["hits"] == [] and nothing["reason"]


@pytest.mark.parametrize("params", [{"q": "x", "k": 0}, {"k": 3}, {"q": "x", "year": "abc"}, {"q": "x", "block": "z"}])
def test_bad_search_parameters_are_a_422_with_a_reason(client: TestClient, params: dict) -> None:
    response = client.get("/v1/search", params=params)

    assert response.status_code == 422
    assert set(response.json()) == {"error", "reason"}


def test_similar_documents_and_delete(client: TestClient, imported: dict[str, str]) -> None:
    similar = client.get(f"/v1/documents/{imported['vb-1']}/similar", params={"k": 5})
    assert similar.status_code == 200
    assert {hit["external_id"] for hit in similar.json()} == {"vb-2", "vb-3"}
    assert client.get("/v1/documents/nope/similar").status_code == 404

    assert client.delete(f"/v1/documents/{imported['vb-1']}").status_code == 204
    assert client.get(f"/v1/documents/{imported['vb-1']}").status_code == 404
    assert client.delete(f"/v1/documents/{imported['vb-1']}").json()["error"] == "not_found"
    hits = client.get("/v1/search", params={"q": "hợp đồng lao động điện tử"}).json()["hits"]
    assert "vb-1" not in [hit["external_id"] for hit in hits]


def test_import_is_idempotent_updates_changed_records_and_reports_bad_lines(
    client: TestClient, imported: dict[str, str]
) -> None:
    runtime = client.app.state.runtime
    again = import_records(runtime, lines(RECORDS))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)

    changed = dict(RECORDS[1], text="Điều 1. Quy chuẩn về bản đồ địa chính tỷ lệ 1:10.000.")
    batch = [*lines([changed]), "{not json", json.dumps({"id": "x", "metadata": {"colour": "red"}}), ""]
    report = import_records(runtime, batch)
    assert (report.created, report.updated) == (0, 1)
    assert [number for number, _ in report.failed] == [2, 3]
    assert "unknown metadata keys" in report.failed[1][1]
    record = client.get(f"/v1/documents/{imported['vb-2']}").json()
    assert record["external_id"] == "vb-2" and "địa chính" in record["result"]["text"]


def test_the_index_on_disk_is_read_by_another_process(client: TestClient, imported: dict[str, str],
                                                       settings: Settings) -> None:
    other = SearchService(settings, client.app.state.runtime.sessions)

    hits = other.search("bản đồ địa hình", 3, SearchFilters(), EVERYTHING).hits
    assert hits[0].external_id == "vb-2"

    for snapshot in [path for path in other.directory.iterdir() if path.is_dir()]:
        shutil.rmtree(snapshot)  # a lost index is rebuilt from the documents table
    rebuilt = SearchService(settings, client.app.state.runtime.sessions)
    assert rebuilt.search("kết luận 127-KL/TW", 3, SearchFilters(), EVERYTHING).hits[0].external_id == "vb-3"


def test_an_extracted_document_is_indexed_when_its_job_completes(client: TestClient) -> None:
    created = client.post("/v1/documents", files={"file": ("qd.pdf", decision_pdf(), "application/pdf")})
    document_id = created.json()["id"]
    assert wait_for_document(client, document_id)["status"] == "done"

    hits = client.get("/v1/search", params={"q": "cải cách hành chính năm 2024"}).json()["hits"]
    assert hits and hits[0]["id"] == document_id


class TestCli:
    @pytest.fixture
    def environment(self, tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
        monkeypatch.setenv("VANTHU_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.setenv("VANTHU_DATABASE_URL", sqlite_url)
        get_settings.cache_clear()
        yield
        get_settings.cache_clear()

    def test_import_then_search_json(self, environment: None, tmp_path: Path) -> None:
        source = tmp_path / "records.jsonl"
        text = "\n".join([*lines(RECORDS), '{"id": ""}']) + "\n"
        source.write_bytes(text.encode() + b'{"id": "not utf-8 \xff"}\n')
        runner = CliRunner()

        imported = runner.invoke(cli_app, ["import", str(source)])
        assert imported.exit_code == 1
        assert "created 3, updated 0, unchanged 0, failed 2" in imported.stdout
        assert f"{source}:4:" in imported.stderr and f"{source}:5: line: Invalid JSON" in imported.stderr

        found = runner.invoke(cli_app, ["search", "thong tu ban do dia hinh", "--k", "2", "--json"])
        assert found.exit_code == 0, found.stderr
        body = json.loads(found.stdout)
        assert body["hits"][0]["external_id"] == "vb-2" and body["read_as"]["type_name"] == "Thông tư"

        missing = runner.invoke(cli_app, ["import", str(tmp_path / "absent.jsonl")])
        assert missing.exit_code == 2 and "no such file" in missing.stderr
