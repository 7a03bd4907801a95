"""Machine-readable progress of a training command, one line per report on stdout:

    @progress {"phase": "train", "step": 40, "total": 60, "loss": 0.183}

Whoever runs the command (the service's training runner) reads these lines beside the human log;
`split` separates them from the rest of the output.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable

from pydantic import BaseModel, ValidationError

PREFIX = "@progress "


class Progress(BaseModel):
    phase: str
    step: int = 0
    total: int | None = None
    loss: float | None = None


def emit(progress: Progress) -> None:
    sys.stdout.write(PREFIX + progress.model_dump_json() + "\n")
    sys.stdout.flush()


def split(line: str) -> tuple[str, Progress | None]:
    """(the text before a progress report, the report) — a progress bar on stderr may precede it on the
    line when both streams go to one pipe; (line, None) when the line has no valid report."""
    start = line.find(PREFIX)
    if start < 0:
        return line, None
    try:
        return line[:start], Progress.model_validate(json.loads(line[start + len(PREFIX) :]))
    except (ValueError, ValidationError):
        return line, None


def step_reporter(total: int | None, every_seconds: float = 1.0) -> Callable[[int, float], None]:
    """on_step(step, loss) for a training loop: emits at most once per `every_seconds`, and the last step."""
    last = 0.0

    def on_step(step: int, loss: float) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= every_seconds or step == total:
            last = now
            emit(Progress(phase="train", step=step, total=total, loss=round(loss, 5)))

    return on_step
