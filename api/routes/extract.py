from __future__ import annotations

from anyio import to_thread
from fastapi import APIRouter, Depends, Request

from api.auth.deps import AUTH_RESPONSES, current_principal
from api.errors import INPUT_ERROR_RESPONSES
from api.routes.deps import RuntimeDep, UploadDep
from api.uploads import UPLOAD_OPENAPI
from inference.pipeline import extract_document
from inference.sandbox import run_limited
from inference.schema import ExtractionResult

router = APIRouter(prefix="/v1", tags=["extract"], dependencies=[Depends(current_principal)])

@router.post(
    "/extract",
    summary="Extract one document now; nothing is stored",
    description=(
        "Runs the pipeline on the uploaded file (multipart part `file`) and answers with the same "
        "object `vanthu extract --json` prints. At most `max_concurrent_extractions` run at once; "
        "further requests wait."
    ),
    responses={**INPUT_ERROR_RESPONSES, **AUTH_RESPONSES},
    openapi_extra=UPLOAD_OPENAPI,
)
async def extract(request: Request, upload: UploadDep, runtime: RuntimeDep) -> ExtractionResult:
    # The options are resolved in the thread: they read the active model versions from the database.
    return await to_thread.run_sync(
        lambda: run_limited(
            extract_document, upload.data, upload.filename, runtime.pipeline_options(),
            limits=runtime.settings.security.pipeline,
        ),
        limiter=request.app.state.extract_limiter,
    )
