"""The model registry: `GET /v1/models`, `POST /v1/models/{name}/promote`, `POST /v1/models/{name}/rollback`."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from api.auth.deps import AUTH_RESPONSES, PrincipalDep, current_principal, require_roles
from api.auth.principal import Role
from api.errors import ErrorBody
from api.models_registry import ModelEvent, ModelList, run_gate
from api.routes.deps import RuntimeDep

router = APIRouter(prefix="/v1/models", tags=["models"], dependencies=[Depends(current_principal)])
DECISION_ERRORS = {**AUTH_RESPONSES, **{status: {"model": ErrorBody} for status in (404, 409)}}
ML_ENGINEERS = [require_roles(Role.admin, Role.ml_engineer)]


class PromoteRequest(BaseModel):
    version: str
    force: bool = False
    """Promote even when the gate refuses (recorded as forced)."""


@router.get("", summary="Each model: its versions, the active one and the history of decisions")
async def list_models(runtime: RuntimeDep) -> ModelList:
    return await run_in_threadpool(runtime.models.list)


@router.post(
    "/{name}/promote",
    summary="Make a version active, if the gate finds it not worse than the active one",
    description=(
        "Scores the active and the candidate version on the model's frozen evaluation set; refuses "
        "(409 `promotion_refused`) a candidate worse beyond noise (one-sided exact McNemar, alpha 0.05) "
        "unless `force`. The decision and its figures are recorded either way. Jobs use the new "
        "version from the next extraction on; no restart."
    ),
    responses=DECISION_ERRORS,
    dependencies=ML_ENGINEERS,
)
async def promote(name: str, request: PromoteRequest, runtime: RuntimeDep, principal: PrincipalDep) -> ModelEvent:
    who = principal.subject
    return await run_in_threadpool(runtime.models.promote, name, request.version, who, request.force, run_gate)


@router.post(
    "/{name}/rollback", summary="Go back to the version active before the last promotion", responses=DECISION_ERRORS,
    dependencies=ML_ENGINEERS,
)
async def rollback(name: str, runtime: RuntimeDep, principal: PrincipalDep) -> ModelEvent:
    return await run_in_threadpool(runtime.models.rollback, name, principal.subject)
