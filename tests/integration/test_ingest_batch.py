"""`vanthu ingest`: a folder as an archive delivers it, through the real pipeline in parallel, stored once;
killed (driver or worker) and rerun, every document is stored exactly once."""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from typer.testing import CliRunner

from api.app import install_completion_hooks
from api.cli import app
from api.exchange.dossiers import load_dossier
from api.ingest_batch import IngestReport, InvalidIngestSource, ingest_source, list_source, schedule
from api.runtime import Runtime, open_runtime
from api.search import search_service
from api.settings import Settings, get_settings
from api.store.db import create_db_engine
from api.store.ingest import FileState, IngestFileRow
from api.store.models import DocumentPagesRow, DocumentRow, DossierDocumentRow, JobRow
from inference.batch import BATCH_ENGINES, RAY_CONNECT_TIMEOUT_SECONDS, EngineUnavailable, reach
from inference.search.access import AccessScope
from inference.search.query import SearchFilters

from .support import decision_pdf, make_settings, synthetic_pdf

HOSO = "G09/2024"
KILL_TIMEOUT_SECONDS = 240


def born_digital(seed: int) -> bytes:
    return synthetic_pdf(seed)[0]


def write_archive(root: Path, digital: int, scans: int = 0) -> dict[str, bytes]:
    """<phông>/<mục lục>/<hồ sơ>/ files: born-digital documents (fast) and scanned ones (OCR, slower)."""
    files = {f"{HOSO}/HS{i % 2 + 1:02d}/van-ban-{i:02d}.pdf": born_digital(200 + i) for i in range(digital)}
    files |= {f"{HOSO}/HS03/scan-{i}.pdf": decision_pdf() + f"%{i}\n".encode() for i in range(scans)}
    for key, data in files.items():
        (root / key).parent.mkdir(parents=True, exist_ok=True)
        (root / key).write_bytes(data)
    return files


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    opened = open_runtime(settings)
    install_completion_hooks(opened)
    yield opened
    opened.close()


def count(runtime: Runtime, table: type, *where: object) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(table).where(*where)) or 0


def test_a_folder_is_stored_into_its_hoso_once_and_a_rerun_stores_nothing(runtime: Runtime, tmp_path: Path) -> None:
    source = tmp_path / "archive"
    files = write_archive(source, digital=4)
    (source / HOSO / "HS01" / "broken.pdf").write_bytes(b"%PDF-1.7\nnot really a PDF")
    (source / "loose-copy.pdf").write_bytes(files[f"{HOSO}/HS01/van-ban-00.pdf"])
    (source / HOSO / "HS01" / "notes.txt").write_text("not a document")

    report = ingest_source(runtime, source, BATCH_ENGINES.create("local", workers=2), "local", progress=False)

    assert (report.documents, report.stored, report.skipped, report.failed, report.pending) == (6, 4, 1, 1, 0)
    assert report.pages == sum(synthetic_pdf(200 + i)[1] for i in range(4))
    assert [e.path for e in report.errors] == [f"{HOSO}/HS01/broken.pdf"]
    assert "incomplete" in report.errors[0].reason
    assert [(n.path, n.reason) for n in report.notes] == [
        ("loose-copy.pdf", f"same bytes as {HOSO}/HS01/van-ban-00.pdf")
    ]
    assert count(runtime, DocumentRow) == count(runtime, DocumentRow, DocumentRow.status == "done") == 4
    assert count(runtime, DocumentPagesRow) == 4
    assert count(runtime, DocumentRow, DocumentRow.agency_code == "HN") == 4  # no --agency: the root agency
    assert count(runtime, JobRow, JobRow.status == "done") == 4
    hoso = load_dossier(runtime.sessions, "G09.2024.HS01", reveal_personal_data=False)
    assert [d.DocOrdinal for d in hoso.Documents] == [2, 3]  # broken.pdf (1) is not stored
    hits = search_service(runtime).search("quyết định", 10, SearchFilters(), AccessScope.everything()).hits
    assert hits  # the index hook ran

    again = ingest_source(runtime, source, BATCH_ENGINES.create("local", workers=1), "local", progress=False)

    assert again.run_id != report.run_id
    assert (again.stored, again.skipped, again.failed) == (0, 5, 1)
    assert count(runtime, DocumentRow) == 4 and count(runtime, DossierDocumentRow) == 4


def test_the_largest_files_go_first_and_the_same_bytes_are_read_once(tmp_path: Path) -> None:
    contents = {"small.pdf": born_digital(1), "scan.pdf": decision_pdf(), "copy.pdf": born_digital(1)}
    for name, data in contents.items():
        (tmp_path / name).write_bytes(data)
    rows = [IngestFileRow(key=name, path=str(tmp_path / name)) for name in [*contents, "missing.pdf"]]

    plan = schedule(rows)

    assert len(contents["scan.pdf"]) > len(contents["small.pdf"])
    assert [task.key for task in plan.tasks] == ["scan.pdf", "small.pdf", "missing.pdf"]
    assert {key: [row.key for row in twins] for key, twins in plan.twins.items()} == {"small.pdf": ["copy.pdf"]}


def test_a_manifest_names_the_hoso_and_its_title(runtime: Runtime, tmp_path: Path) -> None:
    (tmp_path / "scans").mkdir()
    for i in range(2):
        (tmp_path / "scans" / f"{i}.pdf").write_bytes(born_digital(300 + i))
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(
        "path,phong,muc_luc,ho_so,title\n"
        "scans/1.pdf,G10,2023,07,Hồ sơ tuyển dụng\n"
        "scans/0.pdf,G10,2023,07,Hồ sơ tuyển dụng\n"
        "missing.pdf,G10,2023,07,\n",
        encoding="utf-8",
    )

    report = ingest_source(runtime, manifest, BATCH_ENGINES.create("local", workers=2), "local", progress=False)

    assert (report.stored, report.failed) == (2, 1)
    assert report.errors[0].reason.startswith("cannot read")
    hoso = load_dossier(runtime.sessions, "G10.2023.07", reveal_personal_data=False)
    assert hoso.Title == "Hồ sơ tuyển dụng"
    with runtime.sessions() as session:
        ordinals = dict(session.execute(select(IngestFileRow.key, IngestFileRow.doc_ordinal)).all())
    assert ordinals == {"scans/1.pdf": 1, "scans/0.pdf": 2, "missing.pdf": 3}


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("bad.jsonl", '{"path": "a.pdf"}\n[1, 2]\n', "bad.jsonl:2: a line must be a JSON object"),
        ("bad.csv", "path,folder\na.pdf,x\n", "bad.csv:2: folder: Extra inputs are not permitted"),
        ("twice.jsonl", '{"path": "a.pdf"}\n{"path": "a.pdf"}\n', "twice.jsonl:2: a.pdf is listed twice"),
        ("list.txt", "a.pdf\n", "neither a folder nor a manifest"),
    ],
)
def test_a_bad_manifest_is_refused_with_its_line(tmp_path: Path, name: str, content: str, problem: str) -> None:
    (tmp_path / name).write_text(content)

    with pytest.raises(InvalidIngestSource, match=problem):
        list_source(tmp_path / name)


# --- the command, killed and rerun -------------------------------------------------------------------


@pytest.fixture
def environment(tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    values = {
        "VANTHU_DATA_DIR": str(tmp_path / "data"),
        "VANTHU_DATABASE_URL": sqlite_url,
        "VANTHU_PIPELINE__LIMITS__MAX_PAGES": "10",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield os.environ | values
    get_settings.cache_clear()


def start_ingest(source: Path, environment: dict[str, str], *options: str) -> subprocess.Popen[str]:
    script = Path(sys.executable).with_name("vanthu")
    command = [str(script), "ingest", str(source), "--json", "--workers", "2", *options]
    return subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen[str]) -> IngestReport:
    stdout, stderr = process.communicate(timeout=KILL_TIMEOUT_SECONDS)
    assert process.returncode == 0, stderr[-2000:]
    return IngestReport.model_validate_json(stdout)


def file_states(settings: Settings) -> dict[str, int]:
    engine = create_db_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            query = select(IngestFileRow.state, func.count()).group_by(IngestFileRow.state)
            return dict(connection.execute(query).all())
    except OperationalError:  # the command has not created its tables yet
        return {}
    finally:
        engine.dispose()


def wait_until_stored(process: subprocess.Popen[str], settings: Settings, at_least: int) -> None:
    deadline = time.monotonic() + KILL_TIMEOUT_SECONDS
    while file_states(settings).get(FileState.STORED, 0) < at_least:
        assert process.poll() is None, process.communicate()[1][-2000:]
        assert time.monotonic() < deadline, "nothing stored in time"
        time.sleep(0.2)


def children(pid: int) -> set[int]:
    try:
        return {int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}
    except FileNotFoundError:  # it exited meanwhile
        return set()


def descendants(pid: int) -> set[int]:
    return children(pid) | {below for child in children(pid) for below in descendants(child)}


def pool_workers(driver: int) -> set[int]:
    """The pool's worker processes: children of the forkserver, which is a child of the driver."""
    return descendants(driver) - children(driver)


def started_pool_workers(driver: subprocess.Popen[str]) -> set[int]:
    deadline = time.monotonic() + KILL_TIMEOUT_SECONDS
    while not (workers := pool_workers(driver.pid)):
        assert driver.poll() is None, driver.communicate()[1][-2000:]
        assert time.monotonic() < deadline, "no pool worker started in time"
        time.sleep(0.1)
    time.sleep(1.0)  # into its first file
    return workers


def assert_each_document_stored_once(settings: Settings, expected: dict[str, bytes]) -> None:
    runtime = open_runtime(settings)
    try:
        with runtime.sessions() as session:
            shas = list(session.scalars(select(DocumentRow.sha256).where(DocumentRow.status == "done")))
            assert session.scalar(select(func.count()).select_from(DocumentRow)) == len(expected)
            assert session.scalar(select(func.count()).select_from(DossierDocumentRow)) == len(expected)
            assert session.scalar(select(func.count()).select_from(DocumentPagesRow)) == len(expected)
            assert set(session.scalars(select(JobRow.status))) == {"done"}
    finally:
        runtime.close()
    assert sorted(shas) == sorted(hashlib.sha256(data).hexdigest() for data in expected.values())


def assert_each_document_indexed(settings: Settings) -> None:
    """The index is written in batches: what the killed attempt stored and had not written, the rerun did."""
    runtime = open_runtime(settings)
    try:
        with runtime.sessions() as session:
            document_ids = list(session.scalars(select(DocumentRow.id)))
        assert search_service(runtime).missing(document_ids) == []
    finally:
        runtime.close()


def settings_of(environment: dict[str, str]) -> Settings:
    return make_settings(Path(environment["VANTHU_DATA_DIR"]), environment["VANTHU_DATABASE_URL"])


def test_driver_killed_mid_run_then_rerun_stores_each_document_once(
    tmp_path: Path, environment: dict[str, str]
) -> None:
    # More files than the pool takes ahead (inference.batch.TASKS_PER_WORKER): some are left at the kill.
    expected = write_archive(tmp_path / "archive", digital=16, scans=2)
    settings = settings_of(environment)
    driver = start_ingest(tmp_path / "archive", environment)
    wait_until_stored(driver, settings, at_least=1)
    workers = descendants(driver.pid)

    driver.send_signal(signal.SIGKILL)
    driver.wait()

    states = file_states(settings)
    assert states.get(FileState.PENDING, 0) > 0, states  # killed mid-run
    report = finish(start_ingest(tmp_path / "archive", environment))
    assert (report.documents, report.stored, report.skipped, report.failed, report.pending) == (18, 18, 0, 0, 0)
    assert report.attempts == 2
    assert_each_document_stored_once(settings, expected)
    assert_each_document_indexed(settings)
    assert not {pid for pid in workers if Path(f"/proc/{pid}").exists()}  # the killed driver's workers left


def test_a_worker_killed_mid_run_loses_nothing(tmp_path: Path, environment: dict[str, str]) -> None:
    expected = write_archive(tmp_path / "archive", digital=4, scans=4)
    settings = settings_of(environment)
    driver = start_ingest(tmp_path / "archive", environment)

    victim = min(started_pool_workers(driver))  # the scans go first: it dies reading one
    os.kill(victim, signal.SIGKILL)

    report = finish(driver)
    assert (report.stored, report.failed, report.pending, report.attempts) == (8, 0, 0, 1)
    assert_each_document_stored_once(settings, expected)


def test_the_command_reports_bad_options_and_sources(environment: dict[str, str], tmp_path: Path) -> None:
    runner = CliRunner()

    unknown = runner.invoke(app, ["ingest", str(tmp_path), "--engine", "spark"])
    missing = runner.invoke(app, ["ingest", str(tmp_path / "nowhere")])
    no_agency = runner.invoke(app, ["ingest", str(tmp_path), "--agency", "HN-NOPE"])

    assert (unknown.exit_code, missing.exit_code, no_agency.exit_code) == (2, 1, 1)
    assert "unknown batch engine 'spark'; known: local, ray" in unknown.stderr
    assert "nowhere: no such file or directory" in missing.stderr
    assert "no agency with code 'HN-NOPE'" in no_agency.stderr


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_ray_address_fails_at_once_with_its_reason(environment: dict[str, str], tmp_path: Path) -> None:
    write_archive(tmp_path / "archive", digital=1)
    address = f"127.0.0.1:{closed_port()}"
    started = time.monotonic()

    result = CliRunner().invoke(app, ["ingest", str(tmp_path / "archive"), "--engine", "ray", "--address", address])

    assert result.exit_code == 2, result.output
    assert f"cannot reach the Ray cluster at {address} within" in result.stderr
    assert time.monotonic() - started < RAY_CONNECT_TIMEOUT_SECONDS + 5
    assert file_states(settings_of(environment)) == {}  # nothing was written


def test_a_ray_address_that_never_answers_times_out() -> None:
    """A listener whose accept queue is full drops new connections' SYNs: a connect waits for no answer."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        address = "{}:{}".format(*listener.getsockname())
        with socket.create_connection(listener.getsockname(), timeout=5):  # fills the queue
            started = time.monotonic()
            with pytest.raises(EngineUnavailable, match=f"ray://{address} within 0.5 s: no answer"):
                reach(f"ray://{address}", 0.5)
            assert time.monotonic() - started < 3
    with pytest.raises(EngineUnavailable, match="is not host:port"):
        reach("10.0.0.1", 0.5)


def busy_ray_workers(driver: int) -> set[int]:
    """Ray worker processes of the driver's local Ray that are running a task (their title names it)."""
    busy = set()
    for pid in descendants(driver):
        try:
            title = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
        except FileNotFoundError:
            continue
        if title.startswith(b"ray::") and b"Map" in title:
            busy.add(pid)
    return busy


def test_a_ray_worker_killed_mid_run_loses_nothing(tmp_path: Path, environment: dict[str, str]) -> None:
    expected = write_archive(tmp_path / "archive", digital=2, scans=2)
    settings = settings_of(environment)
    driver = start_ingest(tmp_path / "archive", environment, "--engine", "ray")
    deadline = time.monotonic() + KILL_TIMEOUT_SECONDS
    while not (busy := busy_ray_workers(driver.pid)):
        assert driver.poll() is None, driver.communicate()[1][-2000:]
        assert time.monotonic() < deadline, "no Ray worker ran a task in time"
        time.sleep(0.2)

    os.kill(min(busy), signal.SIGKILL)

    report = finish(driver)
    assert (report.engine, report.stored, report.failed, report.pending) == ("ray", 4, 0, 0)
    assert_each_document_stored_once(settings, expected)


def test_ray_engine_stores_a_folder(tmp_path: Path, sqlite_url: str) -> None:
    """Ray in local mode (ray.init(num_cpus=2)); the same code joins a cluster with --address."""
    runtime = open_runtime(make_settings(tmp_path / "data", sqlite_url))
    install_completion_hooks(runtime)
    source = tmp_path / "archive"
    write_archive(source, digital=3)
    (source / "broken.pdf").write_bytes(b"%PDF-1.7\n")

    report = ingest_source(runtime, source, BATCH_ENGINES.create("ray", workers=2), "ray", progress=False)

    assert (report.engine, report.stored, report.failed, report.pending) == ("ray", 3, 1, 0)
    assert count(runtime, DocumentRow, DocumentRow.status == "done") == 3
    runtime.close()
