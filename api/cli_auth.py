"""`vanthu agencies|users|keys ...`: the agency tree, user accounts and API keys, for the operator of the host.

Passwords are read from stdin (`--password-stdin`) or a hidden prompt, never from an argument (arguments end
up in shell histories and process listings). A key's secret is printed once, when it is made.
"""

from __future__ import annotations

import csv
import os
import secrets
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from pydantic import BaseModel, SecretStr, ValidationError
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from api.auth import accounts
from api.auth.accounts import AgencySpec, CreatedKey, KeySpec, UserChange, UserSpec
from api.auth.principal import Role, SecrecyLevel
from api.cli_support import command_runtime

M = TypeVar("M", bound=BaseModel)
BOOTSTRAP_PASSWORD_VARIABLE = "VANTHU_BOOTSTRAP_ADMIN_PASSWORD"
CREATED_BY = "cli"

agencies_app = typer.Typer(no_args_is_help=True, help="The agency tree (cơ quan, đơn vị): whose documents who sees.")
users_app = typer.Typer(no_args_is_help=True, help="Staff accounts: roles, agency, clearance.")
keys_app = typer.Typer(no_args_is_help=True, help="API keys of pipelines.")

RolesOption = Annotated[
    list[Role] | None, typer.Option("--role", help="Repeat for several: " + ", ".join(Role), show_default=False)
]
AgencyOption = Annotated[str | None, typer.Option("--agency", help="Agency code (default: the root, HN)")]
ClearanceOption = Annotated[
    str | None, typer.Option("--clearance", help="none|mat|toi_mat|tuyet_mat or 0-3 (default none)")
]
PasswordStdin = Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin's first line")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON")]


def fail(message: str) -> typer.Exit:
    typer.echo(f"vanthu: {message}", err=True)
    return typer.Exit(1)


@contextmanager
def store() -> Iterator[Session]:
    """One transaction of the store; a refusal of the service ends the command with its reason."""
    with command_runtime() as runtime, runtime.sessions.begin() as session:
        yield session


def validated(model: type[M], **values: object) -> M:
    try:
        return model.model_validate({k: v for k, v in values.items() if v is not None})
    except ValidationError as error:
        problem = error.errors()[0]
        raise fail(f"{'.'.join(map(str, problem['loc']))}: {problem['msg']}") from None


def clearance_level(text: str | None) -> SecrecyLevel | None:
    if text is None:
        return None
    if text in SecrecyLevel.__members__:
        return SecrecyLevel[text]
    if text.isdigit() and int(text) in tuple(SecrecyLevel):
        return SecrecyLevel(int(text))
    raise fail(f"clearance {text!r}: one of {', '.join(SecrecyLevel.__members__)} or 0-3")


def read_password(from_stdin: bool) -> SecretStr:
    if from_stdin:
        return SecretStr(sys.stdin.readline().rstrip("\r\n"))
    return SecretStr(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


def print_rows(rows: list[BaseModel], json_output: bool, columns: list[str]) -> None:
    if json_output:
        typer.echo("[" + ",".join(row.model_dump_json() for row in rows) + "]")
        return
    table = Table(*columns)
    for row in rows:
        values = row.model_dump()
        table.add_row(*(_cell(values[column]) for column in columns))
    Console().print(table)


def _cell(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(value, SecrecyLevel):
        return value.name
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    return "" if value is None else str(value)


# --- agencies ------------------------------------------------------------------------------------


@agencies_app.command("add")
def add_agency(
    code: str,
    name: str,
    parent: Annotated[str | None, typer.Option("--parent", help="Parent agency code (required but for HN)")] = None,
) -> None:
    """Add an agency under its parent (or rename an existing one)."""
    spec = validated(AgencySpec, code=code, name=name, parent_code=parent)
    with store() as session:
        accounts.add_agency(session, spec)
    typer.echo(f"agency {code}: {name}" + (f" (under {parent})" if parent else ""))


@agencies_app.command("list")
def list_agencies(json_output: JsonOption = False) -> None:
    """Every agency with its parent."""
    with store() as session:
        rows = [
            validated(AgencySpec, code=r.code, name=r.name, parent_code=r.parent_code)
            for r in accounts.list_agencies(session)
        ]
    print_rows(rows, json_output, ["code", "name", "parent_code"])


@agencies_app.command("import")
def import_agencies(
    path: Annotated[Path, typer.Argument(help="CSV with columns code, name, parent_code (parents before children)")],
) -> None:
    """Add or rename agencies from a CSV, all or none."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as error:
        raise fail(f"{path}: {error.strerror or error}") from None
    specs = [
        validated(AgencySpec, code=r.get("code"), name=r.get("name"), parent_code=r.get("parent_code") or None)
        for r in rows
    ]
    with store() as session:
        for spec in specs:
            accounts.add_agency(session, spec)
    typer.echo(f"{len(specs)} agencies imported from {path}")


# --- users ---------------------------------------------------------------------------------------


@users_app.command("add")
def add_user(
    username: str,
    role: RolesOption = None,
    agency: AgencyOption = None,
    clearance: ClearanceOption = None,
    password_stdin: PasswordStdin = False,
) -> None:
    """Create a user (password from a prompt or --password-stdin)."""
    password = read_password(password_stdin)
    spec = validated(
        UserSpec,
        username=username,
        password=password,
        roles=role or [],
        agency_code=agency,
        clearance=clearance_level(clearance),
    )
    with store() as session:
        user = accounts.create_user(session, spec)
    typer.echo(f"user {user.username}: {', '.join(user.roles)} of {user.agency_code}, clearance {user.clearance.name}")


@users_app.command("list")
def list_users(json_output: JsonOption = False) -> None:
    """Every user (never a password)."""
    with store() as session:
        users = accounts.list_users(session)
    print_rows(users, json_output, ["username", "roles", "agency_code", "clearance", "disabled", "updated_at"])


def _change(username: str, change: UserChange) -> None:
    with store() as session:
        user = accounts.update_user(session, username, change)
    state = "disabled" if user.disabled else "enabled"
    typer.echo(
        f"user {user.username}: {', '.join(user.roles)} of {user.agency_code}, clearance {user.clearance.name}, {state}"
    )


@users_app.command("set")
def set_user(
    username: str,
    role: RolesOption = None,
    agency: AgencyOption = None,
    clearance: ClearanceOption = None,
    enable: Annotated[bool, typer.Option("--enable", help="Enable a disabled user")] = False,
) -> None:
    """Change a user's roles (all of them, when given), agency or clearance, or enable it again."""
    change = validated(
        UserChange,
        roles=role,
        agency_code=agency,
        clearance=clearance_level(clearance),
        disabled=False if enable else None,
    )
    _change(username, change)


@users_app.command("disable")
def disable_user(username: str) -> None:
    """Disable a user: its logins and the tokens it holds stop working at once."""
    _change(username, UserChange(disabled=True))


@users_app.command("passwd")
def set_password(username: str, password_stdin: PasswordStdin = False) -> None:
    """Set a user's password (from a prompt or --password-stdin)."""
    _change(username, UserChange(password=read_password(password_stdin)))


@users_app.command("bootstrap")
def bootstrap() -> None:
    """When there is no user at all: the root agency (HN) and an `admin` user. The password comes from
    VANTHU_BOOTSTRAP_ADMIN_PASSWORD, or is generated and printed this once."""
    given = os.environ.get(BOOTSTRAP_PASSWORD_VARIABLE)
    password = SecretStr(given or secrets.token_urlsafe(12))
    with store() as session:
        created = accounts.bootstrap_admin(session, password)
    if not created:
        typer.echo("users exist already; nothing to do")
    elif given:
        typer.echo(f"created user {accounts.BOOTSTRAP_ADMIN} (password from {BOOTSTRAP_PASSWORD_VARIABLE})")
    else:
        typer.echo(
            f"created user {accounts.BOOTSTRAP_ADMIN} with password {password.get_secret_value()} "
            f"(shown once; change it with `vanthu users passwd {accounts.BOOTSTRAP_ADMIN}`)"
        )


# --- API keys ------------------------------------------------------------------------------------


def _print_new_key(key: CreatedKey) -> None:
    typer.echo(
        f"key {key.id} ({key.name}): {', '.join(key.roles)} of {key.agency_code}, clearance {key.clearance.name}"
    )
    typer.echo(key.key)
    typer.echo("the key is shown this once; store it in the pipeline's secret store", err=True)


@keys_app.command("create")
def create_key(
    name: str, role: RolesOption = None, agency: AgencyOption = None, clearance: ClearanceOption = None
) -> None:
    """Create an API key (role pipeline unless given); prints the key once."""
    spec = validated(KeySpec, name=name, roles=role, agency_code=agency, clearance=clearance_level(clearance))
    _with_key(lambda session: accounts.create_key(session, spec, CREATED_BY))


def _with_key(action: Callable[[Session], CreatedKey]) -> None:
    with store() as session:
        key = action(session)
    _print_new_key(key)


@keys_app.command("list")
def list_keys(json_output: JsonOption = False) -> None:
    """Every key: prefix, rights, when created, last used, revoked (never the secret)."""
    with store() as session:
        keys = accounts.list_keys(session)
    columns = ["id", "name", "prefix", "roles", "agency_code", "clearance", "last_used_at", "revoked_at"]
    print_rows(keys, json_output, columns)


@keys_app.command("revoke")
def revoke_key(key_id: str) -> None:
    """Revoke a key: it stops working at once."""
    with store() as session:
        key = accounts.revoke_key(session, key_id)
    typer.echo(f"key {key.prefix} revoked")


@keys_app.command("rotate")
def rotate_key(key_id: str) -> None:
    """Replace a key by a new one with the same rights; the old one stops working at once."""
    _with_key(lambda session: accounts.rotate_key(session, key_id, CREATED_BY))


def register(app: typer.Typer) -> None:
    app.add_typer(agencies_app, name="agencies")
    app.add_typer(users_app, name="users")
    app.add_typer(keys_app, name="keys")
