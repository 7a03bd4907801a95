"""Rate limits: a token bucket per caller, in this process's memory; 429 with `Retry-After` when empty.

The caller is its principal once its credential has been seen to authenticate (every token and key of a
user share one bucket), otherwise its client address: an unknown or forged credential is charged to the
address it comes from, so inventing tokens does not buy fresh buckets. `POST /v1/auth/token` (password
guessing) has its own, stricter bucket per address. With several service processes each keeps its own
buckets (see docs/decisions.md).
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import OrderedDict
from dataclasses import dataclass

from pydantic import BaseModel, Field
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import ErrorBody

TOKEN_PATH = "/v1/auth/token"
CREDENTIAL_HEADERS = (b"authorization", b"x-api-key")
MAX_TRACKED = 10_000
"""Buckets (and known credentials) kept; the least recently used go first. A forgotten bucket is full."""


class RateLimit(BaseModel):
    per_minute: float = Field(gt=0)
    """Sustained requests per minute (the refill rate)."""
    burst: int = Field(gt=0)
    """Requests allowed at once after a quiet spell (the bucket size)."""


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """Buckets by key; `take` spends one token or says how many seconds until one is there."""

    def __init__(self, limit: RateLimit, max_tracked: int = MAX_TRACKED):
        self._limit = limit
        self._max_tracked = max_tracked
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def take(self, key: str, now: float) -> float | None:
        """None when a token was spent; otherwise the wait in seconds for the next one."""
        bucket = self._buckets.pop(key, None) or _Bucket(float(self._limit.burst), now)
        rate = self._limit.per_minute / 60
        bucket.tokens = min(float(self._limit.burst), bucket.tokens + (now - bucket.updated) * rate)
        bucket.updated = now
        _remember(self._buckets, key, bucket, self._max_tracked)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return None
        return (1 - bucket.tokens) / rate


def _remember(entries: OrderedDict, key: str, value: object, max_entries: int) -> None:
    entries[key] = value
    entries.move_to_end(key)
    while len(entries) > max_entries:
        entries.popitem(last=False)


class RateLimitMiddleware:
    """Pure ASGI, so it sees `request.state.principal` (set by the auth dependency) after the route ran."""

    def __init__(self, app: ASGIApp, requests: RateLimit, token_requests: RateLimit):
        self.app = app
        self._requests = TokenBuckets(requests)
        self._token_requests = TokenBuckets(token_requests)
        self._subjects: OrderedDict[str, str] = OrderedDict()
        """Principal subject by credential digest, for credentials seen to authenticate."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        credential = _credential_digest(scope)
        buckets, key = self._bucket_of(scope, credential)
        wait = buckets.take(key, time.monotonic())
        if wait is not None:
            seconds = max(1, math.ceil(wait))
            body = ErrorBody(error="rate_limited", reason=f"too many requests; try again in {seconds} s")
            await JSONResponse(body.model_dump(), 429, {"Retry-After": str(seconds)})(scope, receive, send)
            return
        await self.app(scope, receive, send)
        self._learn(credential, scope.get("state", {}).get("principal"))

    def _bucket_of(self, scope: Scope, credential: str | None) -> tuple[TokenBuckets, str]:
        address = f"address:{scope['client'][0] if scope.get('client') else 'unknown'}"
        if scope["path"] == TOKEN_PATH and scope["method"] == "POST":
            return self._token_requests, address
        subject = self._subjects.get(credential) if credential else None
        return self._requests, f"principal:{subject}" if subject else address

    def _learn(self, credential: str | None, principal: object) -> None:
        if credential is None:
            return
        subject = getattr(principal, "subject", None)
        if subject:
            _remember(self._subjects, credential, subject, MAX_TRACKED)
        else:  # refused (expired, revoked): charged to its address from now on
            self._subjects.pop(credential, None)


def _credential_digest(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name in CREDENTIAL_HEADERS:
            return hashlib.sha256(name + b"\0" + value).hexdigest()
    return None
