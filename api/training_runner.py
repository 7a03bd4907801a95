"""The process of one training run: `python -m api.training_runner RUN_ID` (started by api.training_runs).

Runs the planned training command in a process group of its own, turns its output into the run's row
(progress lines -> step / total / loss / phase, other lines -> the log tail, a heartbeat every second),
stops it when the run is cancelled, and on success moves the new version into the registry's folder.
Whatever happens (non-zero exit, missing artifacts, an error here, SIGTERM) the run ends failed or
cancelled with a reason; only SIGKILL leaves it to api.training_runs.reap_stale.
"""

from __future__ import annotations

import ctypes
import json
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from api.settings import get_settings
from api.store.db import create_db_engine, create_session_factory
from api.store.models import utc_now
from api.store.training_runs import RunStatus, TrainingRunRow
from api.training_runs import NUMBERED_VERSION, Plan, claim_run, finish
from training.progress import Progress, split

logger = logging.getLogger("api.training_runner")

REPORT_SECONDS = 1.0
STOP_GRACE_SECONDS = 10.0
REQUIRED_ARTIFACTS = ("model.onnx", "card.json")
PR_SET_PDEATHSIG = 1


class Stopped(Exception):
    """The runner itself was told to stop (SIGTERM)."""


@dataclass
class RunState:
    """What the runner knows of the run between two reports to the database."""

    tail: deque[str]
    progress: Progress = field(default_factory=lambda: Progress(phase="start"))

    def take(self, line: str) -> None:
        text, progress = split(line)
        if progress is not None:
            # a report without a loss (the evaluation phase) keeps the last one
            self.progress = (
                progress if progress.loss is not None else progress.model_copy(update={"loss": self.progress.loss})
            )
        if text.strip():
            self.tail.append(text.rstrip())


def _die_with_parent() -> None:
    """In the training process: the kernel kills it if the runner dies (even by SIGKILL)."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _read_lines(stream, lines: queue.Queue[str | None]) -> None:  # type: ignore[no-untyped-def]
    """Lines of the command's output; tqdm redraws its bar with carriage returns, so those end a line too."""
    buffer = b""
    for chunk in iter(lambda: stream.read1(4096), b""):
        buffer += chunk.replace(b"\r", b"\n")
        *complete, buffer = buffer.split(b"\n")
        for line in complete:
            lines.put(line.decode("utf-8", "replace"))
    if buffer:
        lines.put(buffer.decode("utf-8", "replace"))
    lines.put(None)


def _report(sessions: sessionmaker[Session], run_id: str, state: RunState) -> bool:
    """Write the progress and the heartbeat; returns whether the run was asked to stop."""
    with sessions.begin() as session:
        row = session.get_one(TrainingRunRow, run_id)
        row.step, row.loss, row.phase = state.progress.step, state.progress.loss, state.progress.phase
        row.total = state.progress.total or row.total
        row.log_tail, row.heartbeat_at = "\n".join(state.tail), utc_now()
        return row.cancel_requested


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM to the command's process group (its data workers too), SIGKILL after a grace period."""
    for sig, wait in ((signal.SIGTERM, STOP_GRACE_SECONDS), (signal.SIGKILL, None)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _watch(sessions: sessionmaker[Session], run_id: str, plan: Plan, state: RunState) -> tuple[int, bool]:
    """Run the command to its end or to a cancellation: (exit code, cancelled)."""
    # preexec_fn is safe here: the runner has no other thread yet when it starts the command.
    process = subprocess.Popen(
        plan.command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=os.environ | {"PYTHONUNBUFFERED": "1"},
        start_new_session=True,
        preexec_fn=_die_with_parent,  # noqa: PLW1509
    )
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True).start()
    done, next_report = False, 0.0
    try:
        while not done:
            try:
                line = lines.get(timeout=REPORT_SECONDS)
                done = line is None
                if line is not None:
                    state.take(line)
            except queue.Empty:
                pass
            if time.monotonic() >= next_report or done:
                next_report = time.monotonic() + REPORT_SECONDS
                if _report(sessions, run_id, state):
                    _stop(process)
                    return process.returncode, True
        return process.wait(), False
    finally:
        if process.poll() is None:
            _stop(process)


def publish(plan: Plan, run_id: str) -> str:
    """Move the trained version into the registry folder under a free version name; returns that name."""
    output = Path(plan.output_dir)
    missing = [name for name in REQUIRED_ARTIFACTS if not (output / name).is_file()]
    if missing:
        raise RuntimeError(f"the training finished without {', '.join(missing)} in {output}")
    registry_dir = Path(plan.registry_dir)
    registry_dir.mkdir(parents=True, exist_ok=True)
    number = int(NUMBERED_VERSION.match(output.name).group(1))  # type: ignore[union-attr]
    while (registry_dir / f"v{number}").exists():
        number += 1
    version = f"v{number}"
    card_path = output / "card.json"
    card = json.loads(card_path.read_text(encoding="utf-8"))
    card |= {"version": version, "training_run": run_id, "base_version": plan.base_version}
    card_path.write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    output.rename(registry_dir / version)
    return version


def _tail_reason(state: RunState, code: int) -> str:
    last = state.tail[-1] if state.tail else "no output"
    return f"the training command exited with code {code}: {last}"


def execute(sessions: sessionmaker[Session], run_id: str) -> RunStatus | None:
    """Run one claimed run to its end; returns its final status (None when it was not claimable)."""
    plan = claim_run(sessions, run_id)
    if plan is None:
        return None
    state = RunState(tail=deque(maxlen=plan.log_tail_lines))
    status, reason, version = RunStatus.FAILED, "the runner stopped unexpectedly", None
    try:
        Path(plan.work_dir).mkdir(parents=True, exist_ok=True)
        code, cancelled = _watch(sessions, run_id, plan, state)
        if cancelled:
            status, reason = RunStatus.CANCELLED, "cancelled"
        elif code != 0:
            reason = _tail_reason(state, code)
        else:
            version = publish(plan, run_id)
            status, reason = RunStatus.SUCCEEDED, None
    except Stopped:
        reason = "the runner was stopped (SIGTERM)"
    except Exception as error:
        logger.exception("training run %s failed", run_id)
        reason = f"{type(error).__name__}: {error}"
    finally:
        with sessions.begin() as session:
            row = session.get_one(TrainingRunRow, run_id)
            row.log_tail = "\n".join(state.tail)
            finish(row, status, reason, version)
    return status


def _on_sigterm(*_: object) -> None:
    raise Stopped()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m api.training_runner RUN_ID", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    signal.signal(signal.SIGTERM, _on_sigterm)
    engine = create_db_engine(get_settings().database_url)
    try:
        status = execute(create_session_factory(engine), args[0])
    finally:
        engine.dispose()
    logger.info("run %s: %s", args[0], status or "not claimable")
    return 0 if status in (RunStatus.SUCCEEDED, RunStatus.CANCELLED) else 1


if __name__ == "__main__":
    sys.exit(main())
