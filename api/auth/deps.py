"""Route dependencies: who calls (`PrincipalDep`) and whether their roles allow it (`require_roles`).

Staff send `Authorization: Bearer <JWT>` (from `POST /v1/auth/token`); pipelines send `X-API-Key: <key>`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer

from api.auth.accounts import key_principal, user_principal
from api.auth.errors import Forbidden, NotAuthenticated
from api.auth.principal import Principal, Role
from api.auth.tokens import token_subject
from api.errors import ErrorBody
from api.routes.deps import RuntimeDep
from api.runtime import Runtime

TOKEN_URL = "/v1/auth/token"
API_KEY_HEADER = "X-API-Key"
USER_SUBJECT = "user:"

bearer_scheme = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)
api_key_scheme = APIKeyHeader(name=API_KEY_HEADER, auto_error=False)

AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {401: {"model": ErrorBody}, 403: {"model": ErrorBody}}


def resolve_principal(runtime: Runtime, token: str | None, api_key: str | None) -> Principal | None:
    auth = runtime.settings.auth
    with runtime.sessions.begin() as session:
        if api_key:
            return key_principal(session, api_key, timedelta(seconds=auth.key_touch_seconds))
        subject = token_subject(auth, token) if token else None
        if subject is None or not subject.startswith(USER_SUBJECT):
            return None
        return user_principal(session, subject.removeprefix(USER_SUBJECT))


async def current_principal(
    request: Request,
    runtime: RuntimeDep,
    token: Annotated[str | None, Security(bearer_scheme)],
    api_key: Annotated[str | None, Security(api_key_scheme)],
) -> Principal:
    principal = await run_in_threadpool(resolve_principal, runtime, token, api_key)
    if principal is None:
        raise NotAuthenticated(
            "log in (POST /v1/auth/token) or send an API key; the token or key is missing, invalid, expired or revoked"
        )
    request.state.principal = principal
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: Role) -> Any:
    """A dependency for `dependencies=[...]`: 403 unless the principal has one of `roles`."""

    def check(principal: PrincipalDep) -> None:
        if not principal.has_role(*roles):
            raise Forbidden(f"this needs one of the roles {', '.join(roles)}")

    return Depends(check)
