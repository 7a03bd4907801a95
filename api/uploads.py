"""Reading one uploaded file from a multipart request, refusing oversized bodies while they stream in."""

from __future__ import annotations

import unicodedata
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from pathlib import PureWindowsPath

from fastapi import Request
from starlette.requests import ClientDisconnect
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from api.errors import MalformedUpload, MissingFilePart, NotMultipart
from inference.errors import EmptyFile, TooLarge

FILE_FIELD = "file"
MULTIPART_OVERHEAD_BYTES = 64 * 1024
"""Room for boundaries, part headers and small form fields on top of the file itself."""
MAX_FILENAME_CHARS = 255

UPLOAD_OPENAPI = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": [FILE_FIELD],
                    "properties": {FILE_FIELD: {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}
"""The request body as OpenAPI shows it: the body is parsed by hand (see `read_upload`), not by FastAPI."""


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes
    form: dict[str, str] = field(default_factory=dict)
    """The text parts sent beside the file (e.g. `secrecy`, `access_mode` of `POST /v1/documents`)."""


async def read_upload(request: Request, max_bytes: int) -> Upload:
    """The `file` part of a multipart body; raises `ApiError`/`InputError` for anything else."""
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise NotMultipart("send the document as multipart/form-data with a part named 'file'")
    body_limit = max_bytes + MULTIPART_OVERHEAD_BYTES
    declared_length = request.headers.get("content-length", "")
    if declared_length.isdigit() and int(declared_length) > body_limit:
        raise _too_large(max_bytes)
    parser = MultiPartParser(
        request.headers, _limited(request.stream(), body_limit, max_bytes), max_files=1, max_fields=16
    )
    try:
        form = await parser.parse()
    except MultiPartException as error:
        raise MalformedUpload(f"malformed multipart body: {error.message}") from error
    except ClientDisconnect as error:  # nobody reads the answer; this keeps it out of the error log
        raise MalformedUpload("the client disconnected before the upload was complete") from error
    try:
        upload = await _file_part(form.get(FILE_FIELD), max_bytes)
        return Upload(upload.filename, upload.data, {k: v for k, v in form.multi_items() if isinstance(v, str)})
    finally:
        await form.close()


async def _file_part(part: UploadFile | str | None, max_bytes: int) -> Upload:
    if not isinstance(part, UploadFile):
        raise MissingFilePart(f"no file in the multipart part named '{FILE_FIELD}'")
    data = await part.read()
    if len(data) > max_bytes:
        raise _too_large(max_bytes)
    if not data:
        raise EmptyFile("the uploaded file is empty")
    return Upload(filename=clean_filename(part.filename), data=data)


async def _limited(chunks: AsyncGenerator[bytes, None], limit: int, max_bytes: int) -> AsyncGenerator[bytes, None]:
    received = 0
    async for chunk in chunks:
        received += len(chunk)
        if received > limit:
            raise _too_large(max_bytes)
        yield chunk


def _too_large(max_bytes: int) -> TooLarge:
    return TooLarge(f"the upload is larger than the limit of {max_bytes} bytes")


def clean_filename(filename: str | None) -> str:
    """The last path component only (clients send `C:\\scans\\a.pdf` or `../a.pdf`), without control and
    invisible formatting characters (NUL, which PostgreSQL refuses, line breaks, right-to-left overrides)."""
    visible = "".join(c for c in filename or "" if unicodedata.category(c)[0] != "C")
    name = PureWindowsPath(visible).name.strip()
    return name[-MAX_FILENAME_CHARS:] if name.strip(".") else "upload"
