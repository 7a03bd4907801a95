"""The `vanthu` command: extract (JSON lines, table, exit codes), add, documents list/show."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from api.cli import app
from api.settings import get_settings
from inference.schema import DocumentRecord, ExtractionResult

from .support import decision_pdf, decision_png


@pytest.fixture
def environment(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """The VANTHU_* settings of a fresh data directory, in os.environ and for subprocesses."""
    values = {
        "VANTHU_DATA_DIR": str(tmp_path / "data"),
        "VANTHU_DATABASE_URL": database_url,
        "VANTHU_PIPELINE__WORKERS": "1",
        "COLUMNS": "300",  # rich tables wrap at 80 columns when not on a terminal
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield values
    get_settings.cache_clear()


def vanthu(*args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(arg) for arg in args])


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "in"
    (folder / ".hidden").mkdir(parents=True)
    samples = {
        "png": (folder / "qd.png", decision_png()),
        "pdf": (folder / "qd.pdf", decision_pdf()),
        "bad": (folder / "notes.pdf", "Biên bản họp, bản nháp".encode()),
        "hidden": (folder / ".hidden" / "skip.pdf", decision_pdf()),
    }
    for path, data in samples.values():
        path.write_bytes(data)
    return {name: path for name, (path, _) in samples.items()}


class TestExtract:
    @pytest.fixture
    def database_url(self, sqlite_url: str) -> str:
        return sqlite_url

    def test_json_lines_and_the_batch_goes_on_past_a_bad_file(
        self, environment: dict[str, str], files: dict[str, Path]
    ) -> None:
        missing = files["png"].with_name("missing.pdf")
        result = vanthu("extract", "--json", files["png"], files["bad"], missing, files["pdf"])

        assert result.exit_code == 1
        lines = [ExtractionResult.model_validate_json(line) for line in result.stdout.splitlines()]
        assert [line.file for line in lines] == [str(files["png"]), str(files["pdf"])]
        assert all(line.fields.type_name == "Quyết định" for line in lines)
        errors = result.stderr.splitlines()
        assert errors[0].startswith(f"vanthu: {files['bad']}: Unsupported file type")
        assert errors[1].startswith(f"vanthu: {missing}: cannot read")
        assert len(errors) == 2

    def test_a_human_table_and_exit_0_when_all_files_are_read(
        self, environment: dict[str, str], files: dict[str, Path]
    ) -> None:
        result = vanthu("extract", files["png"])

        assert result.exit_code == 0, result.stderr
        assert "Quyết định" in result.stdout and "qd.png" in result.stdout
        assert result.stderr == ""

    def test_the_console_script(self, environment: dict[str, str], files: dict[str, Path]) -> None:
        script = Path(sys.executable).with_name("vanthu")
        finished = subprocess.run(
            [script, "extract", "--json", files["bad"]], capture_output=True, text=True, timeout=120
        )

        assert finished.returncode == 1
        assert finished.stdout == ""
        assert finished.stderr.startswith(f"vanthu: {files['bad']}: Unsupported file type")


def test_add_then_list_and_show(environment: dict[str, str], files: dict[str, Path]) -> None:
    added = vanthu("add", files["png"].parent)

    assert added.exit_code == 1  # notes.pdf is not a PDF
    rows = [line.split("\t") for line in added.stdout.splitlines()]
    assert [(status, path) for _, status, path in rows] == [("new", str(files["pdf"])), ("new", str(files["png"]))]
    assert "notes.pdf" in added.stderr and "skip.pdf" not in added.stdout + added.stderr

    again = vanthu("add", files["pdf"])
    assert (again.exit_code, again.stdout.split("\t")[:2]) == (0, [rows[0][0], "existing"])

    listed = vanthu("documents", "list", "--json")
    assert listed.exit_code == 0
    assert {item["id"] for item in json.loads(listed.stdout)["items"]} == {row[0] for row in rows}
    assert "qd.pdf" in vanthu("documents", "list").stdout

    shown = vanthu("documents", "show", rows[1][0])
    record = DocumentRecord.model_validate_json(shown.stdout)
    assert (record.filename, record.status, record.content_type) == ("qd.png", "queued", "image/png")

    unknown = vanthu("documents", "show", "nope")
    assert unknown.exit_code == 1 and unknown.stderr.startswith("vanthu: nope: no document")
