"""Retraining from the service: a run trains a new version of a model in a separate process and records
its progress in `training_runs`; a successful run's version lands in the model registry as a local
candidate, promoted (or not) through the registry's gate.

The API process only writes the row and starts the runner (`python -m api.training_runner RUN_ID`,
niced); the runner starts the training command of the model's recipe, reads its progress lines
(training.progress), and keeps the row up to date: step / total, loss, phase, the tail of the log, a
heartbeat. A run whose runner stops reporting (killed, machine restarted) is marked failed by the next
reader after `stale_seconds`, so no run stays "running" for ever.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from api.errors import ApiError
from api.model_metrics import existing_versions
from api.models_registry import ModelRegistry
from api.settings import Settings
from api.settings_admin import TrainingSettings
from api.store.models import utc_now
from api.store.training_runs import ACTIVE_STATUSES, RunStatus, TrainingRunRow

REPO = Path(__file__).resolve().parent.parent
PARAMS_FILE = REPO / "params.yaml"
RUNS_DIRNAME = "training-runs"
RUNNER_LOG = "runner.log"
MAX_LIST = 200
NUMBERED_VERSION = re.compile(r"^v(\d+)$")

Config = Literal["quick", "full"]


class NotTrainable(ApiError):
    code = "not_trainable"
    status = 422


class TrainingBusy(ApiError):
    code = "training_busy"
    status = 409


class RunNotFound(ApiError):
    code = "not_found"
    status = 404


class RunFinished(ApiError):
    code = "already_finished"
    status = 409


class TrainRequest(BaseModel):
    config: Config = "quick"
    """quick: a short fine-tuning the web app can wait for; full: the DVC pipeline's parameters (params.yaml)."""
    steps: int | None = Field(default=None, ge=1)
    """Overrides the configuration's number of training steps."""
    seed: int = Field(default=0, ge=0, le=2**31 - 1)


class TrainingRun(BaseModel):
    id: str
    model_name: str
    config: str
    parameters: dict[str, Any]
    status: RunStatus
    step: int
    total: int | None
    loss: float | None
    phase: str | None
    log_tail: str
    reason: str | None
    version: str | None
    cancel_requested: bool
    started_by: str
    created_at: datetime
    started_at: datetime | None
    heartbeat_at: datetime | None
    finished_at: datetime | None


class Plan(BaseModel):
    """What the runner executes: the command, where it writes, where the result goes in the registry."""

    command: list[str]
    base_version: str
    steps: int
    work_dir: str
    output_dir: str
    registry_dir: str
    log_tail_lines: int


# --- recipes: how each model is retrained ---------------------------------------------------------


def _pipeline_params(section: str) -> dict[str, Any]:
    """The model's section of params.yaml (the DVC pipeline's parameters); empty when it is absent."""
    try:
        return yaml.safe_load(PARAMS_FILE.read_text(encoding="utf-8")).get(section) or {}
    except (OSError, AttributeError, yaml.YAMLError):
        return {}


def digits_command(base_dir: Path, out_dir: Path, request: TrainRequest, settings: TrainingSettings) -> list[str]:
    """Fine-tune the active CRNN (its model.pt), as the second step of the `digits-v2` DVC stage does."""
    checkpoint = base_dir / "model.pt"
    if not checkpoint.is_file():
        raise NotTrainable(f"the active digits version in {base_dir} has no model.pt to fine-tune from")
    quick = request.config == "quick"
    steps = request.steps or (
        settings.quick_steps if quick else int(_pipeline_params("digits").get("v2_steps_2", 1500))
    )
    command = [
        sys.executable,
        "-m",
        "training.digits.train",
        "--init",
        str(checkpoint),
        "--out",
        str(out_dir),
        "--steps",
        str(steps),
        "--minutes",
        "600",
        "--lr",
        "1e-3" if quick else "2e-3",
        "--seed",
        str(request.seed),
        "--threads",
        str(settings.threads),
        "--progress",
    ]
    return command + (["--eval-n", str(settings.quick_eval_n), "--no-tesseract"] if quick else [])


Recipe = Callable[[Path, Path, TrainRequest, TrainingSettings], list[str]]
RECIPES: dict[str, Recipe] = {"digits": digits_command}
"""Models the service can retrain; the others are rebuilt with `vanthu train` (dvc repro)."""


def steps_of(command: list[str]) -> int:
    return int(command[command.index("--steps") + 1])


# --- versions ------------------------------------------------------------------------------------


def next_version(registry: ModelRegistry, name: str) -> str:
    numbers = [int(m.group(1)) for v in registry.versions(name) if (m := NUMBERED_VERSION.match(v.version))]
    return f"v{max(numbers, default=0) + 1}"


# --- the rows ------------------------------------------------------------------------------------


def _view(row: TrainingRunRow) -> TrainingRun:
    return TrainingRun.model_validate(row, from_attributes=True)


def reap_stale(session: Session, stale_seconds: float) -> None:
    """Queued or running runs whose runner has not reported for `stale_seconds` died: mark them failed."""
    cutoff = utc_now() - timedelta(seconds=stale_seconds)
    for row in session.scalars(select(TrainingRunRow).where(TrainingRunRow.status.in_(ACTIVE_STATUSES))):
        last = row.heartbeat_at or row.created_at
        if last < cutoff:
            finish(
                row,
                RunStatus.FAILED,
                f"the training process stopped reporting at {last:%Y-%m-%d %H:%M:%S} UTC "
                "(killed, crashed, or the machine restarted)",
            )


def finish(row: TrainingRunRow, status: RunStatus, reason: str | None = None, version: str | None = None) -> None:
    row.status, row.reason, row.version, row.finished_at = status, reason, version, utc_now()


def start_run(
    settings: Settings,
    sessions: sessionmaker[Session],
    registry: ModelRegistry,
    name: str,
    request: TrainRequest,
    started_by: str,
) -> TrainingRun:
    """Record a run of `name` and start its runner process; one run at a time (the machine is small)."""
    versions = {v.version: v for v in existing_versions(registry, name)}
    recipe = RECIPES.get(name)
    if recipe is None:
        raise NotTrainable(
            f"model {name!r} is retrained with `vanthu train` only; the service retrains: {', '.join(RECIPES)}"
        )
    options = settings.training
    if request.steps is not None and request.steps > options.max_steps:
        raise NotTrainable(f"steps must be at most {options.max_steps}")
    with sessions() as session:
        base = registry.active_version(session, name)
    if base is None or base not in versions:
        raise NotTrainable(f"model {name!r} has no active version on disk to start from")
    run_id = str(uuid.uuid4())
    work_dir = settings.data_dir / RUNS_DIRNAME / run_id
    output_dir = work_dir / next_version(registry, name)
    command = recipe(Path(versions[base].path), output_dir, request, options)
    plan = Plan(
        command=command,
        base_version=base,
        steps=steps_of(command),
        work_dir=str(work_dir),
        output_dir=str(output_dir),
        registry_dir=str(registry.local_root / name),
        log_tail_lines=options.log_tail_lines,
    )
    with sessions.begin() as session:
        reap_stale(session, options.stale_seconds)
        busy = session.scalars(select(TrainingRunRow).where(TrainingRunRow.status.in_(ACTIVE_STATUSES))).first()
        if busy is not None:
            raise TrainingBusy(f"run {busy.id} ({busy.model_name}) is {busy.status}; wait for it or cancel it")
        row = TrainingRunRow(
            id=run_id,
            model_name=name,
            config=request.config,
            parameters=plan.model_dump(),
            status=RunStatus.QUEUED,
            step=0,
            total=plan.steps,
            log_tail="",
            cancel_requested=False,
            started_by=started_by,
        )
        session.add(row)
    try:
        _spawn_runner(settings, row)
    except OSError as error:
        with sessions.begin() as session:
            finish(session.get_one(TrainingRunRow, run_id), RunStatus.FAILED, f"the runner could not start: {error}")
    return get_run(sessions, options, run_id)


def _spawn_runner(settings: Settings, row: TrainingRunRow) -> None:
    """`nice -n N python -m api.training_runner RUN_ID` in a session of its own, so it outlives a request
    and a restart of the service does not kill it; its own output goes to the run's folder."""
    work_dir = Path(row.parameters["work_dir"])
    work_dir.mkdir(parents=True, exist_ok=True)
    env = os.environ | {
        "VANTHU_DATA_DIR": str(settings.data_dir),
        "VANTHU_DATABASE_URL": settings.database_url,
        "OMP_THREAD_LIMIT": "1",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    command = ["nice", "-n", str(settings.training.nice), sys.executable, "-m", "api.training_runner", row.id]
    with open(work_dir / RUNNER_LOG, "ab") as log:
        subprocess.Popen(
            command,
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def list_runs(
    sessions: sessionmaker[Session], options: TrainingSettings, model: str | None, limit: int
) -> list[TrainingRun]:
    with sessions.begin() as session:
        reap_stale(session, options.stale_seconds)
        query = select(TrainingRunRow).order_by(TrainingRunRow.created_at.desc()).limit(min(limit, MAX_LIST))
        if model:
            query = query.where(TrainingRunRow.model_name == model)
        return [_view(row) for row in session.scalars(query)]


def get_run(sessions: sessionmaker[Session], options: TrainingSettings, run_id: str) -> TrainingRun:
    with sessions.begin() as session:
        reap_stale(session, options.stale_seconds)
        row = session.get(TrainingRunRow, run_id)
        if row is None:
            raise RunNotFound(f"no training run with id {run_id!r}")
        return _view(row)


def cancel_run(sessions: sessionmaker[Session], options: TrainingSettings, run_id: str) -> TrainingRun:
    """Ask the runner to stop the run (it does within a second or two); a queued run is cancelled at once."""
    with sessions.begin() as session:
        row = session.get(TrainingRunRow, run_id)
        if row is None:
            raise RunNotFound(f"no training run with id {run_id!r}")
        if row.status not in ACTIVE_STATUSES:
            raise RunFinished(f"the run already {row.status}")
        row.cancel_requested = True
    return get_run(sessions, options, run_id)


def claim_run(sessions: sessionmaker[Session], run_id: str) -> Plan | None:
    """The runner takes its queued run (None when it was cancelled or reaped before the runner started)."""
    with sessions.begin() as session:
        now = utc_now()
        taken = session.execute(
            update(TrainingRunRow)
            .where(
                TrainingRunRow.id == run_id,
                TrainingRunRow.status == RunStatus.QUEUED,
                TrainingRunRow.cancel_requested.is_(False),
            )
            .values(status=RunStatus.RUNNING, pid=os.getpid(), started_at=now, heartbeat_at=now, phase="start")
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:
            row = session.get(TrainingRunRow, run_id)
            if row is not None and row.status == RunStatus.QUEUED:
                finish(row, RunStatus.CANCELLED, "cancelled before it started")
            return None
        return Plan.model_validate(session.get_one(TrainingRunRow, run_id).parameters)
