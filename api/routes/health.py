from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import text

from api.routes.deps import RuntimeDep
from api.runtime import Runtime

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness and database reachability")
async def healthz(runtime: RuntimeDep) -> dict[str, str]:
    await run_in_threadpool(_ping_database, runtime)
    return {"status": "ok"}


def _ping_database(runtime: Runtime) -> None:
    with runtime.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
