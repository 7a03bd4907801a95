"""Errors of the HTTP layer, rendered like `InputError`s: `{"error": code, "reason": "..."}`."""

from __future__ import annotations

from pydantic import BaseModel


class ErrorBody(BaseModel):
    error: str
    """A stable code: `empty_file`, `too_large`, `not_found`, ..."""
    reason: str
    """For people."""


class ApiError(Exception):
    code = "bad_request"
    status = 400
    headers: dict[str, str] | None = None
    """Response headers, e.g. `WWW-Authenticate` of a 401."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class DocumentNotFound(ApiError):
    code = "not_found"
    status = 404


class InvalidCursor(ApiError):
    code = "invalid_cursor"
    status = 422


class MissingFilePart(ApiError):
    code = "missing_file"
    status = 422


class MalformedUpload(ApiError):
    code = "bad_multipart"
    status = 400


class NotMultipart(ApiError):
    code = "unsupported_media_type"
    status = 415


class DatabaseUnavailable(ApiError):
    code = "database_unavailable"
    status = 503


INPUT_ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorBody} for status in (400, 413, 415, 422)
}
"""OpenAPI `responses` of the routes taking an upload."""
