"""Batch extraction engines: whole files through the pipeline in parallel, outcomes in order of completion.

`BATCH_ENGINES` by name: `local` (this machine's forkserver process pool, `inference.pipeline.worker_pool`)
and `ray` (Ray Data over the file list, on a local Ray or a cluster at `address`). Each worker reads one
file, runs the pipeline with its pages read in that same process, and returns a `FileOutcome`; a failure
of one file (bad input, an exception, its worker process dying) is that file's outcome, never the batch's.
Pure like the rest of `inference/`: the caller stores the outcomes (api/ingest_batch.py).
"""

from __future__ import annotations

import hashlib
import resource
import socket
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, Field

from inference.errors import InputError
from inference.io import inspect_document
from inference.options import PipelineOptions
from inference.pipeline import discard_worker_pool, extract_pages, one_thread, worker_pool
from inference.registry import Registry
from inference.schema import ExtractionResult, Page

WORKER_DIED = "the worker process reading this file died (killed, or out of memory) each time it was tried"
TASKS_PER_WORKER = 4
"""Files handed to the pool ahead, so a worker never waits while the caller stores an outcome, nor at the start
while the caller gets ready to store (`vanthu ingest` loads the search embedder then, ~6 s)."""
RAY_TASK_RETRIES = 2
"""Ray runs a file again on another worker when its worker process dies, this many times."""
RAY_CONNECT_TIMEOUT_SECONDS = 10.0
"""How long joining a cluster may wait for its address to answer (`ray.init` itself retries for many minutes)."""


class EngineUnavailable(ValueError):
    """The engine cannot run here: e.g. its cluster's address does not answer."""


class FileTask(BaseModel):
    key: str
    """The file's name within its batch (the caller's key, e.g. its relative path)."""
    path: str
    """Where a worker reads it: local, or on storage every node mounts."""


class FileOutcome(BaseModel):
    key: str
    sha256: str | None = None
    size: int = 0
    media_type: str | None = None
    result: ExtractionResult | None = None
    pages: list[Page] = Field(default_factory=list)
    error: str | None = None
    """Why the file was not extracted; None when it was."""
    cpu_seconds: float = 0.0
    """CPU time the worker process spent on this file (valid however loaded the machine is)."""
    peak_rss_bytes: int = 0
    """The worker process's peak resident memory so far (a high-water mark over the files it read)."""


def extract_file(task: FileTask, options: PipelineOptions) -> FileOutcome:
    """Read and extract one file, in the calling process. Runs in a worker."""
    started = time.process_time()
    try:
        outcome = _extract(task, options.model_copy(update={"workers": 0}))
    except InputError as error:
        outcome = FileOutcome(key=task.key, error=error.reason)
    except OSError as error:
        outcome = FileOutcome(key=task.key, error=f"cannot read {task.path}: {error.strerror or error}")
    except Exception as error:  # noqa: BLE001 - one file's failure is its outcome, not the batch's
        outcome = FileOutcome(key=task.key, error=f"internal error: {type(error).__name__}: {error}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux
    return outcome.model_copy(update={"cpu_seconds": time.process_time() - started, "peak_rss_bytes": peak})


def _extract(task: FileTask, options: PipelineOptions) -> FileOutcome:
    data = Path(task.path).read_bytes()
    source = inspect_document(data, Path(task.path).name, options.limits, options.min_text_layer_chars)
    pages, result = extract_pages(data, source, options)
    return FileOutcome(
        key=task.key,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        media_type=source.media_type,
        result=result,
        pages=pages,
    )


def file_size(path: Path) -> int | None:
    """None for a file that cannot be read: the worker reading it reports why."""
    try:
        return path.stat().st_size
    except OSError:
        return None


def largest_first(tasks: list[FileTask]) -> list[FileTask]:
    """Longest-processing-time first, by file size: in source order a large scan left for the end keeps one
    worker busy while the others idle. Stable: equal sizes keep their order."""
    return sorted(tasks, key=lambda task: -(file_size(Path(task.path)) or 0))


class BatchEngine(Protocol):
    workers: int | None

    def run(self, tasks: Iterable[FileTask], options: PipelineOptions) -> Iterator[FileOutcome]:
        """One outcome per task, in order of completion. An engine may start reading at the call, before the
        first outcome is asked for, so that the caller can get ready to store meanwhile."""
        ...


BATCH_ENGINES: Registry[BatchEngine] = Registry("batch engine")


@BATCH_ENGINES.register("local")
class LocalEngine:
    """The pipeline's forkserver pool; the first files go to its workers at the call. When a worker dies, the
    pool breaks and every file in flight is lost: those files are tried again one at a time, so the one that
    kills its worker is found and failed."""

    def __init__(self, workers: int = 2, address: str | None = None):
        if address:
            raise ValueError("the local engine runs on this machine; --address is for --engine ray")
        self.workers = workers

    def run(self, tasks: Iterable[FileTask], options: PipelineOptions) -> Iterator[FileOutcome]:
        pending, suspects = deque(tasks), deque[FileTask]()
        in_flight: dict[Future[FileOutcome], tuple[FileTask, bool]] = {}
        """future -> (task, run alone)"""
        self._submit(pending, suspects, in_flight, options)
        return self._outcomes(pending, suspects, in_flight, options)

    def _outcomes(
        self,
        pending: deque[FileTask],
        suspects: deque[FileTask],
        in_flight: dict[Future[FileOutcome], tuple[FileTask, bool]],
        options: PipelineOptions,
    ) -> Iterator[FileOutcome]:
        try:
            while pending or suspects or in_flight:
                self._submit(pending, suspects, in_flight, options)
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in done:
                    if future not in in_flight:  # lost with the pool already handled below
                        continue
                    task, alone = in_flight.pop(future)
                    try:
                        yield future.result()
                    except BrokenProcessPool:
                        yield from self._pool_broke(task, alone, in_flight, suspects)
        finally:
            for future in in_flight:
                future.cancel()

    def _submit(
        self,
        pending: deque[FileTask],
        suspects: deque[FileTask],
        in_flight: dict[Future[FileOutcome], tuple[FileTask, bool]],
        options: PipelineOptions,
    ) -> None:
        if any(alone for _, alone in in_flight.values()):
            return
        queue, limit, alone = (suspects, 1, True) if suspects else (pending, self.workers * TASKS_PER_WORKER, False)
        while queue and len(in_flight) < limit:
            task = queue.popleft()
            try:
                in_flight[worker_pool(self.workers).submit(extract_file, task, options)] = (task, alone)
            except BrokenProcessPool:  # a worker died: the futures in flight say which files were lost
                queue.appendleft(task)
                if not in_flight:
                    discard_worker_pool(self.workers)
                return

    def _pool_broke(
        self,
        task: FileTask,
        alone: bool,
        in_flight: dict[Future[FileOutcome], tuple[FileTask, bool]],
        suspects: deque[FileTask],
    ) -> Iterator[FileOutcome]:
        discard_worker_pool(self.workers)
        if alone:
            yield FileOutcome(key=task.key, error=WORKER_DIED)
        else:
            suspects.append(task)
        for future, (lost, _) in in_flight.items():
            if future.done() and not future.cancelled() and future.exception() is None:
                yield future.result()  # finished before the pool broke
            else:
                suspects.append(lost)
        in_flight.clear()


@BATCH_ENGINES.register("ray")
class RayEngine:
    """Ray Data: the file list as a dataset of one block per file, `map` running `extract_file` in Ray
    tasks (Ray reuses its worker processes, so each keeps its models loaded), rows streamed back to the
    caller as they finish. A task whose worker dies is run again (`RAY_TASK_RETRIES`); a file that still
    fails is skipped by Ray Data (`max_errored_blocks`) and reported as failed here."""

    def __init__(self, workers: int | None = 2, address: str | None = None):
        self.workers = workers
        self.address = address
        if address:
            reach(address, RAY_CONNECT_TIMEOUT_SECONDS)

    def run(self, tasks: Iterable[FileTask], options: PipelineOptions) -> Iterator[FileOutcome]:
        tasks = list(tasks)
        if not tasks:
            return
        import ray

        started_here = self._connect(ray)
        try:
            remaining = {task.key for task in tasks}
            for row in self._dataset(ray, tasks, options).iter_rows():
                outcome = FileOutcome.model_validate_json(row["outcome"])
                remaining.discard(outcome.key)
                yield outcome
            for key in sorted(remaining):
                yield FileOutcome(key=key, error=WORKER_DIED)
        finally:
            if started_here:
                ray.shutdown()

    def _connect(self, ray: Any) -> bool:
        """Start a local Ray (or join the cluster at `address`) unless this process is connected already."""
        if ray.is_initialized():
            return False
        if self.address:
            ray.init(address=self.address, log_to_driver=False)
        else:
            ray.init(num_cpus=self.workers, include_dashboard=False, log_to_driver=False)
        return True

    def _dataset(self, ray: Any, tasks: list[FileTask], options: PipelineOptions) -> Any:
        context = ray.data.DataContext.get_current()
        context.max_errored_blocks = -1
        context.enable_progress_bars = False
        context.print_on_execution_start = False
        rows = [task.model_dump() for task in tasks]
        return ray.data.from_items(rows, override_num_blocks=len(rows)).map(
            _extract_row,
            fn_kwargs={"options": options.model_dump_json()},
            compute=ray.data.TaskPoolStrategy(size=self.workers) if self.workers else None,
            num_cpus=1,
            ray_remote_args_fn=_ray_task_options,
        )


def reach(address: str, timeout: float) -> None:
    """Raise `EngineUnavailable` unless a TCP connection to a Ray address (`host:port`, `ray://host:port`)
    opens within `timeout` seconds. `auto` and `local` name no host and are left to Ray."""
    if address in ("auto", "local"):
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise EngineUnavailable(f"Ray address {address!r} is not host:port or ray://host:port")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as error:
        reason = "no answer" if isinstance(error, TimeoutError) else error.strerror or str(error)
        raise EngineUnavailable(f"cannot reach the Ray cluster at {address} within {timeout:g} s: {reason}") from None


def _ray_task_options() -> dict[str, Any]:
    return {"max_retries": RAY_TASK_RETRIES}


def _extract_row(row: dict[str, Any], options: str) -> dict[str, Any]:
    """A Ray Data row in, a row out: the outcome as JSON, which any Ray version carries as a string."""
    one_thread()
    outcome = extract_file(FileTask.model_validate(row), PipelineOptions.model_validate_json(options))
    return {"key": outcome.key, "outcome": outcome.model_dump_json()}
