"""The web application's files and the page routes it shows documents with."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from httpx import Response
from PIL import Image

from api.web import STATIC_DIR

from .support import (
    DECISION_LINES,
    SAMPLE_DPI,
    ClientAs,
    TestClient,
    encode,
    render_page,
    synthetic_pdf,
    wait_for_document,
)

EXTERNAL = r"https?://(?!www\.w3\.org/)"  # a namespace name (SVG) is not a fetch
INLINE = re.compile(rf"<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle\s*=|\son[a-z]+\s*=|{EXTERNAL}", re.IGNORECASE)


def test_the_shell_and_its_modules_are_served(client: TestClient) -> None:
    index = client.get("/", auth=None)
    module = client.get("/static/js/app.js", auth=None)

    assert index.status_code == 200 and index.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="/static/js/app.js">' in index.text
    assert module.status_code == 200 and "javascript" in module.headers["content-type"]
    assert client.get("/static/css/app.css", auth=None).headers["content-type"].startswith("text/css")


@pytest.mark.parametrize(
    "path", ["/static/js/missing.js", "/static/../__init__.py", "/static/%2e%2e/__init__.py", "/static/js"]
)
def test_nothing_outside_the_static_files_is_served(client: TestClient, path: str) -> None:
    response = client.get(path, auth=None)

    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_the_pages_obey_a_default_src_self_policy() -> None:
    """No inline script or style, no handler attributes, nothing fetched from elsewhere."""
    offending = {
        str(path.relative_to(STATIC_DIR)): INLINE.findall(path.read_text(encoding="utf-8"))
        for path in STATIC_DIR.rglob("*.html")
    }
    assert offending and not any(offending.values()), offending
    scripts = [
        path for path in STATIC_DIR.rglob("*.js") if re.search(rf"{EXTERNAL}|innerHTML|eval\(", path.read_text())
    ]
    assert not scripts, scripts


@pytest.fixture
def born_digital(client: TestClient) -> dict:
    pdf, _ = synthetic_pdf(3)
    record = wait_for_document(client, client.post("/v1/documents", files={"file": ("vb.pdf", pdf)}).json()["id"])
    assert record["status"] == "done", record["error"]
    return record


def png(response: Response) -> np.ndarray:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    return np.asarray(Image.open(io.BytesIO(response.content)).convert("L"))


def test_a_page_is_an_image_at_the_asked_resolution_with_its_words(client: TestClient, born_digital: dict) -> None:
    document_id = born_digital["id"]
    listing = client.get(f"/v1/documents/{document_id}/pages").json()
    small = png(client.get(f"/v1/documents/{document_id}/pages/1", params={"dpi": 60}))
    large = png(client.get(f"/v1/documents/{document_id}/pages/1", params={"dpi": 120}))

    assert listing["count"] == born_digital["result"]["pages"] == len(listing["pages"])
    words = listing["pages"][0]["words"]
    assert words and all(0 <= w["bbox"]["x0"] < w["bbox"]["x1"] <= 1 for w in words)
    assert large.shape[1] == pytest.approx(2 * small.shape[1], abs=2)
    assert large.shape[0] > large.shape[1]  # portrait A4
    assert _ink_share(large, words[0]["bbox"]) > 0.02  # the first word's box lies on its print


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/pages/0", 422, "invalid_request"),
        ("/pages/99", 404, "not_found"),
        ("/pages/1?dpi=20", 422, "invalid_request"),
        ("/pages/1?dpi=301", 422, "invalid_request"),
    ],
)
def test_pages_outside_the_document_or_the_dpi_bounds_are_refused(
    client: TestClient, born_digital: dict, path: str, status: int, code: str
) -> None:
    response = client.get(f"/v1/documents/{born_digital['id']}{path}")

    assert (response.status_code, response.json()["error"]) == (status, code)


def test_pages_of_a_document_the_caller_may_not_see_do_not_exist(
    client: TestClient, client_as: Callable[..., ClientAs], born_digital: dict
) -> None:
    outsider = client_as(["staff_reader"], agency="XA-KHAC")
    for path in ("/pages", "/pages/1"):
        response = outsider.get(f"/v1/documents/{born_digital['id']}{path}")
        assert (response.status_code, response.json()["error"]) == (404, "not_found")
    assert client.get(f"/v1/documents/{born_digital['id']}/pages/1", auth=None).status_code == 401


def test_a_page_scanned_sideways_is_shown_upright_under_its_boxes(client: TestClient, tmp_path: Path) -> None:
    sideways = encode([render_page(DECISION_LINES).rotate(90, expand=True)], "PNG")
    created = client.post("/v1/documents", files={"file": ("qd-ngang.png", sideways)}).json()
    record = wait_for_document(client, created["id"])
    assert record["status"] == "done", record["error"]
    assert record["result"]["quality"]["pages"][0]["rotation"] in (90, 270)

    image = png(client.get(f"/v1/documents/{created['id']}/pages/1", params={"dpi": SAMPLE_DPI // 2}))
    evidence = record["result"]["evidence"]["number"]

    assert image.shape[0] > image.shape[1]  # turned back to portrait
    assert _ink_share(image, evidence["bbox"]) > 0.02
    assert _ink_share(image, {"x0": 0.05, "y0": 0.8, "x1": 0.95, "y1": 0.95}) < 0.002  # the empty foot stays empty


def _ink_share(gray: np.ndarray, bbox: dict) -> float:
    height, width = gray.shape
    crop = gray[
        int(bbox["y0"] * height) : int(bbox["y1"] * height) + 1, int(bbox["x0"] * width) : int(bbox["x1"] * width) + 1
    ]
    return float((crop < 128).mean())


def test_a_reading_of_the_question_people_removed_is_not_applied(client: TestClient, born_digital: dict) -> None:
    question = {"q": "bien ban cham soc nguoi co cong nam 2025"}
    read = client.get("/v1/search", params=question).json()
    ignored = client.get("/v1/search", params={**question, "ignore": ["year", "type_name"]}).json()

    assert (read["read_as"]["year"], read["read_as"]["type_name"]) == (2025, "Biên bản")
    assert (ignored["read_as"]["year"], ignored["read_as"]["type_name"]) == (None, None)
    assert ignored["hits"][0]["id"] == born_digital["id"]
    assert ignored["hits"][0]["score"] < read["hits"][0]["score"]  # no longer lifted by the readings
    refused = client.get("/v1/search", params={**question, "ignore": "subject"})
    assert (refused.status_code, refused.json()["error"]) == (422, "invalid_request")
