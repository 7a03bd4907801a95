"""Train the layout network on synthetic pages, on CPU, for a number of steps; export ONNX; tune the decoding
threshold on held-out pages; score it against the rule baseline on the synthetic hard split; write the card.

    python -m training.layout.train --data data/layout/pages.npz --out models/artifacts/layout/v1 \
        --steps 1200 --threads 1 --hard data/synth/hard

Targets: per class, the share of each output cell (stride 4) covered by that class's region boxes (classes
overlap). Loss: binary cross-entropy plus soft Dice per class (small regions such as the number line or the
page number would otherwise drown in paper). Augmentation: small shifts and scalings of the page with its
boxes, and contrast (gamma) changes; the factory's own damage does the rest.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import platform
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np
import torch
from torch.nn import functional as F
from tqdm import tqdm

from eval.metrics import LayoutBox, layout_map
from inference.layout_model import INPUT_HEIGHT, INPUT_WIDTH, STRIDE, LayoutModel, decode, prepare
from inference.schema import LAYOUT_LABELS, BBox
from models.layout.net import TINY, LayoutNet, LayoutNetConfig, count_parameters, export_onnx
from training.cards import code_hash, sha256_file

SOURCE_FILES = (
    "inference/layout_model.py",
    "models/layout/net.py",
    "training/layout/data.py",
    "training/layout/train.py",
    "training/synth/truth.py",
    "training/synth/render.py",
)
ROWS, COLS = INPUT_HEIGHT // STRIDE, INPUT_WIDTH // STRIDE
HELDOUT_SHARE = 0.1
THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55)
LR = 3e-3
WARMUP = 50


@dataclass
class PackedPages:
    images: np.ndarray
    """uint8 (pages, INPUT_HEIGHT, INPUT_WIDTH)"""
    boxes: list[np.ndarray]
    """Per page, float32 (regions, 5): class, x0, y0, x1, y1."""
    ids: list[str]

    @classmethod
    def load(cls, path: Path) -> PackedPages:
        data = np.load(path)
        rows = data["boxes"]
        boxes = [rows[rows[:, 0] == k, 1:] for k in range(len(data["images"]))]
        return cls(data["images"], boxes, [str(i) for i in data["ids"]])

    def subset(self, indices: list[int]) -> PackedPages:
        return PackedPages(self.images[indices], [self.boxes[k] for k in indices], [self.ids[k] for k in indices])

    def split(self) -> tuple[PackedPages, PackedPages]:
        """Training and held-out pages: a share (at least one) of the documents, chosen by a hash of their
        names; a document's pages stay together."""
        documents = sorted({i.split("#")[0] for i in self.ids}, key=lambda d: hashlib.sha256(d.encode()).hexdigest())
        held = set(documents[: max(1, round(HELDOUT_SHARE * len(documents)))])
        heldout = [k for k, i in enumerate(self.ids) if i.split("#")[0] in held]
        training = [k for k, i in enumerate(self.ids) if i.split("#")[0] not in held]
        return self.subset(training), self.subset(heldout)


def _coverage(lo: float, hi: float, cells: int) -> np.ndarray:
    """Share of each of `cells` equal cells of [0, 1] that lies in [lo, hi]."""
    edges = np.arange(cells + 1) / cells
    return np.clip((np.minimum(edges[1:], hi) - np.maximum(edges[:-1], lo)) * cells, 0.0, 1.0)


def targets(boxes: np.ndarray) -> np.ndarray:
    """(regions, 5) class + normalised box -> float32 (classes, ROWS, COLS) covered shares (max over boxes)."""
    out = np.zeros((len(LAYOUT_LABELS), ROWS, COLS), np.float32)
    for label, x0, y0, x1, y1 in boxes:
        cell = np.outer(_coverage(y0, y1, ROWS), _coverage(x0, x1, COLS))
        np.maximum(out[int(label)], cell, out=out[int(label)])
    return out


def augment(image: np.ndarray, boxes: np.ndarray, rng: random.Random) -> tuple[np.ndarray, np.ndarray]:
    """A small random scaling about the centre and shift of the page with its boxes, and a gamma change."""
    scale, dx, dy = rng.uniform(0.9, 1.06), rng.uniform(-0.04, 0.04), rng.uniform(-0.04, 0.04)
    matrix = np.array(
        [
            [scale, 0, (1 - scale) * INPUT_WIDTH / 2 + dx * INPUT_WIDTH],
            [0, scale, (1 - scale) * INPUT_HEIGHT / 2 + dy * INPUT_HEIGHT],
        ],
        np.float32,
    )
    paper = int(np.percentile(image, 90))
    moved = cv2.warpAffine(image, matrix, (INPUT_WIDTH, INPUT_HEIGHT), flags=cv2.INTER_LINEAR, borderValue=paper)
    gamma = rng.uniform(0.7, 1.4)
    moved = (255 * (moved / 255.0) ** gamma).astype(np.uint8)
    out = boxes.copy()
    out[:, [1, 3]] = np.clip(0.5 + scale * (boxes[:, [1, 3]] - 0.5) + dx, 0, 1)
    out[:, [2, 4]] = np.clip(0.5 + scale * (boxes[:, [2, 4]] - 0.5) + dy, 0, 1)
    keep = (out[:, 3] > out[:, 1]) & (out[:, 4] > out[:, 2])
    return moved, out[keep]


def batch_of(pages: PackedPages, indices: list[int], rng: random.Random | None) -> tuple[torch.Tensor, torch.Tensor]:
    """Network inputs (N, 1, H, W) and targets (N, classes, ROWS, COLS); augmented when `rng` is given."""
    images, maps = [], []
    for k in indices:
        image, boxes = (
            (pages.images[k], pages.boxes[k]) if rng is None else augment(pages.images[k], pages.boxes[k], rng)
        )
        images.append(prepare(image))
        maps.append(targets(boxes))
    return torch.from_numpy(np.stack(images)[:, None]), torch.from_numpy(np.stack(maps))


def loss_of(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """BCE + (1 - soft Dice) averaged over classes, Dice summed over the batch."""
    bce = F.binary_cross_entropy_with_logits(logits, target)
    probs = torch.sigmoid(logits)
    overlap = (probs * target).sum(dim=(0, 2, 3))
    dice = (2 * overlap + 1) / (probs.sum(dim=(0, 2, 3)) + target.sum(dim=(0, 2, 3)) + 1)
    return bce + (1 - dice).mean()


def train_model(
    pages: PackedPages, config: LayoutNetConfig, steps: int, seed: int, batch_size: int = 8, lr: float = LR
) -> tuple[LayoutNet, dict]:
    """The trained network (eval mode) and its training statistics (losses per step)."""
    torch.manual_seed(seed)
    rng = random.Random(seed)
    model = LayoutNet(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    losses: list[float] = []
    started = time.perf_counter()
    model.train()
    for step in (bar := tqdm(range(steps), desc="training layout", unit="step")):
        for group in optimizer.param_groups:
            group["lr"] = lr * min(1.0, (step + 1) / WARMUP) * 0.5 * (1 + math.cos(math.pi * step / steps))
        inputs, target = batch_of(pages, [rng.randrange(len(pages.ids)) for _ in range(batch_size)], rng)
        loss = loss_of(model(inputs), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        bar.set_postfix(loss=f"{np.mean(losses[-20:]):.3f}")
    return model.eval(), {"steps": steps, "seconds": round(time.perf_counter() - started, 1), "losses": losses}


def probabilities(model: LayoutNet, pages: PackedPages) -> np.ndarray:
    with torch.no_grad():
        return np.concatenate(
            [
                torch.sigmoid(model(batch_of(pages, list(range(i, min(i + 16, len(pages.ids)))), None)[0])).numpy()
                for i in range(0, len(pages.ids), 16)
            ]
        )


def heldout_map(probs: np.ndarray, pages: PackedPages, threshold: float) -> float:
    truth = [
        LayoutBox(page=pages.ids[k], label=LAYOUT_LABELS[int(c)], bbox=BBox(x0=x0, y0=y0, x1=x1, y1=y1))
        for k, rows in enumerate(pages.boxes)
        for c, x0, y0, x1, y1 in rows
    ]
    predicted = [
        LayoutBox(page=pages.ids[k], label=r.label, bbox=r.bbox, score=r.score)
        for k, plane in enumerate(probs)
        for r in decode(plane, k, threshold)
    ]
    return layout_map(predicted, truth).map


def tune_threshold(model: LayoutNet, heldout: PackedPages) -> tuple[float, dict[str, float]]:
    """The decoding threshold with the best held-out mAP, and the mAP of every candidate."""
    probs = probabilities(model, heldout)
    scores = {str(t): heldout_map(probs, heldout, t) for t in THRESHOLDS}
    best = max(THRESHOLDS, key=lambda t: scores[str(t)])
    return best, scores


def onnx_parity(model: LayoutNet, out: Path, pages: PackedPages) -> float:
    """Max |torch - onnxruntime| over the probabilities of a few pages."""
    sample = pages.subset(list(range(min(2, len(pages.ids)))))
    inputs, _ = batch_of(sample, list(range(len(sample.ids))), None)
    with torch.no_grad():
        expected = torch.sigmoid(model(inputs)).numpy()
    return float(np.abs(LayoutModel(out).probabilities(inputs.numpy()) - expected).max())


def hard_split_scores(out: Path, hard: Path | None) -> dict | None:
    """Per-class AP of this model and of the rule baseline on a synthetic hard split (eval/layout.py)."""
    if hard is None or not (hard / "dataset_info.json").is_file():
        return None
    from eval.layout import evaluate

    report = evaluate(hard, ["model", "rules"], model_dirs={"model": out})
    return {
        "dataset": str(hard),
        "pages": report.pages,
        "truth_regions": report.truth_regions,
        "words_of_the_baseline": report.words,
        **{name: score.model_dump() for name, score in report.engines.items()},
    }


def write_artifact(model: LayoutNet, out: Path, threshold: float) -> None:
    out.mkdir(parents=True, exist_ok=True)
    export_onnx(model, str(out / "model.onnx"))
    torch.save({"config": model.config.to_dict(), "state_dict": model.state_dict()}, out / "model.pt")
    (out / "card.json").write_text(json.dumps({"decode": {"threshold": threshold}}), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description="Train the layout model")
    parser.add_argument("--data", type=Path, help="pages.npz of training.layout.data (not needed with --rescore)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--hard", type=Path, help="a synthetic hard split folder to score against the baseline")
    parser.add_argument("--tiny", action="store_true", help="the tiny config (tests, smoke runs)")
    parser.add_argument("--rescore", action="store_true", help="only score the artifact in --out on --hard again")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.rescore:
        rescore(args.out, args.hard)
        return
    if args.data is None:
        parser.error("--data is required to train")
    cpu_started = time.process_time()
    begun = time.perf_counter()
    training, heldout = PackedPages.load(args.data).split()
    config = TINY if args.tiny else LayoutNetConfig()
    model, stats = train_model(training, config, args.steps, args.seed, args.batch)
    threshold, threshold_maps = tune_threshold(model, heldout)
    write_artifact(model, args.out, threshold)
    parity = onnx_parity(model, args.out, heldout)
    losses = stats.pop("losses")
    onnx_path = args.out / "model.onnx"
    card = {
        "name": "vanthu-layout",
        "version": args.out.name,
        "task": "grey page image -> regions of the Decree 30 components, seal, signature, handwriting, stamps "
        "(inference/layout_model.py)",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "model": {
            "architecture": "fully-convolutional: strided conv encoder to 1/32 (dilated at 1/16, 1/32), FPN-style "
            "decoder to stride 4, sigmoid per class; plain torch, trained from scratch here",
            "config": config.to_dict(),
            "parameters": count_parameters(model),
            "labels": list(LAYOUT_LABELS),
            "input": f"image (batch, 1, {INPUT_HEIGHT}, {INPUT_WIDTH}) float, ink 1 paper 0 (layout_model.prepare)",
            "output": f"probs (batch, {len(LAYOUT_LABELS)}, {ROWS}, {COLS})",
            "onnx_opset": 17,
            "onnx_bytes": onnx_path.stat().st_size,
            "onnx_sha256": sha256_file(onnx_path),
            "onnx_max_abs_diff_vs_torch": parity,
        },
        "decode": {
            "threshold": threshold,
            "heldout_map_by_threshold": threshold_maps,
            "rule": "threshold, 8-connected components; once-per-page classes: the union of components "
            "of at least 20% of the largest; stamps and handwriting: one box per component",
        },
        "data": {
            "file": str(args.data),
            "sha256": sha256_file(args.data),
            "training_pages": len(training.ids),
            "heldout_pages": len(heldout.ids),
            "generator": "training.layout.data: training.synth.generate, default and hard splits",
        },
        "training": {
            **stats,
            "batch_size": args.batch,
            "lr": LR,
            "threads": args.threads,
            "optimizer": f"AdamW(wd=1e-4), warm-up {WARMUP} steps + cosine",
            "loss": "BCE + soft Dice per class",
            "loss_start": round(float(np.mean(losses[:20])), 4),
            "loss_end": round(float(np.mean(losses[-20:])), 4),
            "cpu_seconds": round(time.process_time() - cpu_started, 1),
            "machine": f"{platform.machine()}, torch {torch.__version__}",
        },
        "metrics": {
            "heldout_map": threshold_maps[str(threshold)],
            "hard_split": hard_split_scores(args.out, args.hard),
        },
        "baseline": "inference.layout_engines.RuleLayout: evidence boxes of the rule extractor on perfect words",
        "not_covered": "table: the factory draws no tables, so the model has no table class",
        "code": code_hash(SOURCE_FILES),
        "command": "python -m training.layout.train "
        + " ".join(
            f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items() if v not in (None, False) and k != "tiny"
        )
        + (" --tiny" if args.tiny else ""),
        "total_seconds": round(time.perf_counter() - begun, 1),
    }
    (args.out / "card.json").write_text(json.dumps(card, ensure_ascii=False, indent=2), encoding="utf-8")
    (args.out / "README.md").write_text(card_markdown(card), encoding="utf-8")
    print(json.dumps(card["metrics"], indent=1))


def rescore(out: Path, hard: Path | None) -> None:
    """Score an artifact on a synthetic hard split again and rewrite the figures of its card."""
    card = json.loads((out / "card.json").read_text(encoding="utf-8"))
    card["metrics"]["hard_split"] = hard_split_scores(out, hard)
    (out / "card.json").write_text(json.dumps(card, ensure_ascii=False, indent=2), encoding="utf-8")
    (out / "README.md").write_text(card_markdown(card), encoding="utf-8")
    print(json.dumps(card["metrics"], indent=1))


def card_markdown(card: dict) -> str:
    """The model card for people: what, how it was made, per-class AP against the rule baseline."""
    model, training, hard = card["model"], card["training"], card["metrics"]["hard_split"]
    lines = [
        f"# {card['name']} {card['version']}",
        "",
        f"{card['task']}. Trained {card['date']} with `{card['command']}`.",
        "",
        (
            f"- Network: {model['architecture']}; {model['parameters']:,} parameters; ONNX {model['onnx_bytes']:,} bytes "
            f"(opset {model['onnx_opset']}, max |torch - onnxruntime| {model['onnx_max_abs_diff_vs_torch']:.2e})."
        ),
        (
            f"- Input: {model['input']}; output: {model['output']}. Decoding: {card['decode']['rule']}; threshold "
            f"{card['decode']['threshold']} (best held-out mAP)."
        ),
        (
            f"- Data: {card['data']['training_pages']} training pages, {card['data']['heldout_pages']} held out "
            f"({card['data']['generator']}); sha256 {card['data']['sha256'][:16]}..."
        ),
        (
            f"- Training: {training['steps']} steps of {training['batch_size']} pages, {training['optimizer']}, "
            f"{training['loss']}; loss {training['loss_start']} -> {training['loss_end']}; {training['cpu_seconds']} "
            f"CPU-seconds on {training['threads']} thread(s) ({training['machine']})."
        ),
        f"- Code: sha256 {card['code']['sha256'][:16]}... over {', '.join(card['code']['files'])}.",
        f"- Held-out mAP@[.5:.95]: {card['metrics']['heldout_map']}.",
        f"- Not covered: {card['not_covered']}.",
        "",
    ]
    if hard:
        lines += [
            f"## Synthetic hard split (`{hard['dataset']}`, {hard['pages']} pages) against the baseline",
            "",
            f"Baseline: {card['baseline']} ({hard['words_of_the_baseline']}).",
            "",
            "| class | regions | model AP | model AP50 | rules AP | rules AP50 |",
            "|---|---|---|---|---|---|",
        ]
        for label, count in hard["truth_regions"].items():
            m, r = hard["model"], hard["rules"]
            lines.append(
                f"| {label} | {count} | {m['ap'].get(label, 0):.3f} | {m['ap50'].get(label, 0):.3f} | "
                f"{r['ap'].get(label, 0):.3f} | {r['ap50'].get(label, 0):.3f} |"
            )
        lines.append(
            f"| **mAP** | | **{hard['model']['map']:.3f}** | **{hard['model']['map50']:.3f}** | "
            f"**{hard['rules']['map']:.3f}** | **{hard['rules']['map50']:.3f}** |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
