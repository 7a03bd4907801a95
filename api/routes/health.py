from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.errors import DatabaseUnavailable, ErrorBody
from api.routes.deps import RuntimeDep
from api.runtime import Runtime

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness and database reachability", responses={503: {"model": ErrorBody}})
async def healthz(runtime: RuntimeDep) -> dict[str, str]:
    await run_in_threadpool(_ping_database, runtime)
    return {"status": "ok"}


def _ping_database(runtime: Runtime) -> None:
    try:
        with runtime.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        raise DatabaseUnavailable(f"the database does not answer: {type(error).__name__}") from error
