"""`vanthu audit verify`, `vanthu audit list`: the audit log from the command line."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from api.audit import DEFAULT_LIMIT, MAX_LIMIT, AuditAction, AuditEntry, canonical_json, load_page, verify_chain
from api.cli_support import command_runtime

audit_app = typer.Typer(no_args_is_help=True, help="The hash-chained audit log of the service.")


@audit_app.command()
def verify() -> None:
    """Check the hash chain: exit 0 when intact, 1 naming the first broken entry."""
    with command_runtime() as runtime:
        result = verify_chain(runtime.sessions)
    if not result.intact:
        typer.echo(f"vanthu: audit chain broken at seq {result.first_broken_seq}: {result.reason}", err=True)
        raise typer.Exit(1)
    typer.echo(f"chain intact, {result.entries} entries")


@audit_app.command("list")
def list_entries(
    actor: Annotated[str | None, typer.Option(help="user:<name>, key:<id> or anonymous")] = None,
    action: Annotated[AuditAction | None, typer.Option()] = None,
    since: Annotated[datetime | None, typer.Option(help="Entries at or after this time (UTC unless an offset)")] = None,
    limit: Annotated[int, typer.Option(min=1, max=MAX_LIMIT)] = DEFAULT_LIMIT,
    json_output: Annotated[bool, typer.Option("--json", help="One entry per line as JSON")] = False,
) -> None:
    """Audit entries, newest first."""
    with command_runtime() as runtime:
        page = load_page(runtime.sessions, actor, action, since, None, limit)
    if json_output:
        for entry in page.items:
            typer.echo(entry.model_dump_json())
        return
    Console().print(_table(page.items))


def _table(entries: list[AuditEntry]) -> Table:
    table = Table("seq", "at (UTC)", "actor", "action", "request", "target", "status", "detail")
    for entry in entries:
        table.add_row(
            str(entry.seq),
            entry.at.strftime("%Y-%m-%d %H:%M:%S"),
            escape(entry.actor),
            entry.action,
            escape(f"{entry.method} {entry.route}"),
            escape(entry.target or ""),
            str(entry.status),
            escape(canonical_json(entry.detail)),
        )
    return table


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
