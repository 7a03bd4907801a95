"""The staff web application: static ES modules served at `/` (index.html) and `/static/...`, no build step."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from api.errors import ApiError

STATIC_DIR = Path(__file__).parent / "static"
REVALIDATE = {"Cache-Control": "no-cache"}
"""Browsers keep the files but ask again (ETag) each time, so a new version is picked up without a build hash."""

router = APIRouter(include_in_schema=False)


class StaticFileNotFound(ApiError):
    code = "not_found"
    status = 404


@router.get("/")
async def index() -> FileResponse:
    return FileResponse(STATIC_DIR / "index.html", headers=REVALIDATE)


@router.get("/static/{path:path}")
async def static_file(path: str) -> FileResponse:
    return FileResponse(_static_path(path), headers=REVALIDATE)


def _static_path(path: str) -> Path:
    """The file under `STATIC_DIR` that `path` names; anything outside it or not a file is a 404."""
    root = STATIC_DIR.resolve()
    candidate = (root / path).resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        raise StaticFileNotFound(f"no static file {path!r}")
    return candidate
