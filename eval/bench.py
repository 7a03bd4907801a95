"""`vanthu bench`: pages per second of the pipeline on 2 cores, against bare `tesseract -l vie` on the
same scanned pages in the same run, and born-digital pages per second."""

from __future__ import annotations

import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image
from pydantic import BaseModel
from tqdm import tqdm

from eval.ocr import bare_tesseract
from inference.options import PipelineOptions
from inference.pipeline import extract_document
from training.synth import sample_document, sample_scan, save_scan_pdf
from training.synth.degrade import DegradeParams

DPI = 300


class BenchReport(BaseModel):
    created: str
    workers: int
    scanned_pages: int
    scanned_pages_per_second: float
    bare_tesseract_pages_per_second: float
    cost_ratio_to_bare: float
    """Pipeline seconds per page / bare Tesseract seconds per page (target <= 1.3)."""
    born_digital_pages: int
    born_digital_pages_per_second: float


def _timed_map(function, items: list, workers: int, desc: str) -> float:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as threads:
        list(tqdm(threads.map(function, items), total=len(items), desc=desc, unit="item"))
    return time.perf_counter() - started


def run(documents: int = 16, born_digital: int = 40, options: PipelineOptions | None = None) -> BenchReport:
    options = options or PipelineOptions()
    clean = DegradeParams(noise_sigma=3.0)
    scans = [sample_scan(2000 + seed, dpi=DPI, degrade=clean)[1] for seed in range(documents)]
    pdfs = [save_scan_pdf(images, dpi=DPI) for images in scans]
    pages = sum(len(images) for images in scans)
    with tempfile.TemporaryDirectory() as tmp:
        pngs = []
        for i, image in enumerate(page for images in scans for page in images):
            path = Path(tmp) / f"page{i}.png"
            Image.fromarray(image).save(path, dpi=(DPI, DPI))
            pngs.append(path)
        bare_seconds = _timed_map(bare_tesseract, pngs, options.workers, "bare tesseract")
    ours_seconds = _timed_map(lambda pdf: extract_document(pdf, "scan.pdf", options), pdfs, options.workers, "vanthu")
    texts = [sample_document(3000 + seed).pdf for seed in range(born_digital)]
    digital_pages = 0
    started = time.perf_counter()
    for pdf in tqdm(texts, desc="born-digital", unit="doc"):
        digital_pages += extract_document(pdf, "digital.pdf", options).pages
    digital_seconds = time.perf_counter() - started
    return BenchReport(
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        workers=options.workers,
        scanned_pages=pages,
        scanned_pages_per_second=round(pages / ours_seconds, 3),
        bare_tesseract_pages_per_second=round(pages / bare_seconds, 3),
        cost_ratio_to_bare=round(ours_seconds / bare_seconds, 3),
        born_digital_pages=digital_pages,
        born_digital_pages_per_second=round(digital_pages / digital_seconds, 2),
    )


def markdown(report: BenchReport) -> str:
    return "\n".join(
        [
            f"# Throughput ({report.workers} worker processes, {report.created})",
            "",
            "| measure | value | target |",
            "|---|---|---|",
            f"| scanned 300 dpi pages/s, vanthu | {report.scanned_pages_per_second} ({report.scanned_pages} pages) | |",
            f"| scanned 300 dpi pages/s, bare `tesseract -l vie` | {report.bare_tesseract_pages_per_second} | |",
            f"| cost ratio vanthu / bare | {report.cost_ratio_to_bare} | ≤ 1.3 |",
            f"| born-digital pages/s | {report.born_digital_pages_per_second} ({report.born_digital_pages} pages) | ≥ 20 |",
            "",
        ]
    )
