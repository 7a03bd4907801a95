"""`vanthu search`, `vanthu similar`, `vanthu import`, `vanthu import-vbpl`, `vanthu reindex`, `vanthu delete`."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from api.cli_support import command_runtime
from api.search import ImportReport, delete_document, import_records, search_service
from inference.schema import Block
from inference.search.access import AccessScope
from inference.search.engine import SearchHit
from inference.search.query import SearchFilters

MAX_K = 100
RevealOption = Annotated[
    bool, typer.Option("--reveal-personal-data", help="Show citizen IDs and private persons' names unmasked")
]


def search(
    query: Annotated[str, typer.Argument(help="The question or keywords")],
    k: Annotated[int, typer.Option("--k", min=1, max=MAX_K, help="Hits to show")] = 10,
    type_name: Annotated[str | None, typer.Option("--type", help="Document type, e.g. 'Nghị định'")] = None,
    issuer: Annotated[str | None, typer.Option(help="Part of the issuing organ's name")] = None,
    year: Annotated[int | None, typer.Option(min=1900, max=2100)] = None,
    date_from: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    date_to: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    block: Annotated[Block | None, typer.Option()] = None,
    number: Annotated[str | None, typer.Option(help="'127-KL/TW', or a running number")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="The whole response as JSON")] = False,
    reveal_personal_data: RevealOption = False,
) -> None:
    """Search every stored document (the operator's view): keyword + semantic, filters read from the question."""
    filters = SearchFilters(type_name=type_name, issuer=issuer, year=year, date_from=_date(date_from),
                            date_to=_date(date_to), block=block, number=number)
    with command_runtime() as runtime:
        response = search_service(runtime).search(query, k, filters, AccessScope.everything(reveal_personal_data))
    if json_output:
        typer.echo(response.model_dump_json())
        return
    read_as = response.read_as.model_dump(exclude_none=True, mode="json")
    if read_as:
        typer.echo(f"read as: {read_as}", err=True)
    if response.no_answer:
        typer.echo(f"no answer: {response.reason}")
        return
    Console().print(_hits_table(response.hits))


def similar(
    document_id: Annotated[str, typer.Argument(help="A stored document's id")],
    k: Annotated[int, typer.Option("--k", min=1, max=MAX_K)] = 10,
    json_output: Annotated[bool, typer.Option("--json", help="The hits as JSON")] = False,
    reveal_personal_data: RevealOption = False,
) -> None:
    """Documents whose content is closest to this one's."""
    with command_runtime() as runtime:
        hits = search_service(runtime).similar(document_id, k, AccessScope.everything(reveal_personal_data))
    if json_output:
        typer.echo(json.dumps([hit.model_dump(mode="json") for hit in hits], ensure_ascii=False))
        return
    Console().print(_hits_table(hits))


def import_file(
    path: Annotated[Path, typer.Argument(help='JSON lines: {"id", "title", "text", "metadata": {...}}')],
) -> None:
    """Import already-digital records without OCR; re-importing is idempotent, bad lines are reported."""
    if not path.is_file():
        typer.echo(f"vanthu: {path}: no such file", err=True)
        raise typer.Exit(2)
    with command_runtime() as runtime, path.open("rb") as lines:  # bytes: a line that is not UTF-8 is one bad line
        report = import_records(runtime, lines, progress=True)
    _print_report(report, str(path))


def import_vbpl(
    path: Annotated[Path | None, typer.Argument(help="vbpl_fulltext.jsonl (default: ../shared/data/vbpl)")] = None,
) -> None:
    """Import the vbpl.vn corpus (../shared/data/vbpl) as digital records, vbpl ids as external ids."""
    from eval.search import vbpl_corpus_path, vbpl_import_lines

    path = path or vbpl_corpus_path()
    if path is None or not path.is_file():
        typer.echo("vanthu: no vbpl corpus (../shared/data/vbpl/vbpl_fulltext.jsonl is absent; pass PATH)", err=True)
        raise typer.Exit(2)
    with command_runtime() as runtime:
        report = import_records(runtime, vbpl_import_lines(path), progress=True)
    _print_report(report, str(path))


def reindex() -> None:
    """Rebuild the search index from the stored documents (after changing the embedder, or to repair it)."""
    with command_runtime() as runtime:
        count = search_service(runtime).rebuild()
    typer.echo(f"{count} documents indexed")


def delete(document_id: Annotated[str, typer.Argument(help="A stored document's id")]) -> None:
    """Delete a document: its row, jobs, index entries, and its file unless shared."""
    with command_runtime() as runtime:
        delete_document(runtime, document_id)
    typer.echo(f"deleted {document_id}")


def _print_report(report: ImportReport, source: str) -> None:
    for number, reason in report.failed:
        typer.echo(f"vanthu: {source}:{number}: {reason}", err=True)
    typer.echo(f"created {report.created}, updated {report.updated}, unchanged {report.unchanged}, "
               f"failed {len(report.failed)}")
    if report.failed:
        raise typer.Exit(1)


def _date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        typer.echo(f"vanthu: {text!r} is not a date (YYYY-MM-DD)", err=True)
        raise typer.Exit(2) from None


def _hits_table(hits: list[SearchHit]) -> Table:
    table = Table("id", "score", "number", "page", "snippet")
    for hit in hits:
        snippet = escape(hit.snippet).replace("<mark>", "[bold]").replace("</mark>", "[/bold]")
        table.add_row(hit.external_id or hit.id, f"{hit.score:.3f}", hit.fields.number or "", str(hit.page), snippet)
    return table


def register(app: typer.Typer) -> None:
    app.command()(search)
    app.command()(similar)
    app.command("import")(import_file)
    app.command("import-vbpl")(import_vbpl)
    app.command()(reindex)
    app.command()(delete)
