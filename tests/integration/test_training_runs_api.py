"""Retraining from the service: real (tiny) fine-tunings of the digit reader in a separate process, their
progress, cancellation, crashes, and the new version as a registry candidate behind the gate."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from api.auth.principal import Role
from api.settings import Settings
from api.settings_admin import TrainingSettings
from api.store.training_runs import TrainingRunRow

from .models_support import copy_committed
from .support import ClientAs, TestClient, make_settings, started_client
from .test_governance_api import assert_error

RUN_TIMEOUT_SECONDS = 600
TINY = TrainingSettings(quick_eval_n=10, stale_seconds=20)
"""A few steps and 10 crops per evaluation set: a real run of well under a minute of CPU."""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return make_settings(settings.data_dir, settings.database_url, training=TINY)


@pytest.fixture
def sqlite_client(tmp_path: Path, sqlite_url: str) -> Iterator[TestClient]:
    """For the tests where the database does not matter: SQLite only."""
    with started_client(make_settings(tmp_path / "data", sqlite_url, training=TINY)) as client:
        yield client


def train(client: TestClient, steps: int, model: str = "digits") -> dict:
    response = client.post(f"/v1/models/{model}/train", json={"config": "quick", "steps": steps})
    assert response.status_code == 202, response.text
    return response.json()


def wait_until(client: TestClient, run_id: str, done: Callable[[dict], bool]) -> dict:
    deadline = time.monotonic() + RUN_TIMEOUT_SECONDS
    while True:
        run = client.get(f"/v1/training-runs/{run_id}").json()
        if done(run):
            return run
        assert time.monotonic() < deadline, f"run still {run['status']} after {RUN_TIMEOUT_SECONDS} s: {run}"
        time.sleep(0.5)


def digits_status(client: TestClient) -> dict:
    return next(m for m in client.get("/v1/models").json()["models"] if m["name"] == "digits")


def finished(run: dict) -> bool:
    return run["status"] not in ("queued", "running")


def test_a_tiny_run_trains_a_candidate_the_gate_then_judges(client: TestClient) -> None:
    started = train(client, steps=2)
    assert (started["status"], started["total"], started["config"]) == ("queued", 2, "quick")
    assert started["parameters"]["base_version"] == "v2" and "--threads" in started["parameters"]["command"]
    assert_error(client.post("/v1/models/digits/train", json={"steps": 2}), 409, "training_busy")

    run = wait_until(client, started["id"], finished)
    assert run["status"] == "succeeded", run
    assert (run["step"], run["version"], run["reason"]) == (2, "v3", None)
    assert run["loss"] > 0 and "heldout_font" in run["log_tail"]
    assert [r["id"] for r in client.get("/v1/training-runs").json()] == [run["id"]]

    digits = digits_status(client)
    assert {"version": "v3", "source": "local"}.items() <= next(
        v for v in digits["versions"] if v["version"] == "v3"
    ).items()
    assert digits["active"] == "v2"  # a candidate, not promoted
    charts = client.get("/v1/models/digits/metrics").json()
    v3 = next(v for v in charts["versions"] if v["version"] == "v3")
    assert 0.0 <= v3["values"]["heldout_font.model.exact_match"] <= 1.0

    decision = client.post("/v1/models/digits/promote", json={"version": "v3"})
    assert decision.status_code in (200, 409), decision.text  # passed or refused: the gate decides, on figures
    [event] = digits_status(client)["history"]
    assert (event["action"], event["version"], event["gate"]["n"]) == (
        "promote" if decision.status_code == 200 else "refused",
        "v3",
        600,
    )


def test_a_run_is_cancelled_and_leaves_no_version(sqlite_client: TestClient) -> None:
    client = sqlite_client
    started = train(client, steps=5000)
    wait_until(client, started["id"], lambda run: run["step"] >= 1 or finished(run))
    cancelling = client.post(f"/v1/training-runs/{started['id']}/cancel")
    assert cancelling.status_code == 200 and cancelling.json()["cancel_requested"] is True
    run = wait_until(client, started["id"], finished)
    assert (run["status"], run["version"]) == ("cancelled", None)
    assert 1 <= run["step"] < 5000
    assert_error(client.post(f"/v1/training-runs/{started['id']}/cancel"), 409, "already_finished")
    assert [v["version"] for v in digits_status(client)["versions"]] == ["v1", "v2"]


def test_a_crashing_training_is_a_failed_run_with_its_reason(sqlite_client: TestClient, tmp_path: Path) -> None:
    client = sqlite_client
    broken = copy_committed(Path(client.app.state.runtime.models.local_root) / "digits" / "v9")
    (broken / "model.pt").write_bytes(b"not a checkpoint")
    assert client.post("/v1/models/digits/promote", json={"version": "v9", "force": True}).status_code == 200
    run = wait_until(client, train(client, steps=2)["id"], finished)
    assert run["status"] == "failed" and run["reason"].startswith("the training command exited with code 1")
    assert run["version"] is None


def test_a_killed_runner_is_a_failed_run_not_a_hung_one(sqlite_client: TestClient) -> None:
    client = sqlite_client
    started = train(client, steps=5000)
    running = wait_until(client, started["id"], lambda run: run["status"] == "running" or finished(run))
    assert running["status"] == "running"
    with client.app.state.runtime.sessions() as session:
        pid = session.get_one(TrainingRunRow, started["id"]).pid
    os.kill(pid, signal.SIGKILL)  # no chance to report: only its silence tells
    run = wait_until(client, started["id"], finished)
    assert run["status"] == "failed" and "stopped reporting" in run["reason"]
    assert train(client, steps=1)["status"] == "queued"  # the dead run no longer blocks the next one
    wait_until(client, client.get("/v1/training-runs").json()[0]["id"], finished)


def test_bad_requests_and_roles(client: TestClient, client_as: Callable[..., ClientAs]) -> None:
    assert_error(client.post("/v1/models/nope/train", json={}), 404, "not_found")
    assert_error(client.post("/v1/models/kie/train", json={}), 422, "not_trainable")
    assert_error(client.post("/v1/models/digits/train", json={"steps": 10**9}), 422, "not_trainable")
    assert_error(client.post("/v1/models/digits/train", json={"config": "huge"}), 422, "invalid_request")
    assert_error(client.get("/v1/training-runs/nope"), 404, "not_found")
    assert_error(client.post("/v1/training-runs/nope/cancel"), 404, "not_found")
    assert_error(client.get("/v1/models/nope/metrics"), 404, "not_found")
    assert client.get("/v1/training-runs").json() == []
    officer = client_as([Role.records_officer])
    assert_error(officer.post("/v1/models/digits/train", json={}), 403, "forbidden")
    assert_error(officer.get("/v1/training-runs"), 403, "forbidden")
    assert client_as([Role.ml_engineer]).get("/v1/training-runs").status_code == 200
