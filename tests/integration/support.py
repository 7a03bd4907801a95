"""Helpers of the service tests: sample files, bad requests, a look into the store, waiting for jobs."""

from __future__ import annotations

import functools
import io
import os
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from httpx import Response
from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader, PdfWriter
from sqlalchemy import func, select

from api.app import create_app
from api.auth.accounts import AgencySpec, add_agency
from api.auth.passwords import hash_password
from api.auth.principal import Role, SecrecyLevel
from api.auth.tokens import issue_token
from api.settings import Settings
from api.store.blobs import BlobStore
from api.store.db import create_db_engine
from api.store.identity import ROOT_AGENCY_CODE, AgencyRow, UserRow
from api.store.models import DocumentRow, JobRow
from inference.options import LoadLimits, PipelineOptions
from training.synth import sample_document

with warnings.catch_warnings():
    # Starlette 1.x would like httpx2 behind its TestClient; the pinned httpx works.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

FONT_PATH = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
SAMPLE_DPI = 200
A4_AT_SAMPLE_DPI = (1654, 2339)
JOB_TIMEOUT_SECONDS = 120
MAX_UPLOAD_BYTES = 1024 * 1024
MAX_PAGES = 2

TextLine = tuple[tuple[int, int], str, int]
"""Where (pixels), what, and the font size."""

DECISION_LINES: list[TextLine] = [
    ((180, 160), "UỶ BAN NHÂN DÂN", 30),
    ((860, 160), "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM", 30),
    ((180, 205), "TỈNH NINH BÌNH", 30),
    ((980, 205), "Độc lập - Tự do - Hạnh phúc", 30),
    ((180, 300), "Số: 15/QĐ-UBND", 30),
    ((860, 300), "Ninh Bình, ngày 12 tháng 3 năm 2024", 30),
    ((700, 460), "QUYẾT ĐỊNH", 40),
    ((330, 530), "Về việc phê duyệt kế hoạch cải cách hành chính năm 2024", 30),
    ((240, 680), "Điều 1. Phê duyệt kế hoạch cải cách hành chính năm 2024 của tỉnh.", 30),
    ((240, 740), "Điều 2. Quyết định này có hiệu lực kể từ ngày ký.", 30),
    ((1100, 900), "CHỦ TỊCH", 30),
    ((1040, 1150), "Nguyễn Văn An", 30),
]
"""A quyết định (decision) of a provincial People's Committee."""


def make_settings(data_dir: Path, database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": data_dir,
        "database_url": database_url,
        "pipeline": PipelineOptions(workers=1, limits=LoadLimits(max_pages=MAX_PAGES)),
        "max_upload_bytes": MAX_UPLOAD_BYTES,
        "job_poll_seconds": 0.2,
    }
    return Settings(**(values | overrides))


# --- sample files --------------------------------------------------------------------------------


def render_page(lines: list[TextLine]) -> Image.Image:
    page = Image.new("RGB", A4_AT_SAMPLE_DPI, "white")
    draw = ImageDraw.Draw(page)
    for position, line, size in lines:
        draw.text(position, line, fill="black", font=ImageFont.truetype(FONT_PATH, size))
    return page


def encode(pages: list[Image.Image], image_format: str) -> bytes:
    buffer = io.BytesIO()
    pages[0].save(buffer, image_format, dpi=(SAMPLE_DPI, SAMPLE_DPI), save_all=True, append_images=pages[1:])
    return buffer.getvalue()


@functools.cache
def decision_png() -> bytes:
    return encode([render_page(DECISION_LINES)], "PNG")


@functools.cache
def decision_pdf() -> bytes:
    """The decision as an image-only (scanned) PDF."""
    return encode([render_page(DECISION_LINES)], "PDF")


@functools.cache
def numbered_pdf(pages: int) -> bytes:
    """An image-only PDF of `pages` nearly empty pages, different for each count."""
    return encode([render_page([((150, 150), f"Trang {i + 1}/{pages}", 30)]) for i in range(pages)], "PDF")


@functools.cache
def synthetic_pdf(seed: int) -> tuple[bytes, int]:
    """A born-digital document of the synthetic factory (text layer, no OCR needed) and its page count."""
    rendered = sample_document(seed)
    return rendered.pdf, len(rendered.pages)


def encrypted(pdf: bytes) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt("mật khẩu")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


# --- bad requests --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BadRequest:
    """A request the upload routes must refuse with `status` and error `code`."""

    status: int
    code: str
    files: dict[str, tuple[str, bytes]] | None = None
    body: bytes = b""
    content_type: str = ""
    chunked: bool = False
    """Send the body without Content-Length, so only the streaming check can stop it."""

    def send(self, client: TestClient, path: str) -> Response:
        if self.files is not None:
            return client.post(path, files=self.files)
        content = iter([self.body]) if self.chunked else self.body
        return client.post(path, content=content, headers={"content-type": self.content_type})


def multipart_body(filename: str, data: bytes, boundary: str = "vanthu-test-boundary") -> tuple[bytes, str]:
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n\r\n'
    return head.encode() + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _streamed_oversized_body() -> BadRequest:
    body, content_type = multipart_body("big.pdf", b"%PDF-1.7\n" + b"0" * (MAX_UPLOAD_BYTES + 100_000))
    return BadRequest(413, "too_large", body=body, content_type=content_type, chunked=True)


BAD_REQUESTS: dict[str, Callable[[], BadRequest]] = {
    "empty file": lambda: BadRequest(422, "empty_file", files={"file": ("empty.pdf", b"")}),
    "no file part": lambda: BadRequest(422, "missing_file", files={"document": ("scan.pdf", decision_pdf())}),
    "not multipart": lambda: BadRequest(
        415, "unsupported_media_type", body=decision_pdf(), content_type="application/pdf"
    ),
    "file over the limit": lambda: BadRequest(
        413, "too_large", files={"file": ("big.pdf", b"%PDF-1.7\n" + b"0" * MAX_UPLOAD_BYTES)}
    ),
    "body over the limit, streamed": _streamed_oversized_body,
    "html behind .pdf": lambda: BadRequest(
        415, "unsupported_format", files={"file": ("scan.pdf", b"<!DOCTYPE html><html><body>404</body></html>")}
    ),
    "corrupt pdf": lambda: BadRequest(
        422, "corrupt_file", files={"file": ("broken.pdf", b"%PDF-1.7\n" + os.urandom(2000) + b"\n%%EOF\n")}
    ),
    "truncated pdf": lambda: BadRequest(
        422, "corrupt_file", files={"file": ("cut.pdf", decision_pdf()[: len(decision_pdf()) // 2])}
    ),
    "encrypted pdf": lambda: BadRequest(
        422, "encrypted_file", files={"file": ("locked.pdf", encrypted(decision_pdf()))}
    ),
    "too many pages": lambda: BadRequest(413, "too_large", files={"file": ("long.pdf", numbered_pdf(MAX_PAGES + 1))}),
}


# --- looking into the service --------------------------------------------------------------------


class StoreProbe:
    """What the service stored: rows and blob files."""

    def __init__(self, settings: Settings):
        self.engine = create_db_engine(settings.database_url)
        self.blobs = BlobStore(settings.blobs_dir)

    def count(self, table: type[DocumentRow] | type[JobRow]) -> int:
        with self.engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(table)) or 0

    def blob_files(self) -> list[Path]:
        return self.blobs.files()

    def close(self) -> None:
        self.engine.dispose()


def wait_for_document(client: TestClient, document_id: str, timeout: float = JOB_TIMEOUT_SECONDS) -> dict:
    """Poll until the document is done or failed; its record as JSON."""
    deadline = time.monotonic() + timeout
    while True:
        record = client.get(f"/v1/documents/{document_id}").json()
        if record["status"] in ("done", "failed"):
            return record
        if time.monotonic() > deadline:
            raise AssertionError(f"document {document_id} still {record['status']} after {timeout} s")
        time.sleep(0.2)


# --- principals ----------------------------------------------------------------------------------

TEST_PASSWORD = "mật khẩu thử nghiệm"
TEST_ADMIN = "test.admin"
"""The user the `client` fixture acts as: admin of the root agency, cleared for Tuyệt mật."""


@functools.cache
def test_password_hash() -> str:
    """Hashed once per test session: argon2 is slow on purpose."""
    return hash_password(TEST_PASSWORD)


class BearerToken:
    """An `auth=` of the test client (a callable: Starlette's client may be httpx or httpx2)."""

    def __init__(self, token: str):
        self.token = token

    def __call__(self, request: Any) -> Any:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


def add_user(
    client: TestClient,
    username: str,
    roles: Iterable[Role | str],
    agency: str = ROOT_AGENCY_CODE,
    clearance: SecrecyLevel = SecrecyLevel.none,
    parent: str = ROOT_AGENCY_CODE,
) -> str:
    """A user of the started app's store (its agency created under `parent` when new); `TEST_PASSWORD`."""
    with client.app.state.runtime.sessions.begin() as session:
        if session.get(AgencyRow, agency) is None:
            add_agency(session, AgencySpec(code=agency, name=f"Đơn vị {agency}", parent_code=parent))
        if session.get(UserRow, username) is None:
            session.add(UserRow(
                username=username, password_hash=test_password_hash(), roles=sorted(Role(r) for r in roles),
                agency_code=agency, clearance=int(clearance), disabled=False,
            ))
    return username


def token_for(client: TestClient, username: str) -> BearerToken:
    return BearerToken(issue_token(client.app.state.runtime.settings.auth, f"user:{username}").access_token)


def log_in_as_admin(client: TestClient) -> TestClient:
    """Make `client` act as `TEST_ADMIN` by default; `auth=None` on a request sends it unauthenticated."""
    add_user(client, TEST_ADMIN, [Role.admin], clearance=SecrecyLevel.tuyet_mat)
    client.auth = token_for(client, TEST_ADMIN)
    return client


@contextmanager
def started_client(settings: Settings) -> Iterator[TestClient]:
    """The app started on `settings`, the client acting as the root admin (as the `client` fixture)."""
    with TestClient(create_app(settings)) as client:
        yield log_in_as_admin(client)


class ClientAs:
    """The started test client acting as another principal: same app, another token on every request."""

    def __init__(self, client: TestClient, auth: BearerToken, username: str):
        self.client, self.auth, self.username = client, auth, username

    @property
    def app(self) -> Any:
        return self.client.app

    def request(self, method: str, url: str, **kwargs: Any) -> Response:
        kwargs.setdefault("auth", self.auth)
        return self.client.request(method, url, **kwargs)

    def get(self, url: str, **kwargs: Any) -> Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Response:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> Response:
        return self.request("PUT", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> Response:
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Response:
        return self.request("DELETE", url, **kwargs)


def acting_as(
    client: TestClient,
    roles: Iterable[Role | str],
    agency: str = ROOT_AGENCY_CODE,
    clearance: SecrecyLevel = SecrecyLevel.none,
    parent: str = ROOT_AGENCY_CODE,
    username: str | None = None,
) -> ClientAs:
    """`client` acting as a (new) user with these roles, agency (created under `parent`) and clearance."""
    roles = sorted(Role(r) for r in roles)
    username = username or f"{'-'.join(roles)}.{agency}.{int(clearance)}".lower().replace("_", "-")
    add_user(client, username, roles, agency, clearance, parent)
    return ClientAs(client, token_for(client, username), username)
