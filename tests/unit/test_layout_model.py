"""The layout model: targets and decoding agree, a tiny network learns and exports to ONNX with parity, the
engines behind the registry, and `eval layout` on a few synthetic pages."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from eval.layout import evaluate, markdown, real_scans_status, write_report
from inference.layout_engines import LAYOUT_ENGINES, RuleLayout
from inference.layout_model import INPUT_HEIGHT, INPUT_WIDTH, LayoutModel, decode, shrink
from inference.schema import LAYOUT_LABELS, BBox
from models.layout.net import TINY
from training.layout.data import pack, synth_pages
from training.layout.train import PackedPages, batch_of, onnx_parity, targets, train_model, write_artifact
from training.synth import generate


@pytest.fixture(scope="module")
def hard_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("layout") / "hard"
    generate(3, seed=3, out_dir=folder, split="hard", dpi=100)
    return folder


@pytest.fixture(scope="module")
def packed(hard_folder: Path) -> PackedPages:
    path = hard_folder.parent / "pages.npz"
    pack([hard_folder], path)
    return PackedPages.load(path)


def _label(name: str) -> int:
    return LAYOUT_LABELS.index(name)


def test_decoding_the_targets_gives_the_boxes_back() -> None:
    boxes = np.array(
        [
            [_label("number"), 0.10, 0.20, 0.40, 0.25],
            [_label("stamp"), 0.1, 0.5, 0.3, 0.6],
            [_label("stamp"), 0.6, 0.5, 0.9, 0.6],
            [_label("body"), 0.1, 0.3, 0.9, 0.5],
            [_label("body"), 0.1, 0.52, 0.9, 0.8],
        ],
        np.float32,
    )
    found = decode(targets(boxes))
    by_label = {
        label: sorted((r.bbox for r in found if r.label == label), key=lambda b: b.x0) for label in LAYOUT_LABELS
    }
    cell = 4 / INPUT_WIDTH
    assert by_label["number"][0].x0 == pytest.approx(0.10, abs=cell) and by_label["number"][0].y1 == pytest.approx(
        0.25, abs=cell
    )
    assert len(by_label["stamp"]) == 2  # stamps are many per page
    assert [b.x1 for b in by_label["stamp"]] == pytest.approx([0.3, 0.9], abs=cell)
    assert len(by_label["body"]) == 1  # a once-per-page class: the union of its parts
    assert (by_label["body"][0].y0, by_label["body"][0].y1) == pytest.approx((0.3, 0.8), abs=cell)
    assert {r.label for r in found} == {"number", "stamp", "body"}


def test_packed_pages_carry_the_factory_regions(hard_folder: Path, packed: PackedPages) -> None:
    pages = list(synth_pages(hard_folder))
    assert packed.images.shape == (len(pages), INPUT_HEIGHT, INPUT_WIDTH)
    assert packed.images.dtype == np.uint8
    first = {LAYOUT_LABELS[int(c)] for c in packed.boxes[0][:, 0]}
    assert {"motto", "issuer", "number", "place_date", "body", "signature_block", "seal"} <= first
    assert np.all(packed.boxes[0][:, 3] > packed.boxes[0][:, 1]) and np.all(packed.boxes[0][:, 1:] <= 1.0)


def test_a_tiny_network_learns_and_exports_with_parity(packed: PackedPages, tmp_path: Path) -> None:
    torch.set_num_threads(1)
    one = packed.subset([0])
    model, stats = train_model(one, TINY, steps=40, seed=0, batch_size=2, lr=1e-2)
    losses = stats["losses"]
    assert len(losses) == 40 and all(np.isfinite(losses))
    assert np.mean(losses[-5:]) < 0.95 * np.mean(losses[:5])  # still in the warm-up: a slow but clear fall
    write_artifact(model, tmp_path, threshold=0.4)
    assert onnx_parity(model, tmp_path, packed) < 1e-4
    engine = LayoutModel(tmp_path)
    assert engine.threshold == 0.4
    inputs, _ = batch_of(one, [0], None)
    with torch.no_grad():
        expected = torch.sigmoid(model(inputs)).numpy()
    assert engine.probabilities(inputs.numpy()).shape == expected.shape == (1, len(LAYOUT_LABELS), 96, 68)


def test_engines_are_registered_by_name(tmp_path: Path) -> None:
    assert LAYOUT_ENGINES.names() == ["model", "rules"]
    assert isinstance(LAYOUT_ENGINES.create("rules"), RuleLayout)
    with pytest.raises(ValueError, match="known: model, rules"):
        LAYOUT_ENGINES.create("layoutparser")
    with pytest.raises(FileNotFoundError, match="dvc repro layout"):
        LAYOUT_ENGINES.create("model", model_dir=tmp_path)
    with pytest.raises(ValueError, match="grey page image"):
        shrink(np.zeros((0, 0), np.uint8))


def test_the_committed_model_finds_the_header_of_a_synthetic_page(hard_folder: Path) -> None:
    page = next(synth_pages(hard_folder))
    found = {r.label: r for r in LAYOUT_ENGINES.create("model").regions(page.gray, page=0)}
    truth = {r.label: r.bbox for r in page.regions}
    for label in ("motto", "issuer", "body"):
        assert _iou(found[label].bbox, truth[label]) > 0.5, label
        assert 0.0 < found[label].score <= 1.0


def _iou(a: BBox, b: BBox) -> float:
    from eval.metrics import iou

    return iou(a, b)


def test_eval_layout_scores_engines_on_the_same_pages(hard_folder: Path, tmp_path: Path) -> None:
    report = evaluate(hard_folder, ["model", "rules"], real_dir=None)
    assert report.pages == len(list(synth_pages(hard_folder)))
    assert report.truth_regions["motto"] >= 3
    rules, model = report.engines["rules"], report.engines["model"]
    assert rules.ap50["issuer"] > 0.5 and rules.ap50["place_date"] > 0.5  # perfect words: the rules find them
    assert rules.ap["body"] == 0.0 and rules.ap["seal"] == 0.0  # no locator for them
    assert model.map > rules.map
    assert report.real_scans.startswith("skipped")
    path = write_report(report, tmp_path, "layout-t")
    assert "| motto |" in path.read_text() and "**mAP**" in markdown(report)
    saved = json.loads((tmp_path / "layout-t.json").read_text())
    assert saved["engines"]["model"]["map"] == model.map
    assert (tmp_path / "layout-t.png").is_file()


def test_real_scans_without_region_labels_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "labels.jsonl").write_text("{}\n")
    assert "no labelled regions" in real_scans_status(tmp_path)


def test_the_pipeline_gives_regions_only_when_a_layout_engine_is_configured() -> None:
    from inference.options import PipelineOptions
    from inference.pipeline import extract_document
    from training.synth import sample_document

    document = sample_document(1)
    plain = extract_document(document.pdf, "a.pdf", PipelineOptions(workers=0))
    assert plain.regions == []
    result = extract_document(document.pdf, "a.pdf", PipelineOptions(workers=0, layout_engine="rules"))
    assert result.fields == plain.fields  # regions are added beside the fields, never instead of them
    number = next(r for r in result.regions if r.label == "number")
    assert number.page == 0 and _iou(number.bbox, document.pages[0].region("number")) > 0.5


def test_eval_layout_command_scores_a_folder_and_rejects_bad_input(hard_folder: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from api.cli import app

    runner = CliRunner()
    missing = runner.invoke(app, ["eval", "layout", "--dataset", str(tmp_path / "nothing")])
    assert missing.exit_code == 2 and "no `vanthu synth` output" in missing.output
    unknown = runner.invoke(app, ["eval", "layout", "--dataset", str(hard_folder), "--engines", "nope"])
    assert unknown.exit_code == 2 and "known: model, rules" in unknown.output
    done = runner.invoke(
        app,
        ["eval", "layout", "--dataset", str(hard_folder), "--engines", "rules", "--out", str(tmp_path), "--name", "t"],
    )
    assert done.exit_code == 0, done.output
    assert json.loads((tmp_path / "t.json").read_text())["engines"]["rules"]["ap50"]["issuer"] > 0.5
    assert "real scans: skipped" in done.output
