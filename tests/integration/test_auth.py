"""Logging in, tokens, API keys, and documents of other agencies or above one's clearance (404, not 403)."""

from __future__ import annotations

import time
import uuid
from datetime import datetime
from pathlib import Path

import jwt
import pytest
from alembic import command
from sqlalchemy import text

from api.auth.principal import Role, SecrecyLevel
from api.auth.tokens import ALGORITHM, signing_key
from api.settings import Settings
from api.store.db import alembic_config, create_db_engine, upgrade_schema

from .support import TEST_ADMIN, TEST_PASSWORD, TestClient, decision_png, make_settings, numbered_pdf

OFFICER = [Role.records_officer]


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """No job worker: these tests look at access, not at extraction."""
    return make_settings(tmp_path / "data", database_url, job_workers=0)


def assert_error(response, status: int, code: str) -> None:
    assert (response.status_code, response.json()["error"]) == (status, code), response.text


def log_in(client: TestClient, username: str, password: str):
    return client.post("/v1/auth/token", data={"username": username, "password": password}, auth=None)


def upload(client, data: bytes, **form: str) -> dict:
    response = client.post("/v1/documents", files={"file": ("scan.png", data)}, data=form)
    assert response.status_code == 201, response.text
    return response.json()


def forged(claims: dict, key: bytes = b"k" * 32) -> dict[str, str]:
    return {"Authorization": f"Bearer {jwt.encode(claims, key, algorithm=ALGORITHM)}"}


def test_log_in_and_me(client: TestClient) -> None:
    response = log_in(client, TEST_ADMIN, TEST_PASSWORD)
    assert response.status_code == 200, response.text
    token = response.json()
    assert token["token_type"] == "bearer" and token["expires_in"] == 15 * 60
    me = client.get("/v1/auth/me", headers={"Authorization": f"Bearer {token['access_token']}"}, auth=None).json()
    assert (me["subject"], me["agency_code"], me["clearance"], me["roles"]) == (
        f"user:{TEST_ADMIN}",
        "HN",
        3,
        ["admin"],
    )
    claims = jwt.decode(token["access_token"], options={"verify_signature": False})
    assert set(claims) == {"sub", "iat", "exp", "jti"} and claims["exp"] - claims["iat"] == 15 * 60


def test_wrong_password_unknown_user_and_disabled_user_are_refused(client: TestClient, client_as) -> None:
    assert_error(log_in(client, TEST_ADMIN, "not the password"), 401, "invalid_credentials")
    assert_error(log_in(client, "nobody", TEST_PASSWORD), 401, "invalid_credentials")
    reader = client_as([Role.staff_reader])
    assert reader.get("/v1/documents").status_code == 200
    assert client.patch(f"/v1/admin/users/{reader.username}", json={"disabled": True}).status_code == 200
    assert_error(log_in(client, reader.username, TEST_PASSWORD), 401, "invalid_credentials")
    assert_error(reader.get("/v1/documents"), 401, "not_authenticated")  # its token dies with it


@pytest.mark.parametrize("path", ["/v1/documents", "/v1/search?q=quyet+dinh", "/v1/auth/me", "/v1/models"])
def test_no_credentials_is_401(client: TestClient, path: str) -> None:
    response = client.get(path, auth=None)
    assert_error(response, 401, "not_authenticated")
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_uploads_without_credentials_are_401_and_store_nothing(client: TestClient) -> None:
    for path in ("/v1/extract", "/v1/documents"):
        assert_error(
            client.post(path, files={"file": ("scan.png", decision_png())}, auth=None), 401, "not_authenticated"
        )
    assert client.get("/v1/documents").json()["items"] == []


def test_forged_expired_and_malformed_tokens_are_401(client: TestClient) -> None:
    now = int(time.time())
    claims = {"sub": f"user:{TEST_ADMIN}", "iat": now, "exp": now + 600, "jti": uuid.uuid4().hex}
    key = signing_key(client.app.state.runtime.settings.auth)
    assert client.get("/v1/documents", headers=forged(claims, key), auth=None).status_code == 200
    refused = [
        forged(claims),  # another key
        forged(claims | {"iat": now - 1200, "exp": now - 600}, key),  # expired
        forged({k: v for k, v in claims.items() if k != "jti"}, key),  # a claim missing
        forged(claims | {"sub": "user:nobody"}, key),
        {"Authorization": "Bearer " + jwt.encode(claims, None, algorithm="none")},
        {"Authorization": "Bearer not.a.token"},
    ]
    for headers in refused:
        assert_error(client.get("/v1/documents", headers=headers, auth=None), 401, "not_authenticated")


def test_api_keys_work_until_revoked_or_rotated(client: TestClient) -> None:
    created = client.post("/v1/admin/keys", json={"name": "scanner 1"})
    assert created.status_code == 201, created.text
    key = created.json()
    assert key["key"].startswith(key["prefix"] + "_") and key["roles"] == ["pipeline"]
    as_key = {"X-API-Key": key["key"]}
    assert client.get("/v1/documents", headers=as_key, auth=None).status_code == 200
    assert client.get("/v1/admin/keys").json()[0]["last_used_at"] is not None
    assert "key" not in client.get("/v1/admin/keys").json()[0]
    rotated = client.post(f"/v1/admin/keys/{key['id']}/rotate").json()
    assert rotated["rotated_from"] == key["id"]
    assert_error(client.get("/v1/documents", headers=as_key, auth=None), 401, "not_authenticated")
    assert client.get("/v1/documents", headers={"X-API-Key": rotated["key"]}, auth=None).status_code == 200
    assert client.delete(f"/v1/admin/keys/{rotated['id']}").json()["revoked_at"] is not None
    assert_error(
        client.get("/v1/documents", headers={"X-API-Key": rotated["key"]}, auth=None), 401, "not_authenticated"
    )
    wrong_secret = rotated["key"][:-4] + "AAAA"
    assert_error(client.get("/v1/documents", headers={"X-API-Key": wrong_secret}, auth=None), 401, "not_authenticated")


def test_another_agencys_document_does_not_exist(client: TestClient, client_as) -> None:
    officer_a = client_as(OFFICER, agency="HN-A")
    officer_b = client_as(OFFICER, agency="HN-B")
    document = upload(officer_a, decision_png())
    assert document["agency_code"] == "HN-A"
    path = f"/v1/documents/{document['id']}"
    assert officer_a.get(path).status_code == 200
    assert client.get(path).status_code == 200  # the root admin sees its units' documents
    missing = officer_b.get("/v1/documents/no-such-id").json()
    for response in (
        officer_b.get(path),
        officer_b.get(f"{path}/corrections"),
        officer_b.delete(path),
        officer_b.patch(f"{path}/access", json={"access_mode": "public"}),
    ):
        assert response.status_code == 404 and response.json()["error"] == "not_found", response.text
        assert response.json()["reason"] == missing["reason"].replace("no-such-id", document["id"])
    assert officer_b.get("/v1/documents").json()["items"] == []
    assert [d["id"] for d in officer_a.get("/v1/documents").json()["items"]] == [document["id"]]


def test_clearance_below_the_secrecy_is_404(client: TestClient, client_as) -> None:
    secret = upload(client, decision_png(), secrecy="2")
    assert secret["secrecy"] == SecrecyLevel.toi_mat
    cleared = client_as([Role.staff_reader], clearance=SecrecyLevel.toi_mat)
    uncleared = client_as([Role.staff_reader], clearance=SecrecyLevel.mat)
    assert cleared.get(f"/v1/documents/{secret['id']}").status_code == 200
    assert_error(uncleared.get(f"/v1/documents/{secret['id']}"), 404, "not_found")
    assert uncleared.get("/v1/documents").json()["items"] == []


def test_access_modes_and_changing_access(client: TestClient, client_as) -> None:
    document = upload(client, numbered_pdf(1), access_mode="restricted")
    reader, officer = client_as([Role.staff_reader]), client_as(OFFICER)
    path = f"/v1/documents/{document['id']}"
    assert reader.get(path).status_code == 404 and officer.get(path).status_code == 200
    assert_error(reader.patch(f"{path}/access", json={"access_mode": "public"}), 403, "forbidden")
    changed = officer.patch(f"{path}/access", json={"access_mode": "conditional", "agency_code": "HN"})
    assert changed.status_code == 200 and changed.json()["access_mode"] == "conditional"
    assert reader.get(path).status_code == 200
    assert_error(officer.patch(f"{path}/access", json={"secrecy": 1}), 422, "invalid_access")  # above its clearance
    assert_error(officer.patch(f"{path}/access", json={"agency_code": "XX"}), 422, "invalid_access")


def test_upload_refuses_access_the_uploader_cannot_give(client_as) -> None:
    officer = client_as(OFFICER, agency="HN-A")
    files = {"file": ("scan.png", decision_png())}
    assert_error(officer.post("/v1/documents", files=files, data={"agency_code": "HN"}), 422, "invalid_access")
    assert_error(officer.post("/v1/documents", files=files, data={"secrecy": "1"}), 422, "invalid_access")
    assert_error(officer.post("/v1/documents", files=files, data={"secrecy": "9"}), 422, "invalid_access")
    reader = client_as([Role.staff_reader])
    assert_error(reader.post("/v1/documents", files=files), 403, "forbidden")


def test_the_same_bytes_stored_by_another_agency_are_not_shown(client_as) -> None:
    upload(client_as(OFFICER, agency="HN-A"), decision_png())
    other = client_as(OFFICER, agency="HN-B").post("/v1/documents", files={"file": ("scan.png", decision_png())})
    assert_error(other, 409, "already_stored")
    assert "HN-A" not in other.text


def test_admin_routes_need_the_admin_role_and_stay_in_scope(client: TestClient, client_as) -> None:
    officer = client_as(OFFICER)
    assert_error(officer.get("/v1/admin/users"), 403, "forbidden")
    unit_admin = client_as([Role.admin], agency="HN-A", clearance=SecrecyLevel.mat)
    user = {"username": "lan.tran", "password": "mot mat khau dai", "roles": ["staff_reader"], "agency_code": "HN"}
    assert_error(unit_admin.post("/v1/admin/users", json=user), 403, "forbidden")
    created = unit_admin.post("/v1/admin/users", json=user | {"agency_code": "HN-A"})
    assert created.status_code == 201, created.text
    assert_error(unit_admin.patch("/v1/admin/users/lan.tran", json={"clearance": 2}), 403, "forbidden")
    assert {u["username"] for u in unit_admin.get("/v1/admin/users").json()} == {"lan.tran", unit_admin.username}
    assert_error(unit_admin.patch(f"/v1/admin/users/{TEST_ADMIN}", json={"disabled": True}), 404, "not_found")
    assert_error(client.post("/v1/admin/users", json=user | {"agency_code": "HN-A"}), 409, "conflict")
    assert_error(client.post("/v1/admin/users", json=user | {"username": "x y"}), 422, "invalid_request")
    assert_error(
        client.post("/v1/admin/users", json=user | {"username": "short.pw", "password": "abc"}), 422, "invalid_account"
    )
    assert log_in(client, "lan.tran", "mot mat khau dai").status_code == 200
    tree = client.get("/v1/admin/agencies").json()
    assert tree["code"] == "HN" and {c["code"] for c in tree["children"]} == {"HN-A"}


PUBLIC_ROUTES = {("GET", "/healthz"), ("POST", "/v1/auth/token")}


def test_every_route_but_health_and_log_in_needs_credentials(client: TestClient) -> None:
    routes = [(method.upper(), path) for path, item in client.app.openapi()["paths"].items() for method in item]
    assert len(routes) > 30
    for method, path in routes:
        if (method, path) in PUBLIC_ROUTES or path.startswith("/v1/health"):
            continue
        response = client.request(method, path.replace("{", "").replace("}", ""), auth=None)
        assert response.status_code == 401, (method, path, response.text)


DOSSIER = {"OrganId": "H01", "FileCatalog": 2024, "FileNotation": "07", "Title": "Hồ sơ thử quyền"}


def exported_ids(client) -> set[str]:
    exchange = client.get("/v1/export").json()
    return {d["Id"] for d in exchange.get("Documents", [])} | {
        d["Id"] for f in exchange.get("Files", []) for d in f.get("Documents", [])
    }


def test_exchange_and_governance_leave_other_agencies_documents_out(client: TestClient, client_as) -> None:
    officer_a, officer_b = client_as(OFFICER, agency="HN-A"), client_as(OFFICER, agency="HN-B")
    document = upload(officer_a, decision_png())
    code = client.post("/v1/dossiers", json=DOSSIER).json()["FileCode"]
    assert client.put(f"/v1/dossiers/{code}/documents/{document['id']}").status_code == 200

    for reader, seen in ((officer_a, True), (officer_b, False)):
        changed = {c["id"] for c in reader.get("/v1/changes?since=0").json()["items"] if c["entity"] == "document"}
        assert (document["id"] in changed, document["id"] in exported_ids(reader)) == (seen, seen)
        assert reader.get("/v1/dossiers").json()[0]["TotalDoc"] == int(seen)
        assert reader.get(f"/v1/dossiers/{code}").json()["TotalDoc"] == int(seen)
    for path in ("governance", "links", "pdfa"):
        assert_error(officer_b.get(f"/v1/documents/{document['id']}/{path}"), 404, "not_found")
    assert_error(officer_b.delete(f"/v1/dossiers/{code}/documents/{document['id']}"), 404, "not_found")
    described = {"ExportedAt": "2026-11-21T10:00:00Z", "Documents": [{"Sha256": document["sha256"], "Subject": "Đổi"}]}
    imported = officer_b.post("/v1/import", json=described)
    assert_error(imported, 422, "invalid_exchange")
    assert document["sha256"] in imported.json()["reason"] and "no document" in imported.json()["reason"]
    assert officer_a.post("/v1/import", json=described).status_code == 200
    assert_error(client_as([Role.staff_reader], agency="HN-A").post("/v1/import", json=described), 403, "forbidden")


def test_documents_stored_before_the_migration_belong_to_the_root_agency(empty_database_url: str) -> None:
    engine = create_db_engine(empty_database_url)
    try:
        command.upgrade(alembic_config(engine), "0005")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO documents (id, sha256, filename, size, status, created_at, updated_at) "
                    "VALUES ('old', :sha, 'cu.pdf', 1, 'done', :now, :now)"
                ),
                {"sha": "0" * 64, "now": datetime(2024, 1, 1)},
            )
        upgrade_schema(engine)
        with engine.connect() as connection:
            row = connection.execute(text("SELECT agency_code, secrecy, access_mode FROM documents")).one()
            root = connection.execute(text("SELECT name, parent_code FROM agencies WHERE code = 'HN'")).one()
    finally:
        engine.dispose()
    assert tuple(row) == ("HN", 0, "public")
    assert tuple(root) == ("Thành phố Hà Nội", None)
