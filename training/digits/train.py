"""Train the handwritten-digit CRNN on synthetic crops, on CPU, within a wall-clock budget; export ONNX.

    python -m training.digits.train --out models/artifacts/digits/v1 --minutes 8 --seed 0

Data is generated on the fly by background processes (training.digits.synth, stream `seed`, batch k
= samples [k*B, (k+1)*B)), so the model never sees the same crop twice. Evaluation sets use other
seeds and, for the generalisation figures, glyph sources never used in training: the held-out font
family (synth.HELD_OUT_FAMILY) and the held-out part of scikit-learn's handwritten digits.
Writes to --out: model.onnx, card.json, README.md (model card). The learning-rate schedule follows
the elapsed share of the budget (warm-up, then cosine), so the run length is fixed in time, not in
steps; pass --steps for a fixed-step (reproducible) run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import logging
import math
import multiprocessing as mp
import os
import platform
import queue
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

# Idle OpenMP threads sleep instead of spinning: on a shared 2-core machine spinning workers make
# 2-thread training several times slower than 1 thread. Only effective before torch is imported.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from inference.digits import ALPHABET, HEIGHT, WIDTH, DigitReader, greedy_decode, prepare
from models.digits.crnn import CRNN, CRNNConfig, count_parameters, export_onnx
from training.digits import synth
from training.progress import Progress, emit, step_reporter

log = logging.getLogger("training.digits")
REPO = Path(__file__).resolve().parents[2]
SOURCE_FILES = (
    "models/digits/crnn.py",
    "training/digits/synth.py",
    "training/digits/strokes.py",
    "training/digits/train.py",
    "inference/digits.py",
)
# Evaluation streams: seeds offset from the training seed, never equal to it.
EVAL_SEED_OFFSET = {"seen": 1_000_003, "heldout_font": 2_000_003, "heldout_sklearn": 3_000_003}
TESSDATA = "/usr/share/tesseract-ocr/5/tessdata"


# ------------------------------------------------------------------------------------------------ data


def encode(texts: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """CTC targets: concatenated class ids (digit d -> d + 1) and per-sample lengths."""
    ids = [ALPHABET.index(c) + 1 for t in texts for c in t]
    return torch.tensor(ids, dtype=torch.long), torch.tensor([len(t) for t in texts], dtype=torch.long)


def prepared_batch(crops: Sequence[np.ndarray]) -> np.ndarray:
    """Crops -> (N, HEIGHT, WIDTH) uint8 (prepare() scaled to 0..255: compact to pass between processes)."""
    return np.stack([np.round(prepare(c) * 255.0).astype(np.uint8) for c in crops])


def to_tensor(x: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(x.astype(np.float32) / 255.0)[:, None]


def make_batch(seed: int, k: int, batch_size: int, config: synth.SynthConfig) -> tuple[np.ndarray, list[str]]:
    samples = [synth.sample(seed, k * batch_size + j, config) for j in range(batch_size)]
    return prepared_batch([c for c, _ in samples]), [t for _, t in samples]


def _producer(seed: int, batch_size: int, config: synth.SynthConfig, worker: int, workers: int, out: mp.Queue) -> None:
    import cv2

    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    k = worker
    while True:
        out.put((k, *make_batch(seed, k, batch_size, config)))
        k += workers


class BatchStream:
    """Batches 0, 1, 2, ... of a seed, made by `workers` background processes (batch k by worker
    k % workers), delivered in order. Use as a context manager (stops the workers)."""

    def __init__(self, seed: int, batch_size: int, config: synth.SynthConfig = synth.TRAIN, workers: int = 1, prefetch: int = 6):
        ctx = mp.get_context("fork")
        self.queues = [ctx.Queue(maxsize=prefetch) for _ in range(workers)]
        self.procs = [
            ctx.Process(target=_producer, args=(seed, batch_size, config, w, workers, q), daemon=True)
            for w, q in enumerate(self.queues)
        ]
        for p in self.procs:
            p.start()
        self.waited = 0.0

    def __iter__(self) -> Iterator[tuple[np.ndarray, list[str]]]:
        k = 0
        while True:
            t = time.perf_counter()
            while True:
                try:
                    got, x, texts = self.queues[k % len(self.queues)].get(timeout=60)
                    break
                except queue.Empty:
                    if not all(p.is_alive() for p in self.procs):
                        raise RuntimeError("a data worker died") from None
            assert got == k
            self.waited += time.perf_counter() - t
            yield x, texts
            k += 1

    def close(self) -> None:
        for p in self.procs:
            if p.is_alive():
                p.terminate()
        for p in self.procs:
            p.join(timeout=5)

    def __enter__(self) -> BatchStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def with_replay(batches: Iterator[tuple[np.ndarray, list[str]]], every: int = 2, keep: int = 64, seed: int = 0
                ) -> Iterator[tuple[np.ndarray, list[str]]]:
    """After each fresh batch, `every - 1` batches drawn from the last `keep` ones, each crop shifted
    by a few pixels. Making a crop costs about half as much CPU as a training step on it, so on a
    2-core budget reusing each crop once buys ~25% more steps."""
    rng = np.random.default_rng(seed)
    buffer: list[tuple[np.ndarray, list[str]]] = []
    for x, texts in batches:
        yield x, texts
        buffer.append((x, texts))
        del buffer[:-keep]
        for _ in range(every - 1):
            idx = rng.integers(0, len(buffer) * len(texts), len(texts))
            xs = np.stack([buffer[i // len(texts)][0][i % len(texts)] for i in idx])
            ts = [buffer[i // len(texts)][1][i % len(texts)] for i in idx]
            for i in range(len(xs)):
                xs[i] = _shifted(xs[i], int(rng.integers(-2, 3)), int(rng.integers(0, 6)))
            yield xs, ts


def _shifted(x: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """x moved down by dy and right by dx, only when what falls off is paper (0)."""
    h, w = x.shape
    if dx and x[:, w - dx :].any():
        dx = 0
    if dy > 0 and x[h - dy :].any() or dy < 0 and x[:-dy].any():
        dy = 0
    if not dx and not dy:
        return x
    out = np.zeros_like(x)
    out[max(dy, 0) : h + min(dy, 0), dx:] = x[max(-dy, 0) : h - max(dy, 0), : w - dx]
    return out


def eval_set(seed: int, n: int, config: synth.SynthConfig) -> dict:
    """Raw crops (for Tesseract), their dpi, prepared inputs (for the model) and truths."""
    crops, texts, dpis = [], [], []
    for i in range(n):
        rng = np.random.default_rng([seed, i])
        text = synth.sample_text(rng, config.empty_rate)
        crop, info = synth.render_crop(text, rng, config)
        crops.append(crop)
        texts.append(text)
        dpis.append(info["dpi"])
    return {"crops": crops, "texts": texts, "dpis": dpis, "seed": seed}


# ----------------------------------------------------------------------------------------------- train


def lr_at(fraction: float, peak: float, warmup: float = 0.04, floor: float = 0.02) -> float:
    if fraction < warmup:
        return peak * max(fraction / warmup, 0.02)
    f = min(1.0, (fraction - warmup) / (1.0 - warmup))
    return peak * (floor + (1.0 - floor) * 0.5 * (1.0 + math.cos(math.pi * f)))


def train_loop(
    model: CRNN,
    batches: Iterator[tuple[np.ndarray, list[str]]],
    *,
    steps: int | None = None,
    seconds: float | None = None,
    lr: float = 2e-3,
    weight_decay: float = 1e-4,
    clip: float = 5.0,
    progress: bool = True,
    on_step: Callable[[int, float], None] | None = None,
) -> dict:
    """Train until `steps` or `seconds` (whichever comes first). Returns losses and counters.
    `on_step(step, loss)` is called after each step (training.progress.step_reporter)."""
    if steps is None and seconds is None:
        raise ValueError("give steps or seconds")
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    model.train()
    losses: list[float] = []
    start = time.perf_counter()
    bar = tqdm(total=steps if steps else round(seconds or 0), unit="step" if steps else "s", disable=not progress,
               dynamic_ncols=True, mininterval=2.0)
    step, samples = 0, 0
    for x, texts in batches:
        elapsed = time.perf_counter() - start
        fraction = max(step / steps if steps else 0.0, elapsed / seconds if seconds else 0.0)
        if fraction >= 1.0:
            break
        for g in opt.param_groups:
            g["lr"] = lr_at(fraction, lr)
        inputs = to_tensor(x)
        targets, target_lengths = encode(texts)
        log_probs = model(inputs).log_softmax(-1).transpose(0, 1)  # (T, N, C)
        input_lengths = torch.full((len(texts),), log_probs.shape[0], dtype=torch.long)
        loss = ctc(log_probs, targets, input_lengths, target_lengths)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        losses.append(loss.item())
        step += 1
        samples += len(texts)
        if on_step is not None:
            on_step(step, losses[-1])
        if steps:
            bar.update(1)
        else:
            bar.update(min(round(seconds or 0), int(time.perf_counter() - start)) - bar.n)
        if step % 25 == 0:
            bar.set_postfix(loss=f"{np.mean(losses[-25:]):.3f}", lr=f"{opt.param_groups[0]['lr']:.1e}")
    bar.close()
    model.eval()
    return {"losses": losses, "steps": step, "samples": samples, "seconds": time.perf_counter() - start}


@torch.no_grad()
def torch_predict(model: CRNN, crops: Sequence[np.ndarray], batch_size: int = 256) -> list[tuple[str, float]]:
    model.eval()
    out: list[tuple[str, float]] = []
    for i in range(0, len(crops), batch_size):
        x = torch.from_numpy(np.stack([prepare(c) for c in crops[i : i + batch_size]]))[:, None]
        probs = model(x).softmax(-1).numpy()
        out.extend(greedy_decode(p) for p in probs)
    return out


# -------------------------------------------------------------------------------------------- metrics


def edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def score(predicted: Sequence[str], truth: Sequence[str], confidence: Sequence[float] | None = None) -> dict:
    """Sequence exact match and CER (edit distance / reference characters), overall and by length."""
    n = len(truth)
    exact = [p == t for p, t in zip(predicted, truth)]
    errors = sum(edit_distance(p, t) for p, t in zip(predicted, truth))
    chars = sum(len(t) for t in truth)
    out: dict = {
        "n": n,
        "exact_match": round(sum(exact) / max(n, 1), 4),
        "cer": round(errors / max(chars, 1), 4),
        "by_length": {},
    }
    for length in sorted({len(t) for t in truth}):
        idx = [i for i, t in enumerate(truth) if len(t) == length]
        out["by_length"][str(length)] = {"n": len(idx), "exact_match": round(sum(exact[i] for i in idx) / len(idx), 4)}
    if confidence is not None:
        for cut in (0.5, 0.9):
            idx = [i for i, c in enumerate(confidence) if c >= cut]
            out[f"conf>={cut}"] = {
                "coverage": round(len(idx) / max(n, 1), 4),
                "exact_match": round(sum(exact[i] for i in idx) / max(len(idx), 1), 4),
            }
    return out


_TESS = None


def _tess_init() -> None:
    global _TESS
    import tesserocr

    _TESS = tesserocr.PyTessBaseAPI(path=TESSDATA, lang="vie", psm=tesserocr.PSM.SINGLE_LINE)
    _TESS.SetVariable("tessedit_char_whitelist", "0123456789")


def _tess_read(item: tuple[np.ndarray, int]) -> str:
    from PIL import Image

    crop, dpi = item
    assert _TESS is not None
    _TESS.SetImage(Image.fromarray(crop))
    _TESS.SetSourceResolution(int(dpi))
    return "".join(ch for ch in _TESS.GetUTF8Text() if ch.isdigit())


def tesseract_baseline(crops: Sequence[np.ndarray], dpis: Sequence[int], processes: int = 2) -> list[str] | None:
    """Tesseract 5 `vie`, single-line mode, digit whitelist, on the raw crops; None if unavailable."""
    try:
        import tesserocr  # noqa: F401
    except ImportError:
        return None
    if not Path(TESSDATA, "vie.traineddata").is_file():
        return None
    # Fresh (spawned) processes with OMP_THREAD_LIMIT=1, as the pipeline runs Tesseract. Not set in
    # this process: an OpenMP runtime loaded under OMP_THREAD_LIMIT=1 makes torch's 2 threads crawl.
    saved = os.environ.get("OMP_THREAD_LIMIT")
    os.environ["OMP_THREAD_LIMIT"] = "1"
    try:
        with mp.get_context("spawn").Pool(processes, initializer=_tess_init) as pool:
            return pool.map(_tess_read, list(zip(crops, dpis)), chunksize=32)
    finally:
        if saved is None:
            os.environ.pop("OMP_THREAD_LIMIT", None)
        else:
            os.environ["OMP_THREAD_LIMIT"] = saved


def save_checkpoint(model: CRNN, path: Path) -> None:
    """Weights + config (for fine-tuning and for checking the ONNX export against torch)."""
    torch.save({"config": model.config.to_dict(), "state_dict": model.state_dict()}, path)


def load_checkpoint(path: Path) -> CRNN:
    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    cfg = ckpt["config"]
    model = CRNN(CRNNConfig(**{**cfg, "channels": tuple(cfg["channels"])}))
    model.load_state_dict(ckpt["state_dict"])
    return model.eval()


# ----------------------------------------------------------------------------------------------- card


def code_hash() -> dict:
    files = {}
    for rel in SOURCE_FILES:
        files[rel] = hashlib.sha256((REPO / rel).read_bytes()).hexdigest()
    combined = hashlib.sha256("".join(f"{k}:{v}\n" for k, v in sorted(files.items())).encode()).hexdigest()
    return {"sha256": combined, "files": files}


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def write_readme(out: Path, card: dict) -> None:
    m = card["metrics"]
    rows = []
    for name, label in (
        ("seen", "seen sources (train fonts + strokes + sklearn-train), new seed"),
        ("heldout_font", f"held-out font family `{card['data']['held_out_font_family']}` (never trained on)"),
        ("heldout_sklearn", "held-out 20% of scikit-learn's real handwritten digits"),
    ):
        if name not in m:
            continue
        r = m[name]
        t, tf = r.get("tesseract"), r.get("tesseract_framed")
        rows.append(
            f"| {label} | {r['model']['n']} | **{_pct(r['model']['exact_match'])}** / {_pct(r['model_framed']['exact_match'])} | "
            f"{_pct(r['model']['cer'])} / {_pct(r['model_framed']['cer'])} | "
            + (f"{_pct(t['exact_match'])} / {_pct(tf['exact_match'])} | {_pct(t['cer'])} / {_pct(tf['cer'])} |" if t and tf else "n/a | n/a |")
        )
    d, tr = card["data"], card["training"]
    lengths = sorted(set(m["seen"]["model"]["by_length"]) | set(m["heldout_font"]["model"]["by_length"]))
    def at(name: str, n: str) -> str:
        r = m[name]["model"]["by_length"].get(n)
        return _pct(r["exact_match"]) if r else "-"

    by_len = ", ".join(f"{n} digits: {at('seen', n)} / {at('heldout_font', n)}" for n in lengths)
    hf = m["heldout_font"]["model"]
    conf_line = "; ".join(
        f"conf >= {cut}: {_pct(hf[f'conf>={cut}']['coverage'])} of crops, {_pct(hf[f'conf>={cut}']['exact_match'])} exact"
        for cut in (0.5, 0.9)
    )
    text = f"""# Handwritten digit reader — `digits/{card['version']}`

Reads the number an official wrote by hand into a printed gap ("Số:      /QĐ-UBND",
"ngày      tháng"), from the grey crop the pipeline cuts around the gap. Used by
`inference.digits.DigitReader` (`read(crop) -> (digits, confidence)`).

- **Model**: CRNN (`models/digits/crnn.py`): 6 conv layers -> BiLSTM({card['model']['config']['hidden']}) -> CTC over
  blank + 10 digits; input: the crop trimmed to its ink, then grey 32x128 (aspect kept, padded
  white; `inference.digits.prepare`), 32 time steps.
  {card['model']['parameters']:,} parameters, ONNX opset {card['model']['onnx_opset']} with a dynamic batch axis,
  {card['model']['onnx_bytes'] / 1e6:.2f} MB. Output: per-step class probabilities; greedy decoding;
  confidence = probability of the greedy path.
- **Data**: synthetic only, generated on the fly (`training/digits/synth.py`, seed {d['seed']}):
  {tr['unique_samples']:,} generated crops, {tr['samples']:,} training samples ({tr['steps']:,} steps x {tr['batch_size']};
  each generated batch followed by {tr['replay'] - 1} batch(es) re-drawn from the last 64, shifted a few px). Glyph sources:
  handwriting fonts ({', '.join(d['train_font_families'])}), pen-stroke skeletons
  (`training/digits/strokes.py`), {'scikit-learn handwritten 8x8 digits (train split)' if d['sklearn'] else 'no scikit-learn digits (not installed)'}.
  Augmentation: glyph scale/rotation/shear, spacing down to touching, stroke width, elastic distortion,
  ink darkness, blur, 100-300 dpi, noise, speckle, binarisation, JPEG; printed label tails, "/QĐ-UBND"
  starts, dotted baselines, bits of neighbouring lines. Strings of 1-4 digits (mostly 1-3), days and
  months with and without a leading zero, {_pct(d['empty_rate'])} empty crops (read as ""); {_pct(d['framed_rate'])} of
  the crops framed like the pipeline's (`synth.frame_like_pipeline`).
- **Training**: CPU, {tr['threads']} threads, {tr['seconds'] / 60:.1f} min (budget {tr['budget_minutes']} min), AdamW, lr {tr['lr']}
  warm-up + cosine over the budget, CTC loss {tr['loss_start']:.2f} -> {tr['loss_end']:.3f}.

## Held-out synthetic evaluation (vs Tesseract)

Each cell: the crop as cut around the gap / the same crop "framed" as `inference.reread.read_digits`
passes it on (cut to its pixels darker than 128, 12 px white border). Tesseract baseline: `vie`,
PSM 7 (single line), whitelist `0123456789`, source resolution = the crop's dpi, on the same crops.

| set | n | model exact | model CER | Tesseract exact | Tesseract CER |
|---|---|---|---|---|---|
{chr(10).join(rows)}

Model exact match by number of digits (seen / held-out font):
{by_len}

Confidence (greedy-path probability) on the held-out font set: {conf_line}

Speed (onnxruntime, 1 thread, this machine, shared with other jobs): {card['speed_ms_per_crop']['single']:.2f} ms per
crop one at a time, {card['speed_ms_per_crop']['batched']:.2f} ms per crop in batches of 64 (preprocessing included).

These are **synthetic** figures. The held-out rows are the honest generalisation estimate (a font
family and real writers' digits the model never saw); real scans have not been measured yet.

## Limits

- Trained only on synthetic crops; the gap geometry follows `inference.reread._gap`.
- Reads digits only (no "/", letters, or Roman numerals); longer than 4 digits is out of distribution.
- The held-out font family `dkg` is also the face `training/synth` uses for handwritten numbers on
  synthetic pages, so page-level evaluation on those pages is not inflated by training on that font.

Reproduce: the `digits-{card['version']}` stage of dvc.yaml (started from: {tr.get('init') or 'scratch'})
(needs `pip install -e '.[train]'` for scikit-learn; code hash `{card['code']['sha256'][:16]}`, see card.json).
"""
    (out / "README.md").write_text(text, encoding="utf-8")


# ------------------------------------------------------------------------------------------------ main


def main(argv: Sequence[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(prog="python -m training.digits.train", description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=REPO / "models/artifacts/digits/v1")
    ap.add_argument("--minutes", type=float, default=8.0, help="wall-clock budget of the training loop")
    ap.add_argument("--steps", type=int, default=None, help="stop after this many steps (default: budget only)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--init", type=Path, default=None,
                    help="fine-tune from this checkpoint (model.pt of an earlier version) instead of from scratch")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-2)
    ap.add_argument("--replay", type=int, default=2, help="batches per generated batch (1 = no reuse)")
    ap.add_argument("--workers", type=int, default=1, help="data generation processes")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--eval-n", type=int, default=1000, help="crops per evaluation set")
    ap.add_argument("--no-tesseract", action="store_true")
    ap.add_argument("--progress", action="store_true", help="machine-readable progress lines on stdout (training.progress)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    t_all = time.perf_counter()
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)

    sklearn_ok = synth.sklearn_glyphs("train") is not None
    if not sklearn_ok:
        log.warning("training WITHOUT scikit-learn digits: pip install -e '.[train]'")
    with BatchStream(args.seed, args.batch_size, synth.TRAIN, workers=args.workers) as stream:
        torch.set_num_threads(args.threads)  # after the fork: workers run single-threaded
        model = load_checkpoint(args.init) if args.init else CRNN(CRNNConfig())
        log.info("CRNN %s parameters (%s); budget %.1f min", f"{count_parameters(model):,}",
                 f"from {args.init}" if args.init else "from scratch", args.minutes)
        batches = with_replay(iter(stream), every=args.replay, seed=args.seed) if args.replay > 1 else iter(stream)
        on_step = step_reporter(args.steps) if args.progress else None
        result = train_loop(model, batches, steps=args.steps, seconds=args.minutes * 60, lr=args.lr, on_step=on_step)
        waited = stream.waited
    log.info("trained %d steps (%d samples) in %.1f s, %.1f s waiting for data; loss %.3f -> %.3f",
             result["steps"], result["samples"], result["seconds"], waited,
             np.mean(result["losses"][:20]), np.mean(result["losses"][-50:]))

    if args.progress:
        emit(Progress(phase="evaluate", step=result["steps"], total=args.steps))
    onnx_path = args.out / "model.onnx"
    export_onnx(model, str(onnx_path))
    save_checkpoint(model, args.out / "model.pt")
    reader = DigitReader(onnx_path)

    sets = {"seen": synth.SEEN, "heldout_font": synth.HELDOUT_FONT}
    if sklearn_ok:
        sets["heldout_sklearn"] = synth.HELDOUT_SKLEARN
    metrics: dict = {}
    t_eval = time.perf_counter()
    for name, config in sets.items():
        n = args.eval_n if name != "heldout_sklearn" else max(1, args.eval_n // 2)
        data = eval_set(args.seed + EVAL_SEED_OFFSET[name], n, config)
        t = time.perf_counter()
        preds = reader.read_many(data["crops"])
        per_crop_ms = (time.perf_counter() - t) / n * 1000
        framed = [synth.frame_like_pipeline(c) for c in data["crops"]]
        preds_framed = reader.read_many(framed)
        metrics[name] = {
            "seed": data["seed"],
            "model": score([p for p, _ in preds], data["texts"], [c for _, c in preds]),
            "model_framed": score([p for p, _ in preds_framed], data["texts"], [c for _, c in preds_framed]),
            "model_ms_per_crop_batched": round(per_crop_ms, 3),
        }
        if not args.no_tesseract:
            tess = tesseract_baseline(data["crops"], data["dpis"], processes=args.threads)
            if tess is not None:
                metrics[name]["tesseract"] = score(tess, data["texts"])
                metrics[name]["tesseract_framed"] = score(tesseract_baseline(framed, data["dpis"], processes=args.threads) or [],
                                                          data["texts"])
        m = metrics[name]
        log.info("%-16s model exact %.3f CER %.3f (framed %.3f) | tesseract %s", name, m["model"]["exact_match"],
                 m["model"]["cer"], m["model_framed"]["exact_match"],
                 f"exact {m['tesseract']['exact_match']:.3f} CER {m['tesseract']['cer']:.3f} (framed "
                 f"{m['tesseract_framed']['exact_match']:.3f})" if "tesseract" in m else "n/a")
    single = eval_set(args.seed + EVAL_SEED_OFFSET["seen"], 50, synth.SEEN)["crops"]
    reader.read(single[0])
    t = time.perf_counter()
    for c in single:
        reader.read(c)
    single_ms = (time.perf_counter() - t) / len(single) * 1000

    card = {
        "name": "vanthu-digits",
        "version": args.out.name,
        "task": "handwritten digit string in a printed gap (Số: __/..., ngày __ tháng __) -> digits",
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "model": {
            "architecture": "CRNN: conv x6 (BN, ReLU) -> BiLSTM -> linear, CTC (blank=0, digit d = d+1)",
            "config": model.config.to_dict(),
            "parameters": count_parameters(model),
            "input": {"name": "image", "shape": ["batch", 1, HEIGHT, WIDTH], "dtype": "float32",
                      "preprocessing": "inference.digits.prepare (ink=1, paper=0, keep aspect, pad right/top/bottom)",
                      "crop": "window" if synth.TRAIN.window_rate > 0 else "gap"},
            "output": {"name": "probs", "shape": ["batch", 32, 11], "meaning": "softmax over blank + digits 0-9"},
            "onnx_opset": 17,
            "onnx_bytes": onnx_path.stat().st_size,
            "onnx_sha256": hashlib.sha256(onnx_path.read_bytes()).hexdigest(),
        },
        "data": {
            "generator": "training/digits/synth.py (fonts, pen strokes, sklearn digits; crop geometry of inference.reread._gap)",
            "seed": args.seed,
            "train_font_families": list(synth.TRAIN_FAMILIES),
            "train_font_files": list(synth.font_files(synth.TRAIN_FAMILIES)),
            "held_out_font_family": synth.HELD_OUT_FAMILY,
            "held_out_font_files": list(synth.font_files((synth.HELD_OUT_FAMILY,))),
            "source_weights": synth.TRAIN.weights,
            "sklearn": sklearn_ok,
            "sklearn_split": {"seed": synth.SKLEARN_SPLIT_SEED, "train_share": synth.SKLEARN_TRAIN_SHARE},
            "empty_rate": synth.TRAIN.empty_rate,
            "framed_rate": synth.TRAIN.frame_rate,
            "eval_seeds": {k: args.seed + v for k, v in EVAL_SEED_OFFSET.items() if k in sets},
        },
        "training": {
            "init": str(args.init) if args.init else None,
            "budget_minutes": args.minutes,
            "seconds": round(result["seconds"], 1),
            "data_wait_seconds": round(waited, 1),
            "steps": result["steps"],
            "samples": result["samples"],
            "unique_samples": math.ceil(result["steps"] / max(args.replay, 1)) * args.batch_size,
            "batch_size": args.batch_size,
            "lr": args.lr,
            "optimizer": "AdamW(wd=1e-4), warm-up 4% + cosine over the budget, grad clip 5",
            "threads": args.threads,
            "data_workers": args.workers,
            "replay": args.replay,
            "loss_start": round(float(np.mean(result["losses"][:20])), 4),
            "loss_end": round(float(np.mean(result["losses"][-50:])), 4),
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__}",
            "total_seconds": None,
        },
        "metrics": metrics,
        "speed_ms_per_crop": {"single": round(single_ms, 3), "batched": metrics["seen"]["model_ms_per_crop_batched"]},
        "baseline": "Tesseract 5 vie, PSM 7, tessedit_char_whitelist=0123456789, SetSourceResolution(crop dpi), raw crop",
        "code": code_hash(),
        "command": "python -m training.digits.train " + " ".join(sys.argv[1:] if argv is None else argv),
    }
    card["training"]["total_seconds"] = round(time.perf_counter() - t_all, 1)
    card["evaluation_seconds"] = round(time.perf_counter() - t_eval, 1)
    (args.out / "card.json").write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    write_readme(args.out, card)
    log.info("wrote %s (%.2f MB), total %.1f min", onnx_path, onnx_path.stat().st_size / 1e6, card["training"]["total_seconds"] / 60)
    return card


if __name__ == "__main__":
    main()
