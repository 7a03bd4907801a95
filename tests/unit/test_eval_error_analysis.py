"""eval.error_analysis and notebooks/error_analysis.ipynb on three born-digital synthetic documents, one of
them labelled with a wrong type so that there is a miss to find."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from eval import error_analysis as ea
from eval.extraction import evaluate_extractors, extract_labelled
from eval.realism import execute_notebook
from inference.options import PipelineOptions
from training.synth import generate

MISLABELLED_TYPE = "Tờ trình"


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three documents; the first one's label says it is a tờ trình, which it is not."""
    folder = tmp_path_factory.mktemp("synth")
    generate(3, seed=5, out_dir=folder, scans=False, workers=1)
    lines = (folder / "labels.jsonl").read_text("utf-8").splitlines()
    first = json.loads(lines[0])
    assert first["type_name"] != MISLABELLED_TYPE
    lines[0] = json.dumps(first | {"type_name": MISLABELLED_TYPE}, ensure_ascii=False)
    (folder / "labels.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    return folder


@pytest.fixture(scope="module")
def runs(dataset: Path) -> list:
    return list(extract_labelled(dataset, PipelineOptions(workers=1)))


def test_tables_count_every_document_and_find_the_mislabelled_type(runs) -> None:
    worst = ea.worst_fields(runs)
    assert list(worst.values) == sorted(worst.values) and worst["type_name"] <= 2 / 3
    by_type = ea.accuracy_by_type(runs)
    assert by_type["documents"].sum() == 3 and by_type.loc[MISLABELLED_TYPE, "type_name"] == 0
    confusion = ea.type_confusion(runs)
    assert confusion.to_numpy().sum() == 3
    assert confusion.loc[MISLABELLED_TYPE].sum() == 1 and MISLABELLED_TYPE not in confusion.columns
    missed = ea.misses(runs)
    assert len(missed) == sum(not ok for r in runs for ok in r.score.exact.values())
    assert (missed["field"] == "type_name").sum() >= 1


def test_evidence_boxes_are_drawn_red_when_wrong(runs, dataset: Path) -> None:
    worst = ea.most_missed(runs, 1)[0]
    assert worst is runs[0]  # the mislabelled one
    pixels = np.asarray(ea.evidence_page(worst, dataset))
    red = (pixels == ea.WRONG).all(axis=-1).sum()
    green = (pixels == ea.RIGHT).all(axis=-1).sum()
    assert red > 50 and green > 50


def test_notebook_runs_on_small_data(dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    for key, value in {"DATASET": dataset, "OUT": out, "DOCUMENTS": 3, "EXAMPLES": 2}.items():
        monkeypatch.setenv(f"VANTHU_ERRORS_{key}", str(value))
    execute_notebook(ea.NOTEBOOK, timeout=600)
    assert (out / "error-fields.png").stat().st_size > 5000
    assert len(list(out.glob("error-example-*.png"))) == 2


def test_several_extractors_score_the_same_pages_as_one_each(dataset: Path, runs) -> None:
    reports = evaluate_extractors(dataset, ["rules", "layoutlm"], PipelineOptions(workers=1))
    assert set(reports) == {"rules", "layoutlm"} and all(r.documents == 3 for r in reports.values())
    one_by_one = {f: sum(r.score.exact[f] for r in runs) / 3 for f in reports["rules"].field_accuracy}
    assert reports["rules"].field_accuracy == pytest.approx(one_by_one, abs=1e-4)
