"""`vanthu models ...`, `vanthu documents correct`, `vanthu corrections export`, `vanthu train`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result
from datasets import load_from_disk
from typer.testing import CliRunner

from api.cli import app
from api.settings import Settings, get_settings

from .models_support import DEFAULT_DIGITS, derived_model
from .support import make_settings, started_client, synthetic_pdf, wait_for_document


@pytest.fixture
def settings(tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    values = {"VANTHU_DATA_DIR": str(tmp_path / "data"), "VANTHU_DATABASE_URL": sqlite_url, "COLUMNS": "300"}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield make_settings(tmp_path / "data", sqlite_url)
    get_settings.cache_clear()


def vanthu(*args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(arg) for arg in args])


def test_promote_refused_forced_and_rolled_back(settings: Settings, tmp_path: Path) -> None:
    derived_model(settings.data_dir / "models" / "digits" / "v2-noised", "noised", tmp_path / "cache", scale=0.3)

    refused = vanthu("models", "promote", "digits", "v2-noised", "--by", "hoa")
    forced = vanthu("models", "promote", "digits", "v2-noised", "--force")
    listed = vanthu("models", "list", "--json")
    rolled = vanthu("models", "rollback", "digits")
    nothing = vanthu("models", "rollback", "digits")

    assert refused.exit_code == 1
    assert "gate: FAIL" in refused.output and "worse beyond noise" in refused.output
    assert forced.exit_code == 0 and f"promote: {DEFAULT_DIGITS} -> v2-noised (forced past the gate)" in forced.output
    digits = next(m for m in json.loads(listed.output)["models"] if m["name"] == "digits")
    assert digits["active"] == "v2-noised"
    assert [(e["action"], e["decided_by"]) for e in digits["history"]][0] == ("refused", "hoa")
    assert rolled.exit_code == 0 and f"rollback: v2-noised -> {DEFAULT_DIGITS}" in rolled.output
    assert nothing.exit_code == 1 and "nothing to roll back" in nothing.output


def test_unknown_model_is_a_clear_error(settings: Settings) -> None:
    result = vanthu("models", "promote", "ocr", "v1")

    assert result.exit_code == 1 and "no model named 'ocr'" in result.output


def test_correct_then_export(settings: Settings, tmp_path: Path) -> None:
    with started_client(settings) as client:
        created = client.post("/v1/documents", files={"file": ("vb.pdf", synthetic_pdf(5)[0])}).json()
        assert wait_for_document(client, created["id"])["status"] == "done"

    corrected = vanthu(
        "documents", "correct", created["id"], "number=15/QĐ-UBND", "recipients=Như trên;Lưu: VT",
        "--box", "number=0:0.1,0.1,0.3,0.14", "--by", "lan",
    )
    refused = vanthu("documents", "correct", created["id"], "numero=1")
    bad_box = vanthu("documents", "correct", created["id"], "number=1", "--box", "number=0:0.1,0.1")
    exported = vanthu("corrections", "export", "--out", tmp_path / "export")
    nothing = vanthu("corrections", "export", "--out", tmp_path / "later", "--since", "2999-01-01T00:00:00")

    assert corrected.exit_code == 0, corrected.output
    assert json.loads(corrected.output)["fields"] == {"number": "15/QĐ-UBND", "recipients": ["Như trên", "Lưu: VT"]}
    assert refused.exit_code == 1 and "unknown field 'numero'" in refused.output
    assert bad_box.exit_code == 2 and "FIELD=PAGE:x0,y0,x1,y1" in bad_box.output
    assert exported.exit_code == 0, exported.output
    card = json.loads((tmp_path / "export" / "card.json").read_text())
    assert card["rows"] == 1 and f"version {card['version']}" in exported.output
    row = load_from_disk(str(tmp_path / "export"))[0]
    assert row["corrected_by"] == ["lan"] and row["fields"]["recipients"] == ["Như trên", "Lưu: VT"]
    assert nothing.exit_code == 1 and "no corrections since 2999" in nothing.output
