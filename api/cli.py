"""The `vanthu` command: serve the API, extract files, load documents into the store, look at them."""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, TypeVar

import typer
import uvicorn
from rich.console import Console
from rich.table import Table
from tqdm import tqdm

from api.app import create_app
from api.cli_audit import register as register_audit_commands
from api.cli_auth import register as register_auth_commands
from api.cli_eval import register as register_data_commands
from api.cli_exchange import register as register_exchange_commands
from api.cli_governance import register as register_governance_commands
from api.cli_ingest import register as register_ingest_commands
from api.cli_models import register as register_model_commands
from api.cli_search import register as register_search_commands
from api.cli_support import command_runtime
from api.corrections import load_corrected_record
from api.errors import ApiError
from api.ingest import ingest_document
from api.settings import get_settings
from api.store.documents import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, load_page
from inference.assembly import assemble, delivery_key
from inference.errors import InputError
from inference.pipeline import extract_document
from inference.schema import DocumentSummary, ExtractionResult

T = TypeVar("T")
logger = logging.getLogger(__name__)

app = typer.Typer(
    name="vanthu", no_args_is_help=True, help="Vietnamese administrative documents: scanned PDF -> metadata."
)
documents_app = typer.Typer(no_args_is_help=True, help="Documents in the store.")
app.add_typer(documents_app, name="documents")
register_audit_commands(app)
register_auth_commands(app)
register_data_commands(app)
register_exchange_commands(app)
register_governance_commands(app)
register_ingest_commands(app)
register_model_commands(app)
register_search_commands(app)

SUBJECT_PREVIEW_CHARS = 60


def main() -> None:
    app()


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Default: VANTHU_HOST or 127.0.0.1")] = None,
    port: Annotated[int | None, typer.Option(help="Default: VANTHU_PORT or 8000")] = None,
) -> None:
    """Run the HTTP API (migrates the database and starts the job workers)."""
    settings = get_settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    _exit_normally_on_sigterm()
    uvicorn.run(create_app(settings), host=host or settings.host, port=port or settings.port)


def _exit_normally_on_sigterm() -> None:
    # uvicorn shuts down gracefully on SIGTERM, then raises the signal again. With the default
    # action that kills the process before atexit hooks run, and the pipeline's OCR worker
    # processes are left behind; as SystemExit the interpreter exits normally and they stop.
    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))


@app.command()
def extract(
    files: Annotated[list[Path], typer.Argument(help="PDF or image files", show_default=False)],
    json_lines: Annotated[bool, typer.Option("--json", help="One ExtractionResult JSON object per line")] = False,
    parts: Annotated[bool, typer.Option(
        "--parts/--no-parts",
        help="Merge consecutive files of one folder that are parts of one document (pages delivered as separate files)",
    )] = True,
) -> None:
    """Extract the metadata of each file; bad files are reported on stderr and the batch goes on."""
    options = get_settings().pipeline
    batch = Batch()

    def extracted() -> Iterator[ExtractionResult]:
        for path in _progress(files, "extract"):
            result = batch.attempt(path, lambda: extract_document(path.read_bytes(), str(path), options))
            if result is not None:
                yield result

    results: list[ExtractionResult] = []
    for result in assemble(extracted()) if parts else extracted():
        if json_lines:
            typer.echo(result.model_dump_json())
        else:
            results.append(result)
    if not json_lines:
        Console().print(_results_table(results))
    raise typer.Exit(batch.exit_code)


@app.command()
def add(paths: Annotated[list[Path], typer.Argument(help="Files, or directories to walk", show_default=False)]) -> None:
    """Store documents and queue their extraction, as POST /v1/documents does.

    Prints `id  new|existing  path` per file; a running `vanthu serve` processes the jobs."""
    batch = Batch()
    files = _walk(paths, batch)
    with command_runtime() as runtime:
        for path in _progress(files, "add"):
            ingested = batch.attempt(path, lambda: ingest_document(runtime, path.read_bytes(), path.name))
            if ingested is not None:
                typer.echo(f"{ingested.record.id}\t{'new' if ingested.created else 'existing'}\t{path}")
    raise typer.Exit(batch.exit_code)


@documents_app.command("list")
def list_documents(
    limit: Annotated[int, typer.Option(min=1, max=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    cursor: Annotated[str | None, typer.Option(help="The next cursor printed by the previous page")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the page as JSON")] = False,
) -> None:
    """Stored documents, newest first, without full text."""
    with command_runtime() as runtime:
        page = Batch().attempt("documents", lambda: load_page(runtime.sessions, limit, cursor))
    if page is None:
        raise typer.Exit(1)
    if json_output:
        typer.echo(page.model_dump_json())
        return
    Console().print(_summaries_table(page.items))
    if page.next_cursor:
        typer.echo(f"next page: vanthu documents list --cursor {page.next_cursor}", err=True)


@documents_app.command("show")
def show_document(document_id: str) -> None:
    """One stored document as JSON, with its extraction result and corrected fields once done."""
    with command_runtime() as runtime:
        record = Batch().attempt(document_id, lambda: load_corrected_record(runtime.sessions, document_id))
    if record is None:
        raise typer.Exit(1)
    typer.echo(record.model_dump_json(indent=2))


class Batch:
    """Runs the items of a batch one by one, reporting each failure as `vanthu: ITEM: reason` on stderr."""

    def __init__(self) -> None:
        self.failed = 0

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0

    def attempt(self, item: object, action: Callable[[], T]) -> T | None:
        try:
            return action()
        except (InputError, ApiError) as error:
            reason = error.reason
        except OSError as error:
            reason = f"cannot read: {error.strerror or error}"
        except Exception as error:
            logger.debug("unexpected error on %s", item, exc_info=True)
            reason = f"unexpected error: {type(error).__name__}: {error}"
        self.report(item, reason)
        return None

    def report(self, item: object, reason: str) -> None:
        self.failed += 1
        tqdm.write(f"vanthu: {item}: {reason}", file=sys.stderr)


def _progress(items: list[Path], description: str) -> Iterator[Path]:
    """A progress bar on stderr for batches, shown only on a terminal."""
    return iter(tqdm(items, desc=description, unit="file", file=sys.stderr, disable=None if len(items) > 1 else True))


def _walk(paths: list[Path], batch: Batch) -> list[Path]:
    """The files named, and the files under the directories named (hidden ones skipped) in delivery order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = [p for p in path.rglob("*") if p.is_file() and not _is_hidden(p.relative_to(path))]
            files.extend(sorted(found, key=lambda p: delivery_key(str(p))))
        elif path.exists():
            files.append(path)
        else:
            batch.report(path, "no such file or directory")
    return files


def _is_hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def _results_table(results: list[ExtractionResult]) -> Table:
    table = Table("file", "pages", "type", "number", "issued", "organ", "subject")
    for result in results:
        fields = result.fields
        table.add_row(
            result.file,
            str(result.pages),
            fields.type_name or "",
            fields.number or "",
            fields.issued_date.isoformat() if fields.issued_date else "",
            fields.organ_name or "",
            _preview(fields.subject),
        )
    return table


def _summaries_table(summaries: list[DocumentSummary]) -> Table:
    table = Table("id", "status", "pages", "filename", "number", "issued", "subject")
    for summary in summaries:
        fields = summary.fields
        table.add_row(
            summary.id,
            summary.status.value,
            "" if summary.pages is None else str(summary.pages),
            summary.filename,
            (fields.number if fields else None) or "",
            fields.issued_date.isoformat() if fields and fields.issued_date else "",
            _preview(fields.subject if fields else None),
        )
    return table


def _preview(text: str | None) -> str:
    if not text:
        return ""
    return text if len(text) <= SUBJECT_PREVIEW_CHARS else text[: SUBJECT_PREVIEW_CHARS - 1] + "…"


if __name__ == "__main__":
    main()
