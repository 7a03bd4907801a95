"""Response headers, cross-origin rules and rate limits of the running service (the database does not matter
here: SQLite)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from integration.support import TEST_ADMIN, TEST_PASSWORD, TestClient, started_client

from api.ratelimit import RateLimit, TokenBuckets
from api.security import CONTENT_SECURITY_POLICY, RequestRateLimit, TokenRateLimit

from .conftest import security_settings

EVIL_ORIGIN = "https://evil.example"
TRUSTED_ORIGIN = "https://records.example.gov.vn"


@pytest.fixture
def service(tmp_path: Path) -> Iterator[TestClient]:
    settings = security_settings(
        tmp_path / "data",
        f"sqlite:///{tmp_path / 'test.db'}",
        cors_origins=[TRUSTED_ORIGIN],
        rate_limit=RequestRateLimit(per_minute=1, burst=20),
        token_rate_limit=TokenRateLimit(per_minute=1, burst=3),
    )
    with started_client(settings) as client:
        yield client


def assert_security_headers(response, api: bool) -> None:
    headers = response.headers
    assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    assert (headers.get("cache-control") == "no-store") is api


def test_every_kind_of_answer_carries_the_security_headers(service: TestClient) -> None:
    answers = {
        "ok": service.get("/v1/documents"),
        "401": service.get("/v1/documents", auth=None),
        "404": service.get("/v1/documents/nothing-here"),
        "422": service.get("/v1/documents", params={"limit": 0}),
        "no such route": service.get("/v1/nothing"),
    }
    for response in answers.values():
        assert_security_headers(response, api=True)
    assert answers["ok"].status_code == 200
    assert_security_headers(service.get("/healthz"), api=False)
    assert_security_headers(service.get("/openapi.json"), api=False)
    docs = service.get("/docs")
    assert "frame-ancestors 'none'" in docs.headers["content-security-policy"]


def test_other_origins_get_no_cors_grant_and_cannot_change_anything(service: TestClient) -> None:
    read = service.get("/v1/documents", headers={"Origin": EVIL_ORIGIN})
    assert read.status_code == 200 and "access-control-allow-origin" not in read.headers
    preflight = service.options(
        "/v1/documents",
        headers={
            "Origin": EVIL_ORIGIN,
            "Access-Control-Request-Method": "DELETE",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert preflight.headers.get("access-control-allow-origin") is None
    forged = service.post("/v1/dossiers", json={"code": "HS-1", "title": "x"}, headers={"Origin": EVIL_ORIGIN})
    assert forged.status_code == 403 and forged.json()["error"] == "cross_origin_forbidden"
    assert_security_headers(forged, api=True)
    assert service.get("/v1/dossiers").json() == []


def test_listed_origin_and_same_origin_are_allowed(service: TestClient) -> None:
    preflight = service.options(
        "/v1/documents",
        headers={
            "Origin": TRUSTED_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == TRUSTED_ORIGIN
    read = service.get("/v1/documents", headers={"Origin": TRUSTED_ORIGIN})
    assert read.headers["access-control-allow-origin"] == TRUSTED_ORIGIN
    same_origin = service.post(
        "/v1/auth/token",
        data={"username": TEST_ADMIN, "password": TEST_PASSWORD},
        headers={"Origin": "http://testserver"},
        auth=None,
    )
    assert same_origin.status_code == 200


def test_login_attempts_are_limited_per_address_with_retry_after(service: TestClient) -> None:
    guesses = [
        service.post("/v1/auth/token", data={"username": TEST_ADMIN, "password": f"guess {i}"}, auth=None)
        for i in range(4)
    ]
    assert [r.status_code for r in guesses] == [401, 401, 401, 429]
    limited = guesses[-1]
    assert limited.json()["error"] == "rate_limited"
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert_security_headers(limited, api=True)
    right = service.post("/v1/auth/token", data={"username": TEST_ADMIN, "password": TEST_PASSWORD}, auth=None)
    assert right.status_code == 429  # even the right password waits: guessing must not be told apart
    assert service.get("/v1/documents").status_code == 200  # other routes are not affected


def test_requests_are_limited_per_principal_and_forged_tokens_per_address(service: TestClient, client_as) -> None:
    # A new credential's first request is charged to its address; once it has authenticated, to its principal.
    admin = [service.get("/v1/auth/me").status_code for _ in range(22)]
    assert admin == [200] * 21 + [429]
    reader = client_as(["staff_reader"], username="reader.own.bucket")
    assert [reader.get("/v1/auth/me").status_code for _ in range(5)] == [200] * 5
    invented = {"Authorization": "Bearer invented"}
    forged = [service.get("/v1/auth/me", auth=None, headers=invented).status_code for _ in range(21)]
    assert 429 in forged and set(forged[: forged.index(429)]) == {401}  # new tokens do not buy new buckets


def test_token_bucket_refills_at_its_rate() -> None:
    buckets = TokenBuckets(RateLimit(per_minute=60, burst=2))
    assert buckets.take("a", now=0.0) is None and buckets.take("a", now=0.0) is None
    assert buckets.take("a", now=0.0) == pytest.approx(1.0)
    assert buckets.take("a", now=0.5) == pytest.approx(0.5)
    assert buckets.take("a", now=1.5) is None
    assert buckets.take("b", now=1.5) is None  # another key, another bucket


def test_forgotten_buckets_start_full() -> None:
    buckets = TokenBuckets(RateLimit(per_minute=1, burst=1), max_tracked=2)
    assert [buckets.take(key, now=0.0) for key in "abc"] == [None, None, None]
    assert buckets.take("c", now=0.0) is not None
    assert buckets.take("a", now=0.0) is None  # "a" was dropped as the least recently used
