"""`vanthu export`, `vanthu import-metadata`, `vanthu pdfa` and `vanthu dossier ...` (records exchange)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Literal, TypeVar

import typer

from api.cli_eval import eval_app
from api.cli_support import command_runtime
from api.settings import get_settings

T = TypeVar("T")
dossier_app = typer.Typer(no_args_is_help=True, help="Hồ sơ (dossiers): create, add and remove documents.")
RevealOption = Annotated[
    bool, typer.Option("--reveal-personal-data", help="Do not mask citizen IDs and private persons' names")
]


def export(
    out: Annotated[Path, typer.Option("--out", help="File to write", show_default=False)],
    format: Annotated[Literal["json", "xml"], typer.Option("--format")] = "json",
    dossier: Annotated[str | None, typer.Option("--dossier", help="One hồ sơ by FileCode")] = None,
    since: Annotated[
        int | None, typer.Option("--since", min=0, help="Only what changed after this feed cursor")
    ] = None,
    reveal: RevealOption = False,
) -> None:
    """Documents and hồ sơ under the names of Circular 02/2019/TT-BNV and Decree 30 App. VI."""
    from api.exchange.transfer import export_records
    from inference.exchange.formats import dump

    with command_runtime() as runtime:
        exchange, cursor = _attempt("export", lambda: export_records(runtime.sessions, reveal, dossier, since))
    out.write_bytes(dump(exchange, format))
    count = len(exchange.Documents) + sum(len(f.Documents) for f in exchange.Files)
    typer.echo(f"{out}: {len(exchange.Files)} hồ sơ, {count} documents" + (f", cursor {cursor}" if cursor else ""))


def import_metadata(file: Annotated[Path, typer.Argument(help="A JSON or XML export", show_default=False)]) -> None:
    """Apply an export to the store in one transaction: all of it, or nothing and the reason."""
    from api.exchange.transfer import import_records

    data = _attempt(file, file.read_bytes)
    with command_runtime() as runtime:
        summary = _attempt(file, lambda: import_records(runtime.sessions, data))
    typer.echo(" ".join(f"{name}={value}" for name, value in summary))


def pdfa(
    file: Annotated[Path, typer.Argument(help="A PDF or image", show_default=False)],
    out: Annotated[Path, typer.Option("--out", help="The PDF/A to write", show_default=False)],
) -> None:
    """Extract a file and write it as two-layer PDF/A-2b (page images + invisible text of our OCR)."""
    from inference.exchange.pdfa import document_to_pdfa
    from inference.io import inspect_document
    from inference.pipeline import extract_pages

    options = get_settings().pipeline

    def build() -> bytes:
        data = file.read_bytes()
        source = inspect_document(data, str(file), options.limits, options.min_text_layer_chars)
        pages, _ = extract_pages(data, source, options)
        return document_to_pdfa(data, source, pages, options.ocr_dpi, options.limits, title=file.stem)

    out.write_bytes(_attempt(file, build))
    typer.echo(f"{out}: PDF/A-2b")


@dossier_app.command("create")
def create_dossier(
    organ_id: Annotated[str, typer.Option("--organ-id", help="Mã phông (fond code)", show_default=False)],
    catalog: Annotated[int, typer.Option("--catalog", help="Mục lục: the year", show_default=False)],
    notation: Annotated[str, typer.Option("--notation", help="Số hồ sơ", show_default=False)],
    title: Annotated[str, typer.Option("--title", show_default=False)],
    maintenance: Annotated[str | None, typer.Option("--maintenance", help='"Vĩnh viễn", "10 năm"...')] = None,
) -> None:
    """Create a hồ sơ; prints its FileCode."""
    from api.exchange.dossiers import DossierSpec, create_dossier

    spec = DossierSpec(
        OrganId=organ_id, FileCatalog=catalog, FileNotation=notation, Title=title, Maintenance=maintenance
    )
    with command_runtime() as runtime:
        created = _attempt(notation, lambda: create_dossier(runtime.sessions, spec, False))
    typer.echo(created.FileCode)


@dossier_app.command("add")
def add_to_dossier(
    code: str,
    document_ids: list[str],
    ordinal: Annotated[int | None, typer.Option("--ordinal", min=1, help="DocOrdinal of the first")] = None,
) -> None:
    """Put documents into a hồ sơ, in order."""
    from api.exchange.dossiers import add_document

    with command_runtime() as runtime:
        for offset, document_id in enumerate(document_ids):
            at = ordinal + offset if ordinal else None
            _attempt(document_id, lambda: add_document(runtime.sessions, code, document_id, at, False))


@dossier_app.command("remove")
def remove_from_dossier(code: str, document_id: str) -> None:
    """Take a document out of a hồ sơ."""
    from api.exchange.dossiers import remove_document

    with command_runtime() as runtime:
        _attempt(document_id, lambda: remove_document(runtime.sessions, code, document_id, False))


def _attempt(item: object, action: Callable[[], T]) -> T:
    """Run one action; on failure print `vanthu: ITEM: reason` and exit 1."""
    from api.cli import Batch

    batch = Batch()
    result = batch.attempt(item, action)
    if batch.failed:
        raise typer.Exit(1)
    return result


def eval_exchange(
    dataset: Annotated[
        Path | None, typer.Option(help="Folder with labels.jsonl (default: ../shared real scans)")
    ] = None,
    name: Annotated[str, typer.Option(help="Report name")] = "exchange-real-scans",
    out: Annotated[Path | None, typer.Option(help="Report folder (default: eval/reports)")] = None,
) -> None:
    """PDF/A validity and text layer, metadata round trip and entity links on a labelled set."""
    from eval.datasets import real_scans_dir
    from eval.exchange import evaluate, write_report
    from eval.reports import REPORTS_DIR

    dataset = dataset or real_scans_dir()
    if dataset is None:
        typer.echo("skipped: no dataset (../shared/data/real-scans is absent; pass --dataset)", err=True)
        raise typer.Exit(0)
    report = evaluate(dataset, get_settings().pipeline)
    typer.echo(write_report(report, out or REPORTS_DIR, name).read_text(encoding="utf-8"))


def register(app: typer.Typer) -> None:
    app.command("export")(export)
    app.command("import-metadata")(import_metadata)
    app.command("pdfa")(pdfa)
    app.add_typer(dossier_app, name="dossier")
    eval_app.command("exchange")(eval_exchange)
