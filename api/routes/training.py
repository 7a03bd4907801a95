"""Retraining from the service and what the models page charts: `POST /v1/models/{name}/train`,
`GET /v1/training-runs[/{id}]`, `POST /v1/training-runs/{id}/cancel`, `GET /v1/models/{name}/metrics`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from api.auth.deps import AUTH_RESPONSES, PrincipalDep, require_roles
from api.auth.principal import Role
from api.errors import ErrorBody
from api.model_metrics import ModelMetrics, model_metrics
from api.routes.deps import RuntimeDep
from api.training_runs import MAX_LIST, RECIPES, TrainingRun, TrainRequest, cancel_run, get_run, list_runs, start_run

router = APIRouter(
    tags=["training"], dependencies=[require_roles(Role.ml_engineer, Role.admin)], responses=AUTH_RESPONSES
)
ERRORS = {status: {"model": ErrorBody} for status in (404, 409, 422)}


@router.post(
    "/v1/models/{name}/train",
    status_code=202,
    responses=ERRORS,
    summary="Start retraining a model in a separate process; follow it with GET /v1/training-runs/{id}",
    description=(
        "`quick` fine-tunes the active version for a few minutes (`VANTHU_TRAINING__QUICK_STEPS`), `full` "
        "with the DVC pipeline's parameters (params.yaml). One run at a time (409 `training_busy`). A "
        "successful run's version is a local candidate of the registry: promote it through the gate."
    ),
)
async def train(name: str, request: TrainRequest, runtime: RuntimeDep, principal: PrincipalDep) -> TrainingRun:
    return await run_in_threadpool(
        start_run, runtime.settings, runtime.sessions, runtime.models, name, request, principal.subject
    )


@router.get("/v1/training-runs", summary="Training runs, newest first")
async def training_runs(
    runtime: RuntimeDep, model: str | None = None, limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 50
) -> list[TrainingRun]:
    return await run_in_threadpool(list_runs, runtime.sessions, runtime.settings.training, model, limit)


@router.get(
    "/v1/training-runs/{run_id}", summary="One run: status, step / total, loss, log tail, version", responses=ERRORS
)
async def training_run(run_id: str, runtime: RuntimeDep) -> TrainingRun:
    return await run_in_threadpool(get_run, runtime.sessions, runtime.settings.training, run_id)


@router.post("/v1/training-runs/{run_id}/cancel", summary="Stop a queued or running run", responses=ERRORS)
async def cancel(run_id: str, runtime: RuntimeDep) -> TrainingRun:
    return await run_in_threadpool(cancel_run, runtime.sessions, runtime.settings.training, run_id)


@router.get(
    "/v1/models/{name}/metrics", summary="Each version's card metrics (numbers only), for charts", responses=ERRORS
)
async def metrics(name: str, runtime: RuntimeDep) -> ModelMetrics:
    found = await run_in_threadpool(model_metrics, runtime.models, name)
    return found.model_copy(update={"trainable": name in RECIPES})
