"""The frozen gate sets of the field tagger and the layout network (training/kie/frozen.py,
training/layout/frozen.py): generated deterministically, scored item by item, gated by training.gate."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from inference.schema import LAYOUT_LABELS, BBox, LayoutRegion
from training.gate import FROZEN_EVALUATIONS, compare, frozen_evaluation, main
from training.kie.evaluate import SCORED
from training.kie.frozen import OCR_N, TEXT_N, KieFrozenEvaluation
from training.layout.frozen import LayoutFrozenEvaluation, detected

ARTIFACTS = Path(__file__).resolve().parents[2] / "models" / "artifacts"
KIE, LAYOUT = ARTIFACTS / "kie" / "v1", ARTIFACTS / "layout" / "v1"


def region(label: str, x0: float, y0: float, x1: float, y1: float, score: float = 0.9) -> LayoutRegion:
    return LayoutRegion(page=0, label=label, score=score, bbox=BBox(x0=x0, y0=y0, x1=x1, y1=y1))


def test_a_truth_region_is_found_once_by_a_region_of_its_class() -> None:
    title, body = LAYOUT_LABELS.index("title"), LAYOUT_LABELS.index("body")
    truth = np.array([[title, 0.1, 0.1, 0.5, 0.2], [body, 0.1, 0.3, 0.9, 0.8], [body, 0.1, 0.85, 0.9, 0.9]])
    predicted = [
        region("title", 0.1, 0.1, 0.5, 0.21),  # right class, IoU ~0.9
        region("title", 0.1, 0.1, 0.5, 0.2, score=0.5),  # a duplicate: the title is taken already
        region("issuer", 0.1, 0.3, 0.9, 0.8),  # the body's box, wrong class
        region("body", 0.1, 0.84, 0.3, 0.9),  # the last body, IoU < 0.5
    ]

    assert detected(truth, predicted) == [True, False, False]
    assert detected(truth, []) == [False, False, False]


def test_a_tiny_layout_set_is_reproducible_and_gates_the_committed_model(tmp_path: Path) -> None:
    first = LayoutFrozenEvaluation(tmp_path / "a.npz", n=1)
    again = LayoutFrozenEvaluation(tmp_path / "b.npz", n=1)

    assert first.fingerprint == again.fingerprint
    assert LayoutFrozenEvaluation(tmp_path / "a.npz", n=1).fingerprint == first.fingerprint  # read back
    right = first.correct(LAYOUT)
    assert len(right) == sum(len(b) for b in first.pages.boxes) > 0
    report = compare(first, LAYOUT, LAYOUT)
    assert report.passed and report.current_only == report.candidate_only == 0


def test_a_tiny_kie_set_is_reproducible_and_scores_every_field(tmp_path: Path) -> None:
    first = KieFrozenEvaluation(tmp_path / "a.jsonl.gz", text_n=2, ocr_n=0)
    again = KieFrozenEvaluation(tmp_path / "b.jsonl.gz", text_n=2, ocr_n=0)

    assert first.fingerprint == again.fingerprint
    assert (tmp_path / "a.jsonl.gz").read_bytes() == (tmp_path / "b.jsonl.gz").read_bytes()
    right = first.correct(KIE)
    assert len(right) == 2 * len(SCORED)
    assert sum(right) > len(SCORED)  # the committed tagger reads most fields of clean text layers


@pytest.mark.parametrize("name", ["kie", "layout"])
def test_the_committed_frozen_sets_gate_and_record_the_decision(name: str, tmp_path: Path) -> None:
    assert name in FROZEN_EVALUATIONS.names()
    model = {"kie": KIE, "layout": LAYOUT}[name]
    out = tmp_path / "gate.json"

    metrics = main([name, str(model), "--current", str(model), "--out", str(out)])

    assert json.loads(out.read_text(encoding="utf-8")) == metrics
    assert metrics["frozen"]["set_sha256"] == frozen_evaluation(name).fingerprint
    gate = metrics["gate"]
    assert gate["passed"] and gate["n"] == metrics["frozen"]["n"] >= 300
    assert gate["current_accuracy"] == gate["candidate_accuracy"] == metrics["frozen"]["accuracy"]
    assert 0.3 < gate["current_accuracy"] < 1.0


def test_the_committed_kie_set_holds_both_readers() -> None:
    documents = frozen_evaluation("kie").documents

    assert len(documents) == TEXT_N + OCR_N
    assert [d.source for d in documents].count("ocr") == OCR_N
