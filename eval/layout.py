"""`vanthu eval layout`: COCO-style layout mAP of layout engines against the synthetic factory's regions.

Every engine sees the same pages: the scan page image as the factory stored it and, for engines that read
words (the rule baseline), the born-digital text layer's words moved onto the scan. Those are perfect words,
so the rule baseline is scored as if OCR made no mistake: an upper bound for it. The real dev set has no
labelled regions (`../shared/data/real-scans` has field labels only); a `regions.jsonl` there would be needed.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel
from tqdm import tqdm

from eval import reports
from eval.metrics import LayoutBox, LayoutScore, layout_map
from inference.layout_engines import LAYOUT_ENGINES, LayoutEngine
from inference.schema import LAYOUT_LABELS, LayoutRegion

REAL_REGIONS_FILE = "regions.jsonl"
WORDS_NOTE = "text layer of the born-digital PDF moved onto the scan (perfect OCR; favours the rule baseline)"


class EngineScore(BaseModel):
    map: float
    map50: float
    map75: float
    ap: dict[str, float]
    """Per class, AP averaged over IoU 0.50:0.95."""
    ap50: dict[str, float]
    seconds: float


class LayoutReport(BaseModel):
    dataset: str
    created: str
    pages: int
    truth_regions: dict[str, int]
    words: str
    real_scans: str
    engines: dict[str, EngineScore]


def _boxes(regions: list[LayoutRegion], page_id: str) -> list[LayoutBox]:
    return [LayoutBox(page=page_id, label=r.label, bbox=r.bbox, score=r.score) for r in regions]


def score_engines(
    engines: dict[str, LayoutEngine], dataset_dir: Path, limit: int | None = None
) -> tuple[int, list[LayoutBox], dict[str, EngineScore]]:
    """Page count, truth boxes and each engine's score over the scanned pages of a factory folder."""
    from training.layout.data import synth_pages

    truth: list[LayoutBox] = []
    predicted: dict[str, list[LayoutBox]] = {name: [] for name in engines}
    seconds = dict.fromkeys(engines, 0.0)
    pages = 0
    for page in tqdm(synth_pages(dataset_dir, with_words=True), desc="layout", unit="page"):
        if limit is not None and pages >= limit:
            break
        pages += 1
        truth += _boxes(page.regions, page.id)
        for name, engine in engines.items():
            started = time.perf_counter()
            found = engine.regions(page.gray, page.words)
            seconds[name] += time.perf_counter() - started
            predicted[name] += _boxes(found, page.id)
    return pages, truth, {name: _engine_score(layout_map(predicted[name], truth), seconds[name]) for name in engines}


def _engine_score(score: LayoutScore, seconds: float) -> EngineScore:
    return EngineScore(
        map=score.map,
        map50=score.map50,
        map75=score.map75,
        ap=score.per_class,
        ap50=score.per_class50,
        seconds=round(seconds, 2),
    )


def real_scans_status(real_dir: Path | None) -> str:
    if real_dir is None:
        return "skipped: ../shared/data/real-scans is absent"
    if not (real_dir / REAL_REGIONS_FILE).is_file():
        return f"skipped: {real_dir} has field labels but no labelled regions ({REAL_REGIONS_FILE})"
    return f"not scored: {real_dir / REAL_REGIONS_FILE} exists but no reader for it is written yet"


def evaluate(
    dataset_dir: Path,
    engine_names: list[str],
    real_dir: Path | None = None,
    model_dirs: dict[str, Path] | None = None,
    limit: int | None = None,
) -> LayoutReport:
    """`model_dirs`: artifact directory per engine name that takes one (the trained model)."""
    engines = {
        name: LAYOUT_ENGINES.create(
            name, **({"model_dir": model_dirs[name]} if model_dirs and name in model_dirs else {})
        )
        for name in engine_names
    }
    pages, truth, scores = score_engines(engines, dataset_dir, limit)
    counts = Counter(b.label for b in truth)
    return LayoutReport(
        dataset=str(dataset_dir),
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        pages=pages,
        truth_regions={label: counts[label] for label in LAYOUT_LABELS if counts[label]},
        words=WORDS_NOTE,
        real_scans=real_scans_status(real_dir),
        engines=scores,
    )


def markdown(report: LayoutReport) -> str:
    names = list(report.engines)
    lines = [
        f"# Layout on `{Path(report.dataset).name}` ({report.pages} scanned pages)",
        "",
        (
            f"Created {report.created}. COCO-style AP per class (`eval/metrics.py::layout_map`): AP@[.5:.95] and "
            f"AP50; mAP over the classes present in the truth. Words for the rule baseline: {report.words}. "
            f"Real scans: {report.real_scans}."
        ),
        "",
        "| class | regions | " + " | ".join(f"{n} AP | {n} AP50" for n in names) + " |",
        "|---|---|" + "---|---|" * len(names),
    ]
    for label, count in report.truth_regions.items():
        cells = " | ".join(
            f"{report.engines[n].ap.get(label, 0.0):.3f} | {report.engines[n].ap50.get(label, 0.0):.3f}" for n in names
        )
        lines.append(f"| {label} | {count} | {cells} |")
    lines.append(
        "| **mAP** | | "
        + " | ".join(f"**{report.engines[n].map:.3f}** | **{report.engines[n].map50:.3f}**" for n in names)
        + " |"
    )
    lines += ["", "| engine | seconds (all pages) |", "|---|---|"]
    lines += [f"| {n} | {report.engines[n].seconds} |" for n in names]
    return "\n".join(lines) + "\n"


def write_report(report: LayoutReport, out_dir: Path, name: str) -> Path:
    return reports.write(report, markdown(report), name, out_dir)
