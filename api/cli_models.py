"""`vanthu documents correct`, `vanthu corrections export`, `vanthu models list|promote|rollback`, `vanthu train`."""

from __future__ import annotations

import getpass
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from api.cli_support import command_runtime
from api.corrections import CorrectionRequest, FieldBox, record_correction
from api.models_registry import ModelEvent, PromotionRefused, run_gate
from inference.schema import BBox

REPO = Path(__file__).resolve().parent.parent
LIST_SEPARATOR = ";"
"""Separates the values of a list field on the command line: `recipients="Như trên;Lưu: VT"`."""

models_app = typer.Typer(no_args_is_help=True, help="The model registry: versions, promotion, rollback.")
corrections_app = typer.Typer(no_args_is_help=True, help="Corrected fields as training data.")


def register(app: typer.Typer) -> None:
    app.add_typer(models_app, name="models")
    app.add_typer(corrections_app, name="corrections")
    app.command("train")(train)
    documents = next((g.typer_instance for g in app.registered_groups if g.name == "documents"), None)
    if documents is None:
        raise RuntimeError("register the `documents` command group before the corrections commands")
    documents.command("correct")(correct)


def _default_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


# -- corrections ------------------------------------------------------------------------------------


def _assignment(text: str, what: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise typer.BadParameter(f"{text!r}: expected {what}")
    return name.strip(), value


def _value(name: str, text: str) -> Any:
    if text == "":
        return None  # FIELD= clears the field
    if name == "recipients":
        return [part.strip() for part in text.split(LIST_SEPARATOR) if part.strip()]
    return text


def _box(text: str) -> tuple[str, FieldBox]:
    name, spec = _assignment(text, "FIELD=PAGE:x0,y0,x1,y1")
    try:
        page, coords = spec.split(":", 1)
        x0, y0, x1, y1 = (float(c) for c in coords.split(","))
        return name, FieldBox(page=int(page), bbox=BBox(x0=x0, y0=y0, x1=x1, y1=y1))
    except ValueError as error:
        raise typer.BadParameter(f"{text!r}: expected FIELD=PAGE:x0,y0,x1,y1 (page 0-based, box in 0..1): {error}")


def correct(
    document_id: str,
    assignments: Annotated[list[str], typer.Argument(help="FIELD=VALUE; FIELD= clears; recipients split on ';'")],
    box: Annotated[list[str] | None, typer.Option("--box", help="FIELD=PAGE:x0,y0,x1,y1 (normalised)")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who corrects (default: the login name)")] = None,
) -> None:
    """Correct fields of an extracted document: a new correction version, as PUT /v1/documents/{id}/fields."""
    values = dict(_assignment(a, "FIELD=VALUE") for a in assignments)
    request = CorrectionRequest(
        fields={name: _value(name, text) for name, text in values.items()}, boxes=dict(map(_box, box or []))
    )
    with command_runtime() as runtime:
        correction = record_correction(runtime, document_id, request, by or _default_user())
    typer.echo(correction.model_dump_json(indent=2))


@corrections_app.command("export")
def export(
    out: Annotated[Path, typer.Option(help="Directory of the dataset (datasets.load_from_disk)")],
    since: Annotated[datetime | None, typer.Option(help="Only documents corrected at/after it (UTC if naive)")] = None,
    allow_empty: Annotated[bool, typer.Option(help="With no corrections, write an empty dataset (dvc stage input)")] = False,
) -> None:
    """Write the corrected documents as a Hugging Face dataset with a card (deterministic, content-hashed)."""
    from api.corrections_export import export_corrections

    when = since.replace(tzinfo=UTC) if since and since.tzinfo is None else since
    with command_runtime() as runtime:
        card = export_corrections(runtime.sessions, out, when, allow_empty)
    typer.echo(f"{card.rows} documents, {card.words} words, {card.corrected_values} corrected fields -> {out}")
    typer.echo(f"version {card.version}")


# -- models -----------------------------------------------------------------------------------------


@models_app.command("list")
def list_models(json_output: Annotated[bool, typer.Option("--json", help="Print as JSON")] = False) -> None:
    """Each model's versions (committed and local), which one is active, and the last decision."""
    with command_runtime() as runtime:
        models = runtime.models.list()
    if json_output:
        typer.echo(models.model_dump_json(indent=2))
        return
    table = Table("model", "version", "source", "active", "date", "path")
    for model in models.models:
        for version in model.versions:
            active = "*" if version.version == model.active else ""
            table.add_row(model.name, version.version, version.source, active, version.date or "", version.path)
    Console().print(table)


def _print_gate(gate: dict[str, Any] | None) -> None:
    if gate is None:
        typer.echo("gate: no frozen evaluation for this model")
        return
    low, high = gate["difference_ci"]
    typer.echo(
        f"gate ({gate['evaluation']}; set sha256 {gate['evaluation_sha256'][:12]}): "
        f"current {gate['current_accuracy']:.4f}, candidate "
        f"{gate['candidate_accuracy']:.4f}, difference 95% CI [{low:+.4f}, {high:+.4f}], "
        f"current-only {gate['current_only']}, candidate-only {gate['candidate_only']}, p = {gate['p_value']:.3g}"
    )
    typer.echo(f"gate: {'PASS' if gate['passed'] else 'FAIL'}: {gate['reason']}")


def _print_event(event: ModelEvent) -> None:
    forced = " (forced past the gate)" if event.forced else ""
    typer.echo(f"{event.action}: {event.previous_version or 'none'} -> {event.version}{forced}")


@models_app.command("promote")
def promote(
    name: str,
    version: str,
    force: Annotated[bool, typer.Option("--force", help="Promote even if the gate refuses (recorded)")] = False,
    by: Annotated[str | None, typer.Option("--by", help="Who decides (default: the login name)")] = None,
) -> None:
    """Make VERSION of NAME active if the gate finds it not worse than the active version on the frozen set."""
    with command_runtime() as runtime:
        try:
            event = runtime.models.promote(name, version, by or _default_user(), force, run_gate)
        except PromotionRefused as refused:
            _print_gate(refused.gate)
            raise
    _print_gate(event.gate)
    _print_event(event)


@models_app.command("rollback")
def rollback(
    name: str, by: Annotated[str | None, typer.Option("--by", help="Who decides (default: the login name)")] = None
) -> None:
    """Go back to the version of NAME that was active before the last promotion."""
    with command_runtime() as runtime:
        event = runtime.models.rollback(name, by or _default_user())
    _print_event(event)


# -- training ---------------------------------------------------------------------------------------


def train(
    stages: Annotated[list[str] | None, typer.Argument(help="Stages of dvc.yaml (default: all)")] = None,
    force: Annotated[bool, typer.Option("--force", help="Run the stages even if nothing changed")] = False,
    single: Annotated[bool, typer.Option("--single", help="Only the named stages, not their upstream")] = False,
) -> None:
    """Rebuild the artifacts with the DVC pipeline (`dvc repro`, offline), then show its metrics."""
    bin_dir = str(Path(sys.executable).parent)
    dvc = shutil.which("dvc", path=os.pathsep.join([bin_dir, os.environ.get("PATH", "")]))
    if dvc is None:
        typer.echo("vanthu: dvc is not installed; pip install -e '.[train]'", err=True)
        raise typer.Exit(1)
    # The stages call `vanthu` and `python`: the ones of this environment. Without the OpenMP limit that
    # importing the OCR set here: torch would train every model on one thread; OCR stages set it themselves.
    env = {k: v for k, v in os.environ.items() if k != "OMP_THREAD_LIMIT"}
    env["PATH"] = os.pathsep.join([bin_dir, os.environ.get("PATH", "")])
    repro = [dvc, "repro", *(["--force"] if force else []), *(["--single-item"] if single else []), *(stages or [])]
    if subprocess.run(repro, cwd=REPO, env=env, check=False).returncode != 0:
        typer.echo("vanthu: dvc repro failed", err=True)
        raise typer.Exit(1)
    subprocess.run([dvc, "metrics", "show"], cwd=REPO, env=env, check=False)
