"""`vanthu serve`: a real uvicorn server in a subprocess, shut down by SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .support import MAX_UPLOAD_BYTES, decision_pdf, multipart_body

STARTUP_SECONDS = 60
ADMIN_PASSWORD = "mật khẩu quản trị thử"
"""`vanthu users bootstrap` makes the `admin` user with it, as `make run` does."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    environment = os.environ | {
        "VANTHU_DATA_DIR": str(tmp_path / "data"),
        "VANTHU_MAX_UPLOAD_BYTES": str(MAX_UPLOAD_BYTES),
        "VANTHU_PIPELINE__WORKERS": "1",
        "VANTHU_JOB_POLL_SECONDS": "0.2",
        "VANTHU_BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
    }
    environment.pop("VANTHU_DATABASE_URL", None)
    vanthu = Path(sys.executable).with_name("vanthu")
    subprocess.run([vanthu, "users", "bootstrap"], env=environment, check=True, capture_output=True, timeout=120)
    process = subprocess.Popen(
        [vanthu, "serve", "--port", str(port)],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(base_url, process)
        yield base_url, process
    finally:
        if process.poll() is None:
            process.terminate()
            process.communicate(timeout=30)


def _wait_until_healthy(base_url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"vanthu serve exited: {process.stderr.read().decode() if process.stderr else ''}")
        try:
            if httpx.get(f"{base_url}/healthz").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("vanthu serve did not become healthy")


def test_serve_processes_uploads_refuses_oversized_streams_and_stops_cleanly(
    server: tuple[str, subprocess.Popen[bytes]],
) -> None:
    base_url, process = server
    body, content_type = multipart_body("big.pdf", b"%PDF-1.7\n" + b"0" * (2 * MAX_UPLOAD_BYTES))
    chunks = (body[i : i + 65536] for i in range(0, len(body), 65536))

    with httpx.Client(base_url=base_url, timeout=30) as client:
        token = client.post("/v1/auth/token", data={"username": "admin", "password": ADMIN_PASSWORD}).json()
        client.headers["Authorization"] = f"Bearer {token['access_token']}"
        oversized = client.post("/v1/documents", content=chunks, headers={"content-type": content_type})
        created = client.post("/v1/documents", files={"file": ("qd.pdf", decision_pdf())}).json()
        deadline = time.monotonic() + 60
        while (record := client.get(f"/v1/documents/{created['id']}").json())["status"] not in ("done", "failed"):
            assert time.monotonic() < deadline, record
            time.sleep(0.2)

    assert (oversized.status_code, oversized.json()["error"]) == (413, "too_large")
    assert record["status"] == "done", record["error"]
    assert record["result"]["fields"]["type_name"] == "Quyết định"
    process.send_signal(signal.SIGTERM)
    # communicate() returns only once every process holding stderr is gone: OCR workers included.
    _, log = process.communicate(timeout=30)
    assert process.returncode == 128 + signal.SIGTERM
    assert b"Application shutdown complete." in log and b"Traceback" not in log
