"""`vanthu eval ocr`: our page reading against bare `tesseract -l vie` on degraded re-scans of
born-digital pages, whose text layer is the truth. Order-free word F1, with and without diacritics."""

from __future__ import annotations

import io
import os
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from PIL import Image
from pydantic import BaseModel
from tqdm import tqdm

from eval.metrics import word_f1
from inference.io import inspect_document, render_page
from inference.options import PipelineOptions
from inference.pipeline import extract_document
from inference.schema import words_to_text
from training.synth import sample_document
from training.synth.degrade import DegradeParams, degrade_page

DPI = 300
DEGRADATIONS: dict[str, DegradeParams] = {
    "clean": DegradeParams(),
    "photocopy": DegradeParams(darkening=0.35, noise_sigma=6.0, mode="grey"),
    "bw-fax": DegradeParams(mode="bw", bw_threshold=150, noise_sigma=4.0, skew_degrees=0.8),
    "skewed-jpeg": DegradeParams(skew_degrees=1.6, blur_sigma=0.8, jpeg_quality=40),
    "uneven-light": DegradeParams(illumination=0.3, noise_sigma=5.0, mode="grey"),
}


class PageSource(BaseModel):
    name: str
    pdf: bytes
    index: int


class PageScore(BaseModel):
    page: str
    degradation: str
    bare_f1: float
    ours_f1: float
    bare_f1_no_diacritics: float
    ours_f1_no_diacritics: float


class OcrReport(BaseModel):
    created: str
    pages: int
    bare_f1: float
    ours_f1: float
    bare_f1_no_diacritics: float
    ours_f1_no_diacritics: float
    by_source: dict[str, dict[str, float]]
    scores: list[PageScore]


def born_digital_pages(real_dir: Path | None, synthetic: int) -> list[PageSource]:
    """Pages with a real text layer: those of the real set (when present) and synthetic ones."""
    pages: list[PageSource] = []
    for path in sorted(real_dir.rglob("*.pdf")) if real_dir else []:
        data = path.read_bytes()
        source = inspect_document(data, path.name, PipelineOptions().limits)
        if all(not p.needs_ocr for p in source.pages):
            pages += [PageSource(name=f"real/{path.name}#{p.index + 1}", pdf=data, index=p.index) for p in source.pages]
    for seed in range(synthetic):
        pdf = sample_document(1000 + seed).pdf
        pages.append(PageSource(name=f"synthetic/{1000 + seed}#1", pdf=pdf, index=0))
    return pages


def bare_tesseract(png: Path) -> str:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    done = subprocess.run(["tesseract", str(png), "stdout", "-l", "vie"], capture_output=True, env=env, check=True)
    return done.stdout.decode("utf-8")


def _png(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG", dpi=(DPI, DPI))
    return buffer.getvalue()


def score_page(page: PageSource, workdir: Path, options: PipelineOptions) -> list[PageScore]:
    source = inspect_document(page.pdf, page.name, options.limits)
    truth = words_to_text(source.pages[page.index].text_words)
    image = render_page(page.pdf, "application/pdf", page.index, DPI, options.limits, annotations=False)
    scores = []
    for name, params in DEGRADATIONS.items():
        damaged = degrade_page(image, params, np.random.default_rng(7))
        png = _png(damaged)
        path = workdir / f"{abs(hash((page.name, name)))}.png"
        path.write_bytes(png)
        bare = bare_tesseract(path)
        ours = extract_document(png, path.name, options).text
        scores.append(
            PageScore(
                page=page.name,
                degradation=name,
                bare_f1=round(word_f1(bare, truth), 4),
                ours_f1=round(word_f1(ours, truth), 4),
                bare_f1_no_diacritics=round(word_f1(bare, truth, diacritics=False), 4),
                ours_f1_no_diacritics=round(word_f1(ours, truth, diacritics=False), 4),
            )
        )
    return scores


def _mean(scores: list[PageScore], key: str) -> float:
    return round(sum(getattr(s, key) for s in scores) / len(scores), 4) if scores else 0.0


def evaluate(real_dir: Path | None, synthetic: int = 6, options: PipelineOptions | None = None) -> OcrReport:
    options = options or PipelineOptions()
    pages = born_digital_pages(real_dir, synthetic)
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(max_workers=options.workers) as threads:
        jobs = threads.map(lambda p: score_page(p, Path(tmp), options), pages)
        scores = [s for page_scores in tqdm(jobs, total=len(pages), desc="ocr", unit="page") for s in page_scores]
    keys = ("bare_f1", "ours_f1", "bare_f1_no_diacritics", "ours_f1_no_diacritics")
    by_source = {
        kind: {k: _mean([s for s in scores if s.page.startswith(kind)], k) for k in keys}
        for kind in ("real", "synthetic")
        if any(s.page.startswith(kind) for s in scores)
    }
    by_source |= {
        f"degradation:{name}": {k: _mean([s for s in scores if s.degradation == name], k) for k in keys}
        for name in DEGRADATIONS
    }
    return OcrReport(
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        pages=len(pages),
        **{k: _mean(scores, k) for k in keys},
        by_source=by_source,
        scores=scores,
    )


def markdown(report: OcrReport) -> str:
    lines = [
        f"# OCR on degraded re-scans of born-digital pages ({report.pages} pages x {len(DEGRADATIONS)} degradations)",
        "",
        f"Created {report.created}. Truth: each page's text layer. Metric: order-free word F1.",
        "",
        "| set | bare `tesseract -l vie` | vanthu | bare, no diacritics | vanthu, no diacritics |",
        "|---|---|---|---|---|",
        f"| all | {report.bare_f1:.4f} | {report.ours_f1:.4f} | {report.bare_f1_no_diacritics:.4f} | {report.ours_f1_no_diacritics:.4f} |",
    ]
    for name, values in report.by_source.items():
        lines.append(
            f"| {name} | {values['bare_f1']:.4f} | {values['ours_f1']:.4f} | "
            f"{values['bare_f1_no_diacritics']:.4f} | {values['ours_f1_no_diacritics']:.4f} |"
        )
    return "\n".join(lines) + "\n"
