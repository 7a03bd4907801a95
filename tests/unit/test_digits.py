"""Handwritten-digit reader: the committed ONNX model on fresh held-out synthetic crops, the training
code on a tiny run, the ONNX export against torch, and the pieces (preprocessing, decoding, generator)."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
import torch

from inference.digits import DEFAULT_MODEL, HEIGHT, WIDTH, DigitReader, greedy_decode, prepare
from models.digits.crnn import CRNN, CRNNConfig, export_onnx
from training.digits import synth
from training.digits.train import edit_distance, encode, load_checkpoint, make_batch, score, to_tensor, train_loop

ARTIFACT = DEFAULT_MODEL.parent
# A stream seed used by nothing else: training uses --seed (0), evaluation seed + 1_000_003 etc.
FRESH_SEED = 424_242
# Train fonts + pen strokes only, so the figure does not depend on whether scikit-learn is installed.
SEEN = synth.SynthConfig(weights={"font": 0.5, "stroke": 0.5}, empty_rate=0.0)
# Bars: v1 reads 95.3% (seen sources), 84.0% (held-out font) and 93.0% (seen, framed as the pipeline
# does) of these exact 300-crop sets; the margins leave room for a retrain of similar quality (runs
# differ by a few points: the training budget is wall-clock time), not for a broken model or
# preprocessing (without the ink trim in `prepare`, the seen figure drops to ~76%).
MIN_EXACT_SEEN = 0.90
MIN_EXACT_HELDOUT_FONT = 0.75
MIN_EXACT_FRAMED = 0.87


@pytest.fixture(scope="module")
def reader() -> DigitReader:
    return DigitReader()


def _crops(seed: int, n: int, config: synth.SynthConfig) -> tuple[list[np.ndarray], list[str]]:
    pairs = synth.generate(seed, n, config)
    return [c for c, _ in pairs], [t for _, t in pairs]


# ------------------------------------------------------------------------------ the committed model


def test_artifact_is_complete_and_small():
    for name in ("model.onnx", "model.pt", "card.json", "README.md"):
        assert (ARTIFACT / name).is_file(), name
    assert sum(p.stat().st_size for p in ARTIFACT.iterdir()) < 30e6
    assert (ARTIFACT / "model.onnx").stat().st_size < 2e6
    card = json.loads((ARTIFACT / "card.json").read_text())
    assert card["model"]["onnx_opset"] == 17
    assert card["data"]["held_out_font_family"] not in card["data"]["train_font_families"]
    assert FRESH_SEED not in (card["data"]["seed"], *card["data"]["eval_seeds"].values())


def test_reads_fresh_heldout_crops_seen_sources(reader):
    crops, texts = _crops(FRESH_SEED, 300, SEEN)
    predicted = [t for t, _ in reader.read_many(crops)]
    exact = np.mean([p == t for p, t in zip(predicted, texts)])
    assert exact >= MIN_EXACT_SEEN, f"exact match {exact:.3f} < {MIN_EXACT_SEEN}"


def test_reads_fresh_heldout_crops_heldout_font(reader):
    crops, texts = _crops(FRESH_SEED + 1, 300, synth.HELDOUT_FONT)
    predicted = [t for t, _ in reader.read_many(crops)]
    exact = np.mean([p == t for p, t in zip(predicted, texts)])
    assert exact >= MIN_EXACT_HELDOUT_FONT, f"held-out font exact match {exact:.3f} < {MIN_EXACT_HELDOUT_FONT}"


def test_reads_crops_framed_like_the_pipeline(reader):
    """inference.reread.read_digits cuts the gap to its dark pixels and frames it in white."""
    crops, texts = _crops(FRESH_SEED, 300, SEEN)
    predicted = [t for t, _ in reader.read_many([synth.frame_like_pipeline(c) for c in crops])]
    exact = np.mean([p == t for p, t in zip(predicted, texts)])
    assert exact >= MIN_EXACT_FRAMED, f"framed exact match {exact:.3f} < {MIN_EXACT_FRAMED}"


def test_read_interface(reader):
    crops, texts = _crops(FRESH_SEED + 2, 8, SEEN)
    many = reader.read_many(crops)
    assert len(many) == len(crops)
    for crop, (text, conf) in zip(crops, many):
        single = reader.read(crop)
        assert single[0] == text and single[1] == pytest.approx(conf, abs=1e-5)
        assert isinstance(text, str) and set(text) <= set("0123456789")
        assert 0.0 <= conf <= 1.0
    assert reader.read_many([]) == []
    # colour input is accepted (converted to grey)
    rgb = np.repeat(crops[0][:, :, None], 3, axis=2)
    assert reader.read(rgb)[0] == many[0][0]


def test_blank_crop_reads_empty(reader):
    paper = np.full((100, 220), 245, np.uint8)
    paper += np.random.default_rng(0).integers(0, 8, paper.shape, dtype=np.uint8)
    text, conf = reader.read(paper)
    assert text == ""
    assert conf > 0.5


def test_fast_enough(reader):
    crops, _ = _crops(FRESH_SEED + 3, 20, SEEN)
    reader.read(crops[0])
    times = []
    for c in crops:
        t = time.perf_counter()
        reader.read(c)
        times.append(time.perf_counter() - t)
    # Target < 5 ms per crop; the bar is loose because the test machine is shared.
    assert float(np.median(times)) < 0.025


def test_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="dvc repro digits-v2"):
        DigitReader(tmp_path / "nope.onnx")


# ----------------------------------------------------------------------------------- onnx == torch


def test_committed_onnx_equals_committed_torch_weights(reader):
    model = load_checkpoint(ARTIFACT / "model.pt")
    crops, _ = _crops(FRESH_SEED + 4, 16, SEEN)
    x = np.stack([prepare(c) for c in crops])[:, None]
    with torch.no_grad():
        expected = model(torch.from_numpy(x)).softmax(-1).numpy()
    got = reader.probabilities(x)
    assert got.shape == expected.shape == (16, 32, 11)
    np.testing.assert_allclose(got, expected, atol=1e-4)


def test_fresh_export_equals_torch_with_dynamic_batch(tmp_path):
    torch.manual_seed(0)
    model = CRNN(CRNNConfig(channels=(8, 16, 16, 24), hidden=16)).eval()
    path = tmp_path / "tiny.onnx"
    export_onnx(model, str(path))
    reader = DigitReader(path)
    for n in (1, 5):
        x = np.random.default_rng(n).random((n, 1, HEIGHT, WIDTH), dtype=np.float32)
        with torch.no_grad():
            expected = model(torch.from_numpy(x)).softmax(-1).numpy()
        np.testing.assert_allclose(reader.probabilities(x), expected, atol=1e-5)


# ------------------------------------------------------------------------------------ training code


def test_tiny_training_run_lowers_ctc_loss():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    batches = [make_batch(FRESH_SEED + 5, k, 16, SEEN) for k in range(8)]
    model = CRNN(CRNNConfig(channels=(8, 16, 32, 32), hidden=32, dropout=0.0))

    def cycle():
        while True:
            yield from batches

    result = train_loop(model, cycle(), steps=400, lr=1e-2, progress=False)
    losses = result["losses"]
    assert result["steps"] == 400 and all(np.isfinite(losses))
    first, plateau, last = (float(np.mean(losses[a:b])) for a, b in ((0, 20), (50, 70), (380, 400)))
    assert last < 0.5 * first, (first, last)
    # CTC first learns to say "blank" everywhere (loss ~3); going well below that takes reading digits.
    assert last < 0.85 * plateau, (plateau, last)


def test_encode_and_metrics():
    targets, lengths = encode(["01", "", "9"])
    assert targets.tolist() == [1, 2, 10] and lengths.tolist() == [2, 0, 1]
    assert edit_distance("299", "4992") == 2 and edit_distance("", "12") == 2
    s = score(["11", "44", ""], ["11", "11", ""])
    assert s["exact_match"] == pytest.approx(2 / 3, abs=1e-3) and s["cer"] == pytest.approx(0.5)
    x = to_tensor(np.zeros((2, HEIGHT, WIDTH), np.uint8))
    assert x.shape == (2, 1, HEIGHT, WIDTH)


# ---------------------------------------------------------------------------- pieces of the reader


def test_greedy_decode_collapses_repeats_and_blanks():
    steps = [0, 2, 2, 0, 2, 1, 1, 0]  # blank, "1", "1", blank, "1", "0", "0", blank -> "110"
    probs = np.full((len(steps), 11), 0.01, np.float32)
    probs[np.arange(len(steps)), steps] = 0.9
    text, conf = greedy_decode(probs)
    assert text == "110"
    assert conf == pytest.approx(0.9 ** len(steps), rel=1e-4)
    assert greedy_decode(np.eye(11, dtype=np.float32)[[0, 0, 0]])[0] == ""


def test_prepare_ignores_a_white_frame():
    crop, _ = synth.sample(FRESH_SEED + 6, 0, SEEN)
    inner = crop[5:-5, 5:-5]
    framed = np.pad(inner, 12, constant_values=255)
    np.testing.assert_allclose(prepare(framed), prepare(inner), atol=1e-6)


def test_prepare_keeps_aspect_and_polarity():
    crop = np.full((100, 200), 250, np.uint8)
    crop[30:70, 20:40] = 20
    x = prepare(crop, trim=False)
    assert x.shape == (HEIGHT, WIDTH) and x.dtype == np.float32
    assert 0.0 <= x.min() and x.max() <= 1.0
    # 200x100 -> 64x32: ink at x 20..40 of 200 -> ~6..13 of 64, nothing beyond column 64
    assert x[11:22, 7:12].min() > 0.9 and x[:, 66:].max() == 0.0 and x[:8].max() == 0.0
    # trimmed to the ink (+10% margin): the 40 px tall mark fills most of the height, left-aligned
    t = prepare(crop)
    assert t[5:27, 4:14].min() > 0.9 and t[:, 24:].max() == 0.0
    # the same mark framed in white as the pipeline does (no paper left inside the frame) reads the same
    framed = synth.frame_like_pipeline(crop)
    assert framed.shape == (40 + 24, 20 + 24)
    assert prepare(framed)[5:27, 4:14].min() > 0.9
    wide = prepare(np.full((50, 1000), 250, np.uint8))
    assert wide.max() == 0.0  # blank stays blank (no contrast stretching of paper noise)


# --------------------------------------------------------------------------------------- generator


def test_generator_is_deterministic_and_varied():
    a, ta = synth.sample(7, 3)
    b, tb = synth.sample(7, 3)
    c, _ = synth.sample(8, 3)
    assert ta == tb and np.array_equal(a, b)
    assert a.shape != c.shape or not np.array_equal(a, c)
    texts = [synth.sample_text(np.random.default_rng([1, i])) for i in range(2000)]
    lengths = np.bincount([len(t) for t in texts], minlength=5)
    assert lengths[1:4].sum() > 0.8 * len(texts) and lengths[4] > 0 and lengths[0] > 0
    assert sum(t in {f"0{d}" for d in range(1, 10)} for t in texts) > 50  # leading zeros
    assert max(len(t) for t in texts) <= 4 and all(t.isdigit() or t == "" for t in texts)


def test_heldout_font_never_in_training_config():
    train_files = set(synth.font_files(synth.TRAIN.families))
    held = set(synth.font_files((synth.HELD_OUT_FAMILY,)))
    assert train_files and held and not (train_files & held)
    assert synth.HELD_OUT_FAMILY not in synth.TRAIN.families


def test_stroke_source_alone_renders_every_digit():
    rng = np.random.default_rng(0)
    crop, info = synth.render_crop("0123456789", rng, synth.STROKES_ONLY)
    assert info["source"] == "stroke" and crop.dtype == np.uint8 and crop.min() < 128
