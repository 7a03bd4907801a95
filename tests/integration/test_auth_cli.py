"""`vanthu agencies|users|keys ...`: what the operator does, checked through the service's own login and keys."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from api.cli import app
from api.settings import Settings, get_settings

from .support import make_settings, started_client


@pytest.fixture
def settings(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    values = {"VANTHU_DATA_DIR": str(tmp_path / "data"), "VANTHU_DATABASE_URL": database_url, "COLUMNS": "300"}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("VANTHU_BOOTSTRAP_ADMIN_PASSWORD", raising=False)
    get_settings.cache_clear()
    yield make_settings(tmp_path / "data", database_url, job_workers=0)
    get_settings.cache_clear()


def vanthu(*args: str | Path, stdin: str | None = None) -> Result:
    return CliRunner().invoke(app, [str(arg) for arg in args], input=stdin)


def log_in(client, username: str, password: str) -> int:
    return client.post("/v1/auth/token", data={"username": username, "password": password}, auth=None).status_code


def test_bootstrap_creates_the_admin_once(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    first = vanthu("users", "bootstrap")
    again = vanthu("users", "bootstrap")
    password = first.output.split("with password ")[1].split()[0]

    assert first.exit_code == 0 and len(password) >= 16
    assert again.exit_code == 0 and "nothing to do" in again.output
    with started_client(settings) as client:
        assert log_in(client, "admin", password) == 200
        tree = client.get("/v1/admin/agencies").json()
    assert (tree["code"], tree["name"]) == ("HN", "Thành phố Hà Nội")


def test_bootstrap_password_from_the_environment(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VANTHU_BOOTSTRAP_ADMIN_PASSWORD", "mật khẩu quản trị")
    created = vanthu("users", "bootstrap")

    assert created.exit_code == 0 and "mật khẩu quản trị" not in created.output
    with started_client(settings) as client:
        assert log_in(client, "admin", "mật khẩu quản trị") == 200


def test_agencies_users_and_passwords(settings: Settings, tmp_path: Path) -> None:
    table = tmp_path / "agencies.csv"
    table.write_text("code,name,parent_code\nHN-XD,Sở Xây dựng,HN\nHN-XD-QH,Phòng Quy hoạch,HN-XD\n")
    assert vanthu("agencies", "import", table).exit_code == 0
    orphan = vanthu("agencies", "add", "X", "Không cha")
    added = vanthu(
        "users",
        "add",
        "lan.tran",
        "--role",
        "records_officer",
        "--agency",
        "HN-XD",
        "--clearance",
        "mat",
        "--password-stdin",
        stdin="mot mat khau dai\n",
    )
    weak = vanthu("users", "add", "an.le", "--role", "staff_reader", "--password-stdin", stdin="ngan\n")
    bad_clearance = vanthu("users", "set", "lan.tran", "--clearance", "7")
    listed = json.loads(vanthu("users", "list", "--json").output)
    agencies = json.loads(vanthu("agencies", "list", "--json").output)

    assert orphan.exit_code == 1 and "a parent agency is needed" in orphan.output
    assert added.exit_code == 0, added.output
    assert weak.exit_code == 1 and "at least 10 characters" in weak.output
    assert bad_clearance.exit_code == 1 and "clearance '7'" in bad_clearance.output
    assert [(u["username"], u["roles"], u["agency_code"], u["clearance"]) for u in listed] == [
        ("lan.tran", ["records_officer"], "HN-XD", 1)
    ]
    assert {a["code"]: a["parent_code"] for a in agencies} == {"HN": None, "HN-XD": "HN", "HN-XD-QH": "HN-XD"}
    with started_client(settings) as client:
        assert log_in(client, "lan.tran", "mot mat khau dai") == 200
        assert vanthu("users", "passwd", "lan.tran", "--password-stdin", stdin="mat khau moi tinh\n").exit_code == 0
        assert (log_in(client, "lan.tran", "mot mat khau dai"), log_in(client, "lan.tran", "mat khau moi tinh")) == (
            401,
            200,
        )
        assert vanthu("users", "disable", "lan.tran").exit_code == 0
        assert log_in(client, "lan.tran", "mat khau moi tinh") == 401
        assert vanthu("users", "set", "lan.tran", "--enable").exit_code == 0
        assert log_in(client, "lan.tran", "mat khau moi tinh") == 200
        me = client.get(
            "/v1/auth/me",
            headers={
                "Authorization": "Bearer "
                + client.post(
                    "/v1/auth/token", data={"username": "lan.tran", "password": "mat khau moi tinh"}, auth=None
                ).json()["access_token"]
            },
            auth=None,
        ).json()
    assert set(me["scope"]) == {"HN-XD", "HN-XD-QH"}


def test_keys_create_rotate_revoke(settings: Settings) -> None:
    created = vanthu("keys", "create", "máy quét 1", "--agency", "HN")
    key_id, key = created.output.split()[1], created.output.splitlines()[1]
    with started_client(settings) as client:
        assert client.get("/v1/documents", headers={"X-API-Key": key}, auth=None).status_code == 200
        rotated = vanthu("keys", "rotate", key_id)
        new_id, new_key = rotated.output.split()[1], rotated.output.splitlines()[1]
        assert client.get("/v1/documents", headers={"X-API-Key": key}, auth=None).status_code == 401
        assert client.get("/v1/documents", headers={"X-API-Key": new_key}, auth=None).status_code == 200
        revoked = vanthu("keys", "revoke", new_id)
        assert client.get("/v1/documents", headers={"X-API-Key": new_key}, auth=None).status_code == 401
    listed = json.loads(vanthu("keys", "list", "--json").output)
    again = vanthu("keys", "revoke", new_id)

    assert created.exit_code == 0 and key.startswith(f"vk_{key_id}_")
    assert rotated.exit_code == 0 and revoked.exit_code == 0
    assert [(k["id"], k["rotated_from"], k["revoked_at"] is not None) for k in listed] == [
        (key_id, None, True),
        (new_id, key_id, True),
    ]
    assert all("secret" not in json.dumps(k) and key not in json.dumps(k) for k in listed)
    assert again.exit_code == 1 and "was revoked" in again.output
