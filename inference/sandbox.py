"""Run a function on untrusted input in a child process with a memory limit and a wall-clock limit.

The child is forked by multiprocessing's forkserver (a clean single-threaded process, never the
threaded service), leads its own process group, caps its address space (RLIMIT_AS) and runs the
function. When the time is up the caller kills the whole group, so the processes the function started
(the pipeline's page pool) go with it. Running out of either limit raises `InputTooComplex`; the
caller's process is never at risk, whatever the file does to the parsers.

    limits = SandboxLimits(seconds=60, memory_bytes=1024**3)
    source = run_limited(inspect_document, data, filename, load_limits, limits=limits)

Functions and arguments cross the process boundary by pickling: module-level functions only. A script
calling this needs the `if __name__ == "__main__":` guard, as with any multiprocessing start method
other than fork.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import resource
import signal
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import BrokenExecutor
from multiprocessing.connection import Connection
from typing import TypeVar

from pydantic import BaseModel, Field

from inference.errors import InputError

T = TypeVar("T")
MB = 1024 * 1024
EXIT_GRACE_SECONDS = 10.0
"""How long a child that has answered may take to stop the processes it started; then they are killed."""

_PRELOAD = ["__main__", "inference.pipeline"]
"""Imported once by the forkserver (the first one to start in a process) rather than by every child;
`__main__` is multiprocessing's default: without it every child would run the main module again."""
multiprocessing.set_forkserver_preload(_PRELOAD)

_running: set[multiprocessing.Process] = set()
"""Children not yet ended, killed when this process exits (multiprocessing would wait for them)."""


class SandboxLimits(BaseModel):
    seconds: float = Field(gt=0)
    """Wall-clock time, from the start of the child to its answer."""
    memory_bytes: int = Field(gt=0)
    """Address space the child may add to what it has mapped when it starts (its libraries and models)."""


class InputTooComplex(InputError):
    """Reading the file took more time or memory than allowed, or crashed the parser."""

    code = "input_too_complex"
    status = 422


class SandboxFailure(RuntimeError):
    """The function raised an unexpected exception in the child (a fault of ours); the message has its traceback."""


def run_limited(function: Callable[..., T], *args: object, limits: SandboxLimits) -> T:
    """`function(*args)` in a limited child process. `InputError`s raised there are raised here."""
    context = multiprocessing.get_context("forkserver")
    receiver, sender = context.Pipe(duplex=False)
    # Not a daemon: daemonic processes may not start the pipeline's page pool.
    child = context.Process(
        target=_run_child, args=(sender, limits.memory_bytes, function, args), name="vanthu-sandbox"
    )
    child.start()
    _running.add(child)
    sender.close()
    try:
        kind, value = _answer(receiver, child, limits)
    except BaseException:
        _end(child, grace=0)
        raise
    finally:
        receiver.close()
    # The answer is in: the child stops its helpers on its own time, not the caller's.
    threading.Thread(target=_end, args=(child, EXIT_GRACE_SECONDS), name="vanthu-sandbox-reaper", daemon=True).start()
    if kind == "ok":
        return value
    if kind == "input":
        raise value
    if kind == "memory":
        raise InputTooComplex(
            f"Reading the file needed more than the {limits.memory_bytes // MB} MB of memory allowed."
        )
    if kind == "crash":
        raise _stopped_abnormally(str(value), limits)
    raise SandboxFailure(f"{getattr(function, '__qualname__', function)} failed in its worker process:\n{value}")


def _answer(receiver: Connection, child: multiprocessing.Process, limits: SandboxLimits) -> tuple[str, object]:
    if not receiver.poll(limits.seconds):
        raise InputTooComplex(f"Reading the file took longer than the {limits.seconds:g} s allowed; it was stopped.")
    try:
        return receiver.recv()
    except EOFError:  # the child ended without answering: a signal (SIGSEGV, SIGABRT, SIGKILL) in a parser
        child.join()
        raise _stopped_abnormally(_exit_description(child.exitcode), limits) from None


def _stopped_abnormally(how: str, limits: SandboxLimits) -> InputTooComplex:
    return InputTooComplex(
        f"The worker reading the file stopped abnormally ({how}), typically out of its "
        f"{limits.memory_bytes // MB} MB of memory on a file built to exhaust it."
    )


def _run_child(sender: Connection, memory_bytes: int, function: Callable, args: tuple) -> None:
    os.setpgid(0, 0)
    _limit_address_space(memory_bytes)
    try:
        answer: tuple[str, object] = ("ok", function(*args))
    except InputError as error:
        answer = ("input", error)
    except MemoryError:
        answer = ("memory", None)
    except BrokenExecutor:  # a process the function started died (out of memory, or a parser crashed)
        answer = ("crash", "a helper process ended abruptly")
    except Exception:  # noqa: BLE001 - a fault of ours, raised in the caller with this traceback
        answer = ("failure", traceback.format_exc())
    try:
        sender.send(answer)
    except MemoryError:
        sender.send(("memory", None))
    finally:
        sender.close()
    # Multiprocessing ends its children with os._exit: run what an interpreter exit runs, so the page
    # pool stops its workers and its semaphores are unlinked instead of piling up in /dev/shm.
    atexit._run_exitfuncs()


def _limit_address_space(extra_bytes: int) -> None:
    with open("/proc/self/statm") as statm:
        mapped = int(statm.read().split()[0]) * resource.getpagesize()
    resource.setrlimit(resource.RLIMIT_AS, (mapped + extra_bytes, mapped + extra_bytes))


def _end(child: multiprocessing.Process, grace: float) -> None:
    """Wait up to `grace` seconds for the child, kill what is left of its group, reap it."""
    child.join(grace)
    _kill(child)
    child.join()
    _running.discard(child)
    child.close()


def _kill(child: multiprocessing.Process) -> None:
    """Kill the child and everything it started: it leads its own process group."""
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass  # the group ended with its last member, or the child has not created it yet
    child.kill()


@atexit.register
def _kill_running() -> None:
    for child in list(_running):
        _kill(child)


def _exit_description(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        return f"signal {signal.Signals(-exitcode).name}"
    return f"exit code {exitcode}"
