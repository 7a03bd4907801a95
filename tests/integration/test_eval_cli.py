"""The evaluation commands: a labelled set scored end to end; no ../shared means a clean skip."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from training.synth import sample_document

VANTHU = [sys.executable, "-m", "api.cli"]
SEEDS = (1, 3, 4)
"""Born-digital documents whose number and day are printed (no handwriting gap)."""


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*VANTHU, *args], capture_output=True, text=True, env=env, timeout=300, check=False)


def _labelled_set(folder: Path) -> None:
    lines = []
    for seed in SEEDS:
        document = sample_document(seed)
        assert not (document.spec.handwritten_number or document.spec.handwritten_day)
        (folder / f"doc{seed}.pdf").write_bytes(document.pdf)
        lines.append(json.dumps({"file": f"doc{seed}.pdf", **document.spec.fields.model_dump(mode="json")}))
    (folder / "labels.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_eval_extraction_scores_a_labelled_set(tmp_path: Path) -> None:
    dataset, reports = tmp_path / "set", tmp_path / "reports"
    dataset.mkdir()
    _labelled_set(dataset)
    env = {**os.environ, "VANTHU_DATA_DIR": str(tmp_path / "var")}
    done = _run(["eval", "extraction", "--dataset", str(dataset), "--out", str(reports), "--name", "t"], env)
    assert done.returncode == 0, done.stderr
    report = json.loads((reports / "t.json").read_text())
    assert report["documents"] == len(SEEDS)
    for field in ("number", "issued_date", "type_name", "organ_name", "signer_name"):
        assert report["field_accuracy"][field] == 1.0, (field, report["scores"])
    assert report["subject_cer"] < 0.02
    assert "| number | 1.000 |" in (reports / "t.md").read_text()


def test_eval_extraction_skips_without_shared_data(tmp_path: Path) -> None:
    env = {**os.environ, "VANTHU_SHARED_DIR": str(tmp_path / "absent"), "VANTHU_DATA_DIR": str(tmp_path / "var")}
    done = _run(["eval", "extraction", "--out", str(tmp_path / "reports")], env)
    assert done.returncode == 0
    assert done.stdout.startswith("skipped:")
    assert not (tmp_path / "reports").exists()
