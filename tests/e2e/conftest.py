"""End-to-end fixtures: the real service on a free port (uvicorn in a thread, temporary data directory, a
records officer created with the auth functions, one extracted document) and Debian's Chromium driven by
Playwright. Screenshots go to tests/e2e/artifacts/<test>/ (git-ignored) and are kept after the run."""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import uvicorn
from pydantic import SecretStr

from api.app import create_app
from api.auth.accounts import UserSpec, create_user
from api.auth.principal import Role, SecrecyLevel
from api.runtime import Runtime
from api.settings import Settings
from api.store.identity import UserRow
from inference.options import PipelineOptions
from training.synth import sample_document

CHROMIUM = Path(os.environ.get("VANTHU_E2E_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).parent / "artifacts"
USERNAME, PASSWORD = "vanthu.lan", "Mat-khau-e2e-2026"
VIEWPORT = {"width": 1366, "height": 768}
STEP_TIMEOUT_MS = 30_000
START_TIMEOUT_SECONDS = 120
"""Generous: the first search loads the embedder, which takes long on a loaded machine."""


@dataclass
class Service:
    url: str
    runtime: Runtime
    document: dict
    """The record of a born-digital document extracted before the tests run."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    data_dir = tmp_path_factory.mktemp("e2e-data")
    # workers=0: pages are read in the service's own process (no worker pool to start for two small files).
    settings = Settings(data_dir=data_dir, pipeline=PipelineOptions(workers=0), job_poll_seconds=0.2)
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=_free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, name="e2e-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the service did not start")
        time.sleep(0.05)
    url = f"http://127.0.0.1:{server.config.port}"
    try:
        runtime = app.state.runtime
        with runtime.sessions.begin() as session:
            officer = UserSpec(username=USERNAME, password=SecretStr(PASSWORD), roles=[Role.records_officer])
            create_user(session, officer)
        yield Service(url, runtime, _extracted_document(url))
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def _extracted_document(url: str) -> dict:
    """One synthetic born-digital document, stored over HTTP as the test user and extracted."""
    with httpx.Client(base_url=url, timeout=START_TIMEOUT_SECONDS) as client:
        token = client.post("/v1/auth/token", data={"username": USERNAME, "password": PASSWORD}).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        created = client.post("/v1/documents", files={"file": ("bien-ban.pdf", sample_document(3).pdf)})
        assert created.status_code == 201, created.text
        path, deadline = f"/v1/documents/{created.json()['id']}", time.monotonic() + START_TIMEOUT_SECONDS
        while (record := client.get(path).json())["status"] not in ("done", "failed"):
            assert time.monotonic() < deadline, "the document was not extracted in time"
            time.sleep(0.2)
        assert record["status"] == "done", record["error"]
        client.get("/v1/search", params={"q": "biên bản"}).raise_for_status()  # loads the search models once
    return record


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.is_file():
        message = f"no Chromium at {CHROMIUM} (Debian package `chromium`, scripts/system-packages.txt)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=STEP_TIMEOUT_MS)

    with sync_playwright() as playwright:
        # --no-sandbox: the tests may run as root (CI containers), where Chromium's sandbox refuses to start.
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        yield launched
        launched.close()


@dataclass
class Screens:
    """Numbered screenshots of one test, kept in tests/e2e/artifacts/<test name>/."""

    folder: Path
    taken: list[Path] = field(default_factory=list)

    def __call__(self, page: object, name: str) -> Path:
        path = self.folder / f"{len(self.taken) + 1:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=False)
        self.taken.append(path)
        return path


@pytest.fixture
def screens(request: pytest.FixtureRequest) -> Screens:
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    return Screens(folder)


@pytest.fixture
def page(browser: object, service: Service, screens: Screens) -> Iterator[object]:
    """A fresh laptop-sized tab on the service; fails the test on any console error or page error
    (which is also how a Content-Security-Policy violation shows)."""
    context = browser.new_context(base_url=service.url, viewport=VIEWPORT, locale="vi-VN")
    context.set_default_timeout(STEP_TIMEOUT_MS)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    tab.on("pageerror", lambda error: problems.append(str(error)))
    yield tab
    screens(tab, "last")
    context.close()
    assert not [p for p in problems if not _expected(p)], problems


def _expected(problem: str) -> bool:
    """Console errors the tests provoke on purpose: the refused upload's 4xx response."""
    return "status of 415" in problem


@pytest.fixture
def account(service: Service) -> Callable[..., tuple[str, str]]:
    """`account(username, roles, clearance=SecrecyLevel.none)`: (username, password) of a user of the root agency
    in the session's service, created on first use (password `PASSWORD`)."""

    def ensure(username: str, roles: list[Role], clearance: SecrecyLevel = SecrecyLevel.none) -> tuple[str, str]:
        with service.runtime.sessions.begin() as session:
            if session.get(UserRow, username) is None:
                spec = UserSpec(username=username, password=SecretStr(PASSWORD), roles=roles, clearance=clearance)
                create_user(session, spec)
        return username, PASSWORD

    return ensure


def log_in(page: object, next_path: str = "", username: str = USERNAME, password: str = PASSWORD) -> None:
    """Through the log-in form, landing on `next_path` (default: the search page)."""
    page.goto(f"/#{next_path}" if next_path else "/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("button", name="Đăng xuất").wait_for()
