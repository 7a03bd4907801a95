"""Every protected operation of the OpenAPI schema refuses a request without valid credentials: none, a
forged, expired, tampered or unsigned JWT, a token of a user who no longer may log in, a revoked API key."""

from __future__ import annotations

import time
import uuid

import jwt
import pytest
from integration.support import TEST_ADMIN, TestClient, decision_pdf

from api.auth.tokens import ALGORITHM, signing_key

PUBLIC_OPERATIONS = {("GET", "/healthz"), ("POST", "/v1/auth/token")}
CORE_ROUTES = [("GET", "/v1/documents"), ("POST", "/v1/documents"), ("GET", "/v1/search"), ("POST", "/v1/extract")]


def protected_operations(client: TestClient) -> list[tuple[str, str]]:
    """(method, path with every parameter filled) of each operation of the schema but the public ones."""
    operations = []
    for template, methods in client.app.openapi()["paths"].items():
        path = template
        for name in [part[1:-1] for part in template.split("/") if part.startswith("{")]:
            path = path.replace("{" + name + "}", "x")
        operations += [
            (method.upper(), path) for method in methods if (method.upper(), template) not in PUBLIC_OPERATIONS
        ]
    return operations


def claims(subject: str = f"user:{TEST_ADMIN}", **overrides: object) -> dict[str, object]:
    now = int(time.time())
    return {"sub": subject, "iat": now, "exp": now + 600, "jti": uuid.uuid4().hex} | overrides


def bad_credentials(client: TestClient) -> dict[str, dict[str, str]]:
    """Headers of each kind of bad credential, all for the admin the client acts as."""
    key = signing_key(client.app.state.runtime.settings.auth)
    valid = jwt.encode(claims(), key, algorithm=ALGORITHM)
    head, payload, signature = valid.split(".")
    other_payload = jwt.encode(claims(subject="user:someone.else"), key, algorithm=ALGORITHM).split(".")[1]
    tokens = {
        "forged (another key)": jwt.encode(claims(), "another key of at least thirty-two bytes", algorithm=ALGORITHM),
        "expired": jwt.encode(
            claims(iat=int(time.time()) - 7200, exp=int(time.time()) - 3600), key, algorithm=ALGORITHM
        ),
        "unsigned (alg none)": jwt.encode(claims(), None, algorithm="none"),
        "payload swapped": f"{head}.{other_payload}.{signature}",
        "signature cut": f"{head}.{payload}.",
        "no expiry": jwt.encode({k: v for k, v in claims().items() if k != "exp"}, key, algorithm=ALGORITHM),
        "unknown user": jwt.encode(claims(subject="user:nobody"), key, algorithm=ALGORITHM),
        "key subject in a token": jwt.encode(claims(subject="key:abc"), key, algorithm=ALGORITHM),
        "not a JWT": "not-a-token",
    }
    headers = {name: {"Authorization": f"Bearer {token}"} for name, token in tokens.items()}
    headers["malformed API key"] = {"X-API-Key": "vk_nothing"}
    headers["unknown API key"] = {"X-API-Key": f"vk_{uuid.uuid4().hex[:12]}_{uuid.uuid4().hex}"}
    return headers


def assert_not_authenticated(response, what: str) -> None:
    assert response.status_code == 401, f"{what}: {response.status_code} {response.text[:300]}"
    assert response.json()["error"] == "not_authenticated", what
    assert response.headers["www-authenticate"] == "Bearer", what


@pytest.mark.parametrize(("method", "path"), CORE_ROUTES)
def test_core_routes_without_credentials_are_401(client: TestClient, method: str, path: str) -> None:
    kwargs = {"files": {"file": ("a.pdf", decision_pdf())}} if method == "POST" else {"params": {"q": "nghị định"}}
    assert_not_authenticated(client.request(method, path, auth=None, **kwargs), f"{method} {path}")


def test_every_protected_operation_refuses_every_bad_credential(client: TestClient) -> None:
    operations = protected_operations(client)
    assert len(operations) > 40
    for name, headers in {"no credentials": {}, **bad_credentials(client)}.items():
        for method, path in operations:
            response = client.request(method, path, auth=None, headers=headers)
            assert_not_authenticated(response, f"{name}: {method} {path}")
    assert client.get("/v1/auth/me").json()["subject"] == f"user:{TEST_ADMIN}"  # the real token still works


def test_disabled_user_and_revoked_key_lose_access_at_once(client: TestClient, client_as) -> None:
    reader = client_as(["staff_reader"])
    assert reader.get("/v1/documents").status_code == 200
    assert client.patch(f"/v1/admin/users/{reader.username}", json={"disabled": True}).status_code == 200
    assert_not_authenticated(reader.get("/v1/documents"), "token of a disabled user")

    created = client.post("/v1/admin/keys", json={"name": "scanner-1", "roles": ["staff_reader"]}).json()
    key = {"X-API-Key": created["key"]}
    assert client.get("/v1/documents", auth=None, headers=key).status_code == 200
    rotated = client.post(f"/v1/admin/keys/{created['id']}/rotate").json()
    assert_not_authenticated(client.get("/v1/documents", auth=None, headers=key), "key replaced by rotation")
    assert client.delete(f"/v1/admin/keys/{rotated['id']}").status_code in (200, 204)
    assert_not_authenticated(
        client.get("/v1/documents", auth=None, headers={"X-API-Key": rotated["key"]}), "revoked key"
    )
