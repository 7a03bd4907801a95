"""Records exchange through the service, on SQLite and PostgreSQL: hồ sơ, export/import round trip, the change
feed, entity links with the file-based register connector, PDF/A of a stored document, the CLI."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from api.auth.principal import Role
from api.cli import app as cli_app
from api.settings import Settings, get_settings
from inference.exchange.formats import load
from inference.exchange.pdfa import check_pdfa

from .support import (
    MAX_UPLOAD_BYTES,
    TestClient,
    decision_png,
    make_settings,
    started_client,
    synthetic_pdf,
    wait_for_document,
)

DOSSIER = {
    "OrganId": "H01",
    "FileCatalog": 2024,
    "FileNotation": "05",
    "Title": "Hồ sơ cải cách hành chính năm 2024",
    "Maintenance": "Vĩnh viễn",
}


def add(client: TestClient, name: str, data: bytes) -> dict:
    created = client.post("/v1/documents", files={"file": (name, data)}).json()
    done = wait_for_document(client, created["id"])
    assert done["status"] == "done", done["error"]
    return done


def test_dossier_export_import_round_trip_and_change_feed(client: TestClient) -> None:
    first, second = add(client, "a.pdf", synthetic_pdf(3)[0]), add(client, "b.pdf", synthetic_pdf(5)[0])
    created = client.post("/v1/dossiers", json=DOSSIER)
    assert created.status_code == 201 and created.json()["FileCode"] == "H01.2024.05"
    assert client.post("/v1/dossiers", json=DOSSIER).json()["error"] == "dossier_exists"
    client.put(f"/v1/dossiers/H01.2024.05/documents/{second['id']}")
    dossier = client.put(f"/v1/dossiers/H01.2024.05/documents/{first['id']}", params={"ordinal": 7}).json()
    assert [(d["Id"], d["DocOrdinal"]) for d in dossier["Documents"]] == [(second["id"], 1), (first["id"], 7)]
    assert dossier["TotalDoc"] == 2 and dossier["PageTotal"] == first["result"]["pages"] + second["result"]["pages"]
    assert dossier["Documents"][1]["TypeName"] == first["result"]["fields"]["type_name"]

    for format in ("json", "xml"):
        exported = client.get("/v1/export", params={"format": format})
        assert exported.status_code == 200
        before = load(exported.content)
        assert client.post("/v1/import", content=exported.content).json() == {
            "dossiers_created": 0,
            "dossiers_updated": 0,
            "documents_updated": 0,
            "unchanged": 2,
        }
        again = load(client.get("/v1/export", params={"format": format}).content)
        assert again.model_dump(exclude={"ExportedAt"}) == before.model_dump(exclude={"ExportedAt"})

    cursor = client.get("/v1/changes", params={"since": 0, "limit": 1000}).json()["next_cursor"]
    edited = json.loads(client.get("/v1/export").content)
    edited["Files"][0]["Documents"][0]["Subject"] = "Về việc sửa đổi kế hoạch"
    edited["Files"][0]["Documents"][0]["Keyword"] = "cải cách"
    edited["Files"][0]["Title"] = "Hồ sơ đã đổi tên"
    summary = client.post("/v1/import", content=json.dumps(edited).encode()).json()
    assert (summary["documents_updated"], summary["dossiers_updated"]) == (1, 1)
    stored = client.get(f"/v1/documents/{second['id']}").json()
    assert stored["result"]["fields"]["subject"] == "Về việc sửa đổi kế hoạch"

    changes = client.get("/v1/changes", params={"since": cursor}).json()
    assert [(c["entity"], c["id"], c["changed"]) for c in changes["items"]] == [
        ("document", second["id"], ["Keyword", "Subject"]),
        ("dossier", "H01.2024.05", ["Title"]),
    ]
    since = client.get("/v1/export", params={"since": cursor})
    assert since.headers["x-vanthu-cursor"] == str(changes["next_cursor"])
    assert [d.Subject for f in load(since.content).Files for d in f.Documents][0] == "Về việc sửa đổi kế hoạch"


def test_feed_has_every_document_and_dossier_change_in_order(client: TestClient) -> None:
    document = add(client, "a.pdf", synthetic_pdf(3)[0])
    client.post("/v1/dossiers", json=DOSSIER)
    client.put(f"/v1/dossiers/H01.2024.05/documents/{document['id']}")
    client.delete(f"/v1/dossiers/H01.2024.05/documents/{document['id']}")
    client.delete("/v1/dossiers/H01.2024.05")

    items = client.get("/v1/changes").json()["items"]
    assert [(c["entity"], c["action"]) for c in items] == [
        ("document", "create"),
        ("document", "update"),
        ("dossier", "create"),
        ("dossier", "update"),
        ("dossier", "update"),
        ("dossier", "delete"),
    ]
    cursors = [c["cursor"] for c in items]
    assert cursors == sorted(cursors) and len(set(cursors)) == len(cursors)
    page = client.get("/v1/changes", params={"since": cursors[1], "limit": 2}).json()
    assert [c["cursor"] for c in page["items"]] == cursors[2:4] and page["next_cursor"] == cursors[3]
    assert client.get("/v1/dossiers/H01.2024.05").json()["error"] == "not_found"
    assert client.get("/v1/changes", params={"since": -1}).status_code == 422


def test_bad_imports_are_refused_whole_with_the_place_of_the_error(client: TestClient) -> None:
    document = add(client, "a.pdf", synthetic_pdf(3)[0])
    exported = client.get("/v1/export", params={"format": "xml"}).content
    cursor = client.get("/v1/changes").json()["next_cursor"]
    unknown = exported.replace(document["sha256"].encode(), b"0" * 64)
    bad_date = exported.replace(b"<Language>", b"<IssuedDate>2024-02-30</IssuedDate><Language>", 1)
    with_dossier = json.loads(client.get("/v1/export").content)
    with_dossier["Files"] = [
        DOSSIER | {"FileCode": "H01.2024.05", "TotalDoc": 3, "Documents": with_dossier["Documents"]}
    ]
    with_dossier["Documents"] = []

    cases = {
        unknown: "Documents[0]: no document with Sha256 0000",
        bad_date: "line ",
        b'{\n  "Files": [,]\n}': "line 2, column 13",
        json.dumps(with_dossier).encode(): "Files[0].TotalDoc: says 3",
        b"%PDF-1.7": "neither JSON",
    }
    for body, reason in cases.items():
        response = client.post("/v1/import", content=body)
        assert response.status_code == 422, body[:80]
        assert response.json()["error"] == "invalid_exchange" and reason in response.json()["reason"]
    too_large = client.post("/v1/import", content=b" " * (MAX_UPLOAD_BYTES + 1))
    assert (too_large.status_code, too_large.json()["error"]) == (413, "too_large")
    assert client.get("/v1/changes", params={"since": cursor}).json()["items"] == []
    assert client.get("/v1/dossiers").json() == []


def test_exports_mask_personal_data_and_masked_values_import_as_no_change(client: TestClient, client_as) -> None:
    document = add(client, "a.pdf", synthetic_pdf(3)[0])
    personal = "Về việc cấp đất cho ông Nguyễn Văn Bình, CCCD 001203012345"
    edited = json.loads(client.get("/v1/export").content)
    edited["Documents"][0]["Subject"] = personal
    assert client.post("/v1/import", content=json.dumps(edited).encode()).json()["documents_updated"] == 1

    revealed = client.get("/v1/export", params={"format": "xml"})  # an admin sees personal data
    masked = client_as([Role.staff_reader]).get("/v1/export", params={"format": "xml"})
    assert load(revealed.content).Documents[0].Subject == personal
    subject = load(masked.content).Documents[0].Subject
    assert subject == "Về việc cấp đất cho ông N. V. B., CCCD *********345"
    assert client.post("/v1/import", content=masked.content).json()["unchanged"] == 1
    stored = client.get(f"/v1/documents/{document['id']}").json()
    assert stored["result"]["fields"]["subject"] == personal


def test_entity_links_are_masked_and_checked_against_the_registers(tmp_path: Path, database_url: str) -> None:
    registers = tmp_path / "registers"
    (registers / "officials").mkdir(parents=True)
    (registers / "officials" / "nguyen-van-an.json").write_text('{"name": "Nguyễn Văn An"}', encoding="utf-8")
    units = tmp_path / "units.csv"
    units.write_text("code,name\n37,Tỉnh Ninh Bình\n00004,Phường Ba Đình\n", encoding="utf-8")
    settings = make_settings(
        tmp_path / "data", database_url, exchange={"units_path": units, "registers_dir": registers}
    )
    with started_client(settings) as client:
        document = add(client, "qd.png", decision_png())
        links = client.get(f"/v1/documents/{document['id']}/links").json()
    found = {(v["link"]["kind"], v["link"]["normalized"]): v for v in links}
    assert found[("official", "Nguyễn Văn An")]["check"]["status"] == "match"
    assert found[("admin_unit", "37")]["check"]["status"] == "unknown"
    assert found[("admin_unit", "37")]["link"]["page"] == 0


def test_pdfa_of_a_stored_document(client: TestClient) -> None:
    document = add(client, "qd.png", decision_png())
    response = client.get(f"/v1/documents/{document['id']}/pdfa")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    with pikepdf.open(io.BytesIO(response.content)) as pdf:
        assert pdf.open_metadata().get("pdfaid:part") == "2"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "QUYẾT ĐỊNH" in text and "Nguyễn Văn An" in text
    assert client.get("/v1/documents/nope/pdfa").json()["error"] == "not_found"


def test_cli_export_import_and_errors(
    tmp_path: Path, settings: Settings, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VANTHU_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("VANTHU_DATABASE_URL", database_url)
    get_settings.cache_clear()
    with started_client(settings) as client:
        document = add(client, "a.pdf", synthetic_pdf(3)[0])
    runner = CliRunner()
    created = runner.invoke(
        cli_app, ["dossier", "create", "--organ-id", "H01", "--catalog", "2024", "--notation", "05", "--title", "Hồ sơ"]
    )
    assert created.exit_code == 0 and created.output.strip() == "H01.2024.05"
    assert runner.invoke(cli_app, ["dossier", "add", "H01.2024.05", document["id"]]).exit_code == 0
    out = tmp_path / "export.xml"
    exported = runner.invoke(cli_app, ["export", "--format", "xml", "--dossier", "H01.2024.05", "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    assert [d.Sha256 for d in load(out.read_bytes()).Files[0].Documents] == [document["sha256"]]
    assert runner.invoke(cli_app, ["import-metadata", str(out)]).output.strip().endswith("unchanged=1")

    broken = tmp_path / "broken.xml"
    broken.write_bytes(out.read_bytes().replace(b"<FileCatalog>2024", b"<FileCatalog>24"))
    failed = runner.invoke(cli_app, ["import-metadata", str(broken)])
    assert failed.exit_code == 1 and "FileCatalog" in failed.output and "line " in failed.output
    missing = runner.invoke(cli_app, ["export", "--dossier", "X.2024.1", "--out", str(out)])
    assert missing.exit_code == 1 and "no hồ sơ" in missing.output
    get_settings.cache_clear()


def test_cli_pdfa_of_a_file_and_of_a_bad_one(tmp_path: Path) -> None:
    """Run as the console script: OCRmyPDF writes to the process's own stderr, which CliRunner swaps out."""
    scan, broken = tmp_path / "qd.png", tmp_path / "broken.pdf"
    scan.write_bytes(decision_png())
    broken.write_bytes(b"%PDF-1.7\n" + b"0" * 500)
    script = Path(sys.executable).with_name("vanthu")
    environment = os.environ | {"VANTHU_PIPELINE__WORKERS": "1", "OMP_THREAD_LIMIT": "1"}

    def pdfa(source: Path, out: Path) -> subprocess.CompletedProcess[str]:
        command = [script, "pdfa", source, "--out", out]
        return subprocess.run(command, capture_output=True, text=True, timeout=300, env=environment)

    made = pdfa(scan, tmp_path / "qd.pdf")
    assert made.returncode == 0, made.stderr
    assert check_pdfa((tmp_path / "qd.pdf").read_bytes()).ok
    refused = pdfa(broken, tmp_path / "no.pdf")
    assert refused.returncode == 1 and refused.stderr.startswith(f"vanthu: {broken}: ")
    assert not (tmp_path / "no.pdf").exists()
