"""eval.realism and notebooks/realism.ipynb: page statistics, the accuracy verdict, the notebook run end to end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from eval.extraction import EXACT_FIELDS, ExtractionReport
from eval.realism import NOTEBOOK, ScanPage, compare_accuracy, execute_notebook, page_stats, summary
from training.synth import generate


def extraction(accuracy: float, dataset: str) -> ExtractionReport:
    return ExtractionReport(dataset=dataset, created="2026-01-01T00:00:00+00:00", documents=4, seconds=1.0,
                            field_accuracy={f: accuracy for f in EXACT_FIELDS} | {"number": 0.25},
                            subject_cer=0.1, acceptance={}, scores=[])


def test_page_stats_tell_one_bit_from_grey_and_see_red_ink() -> None:
    page = np.full((400, 300, 3), 255, np.uint8)
    page[100:110, 50:250] = 0
    one_bit = page_stats(ScanPage(page, 100))
    assert one_bit.one_bit and one_bit.grey and one_bit.red == 0 and one_bit.ink == pytest.approx(2000 / 120000)
    page[200:260, 100:160] = (220, 30, 30)
    coloured = page_stats(ScanPage(page, 100))
    assert not coloured.grey and coloured.red > 0.02
    table = summary([one_bit, coloured])
    assert table["share 1-bit"] == 0.5 and table["share with red ink"] == 0.5 and table["median dpi"] == 100


def test_verdict_easier_when_synthetic_scores_higher() -> None:
    verdict = compare_accuracy(extraction(0.9, "hard"), extraction(0.6, "real"))
    assert verdict["harder_than_real"] is False
    assert "number" not in verdict["easier_fields"] and "organ_name" in verdict["easier_fields"]
    assert compare_accuracy(extraction(0.5, "hard"), extraction(0.6, "real"))["harder_than_real"] is True
    assert compare_accuracy(None, extraction(0.6, "real"))["harder_than_real"] is None


def test_notebook_runs_on_small_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synth, reports, out = tmp_path / "hard", tmp_path / "reports", tmp_path / "out"
    generate(2, seed=3, out_dir=synth, split="hard", dpi=60)
    reports.mkdir()
    (reports / "extraction-synth-hard.json").write_text(extraction(0.9, str(synth)).model_dump_json(), "utf-8")
    (reports / "extraction-real-scans.json").write_text(extraction(0.6, "real-scans").model_dump_json(), "utf-8")
    for key, value in {"SYNTH_DIR": synth, "REPORTS": reports, "OUT": out, "DOCUMENTS": 2}.items():
        monkeypatch.setenv(f"VANTHU_REALISM_{key}", str(value))
    execute_notebook(NOTEBOOK, timeout=600)
    text = (out / "realism.md").read_text("utf-8")
    assert "Synthetic hard is EASIER than the real scans" in text and "share 1-bit" in text
    assert "No real pages" in text  # ../shared is absent in unit tests
    assert (out / "realism-synthetic.png").stat().st_size > 5000 and (out / "realism-accuracy.png").exists()
    assert not (out / "local").exists()
    saved = json.loads((out / "realism.json").read_text("utf-8"))
    assert saved["harder_than_real"] is False and saved["synthetic_pages"] >= 2
