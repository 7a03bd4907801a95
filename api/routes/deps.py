"""Dependencies shared by the routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.runtime import Runtime
from api.uploads import Upload, read_upload


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_upload(request: Request, runtime: RuntimeDep) -> Upload:
    return await read_upload(request, runtime.settings.max_upload_bytes)


UploadDep = Annotated[Upload, Depends(get_upload)]
