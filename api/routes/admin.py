"""Administration of users, API keys and the agency tree (role admin, within the admin's own scope)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import APIRouter, status
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from api.auth import accounts
from api.auth.accounts import AgencyNode, CreatedKey, KeySpec, KeyView, UserChange, UserSpec, UserView
from api.auth.deps import AUTH_RESPONSES, PrincipalDep, require_roles
from api.auth.principal import Role
from api.errors import ErrorBody
from api.routes.deps import RuntimeDep
from api.runtime import Runtime

T = TypeVar("T")
router = APIRouter(prefix="/v1/admin", tags=["admin"], dependencies=[require_roles(Role.admin)])
ERRORS = {status: {"model": ErrorBody} for status in (404, 409, 422)} | AUTH_RESPONSES


def _in_transaction(runtime: Runtime, action: Callable[[Session], T]) -> T:
    with runtime.sessions.begin() as session:
        return action(session)


async def _run(runtime: Runtime, action: Callable[[Session], T]) -> T:
    return await run_in_threadpool(_in_transaction, runtime, action)


@router.get("/users", summary="Users of your agency and its units", responses=AUTH_RESPONSES)
async def list_users(runtime: RuntimeDep, principal: PrincipalDep) -> list[UserView]:
    return await _run(runtime, lambda s: accounts.list_users(s, principal))


@router.post("/users", status_code=status.HTTP_201_CREATED, summary="Create a user", responses=ERRORS)
async def create_user(spec: UserSpec, runtime: RuntimeDep, principal: PrincipalDep) -> UserView:
    return await _run(runtime, lambda s: accounts.create_user(s, spec, principal))


@router.patch(
    "/users/{username}", summary="Change a user's roles, agency, clearance, password, or disable it", responses=ERRORS
)
async def update_user(username: str, change: UserChange, runtime: RuntimeDep, principal: PrincipalDep) -> UserView:
    return await _run(runtime, lambda s: accounts.update_user(s, username, change, principal))


@router.get("/keys", summary="API keys of your agency and its units (never their secrets)", responses=AUTH_RESPONSES)
async def list_keys(runtime: RuntimeDep, principal: PrincipalDep) -> list[KeyView]:
    return await _run(runtime, lambda s: accounts.list_keys(s, principal))


@router.post(
    "/keys",
    status_code=status.HTTP_201_CREATED,
    summary="Create an API key; the key is in this answer only",
    responses=ERRORS,
)
async def create_key(spec: KeySpec, runtime: RuntimeDep, principal: PrincipalDep) -> CreatedKey:
    return await _run(runtime, lambda s: accounts.create_key(s, spec, principal.subject, principal))


@router.post(
    "/keys/{key_id}/rotate",
    status_code=status.HTTP_201_CREATED,
    summary="Replace a key by a new one with the same rights; the old one stops working now",
    responses=ERRORS,
)
async def rotate_key(key_id: str, runtime: RuntimeDep, principal: PrincipalDep) -> CreatedKey:
    return await _run(runtime, lambda s: accounts.rotate_key(s, key_id, principal.subject, principal))


@router.delete("/keys/{key_id}", summary="Revoke a key", responses=ERRORS)
async def revoke_key(key_id: str, runtime: RuntimeDep, principal: PrincipalDep) -> KeyView:
    return await _run(runtime, lambda s: accounts.revoke_key(s, key_id, principal))


@router.get("/agencies", summary="The agency tree", responses=AUTH_RESPONSES)
async def agencies(runtime: RuntimeDep) -> AgencyNode:
    return await _run(runtime, accounts.agency_tree)
