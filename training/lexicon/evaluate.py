"""Held-out evaluation and tuning of the diacritic restorer on simulated OCR slips.

    python -m training.lexicon.evaluate --model models/artifacts/syllables/v1 [--tune]

The held-out vbpl documents (never counted by training.lexicon.build) are split by a hash of the id
into a tuning half and a test half. In each, ~5% of syllables get one OCR-like slip, the kinds
Tesseract makes on stacked Vietnamese marks: a tone mark dropped (most often, "kết" -> "kêt"), a tone
swapped, a circumflex/breve/horn dropped ("tổng" -> "tỏng"), or one swapped (â/ă, ô/ơ). The restorer then
runs over each line and every syllable token is compared with the truth:
  fix rate     slipped tokens restored exactly
  break rate   correct tokens the restorer changed (must stay rare)
  precision    share of the changes that fix a token
`--tune` sweeps the margin (and the bigram prior) on the tuning half only; figures are reported on
the test half.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import random
import time
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, replace
from pathlib import Path

from inference.diacritics import DEFAULT_ARTIFACT, MODS, TONES, DiacriticRestorer, Settings, split_token
from inference.text import normalize

SLIP_RATE = 0.05
SLIPS = {"tone_drop": 0.5, "tone_swap": 0.2, "mod_drop": 0.2, "mod_swap": 0.1}
_MOD_SWAPS = {
    ("a", "\u0302"): "\u0306", ("a", "\u0306"): "\u0302", ("o", "\u0302"): "\u031b", ("o", "\u031b"): "\u0302",
}
"""â <-> ă, ô <-> ơ."""
SEED = 13


def half(doc_id: str) -> str:
    return "tune" if int(hashlib.sha256(doc_id.encode()).hexdigest(), 16) // 10 % 2 == 0 else "test"


def slip(core: str, rng: random.Random) -> str | None:
    """One OCR-like slip of the marks of a word (case kept), or None when it has no mark to slip."""
    chars = [unicodedata.normalize("NFD", c) for c in core]
    options: list[tuple[str, int, str]] = []
    for i, c in enumerate(chars):
        for mark in c[1:]:
            if mark in TONES:
                options.append(("tone_drop", i, mark))
                options.append(("tone_swap", i, mark))
            elif mark in MODS:
                options.append(("mod_drop", i, mark))
                if (c[0].lower(), mark) in _MOD_SWAPS:
                    options.append(("mod_swap", i, mark))
    if not options:
        return None
    kind, i, mark = rng.choices(options, weights=[SLIPS[o[0]] for o in options])[0]
    if kind.endswith("drop"):
        chars[i] = chars[i].replace(mark, "", 1)
    elif kind == "tone_swap":
        chars[i] = chars[i].replace(mark, rng.choice([t for t in TONES if t != mark]), 1)
    else:
        chars[i] = chars[i].replace(mark, _MOD_SWAPS[(chars[i][0].lower(), mark)], 1)
    # Vowel mark before tone mark: acute and circumflex share a combining class, so order matters to NFC.
    chars = [c[0] + "".join(sorted(c[1:], key=lambda m: m in TONES)) for c in chars]
    return unicodedata.normalize("NFC", "".join(chars))


def corrupt_line(tokens: list[str], rng: random.Random, rate: float = SLIP_RATE) -> list[str]:
    out = []
    for token in tokens:
        prefix, core, suffix = split_token(token)
        slipped = slip(core, rng) if core.isalpha() and rng.random() < rate else None
        out.append(prefix + slipped + suffix if slipped else token)
    return out


def simulated_lines(texts: Iterable[str], seed: int = SEED) -> list[tuple[list[str], list[str]]]:
    """(truth tokens, slipped tokens) per line, reproducibly."""
    rng = random.Random(seed)
    lines = []
    for text in texts:
        for line in text.split("\n"):
            tokens = normalize(line).split()
            if tokens:
                lines.append((tokens, corrupt_line(tokens, rng)))
    return lines


def score(restorer: DiacriticRestorer, lines: list[tuple[list[str], list[str]]]) -> dict:
    counts: Counter[str] = Counter()
    started = time.perf_counter()
    for truth, read in lines:
        restored = restorer.restore_tokens(read)
        for t, r, f in zip(truth, read, restored, strict=True):
            if not split_token(t)[1].isalpha():
                continue
            counts["tokens"] += 1
            slipped, changed = r != t, f != r
            counts["slipped"] += slipped
            counts["changed"] += changed
            if slipped:
                counts["fixed" if f == t else "changed_wrong" if changed else "missed"] += 1
            elif changed:
                counts["broken"] += 1
    seconds = time.perf_counter() - started
    tokens, slipped = counts["tokens"], counts["slipped"]
    return {
        **{k: counts[k] for k in ("tokens", "slipped", "changed", "fixed", "missed", "changed_wrong", "broken")},
        "accuracy_before": round(1 - slipped / tokens, 5),
        "accuracy_after": round(1 - (slipped - counts["fixed"] + counts["broken"]) / tokens, 5),
        "fix_rate": round(counts["fixed"] / max(1, slipped), 4),
        "break_rate": round(counts["broken"] / max(1, tokens - slipped), 5),
        "precision": round(counts["fixed"] / max(1, counts["changed"]), 4),
        "microseconds_per_token": round(1e6 * seconds / max(1, tokens), 1),
    }


def clean_break_rate(restorer: DiacriticRestorer, texts: Iterable[str]) -> dict:
    """On the text as written (no slip): every change is a break."""
    tokens = changed = 0
    for text in texts:
        for line in text.split("\n"):
            read = normalize(line).split()
            restored = restorer.restore_tokens(read)
            for r, f in zip(read, restored, strict=True):
                if split_token(r)[1].isalpha():
                    tokens += 1
                    changed += f != r
    return {"tokens": tokens, "changed": changed, "break_rate": round(changed / max(1, tokens), 5)}


def settings_grid(grid: dict[str, list[float]]) -> Iterator[tuple[dict[str, float], Settings]]:
    """Every combination of the values in `grid`: Settings fields, "costs.<field>" for channel costs."""
    for values in itertools.product(*grid.values()):
        chosen = dict(zip(grid, values, strict=True))
        channel = {k.split(".", 1)[1]: v for k, v in chosen.items() if k.startswith("costs.")}
        rest = {k: v for k, v in chosen.items() if not k.startswith("costs.")}
        yield chosen, replace(Settings(), costs=replace(Settings().costs, **channel), **rest)


def tune(model_dir: Path, texts: list[str], grid: dict[str, list[float]]) -> list[dict]:
    """Every combination of the Settings values in `grid` (e.g. {"margin": [1, 2], "costs.tone_lost": [3, 4]})."""
    lines = simulated_lines(texts)
    rows = []
    for chosen, settings in settings_grid(grid):
        restorer = DiacriticRestorer(model_dir, settings)
        rows.append({**chosen, **score(restorer, lines)})
    return rows


def evaluate_held_out(model_dir: Path, documents: list, settings: Settings | None = None) -> dict:
    """Figures for the card: the test half of the held-out documents, slipped and as written."""
    test = [d.text for d in documents if half(d.id) == "test"]
    restorer = DiacriticRestorer(model_dir, settings)
    return {
        "documents": len(test),
        "split": "held-out vbpl documents, test half (sha256(id) // 10 % 2 == 1); tuning used the other half",
        "slips": {"rate": SLIP_RATE, "kinds": SLIPS, "seed": SEED},
        "settings": asdict(restorer.settings),
        "simulated_slips": score(restorer, simulated_lines(test)),
        "text_as_written": clean_break_rate(restorer, test),
    }


def main() -> None:
    from training.lexicon.build import shared_corpus, shared_dir

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=DEFAULT_ARTIFACT)
    parser.add_argument("--tune", action="store_true")
    parser.add_argument("--grid", default='{"margin": [0, 1, 2, 3, 4]}', help="JSON: Settings field -> values")
    args = parser.parse_args()
    shared = shared_dir()
    if not shared:
        raise SystemExit("../shared is absent: no held-out documents to evaluate on")
    held_out = shared_corpus(shared).held_out
    if args.tune:
        texts = [d.text for d in held_out if half(d.id) == "tune"]
        rows = tune(args.model, texts, json.loads(args.grid))
        for row in rows:
            print(json.dumps(row))
    else:
        print(json.dumps(evaluate_held_out(args.model, held_out), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
