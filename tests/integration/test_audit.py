"""The audit log: what requests write, the hash chain, append-only tables, verification, the CLI."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from api.audit import AuditAction, AuditEvent, append_entry, load_page, verify_chain
from api.auth.principal import Role
from api.cli import app as cli_app
from api.settings import Settings, get_settings
from api.store.db import create_db_engine

from .support import TEST_ADMIN, TEST_PASSWORD, ClientAs, TestClient, make_settings

ADMIN = f"user:{TEST_ADMIN}"
DROP_TRIGGERS = {
    "sqlite": ["DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"],
    "postgresql": ["DROP TRIGGER audit_log_no_change ON audit_log"],
}


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """No job worker: nothing here is extracted."""
    return make_settings(tmp_path / "data", database_url, job_workers=0)


@pytest.fixture
def sql(settings: Settings) -> Iterator[Callable[..., object]]:
    """Raw SQL on the service's database, each statement in a transaction of its own."""
    engine = create_db_engine(settings.database_url)

    def run(statement: str, **parameters: object) -> object:
        with engine.begin() as connection:
            result = connection.execute(text(statement), parameters)
            return result.all() if result.returns_rows else None

    yield run
    engine.dispose()


@pytest.fixture
def cli(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., object]]:
    monkeypatch.setenv("VANTHU_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("VANTHU_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(cli_app, ["audit", *args])
    get_settings.cache_clear()


def entries(client: TestClient, **filters: object) -> list[dict]:
    response = client.get("/v1/audit", params={"limit": 1000, **filters})
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_every_v1_request_is_written_with_who_what_and_how_it_ended(client: TestClient) -> None:
    client.post("/v1/auth/token", data={"username": TEST_ADMIN, "password": "sai mật khẩu"}, auth=None)
    client.post("/v1/auth/token", data={"username": TEST_ADMIN, "password": TEST_PASSWORD}, auth=None)
    client.get("/v1/search", params={"q": "kế hoạch cải cách", "year": 2024})
    client.get("/v1/documents/no-such-id")
    client.get("/v1/documents", auth=None)
    client.get("/healthz")
    client.get("/v1/health")

    logged = entries(client)[::-1]
    assert [(e["actor"], e["action"], e["method"], e["route"], e["status"]) for e in logged] == [
        ("anonymous", "login_failed", "POST", "/v1/auth/token", 401),
        (ADMIN, "login", "POST", "/v1/auth/token", 200),
        (ADMIN, "search", "GET", "/v1/search", 200),
        (ADMIN, "read", "GET", "/v1/documents/{document_id}", 404),
        ("anonymous", "denied", "GET", "/v1/documents", 401),
    ]
    failed_login, _, search, missing, _ = logged
    assert failed_login["detail"] == {"username": TEST_ADMIN}
    assert search["detail"] == {"q": "kế hoạch cải cách", "year": "2024"}
    assert missing["target"] == "no-such-id"
    assert "mật khẩu" not in str(logged) and TEST_PASSWORD not in str(logged)


def test_the_admin_view_filters_pages_and_verifies(client: TestClient, client_as: Callable[..., ClientAs]) -> None:
    reader = client_as([Role.staff_reader])
    for query in ("một", "hai", "ba"):
        reader.get("/v1/search", params={"q": query})
    assert reader.get("/v1/audit").status_code == 403

    searches = entries(client, actor=f"user:{reader.username}", action="search")
    assert [e["detail"]["q"] for e in searches] == ["ba", "hai", "một"]
    first = client.get("/v1/audit", params={"limit": 2}).json()
    rest = client.get("/v1/audit", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [e["seq"] for e in first["items"]] == [5, 4] and [e["seq"] for e in rest["items"]] == [3, 2]
    assert entries(client, action="denied")[0]["route"] == "/v1/audit"
    assert client.get("/v1/audit", params={"since": "2999-01-01T00:00:00"}).json()["items"] == []

    verified = client.get("/v1/audit/verify").json()
    assert verified["intact"] is True and verified["entries"] >= 6
    for bad in ({"action": "nonsense"}, {"since": "9999-12-31T23:59:59-05:00"}, {"cursor": 2**64}):
        assert client.get("/v1/audit", params=bad).status_code == 422, bad


def test_the_database_refuses_to_change_or_delete_entries(client: TestClient, sql: Callable[..., object]) -> None:
    client.get("/v1/documents")

    for statement in ("UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            sql(statement)
    assert sql("SELECT count(*) FROM audit_log") == [(1,)]


def test_verify_names_the_first_entry_changed_or_removed(
    client: TestClient, settings: Settings, sql: Callable[..., object], cli: Callable[..., object]
) -> None:
    for _ in range(4):
        client.get("/v1/documents")
    intact = cli("verify")
    assert intact.exit_code == 0 and "chain intact, 4 entries" in intact.stdout

    for statement in DROP_TRIGGERS[create_db_engine(settings.database_url).dialect.name]:
        sql(statement)
    sql("UPDATE audit_log SET actor = 'anonymous' WHERE seq = 3")
    changed = cli("verify")
    assert changed.exit_code == 1 and "broken at seq 3" in changed.stderr and "changed" in changed.stderr

    sql("DELETE FROM audit_log WHERE seq >= 2 AND seq <= 3")
    removed = cli("verify")
    assert removed.exit_code == 1 and "broken at seq 2: entry 2 is missing" in removed.stderr


def test_the_cli_lists_entries_with_filters(client: TestClient, cli: Callable[..., object]) -> None:
    client.get("/v1/documents", auth=None)
    client.get("/v1/search", params={"q": "ngân sách"})

    listed = cli("list", "--actor", ADMIN, "--action", "search", "--json")
    everything = cli("list", "--limit", "1")

    assert listed.exit_code == 0 and everything.exit_code == 0, listed.stderr
    assert [json.loads(line)["detail"] for line in listed.stdout.splitlines()] == [{"q": "ngân sách"}]
    assert "search" in everything.stdout and "denied" not in everything.stdout
    assert cli("list", "--action", "nonsense").exit_code == 2


def test_concurrent_appends_keep_one_chain(client: TestClient) -> None:
    sessions = client.app.state.runtime.sessions
    event = AuditEvent(actor="key:pipeline", action=AuditAction.write, method="POST", route="/v1/documents", status=201)

    def append_many() -> None:
        for _ in range(10):
            append_entry(sessions, event)

    threads = [threading.Thread(target=append_many) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert verify_chain(sessions).model_dump() == {"intact": True, "entries": 60, "first_broken_seq": None,
                                                   "reason": None}
    assert [e.seq for e in load_page(sessions, limit=60).items] == list(range(60, 0, -1))


def test_a_failed_audit_write_keeps_the_response_and_is_logged_loudly(
    client: TestClient, sql: Callable[..., object], caplog: pytest.LogCaptureFixture
) -> None:
    sql("ALTER TABLE audit_log RENAME TO audit_log_moved")

    with caplog.at_level(logging.CRITICAL, logger="api.audit"):
        response = client.get("/v1/documents")

    assert response.status_code == 200
    assert any("AUDIT LOG WRITE FAILED" in record.message for record in caplog.records)
