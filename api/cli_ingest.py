"""`vanthu ingest` (batch digitisation of a folder or a manifest) and `vanthu ingest-bench`."""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import faiss
import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from api.app import install_completion_hooks
from api.cli_support import command_runtime
from api.ingest_batch import IngestReport, ingest_source
from api.runtime import Runtime, open_runtime
from api.search import CURRENT, SEARCH_DIRNAME
from api.settings import DATABASE_FILENAME, get_settings
from api.store.models import DocumentPagesRow, DocumentRow
from eval.ingest_bench import DEFAULT_DOCUMENTS, StoreMeasure, markdown, run
from eval.reports import write
from inference.batch import BATCH_ENGINES, LocalEngine
from inference.pipeline import discard_worker_pool

VECTOR_FILES = ("passages.faiss", "documents.faiss")
"""Files of a search snapshot (inference.search.engine.SNAPSHOT_FILES) holding the dense vectors."""


def ingest(
    source: Annotated[
        Path,
        typer.Argument(
            help="A folder (<phông>/<mục lục>/<hồ sơ>/<files>) or a manifest (.csv / .jsonl: path, phong, muc_luc, "
            "ho_so, title)",
            show_default=False,
        ),
    ],
    engine: Annotated[str, typer.Option(help="local (process pool) or ray (Ray Data)")] = "local",
    address: Annotated[str | None, typer.Option(help="Ray cluster address (ray://host:10001 or host:6379)")] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1, help="Worker processes (default: the CPUs of this machine; with --address: the whole cluster)"
        ),
    ] = None,
    agency: Annotated[str | None, typer.Option(help="Agency code the documents belong to (default: the root)")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the report as one JSON object")] = False,
) -> None:
    """Extract and store every document of a folder or manifest in parallel; rerun to resume an interrupted run.

    Exit status 1 when a file failed (each failure is in the report), 2 for bad options or a Ray --address
    that does not answer within 10 s."""
    if workers is None and not address:
        workers = os.cpu_count() or 1
    try:
        batch_engine = BATCH_ENGINES.create(engine, workers=workers, address=address)
    except ValueError as error:
        typer.echo(f"vanthu: {error}", err=True)
        raise typer.Exit(2) from None
    with command_runtime() as runtime, _stdout_on_stderr():
        install_completion_hooks(runtime)
        report = ingest_source(runtime, source, batch_engine, engine, agency)
    if json_output:
        typer.echo(report.model_dump_json())
    else:
        _print_report(report)
    raise typer.Exit(1 if report.failed else 0)


@contextmanager
def _stdout_on_stderr() -> Iterator[None]:
    """What is written to stdout meanwhile goes to stderr (Ray prints worker deaths on stdout), so that stdout
    carries the report alone."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def _print_report(report: IngestReport) -> None:
    console = Console()
    table = Table("documents", "stored", "skipped", "failed", "pages", "seconds", "pages/s", "attempts")
    table.add_row(
        *map(
            str,
            (
                report.documents,
                report.stored,
                report.skipped,
                report.failed,
                report.pages,
                report.seconds,
                report.pages_per_second,
                report.attempts,
            ),
        )
    )
    console.print(table)
    for title, problems in (("failed", report.errors), ("notes", report.notes)):
        if problems:
            listing = Table("file", "reason", title=title)
            for problem in problems:
                listing.add_row(problem.path, problem.reason)
            console.print(listing)


def ingest_bench(
    documents: Annotated[
        int, typer.Option(min=1, help="Synthetic documents per split (easy, hard): per page kind")
    ] = DEFAULT_DOCUMENTS,
    seed: Annotated[int, typer.Option(help="Same seed, same documents")] = 17,
    repeats: Annotated[int, typer.Option(min=1, help="Runs of each timing, the fastest reported")] = 2,
) -> None:
    """CPU seconds and memory per page by page kind, and ingestion pages/s with 1 and 2 workers ->
    eval/reports/ingest-bench.*. Wall-clock figures need a quiet machine; CPU seconds do not."""
    report = run(_measured_ingest, documents, seed, options=get_settings().pipeline, repeats=repeats)
    typer.echo(write(report, markdown(report), "ingest-bench").read_text())


def _measured_ingest(folder: Path, workers: int) -> StoreMeasure:
    """`vanthu ingest FOLDER --workers N` into a scratch data directory (eval.ingest_bench.load_models started
    the pool's workers beforehand)."""
    with tempfile.TemporaryDirectory(prefix="ingest-bench-store-") as tmp:
        settings = get_settings().model_copy(
            update={"data_dir": Path(tmp), "database_url": f"sqlite:///{Path(tmp) / DATABASE_FILENAME}"}
        )
        runtime = open_runtime(settings)
        install_completion_hooks(runtime)
        cpu_before, started = _own_cpu_seconds(), time.perf_counter()
        report = ingest_source(runtime, folder, LocalEngine(workers=workers), "local")
        seconds, cpu = time.perf_counter() - started, _own_cpu_seconds() - cpu_before
        record_bytes, page_words_bytes, index_files, vectors = _stored_bytes(runtime)
        runtime.close()
    discard_worker_pool(workers)
    return StoreMeasure(
        workers=workers,
        documents=report.stored,
        pages=report.pages,
        seconds=seconds,
        driver_cpu_seconds=cpu,
        record_bytes=record_bytes,
        page_words_bytes=page_words_bytes,
        index_files=index_files,
        vectors=vectors,
    )


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _stored_bytes(runtime: Runtime) -> tuple[int, int, dict[str, int], int]:
    """JSON bytes of the documents' records and of their pages' words, bytes of each file of the live search
    snapshot and its number of dense vectors."""
    with runtime.sessions() as session:
        records = session.execute(select(DocumentRow.result, DocumentRow.fields)).all()
        pages = session.scalars(select(DocumentPagesRow.pages)).all()
    search = runtime.settings.data_dir / SEARCH_DIRNAME
    snapshot = search / (search / CURRENT).read_text().strip()
    vectors = sum(faiss.read_index(str(snapshot / name)).ntotal for name in VECTOR_FILES)
    files = {path.name: path.stat().st_size for path in snapshot.iterdir()}
    return _json_bytes(value for row in records for value in row), _json_bytes(pages), files, vectors


def _json_bytes(values: Iterable[object]) -> int:
    return sum(len(json.dumps(value, ensure_ascii=False).encode()) for value in values)


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)
    app.command("ingest-bench")(ingest_bench)
