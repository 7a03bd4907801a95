"""`vanthu ingest-bench`: what batch ingestion costs per page, by page kind, and how it scales from 1 to 2
worker processes.

Page kinds come from the synthetic factory: born-digital (`doc_XXXX.pdf` of the `easy` split, text layer),
clean scan (its `_scan.pdf`, 300 dpi) and hard scan (`_scan.pdf` of the `hard` split: 100-200 dpi, 1-bit,
skew, blur, handwriting, stamps, attachments). Per kind, one fresh worker process extracts the files
(`inference.batch.LocalEngine`): CPU seconds per page are measured inside the worker (valid however loaded
the machine is), peak memory is the worker's peak RSS. Scaling and the storing side (the driver's CPU per
page, database and index bytes per page) come from real ingestion runs that the caller supplies (the
service's `vanthu ingest` into a scratch data directory): `eval/` does not import the service.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel

from inference.batch import FileTask, LocalEngine, extract_file, largest_first
from inference.options import PipelineOptions
from inference.pipeline import discard_worker_pool, worker_pool

SCALING_TARGET = 1.8
DEFAULT_DOCUMENTS = 16
"""Synthetic documents per page kind (~100 pages; 6 made 37): sized for a run of under 6 minutes on 2 quiet
cores. Fewer make the fixed costs and the last large documents (one worker busy, the other idle) weigh on
the speedup."""
WARM_UP_ROUNDS = 5
KINDS = ("born_digital", "clean_scan", "hard_scan")


class KindCost(BaseModel):
    documents: int
    pages: int
    failed: int
    cpu_seconds_per_page: float
    """CPU time of the worker process per page (inference.batch.FileOutcome.cpu_seconds)."""
    peak_worker_rss_mb: float
    """Peak resident memory of the one worker process that read this kind (models loaded included)."""
    file_bytes_per_page: float
    """Bytes of the source files per page: what object storage keeps for the page images."""


class StoreMeasure(BaseModel):
    """One real ingestion run (`vanthu ingest`) of the mixed set, measured by the caller."""

    workers: int
    documents: int
    pages: int
    seconds: float
    driver_cpu_seconds: float
    """CPU time of the storing process (database, governance, entity links, search index)."""
    record_bytes: int
    """JSON text of the documents' `result` and `fields` columns."""
    page_words_bytes: int
    """JSON text of `document_pages` (every word with its box: the training export's input)."""
    index_files: dict[str, int]
    """Bytes of each file of the search snapshot after the run (BM25 matrices, vectors, passage store)."""
    vectors: int
    """Dense vectors in the index: one per passage and one per document."""


class ScalingRun(BaseModel):
    workers: int
    pages: int
    seconds: float
    pages_per_second: float
    driver_cpu_seconds_per_page: float


class EngineRun(BaseModel):
    """The files through `LocalEngine(workers)` alone, nothing stored: how the extraction itself scales."""

    workers: int
    seconds: float


class IngestBenchReport(BaseModel):
    created: str
    cpus: int
    repeats: int = 1
    """Runs of each engine and ingestion measurement; the figures are the fastest of them."""
    load_before: float
    """1-minute load average before the run: above the core count the wall-clock figures are distorted."""
    load_after: float
    kinds: dict[str, KindCost]
    scaling: list[ScalingRun]
    speedup_2_vs_1: float
    """pages/s with 2 workers / pages/s with 1 (target >= 1.8; only meaningful on a quiet machine)."""
    engine: list[EngineRun] = []
    engine_speedup_2_vs_1: float | None = None
    pages_per_document: float
    record_bytes_per_page: float
    page_words_bytes_per_page: float
    index_bytes_per_page: dict[str, float]
    """Per snapshot file (inference.search.engine.SNAPSHOT_FILES)."""
    vectors_per_page: float
    driver_cpu_seconds_per_page: float


IngestRun = Callable[[Path, int], StoreMeasure]
"""(folder, workers) -> the measured ingestion of that folder."""


def make_files(root: Path, documents: int, seed: int) -> dict[str, list[Path]]:
    """Synthetic documents of each page kind under `root`."""
    from training.synth import generate

    generate(documents, seed, root / "easy", split="easy", workers=2, progress=True)
    generate(documents, seed, root / "hard", split="hard", workers=2, progress=True)
    return {
        "born_digital": sorted(p for p in (root / "easy").glob("doc_*.pdf") if p.stem.count("_") == 1),
        "clean_scan": sorted((root / "easy").glob("doc_*_scan.pdf")),
        "hard_scan": sorted((root / "hard").glob("doc_*_scan.pdf")),
    }


def measure_kind(files: list[Path], options: PipelineOptions) -> KindCost:
    """The files through one fresh worker process."""
    discard_worker_pool(1)
    outcomes = list(LocalEngine(workers=1).run([FileTask(key=str(p), path=str(p)) for p in files], options))
    discard_worker_pool(1)
    read = [o for o in outcomes if o.result is not None]
    pages = sum(o.result.pages for o in read if o.result is not None)
    return KindCost(
        documents=len(files),
        pages=pages,
        failed=len(outcomes) - len(read),
        cpu_seconds_per_page=round(sum(o.cpu_seconds for o in read) / max(pages, 1), 3),
        peak_worker_rss_mb=round(max((o.peak_rss_bytes for o in outcomes), default=0) / 2**20, 1),
        file_bytes_per_page=round(sum(o.size for o in read) / max(pages, 1)),
    )


def mixed_folder(files: dict[str, list[Path]], root: Path) -> Path:
    """Every file of every kind in one phông/mục lục/hồ sơ folder per kind."""
    folder = root / "mixed"
    for kind, paths in files.items():
        target = folder / "BENCH" / "2025" / kind.replace("_", "-")
        target.mkdir(parents=True, exist_ok=True)
        for path in paths:
            shutil.copy(path, target / path.name)
    return folder


def warm_up_folder(files: dict[str, list[Path]], root: Path) -> Path:
    folder = root / "warm-up"
    folder.mkdir()
    shutil.copy(files["born_digital"][0], folder)
    return folder


def load_models(workers: int, path: Path, options: PipelineOptions) -> None:
    """Each worker of the pool `LocalEngine(workers)` uses reads a scan once, so that its models are loaded
    before the clock starts: a job of millions of pages loads them once per worker, which a run of a few
    minutes would otherwise count against the workers it has more of."""
    pool, task, loaded = worker_pool(workers), FileTask(key=path.name, path=str(path)), set[int]()
    for _ in range(WARM_UP_ROUNDS):
        loaded |= {future.result() for future in [pool.submit(_read_once, task, options) for _ in range(workers)]}
        if len(loaded) >= workers:
            return


def _read_once(task: FileTask, options: PipelineOptions) -> int:
    """In a worker: extract the file; the worker's process id."""
    extract_file(task, options)
    return os.getpid()


def engine_run(files: list[Path], workers: int, options: PipelineOptions) -> EngineRun:
    """Largest first, as `vanthu ingest` schedules them; the pool's workers load their models beforehand."""
    load_models(workers, files[0], options)
    tasks = largest_first([FileTask(key=str(p), path=str(p)) for p in files])
    started = time.perf_counter()
    for _ in LocalEngine(workers=workers).run(tasks, options):
        pass
    seconds = time.perf_counter() - started
    discard_worker_pool(workers)
    return EngineRun(workers=workers, seconds=round(seconds, 2))


def scaling_run(measure: StoreMeasure) -> ScalingRun:
    return ScalingRun(
        workers=measure.workers,
        pages=measure.pages,
        seconds=round(measure.seconds, 2),
        pages_per_second=round(measure.pages / measure.seconds, 3),
        driver_cpu_seconds_per_page=round(measure.driver_cpu_seconds / max(measure.pages, 1), 4),
    )


def run(
    ingest: IngestRun,
    documents: int = DEFAULT_DOCUMENTS,
    seed: int = 17,
    workers: tuple[int, ...] = (1, 2),
    options: PipelineOptions | None = None,
    repeats: int = 1,
) -> IngestBenchReport:
    """`repeats` rounds of the engine and ingestion runs, each round every worker count in turn; each
    figure is the fastest of its runs (as `timeit` reports: the run least disturbed by whatever else the
    machine did)."""
    options = options or PipelineOptions()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="ingest-bench-") as tmp:
        files = make_files(Path(tmp), documents, seed)
        kinds = {kind: measure_kind(files[kind], options) for kind in KINDS}
        folder = mixed_folder(files, Path(tmp))
        ingest(warm_up_folder(files, Path(tmp)), 1)  # one-off loading (embedder, unit tables) out of the figures
        everything = [path for kind in KINDS for path in files[kind]]
        engine_runs: dict[int, list[EngineRun]] = {count: [] for count in workers}
        ingest_runs: dict[int, list[StoreMeasure]] = {count: [] for count in workers}
        for _ in range(repeats):
            for count in workers:
                engine_runs[count].append(engine_run(everything, count, options))
            for count in workers:
                load_models(count, files["clean_scan"][0], options)
                ingest_runs[count].append(ingest(folder, count))
    engine = [min(engine_runs[count], key=lambda r: r.seconds) for count in workers]
    measures = [min(ingest_runs[count], key=lambda m: m.seconds) for count in workers]
    runs = [scaling_run(m) for m in measures]
    last = measures[-1]
    return IngestBenchReport(
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        cpus=os.cpu_count() or 1,
        repeats=repeats,
        load_before=round(load_before, 2),
        load_after=round(os.getloadavg()[0], 2),
        kinds=kinds,
        scaling=runs,
        speedup_2_vs_1=round(runs[-1].pages_per_second / runs[0].pages_per_second, 3),
        engine=engine,
        engine_speedup_2_vs_1=round(engine[0].seconds / engine[-1].seconds, 3),
        pages_per_document=round(last.pages / max(last.documents, 1), 3),
        record_bytes_per_page=round(last.record_bytes / max(last.pages, 1)),
        page_words_bytes_per_page=round(last.page_words_bytes / max(last.pages, 1)),
        index_bytes_per_page={name: round(size / max(last.pages, 1)) for name, size in last.index_files.items()},
        vectors_per_page=round(last.vectors / max(last.pages, 1), 3),
        driver_cpu_seconds_per_page=round(
            sum(m.driver_cpu_seconds for m in measures) / sum(m.pages for m in measures), 4
        ),
    )


def markdown(report: IngestBenchReport) -> str:
    loaded = report.load_before > report.cpus
    lines = [
        f"# Batch ingestion cost ({report.created})",
        "",
        f"Machine: {report.cpus} CPUs, load average {report.load_before} before / {report.load_after} after"
        + (
            " — **loaded**: wall-clock figures (pages/s, speedup) are distorted; CPU seconds are not."
            if loaded
            else "."
        ),
        "",
        "| page kind | documents | pages | CPU s / page | peak worker RSS (MB) | file bytes / page |",
        "|---|---|---|---|---|---|",
    ]
    for kind, cost in report.kinds.items():
        lines.append(
            f"| {kind} | {cost.documents} | {cost.pages} | {cost.cpu_seconds_per_page} | "
            f"{cost.peak_worker_rss_mb} | {cost.file_bytes_per_page:.0f} |"
        )
    lines += ["", "| workers | pages | seconds | pages/s | driver CPU s / page |", "|---|---|---|---|---|"]
    lines += [
        f"| {r.workers} | {r.pages} | {r.seconds} | {r.pages_per_second} | {r.driver_cpu_seconds_per_page} |"
        for r in report.scaling
    ]
    lines += [
        "",
        (
            f"Speedup 2 vs 1 workers: **{report.speedup_2_vs_1}** (target ≥ {SCALING_TARGET}; the workers load their "
            f"models before the clock starts; fastest of {report.repeats} run(s) of each)."
        ),
        _engine_line(report),
        (
            f"Stored per page ({report.pages_per_document} pages per document): {report.record_bytes_per_page:.0f} "
            f"bytes of record JSON, {report.page_words_bytes_per_page:.0f} bytes of words and boxes, "
            f"{sum(report.index_bytes_per_page.values()):.0f} bytes of search index ({report.vectors_per_page} dense "
            f"vectors); driver CPU {report.driver_cpu_seconds_per_page} s per page."
        ),
        "",
    ]
    return "\n".join(lines)


def _engine_line(report: IngestBenchReport) -> str:
    if not report.engine:
        return ""
    seconds = " -> ".join(f"{run.seconds} s ({run.workers})" for run in report.engine)
    return (f"Extraction alone (the same files through the engine, nothing stored), by workers: {seconds}, "
            f"speedup **{report.engine_speedup_2_vs_1}**.")
