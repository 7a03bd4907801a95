"""Train the LayoutLM field tagger on synthetic documents, on CPU, within a step budget (and a wall-clock
cap); export ONNX; evaluate it against the rule baseline field by field; write the artifact and its card.

    python -m training.kie.train --out models/artifacts/kie/v1 --steps 1200 \
        --ocr-train data/kie/ocr-train.jsonl --ocr-heldout data/kie/ocr-heldout.jsonl \
        --corrections data/corrections

    python -m training.kie.train --init models/artifacts/kie/v1 --corrections data/corrections \
        --steps 150 --out $VANTHU_DATA_DIR/models/kie/v2          # retrain from the previous weights

Data: born-digital synthetic documents read through the pipeline's text-layer reader (with OCR-like noise
added on the fly), when given real OCR passes over synthetic scans (training/kie/passes.py), and the pages
people corrected (`vanthu corrections export`, training/kie/corrections.py), mixed into the last phase:
the fine-tuning of `--init`'s weights, or of this run's own model after its synthetic phase.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import platform
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import torch
from tokenizers import Tokenizer
from tqdm import tqdm

from inference.kie.model import CLS, LABELS, SEP, WINDOW, EncodedWords, Tagger, encode_words, window_inputs
from models.kie.layoutlm import TINY, TaggerConfig, build, export_onnx, load_weights
from training.cards import code_hash, sha256_file
from training.kie import passes
from training.kie.card import markdown as card_page
from training.kie.corrections import CorrectionSet, load_corrections
from training.kie.data import PageExample, noisy, page_examples
from training.kie.evaluate import evaluate_splits, model_fields
from training.kie.tokenizer import train_tokenizer, vbpl_texts

SOURCE_FILES = (
    "inference/kie/model.py", "models/kie/layoutlm.py", "training/kie/labels.py", "training/kie/data.py",
    "training/kie/passes.py", "training/kie/tokenizer.py", "training/kie/train.py", "training/kie/evaluate.py",
    "training/kie/corrections.py", "training/kie/card.py",
)
IGNORE = -100
LR = 1.5e-3
HELDOUT_SEED = 1_000_003
"""Run seed of the generated born-digital held-out documents (training runs use small seeds)."""
O_WEIGHT = 0.5
"""Most words are body text (O): weighing them down keeps the field tags' recall up."""
FIELD_CROPS = 0.7
"""Share of training windows placed over a field word (most of a page is body text)."""
NOISE_SHARE = 0.7
"""Share of text-layer pages given OCR-like noise each time they are drawn."""
JITTER = 2.0
"""Box shift (standard deviation, in the 0..1000 box units) of every training word."""
PAGE_SHIFT = 40.0
PAGE_SCALE = 0.08
"""Whole-page shift (box units) and scale (share) of every training page: real pages put their header and
margins elsewhere than the factory does, and the model must not learn a line's role from where it sits alone."""
OCR_SHARE = 0.3
"""Share of each batch drawn from real OCR passes, when there are some."""
CORRECTION_SHARE = 0.3
"""Share of each batch drawn from corrected pages in the fine-tuning phase, when there are some."""
WARMUP_STEPS = 100
FINE_TUNE_WARMUP_STEPS = 10
FINE_TUNE_LR_SCALE = 0.5
"""Fine-tuning starts from trained weights: a short warm-up and a smaller peak rate."""
FINE_TUNE_SHARE = 0.25
"""Of a from-scratch run with corrections: the share of its steps spent fine-tuning with them."""


def _labelled(example: PageExample, tokenizer, rng: random.Random) -> tuple[EncodedWords, np.ndarray, int, int]:
    """The page's tokens, their label ids (first piece of each word only) and a random window."""
    encoded = encode_words(example.words, tokenizer)
    draws = np.random.default_rng(rng.getrandbits(32))
    shift = np.rint(draws.normal(0, JITTER, (len(example.words), 2)))
    pieces = np.bincount(encoded.word, minlength=len(example.words))
    jitter = np.repeat(np.tile(shift, 2), pieces, axis=0)
    scale = np.tile(1 + draws.uniform(-PAGE_SCALE, PAGE_SCALE, 2), 2)
    offset = np.tile(draws.uniform(-PAGE_SHIFT, PAGE_SHIFT, 2), 2)
    encoded.boxes = np.clip(np.rint(encoded.boxes * scale + offset + jitter), 0, 1000).astype(np.int64)
    label_of_word = np.array([LABELS.index(lab) if lab else IGNORE for lab in example.labels], np.int64)
    labels = np.where(encoded.first, label_of_word[encoded.word], IGNORE)
    inner = WINDOW - 2
    tagged = np.flatnonzero(labels > 0)
    if len(tagged) and rng.random() < FIELD_CROPS:
        start = int(rng.choice(tagged)) - rng.randrange(inner)
    else:
        start = rng.randint(0, max(0, len(encoded.ids) - inner))
    start = min(max(0, start), max(0, len(encoded.ids) - inner))
    return encoded, labels, start, min(len(encoded.ids), start + inner)


def make_batch(examples: list[PageExample], tokenizer, rng: random.Random) -> dict[str, torch.Tensor]:
    items = [_labelled(e, tokenizer, rng) for e in examples]
    size = max(end - start for _, _, start, end in items) + 2
    cls, sep = tokenizer.token_to_id(CLS), tokenizer.token_to_id(SEP)
    inputs = [window_inputs(encoded, start, end, size, cls, sep) for encoded, _, start, end in items]
    batch = {k: torch.from_numpy(np.stack([i[k] for i in inputs])) for k in inputs[0]}
    labels = np.full((len(items), size), IGNORE, np.int64)
    for row, (_, token_labels, start, end) in enumerate(items):
        labels[row, 1 : end - start + 1] = token_labels[start:end]
    batch["labels"] = torch.from_numpy(labels)
    return batch


def draw(text_layer: list[PageExample], ocr: list[PageExample], rng: random.Random,
         corrected: list[PageExample] = ()) -> PageExample:
    if corrected and rng.random() < CORRECTION_SHARE:
        return rng.choice(corrected)
    if ocr and rng.random() < OCR_SHARE:
        return rng.choice(ocr)
    example = rng.choice(text_layer)
    return noisy(example, rng, rng.uniform(0.3, 1.0)) if rng.random() < NOISE_SHARE else example


def train_model(text_layer: list[PageExample], ocr: list[PageExample], tokenizer, config: TaggerConfig,
                minutes: float, seed: int, batch_size: int = 16, lr: float = 1e-3, max_steps: int | None = None,
                init=None, corrected: list[PageExample] = ()):
    """Returns the trained model and its training statistics (losses per step). `init`: a trained model to
    fine-tune (short warm-up) instead of a new one from `config`; `corrected`: corrected pages to mix in.
    The learning rate follows a cosine over the step budget, or over the minutes when that runs out first."""
    torch.manual_seed(seed)
    rng = random.Random(seed)
    model = init if init is not None else build(config, tokenizer.get_vocab_size(), len(LABELS))
    warmup = WARMUP_STEPS if init is None else FINE_TUNE_WARMUP_STEPS
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    weights = torch.ones(len(LABELS))
    weights[LABELS.index("O")] = O_WEIGHT
    loss_fn = torch.nn.CrossEntropyLoss(weight=weights, ignore_index=IGNORE)
    budget = minutes * 60
    started = time.perf_counter()
    losses: list[float] = []
    model.train()
    with tqdm(total=round(budget), desc="training", unit="s") as bar:
        while (elapsed := time.perf_counter() - started) < budget and (max_steps is None or len(losses) < max_steps):
            progress = max(elapsed / budget, len(losses) / max_steps if max_steps else 0.0)
            warm = min(1.0, (len(losses) + 1) / warmup)
            for group in optimizer.param_groups:
                group["lr"] = lr * warm * 0.5 * (1 + math.cos(math.pi * progress))
            batch = make_batch([draw(text_layer, ocr, rng, corrected) for _ in range(batch_size)], tokenizer, rng)
            labels = batch.pop("labels")
            logits = model(**batch).logits
            loss = loss_fn(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            losses.append(loss.item())
            bar.set_postfix(step=len(losses), loss=f"{np.mean(losses[-20:]):.3f}")
            bar.update(round(time.perf_counter() - started) - bar.n)
    return model.eval(), {"steps": len(losses), "seconds": round(time.perf_counter() - started, 1), "losses": losses}


def onnx_parity(model, out: Path, example: PageExample) -> float:
    """Max |torch - onnxruntime| over the logits of one page window."""
    tagger = Tagger(out)
    encoded = encode_words(example.words, tagger.tokenizer)
    end = min(len(encoded.ids), WINDOW - 2)
    cls, sep = tagger.tokenizer.token_to_id(CLS), tagger.tokenizer.token_to_id(SEP)
    inputs = window_inputs(encoded, 0, end, end + 2, cls, sep)
    batch = {k: v[None] for k, v in inputs.items()}
    onnx_logits = tagger.session.run(["logits"], batch)[0]
    with torch.no_grad():
        torch_logits = model(**{k: torch.from_numpy(v) for k, v in batch.items()}).logits.numpy()
    return float(np.abs(onnx_logits - torch_logits).max())


def write_artifact(model, tokenizer, out: Path) -> None:
    """ONNX for inference, and the torch weights (config.json, model.safetensors) to retrain from."""
    out.mkdir(parents=True, exist_ok=True)
    tokenizer.save(str(out / "tokenizer.json"))
    (out / "labels.json").write_text(json.dumps(list(LABELS), indent=1), encoding="utf-8")
    export_onnx(model, str(out / "model.onnx"))
    model.save_pretrained(str(out))


def _examples(documents: list[passes.LabelledDocument]) -> list[PageExample]:
    return [e for d in tqdm(documents, desc="labelling", unit="doc") for e in page_examples(d)]


def _load_passes(path: Path | None) -> list[passes.LabelledDocument]:
    return passes.load(path) if path and path.is_file() else []


def _documents(path: Path | None, n: int, seed: int) -> list[passes.LabelledDocument]:
    """Text-layer documents from a file of passes, or generated here (a clone without data/ trains too)."""
    return _load_passes(path) if path else list(passes.read_documents(n, seed, "text_layer"))


def _data_hash(documents: list[passes.LabelledDocument]) -> str:
    """Of the documents used (a file still being written may hold more)."""
    return hashlib.sha256("".join(d.model_dump_json() for d in documents).encode()).hexdigest()


def _merged(phases: list[dict]) -> dict:
    return {"steps": sum(p["steps"] for p in phases), "seconds": round(sum(p["seconds"] for p in phases), 1),
            "losses": [loss for p in phases for loss in p["losses"]],
            "phases": [{k: v for k, v in p.items() if k != "losses"} for p in phases]}


def train_with_corrections(text_layer: list[PageExample], ocr: list[PageExample], tokenizer, config: TaggerConfig,
                           minutes: float, steps: int | None, seed: int, init=None,
                           corrections: CorrectionSet | None = None, init_dir: Path | None = None):
    """One run: train from scratch or fine-tune `init` (its artifact in `init_dir`). With corrections, they
    are labelled by the model as it stands before they join (`init`, or this run's model after its synthetic
    phase: FINE_TUNE_SHARE of the budget is left for them), then mixed into a fine-tuning phase."""
    if corrections is None or not corrections.rows:
        lr = LR if init is None else LR * FINE_TUNE_LR_SCALE
        model, stats = train_model(text_layer, ocr, tokenizer, config, minutes, seed, lr=lr, max_steps=steps, init=init)
        return model, {**stats, "corrected_pages": 0}
    phases = []
    if init is None:
        keep = 1 - FINE_TUNE_SHARE
        init, first = train_model(text_layer, ocr, tokenizer, config, minutes * keep, seed, lr=LR,
                                  max_steps=round(steps * keep) if steps else None)
        phases.append(first)
        minutes, steps = minutes * FINE_TUNE_SHARE, round(steps * FINE_TUNE_SHARE) if steps else None
    with tempfile.TemporaryDirectory() as scratch:
        if init_dir is None:
            init_dir = Path(scratch)
            write_artifact(init, tokenizer, init_dir)
        corrected = corrections.examples(Tagger(init_dir))
    model, last = train_model(text_layer, ocr, tokenizer, config, minutes, seed + 1, lr=LR * FINE_TUNE_LR_SCALE,
                              max_steps=steps, init=init, corrected=corrected)
    return model, {**_merged([*phases, last]), "corrected_pages": len(corrected)}


def _tokenizer(args: argparse.Namespace, text_layer: list[PageExample]):
    """The one of `--init` (the weights are tied to its vocabulary), else one trained on these pages."""
    if args.init:
        return Tokenizer.from_file(str(args.init / "tokenizer.json"))
    return train_tokenizer([" ".join(w.text for w in e.words) for e in text_layer], args.vocab)


def main() -> None:
    parser = argparse.ArgumentParser(description="Train the LayoutLM field tagger")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--steps", type=int, help="step budget (the learning-rate schedule runs over it)")
    parser.add_argument("--minutes", type=float, default=20.0, help="wall-clock cap")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--init", type=Path, help="an artifact (with model.safetensors) to retrain from")
    parser.add_argument("--corrections", type=Path, help="`vanthu corrections export` dataset to learn from")
    parser.add_argument("--text-train", type=Path, help="text-layer documents (passes.py --reader text_layer)")
    parser.add_argument("--documents", type=int, default=300, help="without --text-train: documents to generate")
    parser.add_argument("--text-heldout", type=Path, help="text-layer documents held out")
    parser.add_argument("--heldout-documents", type=int, default=60, help="without --text-heldout: to generate")
    parser.add_argument("--ocr-train", type=Path, help="OCR passes for training (training/kie/passes.py)")
    parser.add_argument("--ocr-heldout", type=Path, help="OCR passes held out: the synthetic hard split")
    parser.add_argument("--vocab", type=int, default=6000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--tiny", action="store_true", help="the tiny config (tests, smoke runs)")
    parser.add_argument("--metrics", type=Path, help="also write the held-out metrics here (`dvc metrics show`)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    begun = time.perf_counter()

    documents = _documents(args.text_train, args.documents, args.seed)
    ocr_documents = _load_passes(args.ocr_train)
    text_layer, ocr = _examples(documents), _examples(ocr_documents)
    tokenizer = _tokenizer(args, text_layer)
    init, config = load_weights(args.init) if args.init else (None, TINY if args.tiny else TaggerConfig())
    corrections = load_corrections(args.corrections) if args.corrections else None
    model, stats = train_with_corrections(text_layer, ocr, tokenizer, config, args.minutes, args.steps, args.seed,
                                          init, corrections, args.init)
    write_artifact(model, tokenizer, args.out)
    parity = onnx_parity(model, args.out, text_layer[0])

    heldout = _documents(args.text_heldout, args.heldout_documents, HELDOUT_SEED)
    hard = _load_passes(args.ocr_heldout)
    metrics = evaluate_splits(args.out, {"born_digital": heldout, "hard_ocr": hard})
    losses = stats.pop("losses")
    onnx_path = args.out / "model.onnx"
    card = {
        "name": "vanthu-kie",
        "version": args.out.name,
        "task": "OCR words + boxes of a page -> the role of each printed line (the metadata fields' lines; inference/kie/model.py)",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "model": {
            "architecture": "LayoutLM token classifier (transformers LayoutLMForTokenClassification), from scratch",
            "config": config.model_dump(),
            "parameters": sum(p.numel() for p in model.parameters()),
            "labels": list(LABELS),
            "window_tokens": WINDOW,
            "inputs": "input_ids, bbox (0..1000), token_type_ids (word shape), attention_mask; (batch, seq)",
            "output": "logits (batch, seq, labels)",
            "onnx_opset": 17,
            "onnx_bytes": onnx_path.stat().st_size,
            "onnx_sha256": sha256_file(onnx_path),
            "onnx_max_abs_diff_vs_torch": parity,
        },
        "tokenizer": {
            "kind": "WordPiece (tokenizers), on folded text (lower case, no marks)",
            "vocab_size": tokenizer.get_vocab_size(),
            "vbpl_documents": sum(1 for _ in vbpl_texts()),
            "sha256": sha256_file(args.out / "tokenizer.json"),
        },
        "data": {
            "text_layer": {"file": str(args.text_train) if args.text_train else None, "documents": len(documents),
                           "pages": len(text_layer), "sha256": _data_hash(documents), "noise_share": NOISE_SHARE},
            "ocr_passes": {"file": str(args.ocr_train) if args.ocr_train else None, "documents": len(ocr_documents),
                           "pages": len(ocr), "sha256": _data_hash(ocr_documents),
                           "batch_share": OCR_SHARE if ocr else 0.0},
            "heldout_born_digital": {"file": str(args.text_heldout) if args.text_heldout else None,
                                     "documents": len(heldout), "sha256": _data_hash(heldout)},
            "heldout_ocr": {"file": str(args.ocr_heldout) if args.ocr_heldout else None, "documents": len(hard),
                            "sha256": _data_hash(hard)},
            "corrections": corrections.summary(stats["corrected_pages"]) if corrections else None,
            "init": {"dir": str(args.init), "onnx_sha256": sha256_file(args.init / "model.onnx")} if args.init else None,
            "generator": "training.synth, document i of run seed s = document_seed(s, i)",
        },
        "training": {
            **stats, "budget_steps": args.steps, "budget_minutes": args.minutes, "threads": args.threads,
            "batch_size": 16, "lr": LR, "fine_tune_lr": LR * FINE_TUNE_LR_SCALE,
            "optimizer": f"AdamW(wd=0.01), warm-up {WARMUP_STEPS} steps ({FINE_TUNE_WARMUP_STEPS} when fine-tuning) "
                         "+ cosine over the budget, grad clip 1",
            "o_weight": O_WEIGHT, "loss_start": round(float(np.mean(losses[:20])), 4),
            "loss_end": round(float(np.mean(losses[-20:])), 4),
            "machine": f"{platform.machine()}, torch {torch.__version__}",
        },
        "metrics": metrics,
        "model_fields": model_fields(metrics),
        "baseline": "inference.kie.rules.RuleExtractor on the same pages",
        "code": code_hash(SOURCE_FILES),
        "command": "python -m training.kie.train " + " ".join(
            f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items() if v not in (None, False) and k != "tiny"
        ) + (" --tiny" if args.tiny else ""),
        "total_seconds": round(time.perf_counter() - begun, 1),
    }
    (args.out / "card.json").write_text(json.dumps(card, ensure_ascii=False, indent=2), encoding="utf-8")
    (args.out / "README.md").write_text(card_page(card), encoding="utf-8")
    if args.metrics:
        args.metrics.parent.mkdir(parents=True, exist_ok=True)
        args.metrics.write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(metrics, indent=1))


if __name__ == "__main__":
    main()
