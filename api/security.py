"""The service's guards that are not about who you are: response headers, cross-origin rules, rate limits
and the limits of the worker processes that read uploaded files (`security` in the settings).

Limits on the file itself stay where they were: `max_upload_bytes` and `pipeline.limits` (pages, pixels).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import FastAPI
from pydantic import BaseModel, Field
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import ErrorBody
from api.ratelimit import RateLimit, RateLimitMiddleware
from inference.sandbox import MB, SandboxLimits

CONTENT_SECURITY_POLICY = "default-src 'self'; img-src 'self' data: blob:; frame-ancestors 'none'"
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' https://cdn.jsdelivr.net; img-src 'self' data: blob: https://fastapi.tiangolo.com; "
    "frame-ancestors 'none'"
)
"""FastAPI's /docs and /redoc pages: their scripts and styles come from a CDN and start inline. They show no data."""
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})
API_PREFIX = "/v1"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CORS_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
CORS_HEADERS = ["Authorization", "Content-Type", "X-API-Key"]


# Each default in a class of its own, so one variable (`VANTHU_SECURITY__PIPELINE__SECONDS=600`) changes one value.


class RequestRateLimit(RateLimit):
    per_minute: float = Field(default=600, gt=0)
    burst: int = Field(default=120, gt=0)


class TokenRateLimit(RateLimit):
    per_minute: float = Field(default=5, gt=0)
    burst: int = Field(default=10, gt=0)


class InspectionLimits(SandboxLimits):
    seconds: float = Field(default=60, gt=0)
    memory_bytes: int = Field(default=1024 * MB, gt=0)


class PipelineLimits(SandboxLimits):
    seconds: float = Field(default=1800, gt=0)
    memory_bytes: int = Field(default=3072 * MB, gt=0)


class SecuritySettings(BaseModel):
    cors_origins: list[str] = Field(default_factory=list)
    """Origins (`https://host[:port]`) whose pages may call the API from a browser; none by default.
    `VANTHU_SECURITY__CORS_ORIGINS='["https://records.example.gov.vn"]'`."""
    rate_limit: RequestRateLimit = Field(default_factory=RequestRateLimit)
    """Per principal, or per client address for anonymous calls."""
    token_rate_limit: TokenRateLimit = Field(default_factory=TokenRateLimit)
    """`POST /v1/auth/token` per client address: password guessing."""
    inspection: InspectionLimits = Field(default_factory=InspectionLimits)
    """Checking an upload before it is stored (every page parsed once), in a worker process."""
    pipeline: PipelineLimits = Field(default_factory=PipelineLimits)
    """One document through the whole pipeline (a job, `POST /v1/extract`), in a worker process."""


def install_security(app: FastAPI, settings: SecuritySettings) -> None:
    """From the outside in: headers on every answer (429s and refusals too), rate limits, NUL characters,
    origins (the last added middleware is the outermost)."""
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=CORS_METHODS,
            allow_headers=CORS_HEADERS,
            max_age=600,
        )
    app.add_middleware(CrossOriginGuard, allowed=frozenset(settings.cors_origins))
    app.add_middleware(NulGuard)
    app.add_middleware(RateLimitMiddleware, requests=settings.rate_limit, token_requests=settings.token_rate_limit)
    app.add_middleware(SecurityHeaders)


class SecurityHeaders:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                headers["Content-Security-Policy"] = (
                    DOCS_CONTENT_SECURITY_POLICY if path in DOCS_PATHS else CONTENT_SECURITY_POLICY
                )
                if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


class NulGuard:
    """Refuses a NUL character in the path or the query: no parameter has a use for it, and PostgreSQL
    refuses it in text (a query would fail with a 500 instead of a 4xx)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and ("\x00" in scope["path"] or b"%00" in scope["query_string"]):
            reason = "the path or the query contains a NUL character"
            await JSONResponse(ErrorBody(error="invalid_request", reason=reason).model_dump(), 400)(
                scope, receive, send
            )
            return
        await self.app(scope, receive, send)


class CrossOriginGuard:
    """Refuses state-changing requests a browser sends from a page of another origin that is not allowed
    (cross-site request forgery); reading answers across origins is the browser's CORS business."""

    def __init__(self, app: ASGIApp, allowed: frozenset[str]):
        self.app = app
        self._allowed = allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in SAFE_METHODS and not self._permits(Headers(scope=scope)):
            reason = "requests from pages of this origin are not allowed (security.cors_origins)"
            await JSONResponse(ErrorBody(error="cross_origin_forbidden", reason=reason).model_dump(), 403)(
                scope, receive, send
            )
            return
        await self.app(scope, receive, send)

    def _permits(self, headers: Headers) -> bool:
        origin = headers.get("origin")
        if origin is None or origin in self._allowed:
            return True
        return urlsplit(origin).netloc.lower() == headers.get("host", "").lower()
