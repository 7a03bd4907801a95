"""`vanthu synth-bench`: documents per second of the synthetic factory (both renderings, ground truth and
the page dataset), and the projected time for 10,000 documents (target: 60 minutes on 2 cores)."""

from __future__ import annotations

import os
import resource
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel

from training.synth import generate

TARGET_DOCUMENTS = 10_000
TARGET_MINUTES = 60.0


class SynthBenchReport(BaseModel):
    created: str
    split: str
    documents: int
    pages: int
    workers: int
    cpus: int
    seconds: float
    documents_per_second: float
    scan_pages_per_second: float
    megabytes_per_document: float
    projected_minutes_10k: float
    """A projection from this run's rate, not a 10,000-document run."""
    cpu_seconds_per_document: float
    """CPU time of the run (workers and the writer) per document: what contention does not change."""
    projected_minutes_10k_cores: float
    """10,000 x CPU seconds per document over `workers` cores of their own: the quiet-machine projection."""
    load_before: float
    """1-minute load average before the run: the machine is shared, other load slows the factory."""
    load_after: float


def _folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.iterdir() if p.is_file())


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the worker processes)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run(n: int = 200, workers: int = 2, split: str = "default", seed: int = 11) -> SynthBenchReport:
    load_before = os.getloadavg()[0]
    cpu_before = _cpu_seconds()
    with tempfile.TemporaryDirectory(prefix="synth-bench-") as tmp:
        out = Path(tmp)
        started = time.perf_counter()
        generate(n, seed, out, split=split, workers=workers, progress=True)
        seconds = time.perf_counter() - started
        cpu = _cpu_seconds() - cpu_before
        from datasets import load_from_disk

        pages = len(load_from_disk(str(out)))
        size = _folder_bytes(out)
    rate = n / seconds
    return SynthBenchReport(
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        split=split,
        documents=n,
        pages=pages,
        workers=workers,
        cpus=os.cpu_count() or 1,
        seconds=round(seconds, 1),
        documents_per_second=round(rate, 3),
        scan_pages_per_second=round(pages / seconds, 3),
        megabytes_per_document=round(size / n / 1e6, 3),
        projected_minutes_10k=round(TARGET_DOCUMENTS / rate / 60, 1),
        cpu_seconds_per_document=round(cpu / n, 3),
        projected_minutes_10k_cores=round(TARGET_DOCUMENTS * cpu / n / workers / 60, 1),
        load_before=round(load_before, 2),
        load_after=round(os.getloadavg()[0], 2),
    )


def markdown(report: SynthBenchReport) -> str:
    verdict = "within" if report.projected_minutes_10k <= TARGET_MINUTES else "over"
    return "\n".join([
        f"# Synthetic factory throughput ({report.workers} worker processes, {report.created})",
        "",
        "| measure | value | target |",
        "|---|---|---|",
        f"| documents/s (split `{report.split}`, both renderings + truth + dataset) | "
        f"{report.documents_per_second} ({report.documents} documents, {report.seconds} s) | |",
        f"| scanned pages/s | {report.scan_pages_per_second} ({report.pages} pages) | |",
        f"| MB per document (PDFs, scan, truth, dataset rows) | {report.megabytes_per_document} | |",
        f"| 10,000 documents, projected from this run's wall time | {report.projected_minutes_10k} min | "
        f"≤ {TARGET_MINUTES:.0f} min |",
        f"| CPU seconds per document | {report.cpu_seconds_per_document} | |",
        f"| 10,000 documents, projected on {report.workers} cores of their own | "
        f"{report.projected_minutes_10k_cores} min | ≤ {TARGET_MINUTES:.0f} min |",
        "",
        f"Projections, not a 10,000-document run ({verdict} the target on this run's wall time). The machine "
        f"({report.cpus} CPUs) is shared: 1-minute load average {report.load_before} before and "
        f"{report.load_after} after the run, so the wall-time rate is lower than on a quiet machine; the "
        "CPU-time projection assumes the workers have the cores to themselves.",
        "",
    ])
