"""Errors of the exchange routes and commands, rendered as `{"error", "reason"}`."""

from __future__ import annotations

from api.errors import ApiError


class DossierNotFound(ApiError):
    code = "not_found"
    status = 404


class DossierExists(ApiError):
    code = "dossier_exists"
    status = 409


class InvalidExchange(ApiError):
    """An import file that is not a valid exchange document, or that does not fit the store."""

    code = "invalid_exchange"
    status = 422


class NotReady(ApiError):
    code = "not_ready"
    status = 409
