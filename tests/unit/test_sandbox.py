"""inference.sandbox: limited child processes, with real time, memory and crashes (no stand-ins)."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from inference.errors import EmptyFile
from inference.io import sniff_media_type
from inference.sandbox import MB, InputTooComplex, SandboxFailure, SandboxLimits, run_limited

LIMITS = SandboxLimits(seconds=30, memory_bytes=256 * MB)


def start_sleeper(pid_file: str) -> None:
    """Starts a grandchild that would outlive a plainly killed child, then waits forever."""
    sleeper = subprocess.Popen(["sleep", "300"])
    Path(pid_file).write_text(str(sleeper.pid))
    time.sleep(300)


def process_is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat").read_text().split()[2] if Path(f"/proc/{pid}/stat").exists() else "X"
    return status not in ("Z", "X")


def test_the_answer_comes_back() -> None:
    assert run_limited(sorted, [3, 1, 2], limits=LIMITS) == [1, 2, 3]
    assert run_limited(os.getpid, limits=LIMITS) != os.getpid()


def test_input_errors_cross_over_as_themselves() -> None:
    with pytest.raises(EmptyFile, match="empty"):
        run_limited(sniff_media_type, b"", limits=LIMITS)


def test_too_much_memory_is_input_too_complex() -> None:
    with pytest.raises(InputTooComplex, match="256 MB") as caught:
        run_limited(bytearray, 1024 * MB, limits=LIMITS)
    assert (caught.value.code, caught.value.status) == ("input_too_complex", 422)


def test_a_crashing_parser_is_input_too_complex() -> None:
    with pytest.raises(InputTooComplex, match="SIGABRT"):
        run_limited(os.abort, limits=LIMITS)


def test_a_fault_of_ours_is_a_sandbox_failure_with_its_traceback() -> None:
    with pytest.raises(SandboxFailure, match="invalid literal for int"):
        run_limited(int, "not a number", limits=LIMITS)


def test_time_limit_kills_the_child_and_what_it_started(tmp_path: Path) -> None:
    pid_file = tmp_path / "sleeper.pid"
    started = time.monotonic()
    with pytest.raises(InputTooComplex, match="longer than the 3 s"):
        run_limited(start_sleeper, str(pid_file), limits=SandboxLimits(seconds=3, memory_bytes=256 * MB))
    assert time.monotonic() - started < 30
    grandchild = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while process_is_running(grandchild) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not process_is_running(grandchild)
