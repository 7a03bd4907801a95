"""Refusals of authentication (401) and of authorisation by role (403)."""

from __future__ import annotations

from typing import ClassVar

from api.errors import ApiError


class NotAuthenticated(ApiError):
    code = "not_authenticated"
    status = 401
    headers: ClassVar[dict[str, str] | None] = {"WWW-Authenticate": "Bearer"}


class Forbidden(ApiError):
    """Roles are not secret, documents are: a missing role is a 403, an invisible document a 404."""

    code = "forbidden"
    status = 403
