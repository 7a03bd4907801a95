"""The HTTP service: `create_app(settings)`; run it with `vanthu serve` or `uvicorn --factory api.app:create_app`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from http import HTTPStatus

import anyio
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from api.audit import AuditMiddleware
from api.errors import ApiError
from api.exchange.links import link_entities_hook
from api.review import low_confidence_hook
from api.routes import admin as admin_routes
from api.routes import audit as audit_routes
from api.routes import auth as auth_routes
from api.routes import corrections, documents, exchange, extract, governance, health, models
from api.routes import pages as pages_routes
from api.routes import review as review_routes
from api.routes import search as search_routes
from api.routes import training as training_routes
from api.runtime import Runtime, open_runtime, start_workers, stop_workers
from api.search import index_on_commit
from api.security import install_security
from api.settings import Settings, get_settings
from api.web import router as web_router
from inference.errors import InputError

logger = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Nothing happens until start-up: then the database is migrated and the job workers start."""
    settings = settings or get_settings()
    app = FastAPI(
        title="vanthu",
        summary="Scanned Vietnamese administrative documents in, metadata records out.",
        version="0.1.0",
        lifespan=_lifespan(settings),
    )
    for router in (
        extract.router, documents.router, health.router, corrections.router, models.router, governance.router,
        exchange.router, search_routes.router, web_router, review_routes.router, training_routes.router,
        auth_routes.router, admin_routes.router, pages_routes.router, audit_routes.router,
    ):
        app.include_router(router)
    app.add_middleware(AuditMiddleware)
    install_security(app, settings.security)
    _add_error_handlers(app)
    return app


def _lifespan(settings: Settings) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = await run_in_threadpool(open_runtime, settings)
        app.state.runtime = runtime
        install_completion_hooks(runtime)
        app.state.extract_limiter = anyio.CapacityLimiter(settings.max_concurrent_extractions)
        workers = start_workers(runtime)
        try:
            yield
        finally:
            await run_in_threadpool(stop_workers, workers)
            runtime.close()

    return lifespan


def install_completion_hooks(runtime: Runtime) -> None:
    """What storing a finished extraction triggers besides its own rows; the job workers and batch
    ingestion (api/ingest_batch.py) install the same hooks."""
    settings = runtime.settings
    runtime.queue.completion_hooks.append(link_entities_hook(settings.exchange.units_path))
    runtime.queue.completion_hooks.append(index_on_commit(runtime))
    runtime.queue.completion_hooks.append(low_confidence_hook(settings.review, settings.governance.qc))


def error_response(status: int, code: str, reason: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": code, "reason": reason}, status_code=status, headers=headers)


def _add_error_handlers(app: FastAPI) -> None:
    async def on_input_error(_: Request, error: InputError) -> JSONResponse:
        return error_response(error.status, error.code, error.reason)

    async def on_api_error(_: Request, error: ApiError) -> JSONResponse:
        return error_response(error.status, error.code, error.reason, error.headers)

    async def on_http_error(_: Request, error: HTTPException) -> JSONResponse:
        code = HTTPStatus(error.status_code).phrase.lower().replace(" ", "_").replace("-", "_")
        return error_response(error.status_code, code, str(error.detail), error.headers)

    async def on_invalid_request(_: Request, error: RequestValidationError) -> JSONResponse:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        return error_response(422, "invalid_request", problems)

    async def on_unexpected(request: Request, error: Exception) -> JSONResponse:
        logger.error("%s %s failed", request.method, request.url.path, exc_info=error)
        return error_response(500, "internal_error", "internal error; see the service log")

    app.add_exception_handler(InputError, on_input_error)
    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(HTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_invalid_request)
    app.add_exception_handler(Exception, on_unexpected)
