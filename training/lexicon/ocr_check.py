"""The restorer on real Tesseract output over held-out text (no real scans involved).

    python -m training.lexicon.ocr_check --docs 30 [--half tune|test] [--grid '{"margin": [2, 3, 4]}']

Synthetic born-digital documents are made by the factory (training.synth) with their body sentences
taken from held-out vbpl documents only (one half of them, see training.lexicon.evaluate.half), rendered
at 300 dpi, damaged like `vanthu eval ocr` does, and read by the pipeline's page reader with the
restorer off; OCR results are cached under --cache. Then, per settings: order-free word F1 against
the text layer before/after restoring, and on word pairs aligned by skeleton, how many OCR mark
errors are fixed and how many correct words are broken. Also prints the kinds of mark errors Tesseract
made (what the channel costs of inference.diacritics stand for).
"""

from __future__ import annotations

import argparse
import difflib
import io
import json
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

from inference.diacritics import DiacriticRestorer, marks, split_token
from inference.schema import Word, words_to_text
from inference.text import fold, normalize
from training.lexicon.evaluate import settings_grid

DPI = 300
DEGRADATIONS = ("clean", "photocopy", "skewed-jpeg")


def held_out_sentences(half_name: str) -> tuple[str, ...]:
    from training.lexicon.build import shared_corpus, shared_dir
    from training.lexicon.evaluate import half
    from training.synth.corpus import clean_sentence

    shared = shared_dir()
    if not shared:
        raise SystemExit("../shared is absent")
    docs = [d for d in shared_corpus(shared).held_out if half(d.id) == half_name]
    found = [s for d in docs for p in d.text.split("\n") if (s := clean_sentence(p))]
    return tuple(dict.fromkeys(found))


def render_pages(docs: int, sentences: tuple[str, ...], seed0: int) -> list[tuple[str, bytes, str]]:
    """(name, damaged page PNG, truth text) for the pages of `docs` synthetic documents."""
    import training.synth.sampler as sampler
    from eval.ocr import DEGRADATIONS as PARAMS
    from inference.io import inspect_document, render_page
    from inference.options import LoadLimits
    from training.synth import sample_document
    from training.synth.degrade import degrade_page

    sampler.body_sentences = lambda block: sentences  # the held-out half, not the factory's corpus
    limits = LoadLimits()
    out = []
    for seed in range(seed0, seed0 + docs):
        pdf = sample_document(seed).pdf
        source = inspect_document(pdf, f"{seed}.pdf", limits)
        for page in source.pages:
            truth = words_to_text(page.text_words)
            image = render_page(pdf, "application/pdf", page.index, DPI, limits, annotations=False)
            for name in DEGRADATIONS:
                damaged = degrade_page(image, PARAMS[name], np.random.default_rng(seed))
                buffer = io.BytesIO()
                Image.fromarray(damaged).save(buffer, format="PNG", dpi=(DPI, DPI))
                out.append((f"{seed}#{page.index + 1}/{name}", buffer.getvalue(), truth))
    return out


def ocr(png: bytes) -> list[dict] | None:
    """The page's words as the pipeline reads them, restorer off; None when the reader fails."""
    from inference.options import PipelineOptions
    from inference.pipeline import PageTask, read_scanned_page

    o = PipelineOptions()
    task = PageTask(
        png, "image/png", 0, DPI, o.limits, o.ocr_engine, o.ocr_language, o.digit_reader, restore_diacritics=False
    )
    try:
        return [w.model_dump(mode="json") for w in read_scanned_page(task).words]
    except ValueError:  # a page the reader cannot read is left out (and counted)
        return None


def aligned(read: list[str], truth: list[str]) -> list[tuple[str, str]]:
    """Pairs (read token, true token) of equal skeleton, matched in order."""
    a, b = [fold(t) for t in read], [fold(t) for t in truth]
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    blocks = matcher.get_matching_blocks()
    return [(read[block.a + k], truth[block.b + k]) for block in blocks for k in range(block.size)]


def mark_errors(pairs: list[tuple[str, str]]) -> Counter[str]:
    kinds: Counter[str] = Counter()
    for r, t in pairs:
        r_core, t_core = normalize(split_token(r)[1]).lower(), normalize(split_token(t)[1]).lower()
        if not t_core.isalpha():
            continue
        kinds["words"] += 1
        if r_core == t_core:
            continue
        (rt, rm), (tt, tm) = marks(r_core), marks(t_core)
        tone = "" if rt == tt else "tone_lost" if not rt else "tone_added" if not tt else "tone_swapped"
        mods = [("stroke_" if "stroke" in (x, y) else "mod_") + ("lost" if not x else "added" if not y else "swapped")
                for x, y in zip(rm, tm, strict=False) if x != y]
        kinds["+".join(filter(None, [tone, *mods])) or "other"] += 1
    return kinds


def f1(predicted: str, truth: str) -> float:
    from eval.metrics import word_f1

    return word_f1(predicted, truth)


def assess(restorer: DiacriticRestorer, pages: list[tuple[str, list[Word], str]]) -> dict:
    counts: Counter[str] = Counter()
    before = after = 0.0
    examples: Counter[str] = Counter()
    for _, words, truth in pages:
        restored = restorer.restore(words)
        read_text, fixed_text = words_to_text(words), words_to_text(restored)
        before += f1(read_text, truth)
        after += f1(fixed_text, truth)
        truth_tokens = normalize(truth).split()
        pairs_read = aligned(normalize(read_text).split(), truth_tokens)
        pairs_fixed = aligned(normalize(fixed_text).split(), truth_tokens)
        for (r, t), (f, _) in zip(pairs_read, pairs_fixed, strict=False):
            counts["words"] += 1
            if r == t and f != t:
                counts["broken"] += 1
                examples[f"broken {t} -> {f}"] += 1
            elif r != t:
                counts["wrong"] += 1
                counts["fixed" if f == t else "still_wrong"] += 1
                if f != t:
                    examples[f"missed {t} read {r} -> {f}"] += 1
    n = len(pages)
    return {
        "pages": n,
        "f1_before": round(before / n, 4),
        "f1_after": round(after / n, 4),
        **counts,
        "fix_rate": round(counts["fixed"] / max(1, counts["wrong"]), 4),
        "break_rate": round(counts["broken"] / max(1, counts["words"] - counts["wrong"]), 5),
        "examples": examples.most_common(25),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=30)
    parser.add_argument("--half", default="tune", choices=("tune", "test"))
    parser.add_argument("--seed", type=int, default=50_000)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/vanthu-ocr-check"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--grid", default="{}", help="JSON: Settings field -> values")
    parser.add_argument("--card", type=Path, default=None, help="card.json to add the figures to (default settings)")
    args = parser.parse_args()
    cache = args.cache / f"{args.half}-{args.seed}-{args.docs}.json"
    if cache.exists():
        read = json.loads(cache.read_text(encoding="utf-8"))
    else:
        rendered = render_pages(args.docs, held_out_sentences(args.half), args.seed)
        with ProcessPoolExecutor(args.workers) as pool:
            words = list(pool.map(ocr, [png for _, png, _ in rendered]))
        read = [{"name": n, "words": w, "truth": t} for (n, _, t), w in zip(rendered, words, strict=True)]
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(read, ensure_ascii=False), encoding="utf-8")
    failed = [p["name"] for p in read if p["words"] is None]
    if failed:
        print(f"the page reader failed on {len(failed)} page(s), left out: {', '.join(failed)}")
    pages = [
        (p["name"], [Word.model_validate(w) for w in p["words"]], p["truth"]) for p in read if p["words"] is not None
    ]
    errors: Counter[str] = Counter()
    for _, words, truth in pages:
        errors += mark_errors(aligned(normalize(words_to_text(words)).split(), normalize(truth).split()))
    print("mark errors of Tesseract (aligned words):", json.dumps(dict(errors.most_common()), ensure_ascii=False))
    grid = json.loads(args.grid)
    for chosen, settings in settings_grid(grid):
        restorer = DiacriticRestorer(args.model, settings)
        result = assess(restorer, pages)
        print(json.dumps({**chosen, **result}, ensure_ascii=False))
    if args.card:
        card = json.loads(args.card.read_text(encoding="utf-8"))
        card["held_out_ocr_check"] = {
            "what": "Tesseract (the pipeline's page reader) on synthetic documents whose body sentences come from "
                    f"the {args.half} half of the held-out vbpl documents, damaged as {', '.join(DEGRADATIONS)}",
            "documents": args.docs, "seed": args.seed, "pages_left_out": len(failed),
            "tesseract_mark_errors": dict(errors.most_common()),
            **{k: v for k, v in assess(DiacriticRestorer(args.model), pages).items() if k != "examples"},
        }
        args.card.write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
