"""`vanthu dedup` (duplicate groups among files) and `vanthu units import` (the old -> new unit table)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from api.cli_support import command_runtime
from api.settings import get_settings
from inference.governance.dedup import group_results
from inference.governance.units import UnitTableError, read_links
from inference.schema import DuplicateGroup, ExtractionResult

units_app = typer.Typer(no_args_is_help=True, help="The administrative unit table (old -> new, 1 July 2025).")


def dedup(
    paths: Annotated[list[Path], typer.Argument(help="Files, or directories to walk", show_default=False)],
    json_output: Annotated[bool, typer.Option("--json", help='Print {"groups": [{"members": [...], "reason": ...}]}')]
    = False,
) -> None:
    """Find files that are one văn bản: identical files, the same pages or text, the same number, date and
    issuer, certified copies of an original. Each file is extracted first; bad files are reported on stderr."""
    from api.cli import Batch, _progress, _walk
    from inference.pipeline import extract_document

    options = get_settings().pipeline
    batch = Batch()
    results: list[ExtractionResult] = []
    for path in _progress(_walk(paths, batch), "dedup"):
        result = batch.attempt(path, lambda: extract_document(path.read_bytes(), str(path), options))
        if result is not None:
            results.append(result)
    groups = group_results(results)
    if json_output:
        typer.echo(json.dumps({"groups": [g.model_dump(mode="json") for g in groups]}, ensure_ascii=False))
    else:
        Console().print(_groups_table(groups))
    raise typer.Exit(batch.exit_code)


def _groups_table(groups: list[DuplicateGroup]) -> Table:
    table = Table("group", "reason", "original", "members")
    for number, group in enumerate(groups, 1):
        table.add_row(str(number), group.reason.value, group.original or "", "\n".join(group.members))
    return table


@units_app.command("import")
def import_units(
    files: Annotated[list[Path], typer.Argument(help="Conversion CSVs: old_code, old_name, old_district, new_code, "
                                                     "new_name, share", show_default=False)],
) -> None:
    """Load the official old -> new unit table into the database (replacing the one stored before)."""
    from api.governance import import_units as store_units

    try:
        links = [link for path in files for link in read_links(path)]
    except UnitTableError as error:
        typer.echo(f"vanthu: {error}", err=True)
        raise typer.Exit(1) from None
    if not links:
        typer.echo("vanthu: the files hold no unit links", err=True)
        raise typer.Exit(1)
    with command_runtime() as runtime, runtime.sessions.begin() as session:
        count = store_units(session, links)
    typer.echo(f"{count} unit links imported from {len(files)} file(s)")


def register(app: typer.Typer) -> None:
    app.command()(dedup)
    app.add_typer(units_app, name="units")
