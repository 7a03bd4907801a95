"""The factory's dataset output: byte-identical by seed whatever the worker count, words from the pipeline's
reader, boxes that follow the scan's skew and turn, the hard split, the card and the `vanthu synth` command."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from api.cli import app
from inference.io import inspect_document
from inference.options import LoadLimits
from training.synth import DegradeParams, generate, render_scan, sample_document
from training.synth.dataset import FEATURES, load, scan_bbox
from training.synth.splits import SPLITS

DPI = 60


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def hard(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("hard")
    generate(5, seed=4, out_dir=out, split="hard", dpi=DPI, workers=2)
    return out


def test_same_seed_same_bytes_whatever_the_workers(hard: Path, tmp_path: Path) -> None:
    generate(5, seed=4, out_dir=tmp_path, split="hard", dpi=DPI, workers=1)
    first, second = files(hard), files(tmp_path)
    assert first.keys() == second.keys()
    assert {"README.md", "labels.jsonl", "dataset_info.json", "state.json", "data-00000-of-00001.arrow"} <= first.keys()
    assert [name for name in first if first[name] != second[name]] == []
    generate(1, seed=5, out_dir=tmp_path / "other", split="hard", dpi=DPI)
    assert (tmp_path / "other" / "doc_0000.pdf").read_bytes() != first["doc_0000.pdf"]


def test_rows_have_the_pipeline_words_regions_and_fields(hard: Path) -> None:
    dataset = load(hard)
    assert dataset.features == FEATURES
    roles = FEATURES["role"].names
    for path in sorted(hard.glob("doc_????.json")):
        truth = json.loads(path.read_text("utf-8"))
        rows = [r for r in dataset if r["document"] == path.stem]
        attached = sum(roles[r["role"]] == "attachment" for r in rows)
        assert len(rows) == len(truth["scan"]["pages"]) + attached
        assert (attached > 0) == (truth["scan"]["attachment"] is not None)
        pdf = (hard / truth["pdf"]).read_bytes()
        reader = inspect_document(pdf, truth["pdf"], LoadLimits()).pages
        for row in rows:
            assert row["fields"]["number"] == truth["fields"]["number"]
            assert row["image"].size == (row["width"], row["height"])
            if roles[row["role"]] != "document":
                continue
            assert row["words"] == [w.text for w in reader[row["source_page"]].text_words]
            assert len(row["boxes"]) == len(row["words"]) > 20
            assert all(0 <= b[0] <= b[2] <= 1 and 0 <= b[1] <= b[3] <= 1 for b in row["boxes"])
            assert {FEATURES["regions"].feature["label"].int2str(r["label"]) for r in row["regions"]}
    assert sum(roles[r] == "blank" for r in dataset["role"]) == sum(
        json.loads(p.read_text("utf-8"))["scan"]["degrade"]["blank_back_page"] for p in hard.glob("doc_????.json"))


def test_labels_and_card(hard: Path) -> None:
    labels = [json.loads(line) for line in (hard / "labels.jsonl").read_text("utf-8").splitlines()]
    assert [label["file"] for label in labels] == [f"doc_000{i}_scan.pdf" for i in range(5)]
    assert all(label["number"] and label["issued_date"] and label["organ_name"] for label in labels)
    card = (hard / "README.md").read_text("utf-8")
    assert "--seed 4 --split hard" in card and "Licence" in card and "load_from_disk" in card


def dark(image: np.ndarray, bbox: list[float]) -> int:
    h, w = image.shape[:2]
    crop = image[int(bbox[1] * h): int(bbox[3] * h) + 1, int(bbox[0] * w): int(bbox[2] * w) + 1]
    return int((crop.min(axis=2) < 100).sum())


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_boxes_follow_skew_and_turn(rotation: int) -> None:
    doc = sample_document(5, handwritten_number=False, handwritten_day=False)
    params = DegradeParams(rotation=rotation, skew_degrees=3.0)
    page = render_scan(doc, random.Random(1), 100, params)[0]
    upright = (page.shape[0], page.shape[1]) if rotation in (90, 270) else (page.shape[1], page.shape[0])
    motto = doc.pages[0].region("motto")
    assert motto
    moved = scan_bbox(motto, params, *upright)
    ink = dark(page, [moved.x0, moved.y0, moved.x1, moved.y1])
    assert ink > 300
    if rotation:
        assert ink > 5 * dark(page, [motto.x0, motto.y0, motto.x1, motto.y1])


def test_hard_split_is_the_worst_of_real_scans() -> None:
    hard = SPLITS["hard"]
    rng = random.Random(0)
    specs = [hard.spec(rng) for _ in range(40)]
    damage = [hard.degrade(rng) for _ in range(40)]
    assert max(hard.dpis) <= 200
    assert sum(s.handwritten_number for s in specs) > 20 and sum(s.red_seal for s in specs) > 30
    assert all(abs(d.skew_degrees) >= 0.8 for d in damage)
    assert sum(d.mode == "bw" for d in damage) > 8 and sum(d.blank_back_page for d in damage) > 5
    # A 1-bit page stays legible: its paper, however grey, is lighter than the threshold.
    assert all(d.darkening <= 0.3 and d.illumination <= 0.15 and d.jpeg_quality is None
               for d in damage if d.mode == "bw")
    easy = [SPLITS["easy"].spec(rng) for _ in range(10)]
    assert not any(s.handwritten_number or s.handwritten_day for s in easy)


def test_cli_synth_writes_a_split_and_rejects_unknown(tmp_path: Path) -> None:
    runner = CliRunner()
    bad = runner.invoke(app, ["synth", "--n", "1", "--split", "hardest", "--out", str(tmp_path / "x")])
    assert bad.exit_code == 2 and "unknown split" in bad.output and not (tmp_path / "x").exists()
    ok = runner.invoke(app, ["synth", "--n", "1", "--split", "easy", "--dpi", "60", "--workers", "1",
                             "--out", str(tmp_path / "easy")])
    assert ok.exit_code == 0, ok.output
    assert len(load(tmp_path / "easy")) >= 1
