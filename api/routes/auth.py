"""Logging in: `POST /v1/auth/token` (OAuth2 password flow) and `GET /v1/auth/me`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import OAuth2PasswordRequestForm

from api.auth.accounts import password_principal
from api.auth.deps import AUTH_RESPONSES, PrincipalDep
from api.auth.errors import NotAuthenticated
from api.auth.principal import Principal
from api.auth.tokens import IssuedToken, issue_token
from api.errors import ErrorBody
from api.routes.deps import RuntimeDep
from api.runtime import Runtime

router = APIRouter(prefix="/v1/auth", tags=["auth"])


class InvalidCredentials(NotAuthenticated):
    code = "invalid_credentials"


def _log_in(runtime: Runtime, username: str, password: str) -> Principal | None:
    with runtime.sessions() as session:
        return password_principal(session, username, password)


@router.post(
    "/token",
    summary="Log in with a user name and password (OAuth2 password flow); a short-lived bearer token",
    responses={401: {"model": ErrorBody}},
)
async def log_in(
    request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()], runtime: RuntimeDep
) -> IssuedToken:
    principal = await run_in_threadpool(_log_in, runtime, form.username, form.password)
    if principal is None:
        request.state.audit_detail = {"username": form.username}
        raise InvalidCredentials("wrong user name or password, or the user is disabled")
    request.state.principal = principal
    return issue_token(runtime.settings.auth, principal.subject)


@router.get("/me", summary="Who the token or key belongs to: roles, agency, scope, clearance", responses=AUTH_RESPONSES)
async def me(principal: PrincipalDep) -> Principal:
    return principal
