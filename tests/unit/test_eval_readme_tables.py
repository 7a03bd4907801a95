"""eval.readme_tables: README sections between results markers rewritten from the reports; eval.synth_bench."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from eval.extraction import DocumentScore, ExtractionReport, write_report
from eval.readme_tables import main, rewrite
from eval.reports import write
from eval.synth_bench import markdown as synth_markdown
from eval.synth_bench import run as synth_run

README = """# Project

Intro text stays.

<!-- results:extraction-real-scans -->
| old | table |
|---|---|
<!-- /results:extraction-real-scans -->

Between the tables.

<!-- results:custom -->
stale
<!-- /results:custom -->

<!-- results:absent -->
| kept | as is |
<!-- /results:absent -->
"""


class Custom(BaseModel):
    hits: float


def extraction_report() -> ExtractionReport:
    fields = ("number", "issued_date", "type_name", "organ_name", "parent_organ_name", "place",
              "signer_position", "signer_name", "urgency", "confidentiality", "block")
    return ExtractionReport(
        dataset="/somewhere/real-scans", created="2026-01-01T00:00:00+00:00", documents=2, seconds=3.0,
        field_accuracy={f: 0.5 for f in fields}, subject_cer=0.2, acceptance={"number": False},
        scores=[DocumentScore(file="a.pdf", seconds=1.0)],
    )


def test_sections_rewritten_from_reports(tmp_path: Path) -> None:
    write_report(extraction_report(), tmp_path, "extraction-real-scans")
    write(Custom(hits=0.25), "# Custom\n\nText.\n\n| metric | value |\n|---|---|\n| hits | 0.25 |\n\nAfter.\n",
          "custom", tmp_path)
    new, done, missing = rewrite(README, tmp_path)
    assert done == ["extraction-real-scans", "custom"] and missing == ["absent"]
    assert "| number | 0.500 | ≥ 0.80 |" in new and "| subject (mean CER) | 0.200 | ≤ 0.05 |" in new
    assert "| old | table |" not in new and "stale" not in new
    assert "<!-- results:custom -->\n| metric | value |\n|---|---|\n| hits | 0.25 |\n<!-- /results:custom -->" in new
    assert "| kept | as is |" in new and "Intro text stays." in new and "Between the tables." in new
    assert "Δ" not in new  # the change from the previous report stays in the report
    assert rewrite(new, tmp_path)[0] == new


def test_check_mode_and_write(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(README, "utf-8")
    write(Custom(hits=0.5), "| metric | value |\n|---|---|\n| hits | 0.5 |\n", "custom", tmp_path)
    args = ["--readme", str(readme), "--reports", str(tmp_path)]
    assert main([*args, "--check"]) == 1 and readme.read_text("utf-8") == README
    assert main(args) == 0 and "| hits | 0.5 |" in readme.read_text("utf-8")
    assert main([*args, "--check"]) == 0


def test_synth_bench_measures_and_projects() -> None:
    report = synth_run(n=2, workers=1, split="easy")
    assert report.documents == 2 and report.pages >= 2 and report.documents_per_second > 0
    assert report.projected_minutes_10k == pytest.approx(10_000 / report.documents_per_second / 60, rel=0.01)
    assert report.cpu_seconds_per_document > 0.1
    assert report.projected_minutes_10k_cores == pytest.approx(10_000 * report.cpu_seconds_per_document / 60, rel=0.01)
    assert "projected" in synth_markdown(report) and "not a 10,000-document run" in synth_markdown(report)
