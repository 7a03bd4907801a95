"""The model registry through the API: listing, the promotion gate on real models, rollback, hot reload."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from PIL import ImageDraw, ImageFont

from api.settings import Settings

from .models_support import DEFAULT_DIGITS, copy_committed, derived_model
from .support import (
    DECISION_LINES,
    TEST_ADMIN,
    TestClient,
    encode,
    make_settings,
    render_page,
    started_client,
    wait_for_document,
)

HANDWRITING_FONT = "/usr/share/fonts/truetype/fifthhorseman/dkg.ttf"


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture
def candidates(settings: Settings, model_cache: Path) -> dict[str, str]:
    """Local versions of the digit model beside the committed ones: an exact copy, a noised (worse) copy,
    and one that reads every number as 7."""
    root = settings.data_dir / "models" / "digits"
    copy_committed(root / "v2-copy")
    derived_model(root / "v3-noised", "noised", model_cache, scale=0.3)
    derived_model(root / "v4-sevens", "sevens", model_cache)
    return {"copy": "v2-copy", "noised": "v3-noised", "sevens": "v4-sevens"}


def digits_status(client: TestClient) -> dict:
    return next(m for m in client.get("/v1/models").json()["models"] if m["name"] == "digits")


def promote(client: TestClient, version: str, force: bool = False):
    return client.post("/v1/models/digits/promote", json={"version": version, "force": force})


def test_committed_and_local_versions_are_listed(client: TestClient, candidates: dict[str, str]) -> None:
    models = {m["name"]: m for m in client.get("/v1/models").json()["models"]}

    assert {"digits", "syllables"} <= set(models)
    digits = models["digits"]
    assert (digits["active"], digits["default"], digits["history"]) == (DEFAULT_DIGITS, DEFAULT_DIGITS, [])
    sources = {v["version"]: v["source"] for v in digits["versions"]}
    assert {v for v, source in sources.items() if source == "local"} == {"v2-copy", "v3-noised", "v4-sevens"}
    assert sources[DEFAULT_DIGITS] == "committed"
    assert next(v for v in digits["versions"] if v["version"] == DEFAULT_DIGITS)["task"].startswith("handwritten digit")


def test_the_gate_refuses_a_worse_candidate_and_records_why(client: TestClient, candidates: dict[str, str]) -> None:
    response = promote(client, candidates["noised"])

    assert response.status_code == 409, response.json()
    assert response.json()["error"] == "promotion_refused" and "worse beyond noise" in response.json()["reason"]
    status = digits_status(client)
    assert status["active"] == DEFAULT_DIGITS
    (event,) = status["history"]
    gate = event["gate"]
    assert (event["action"], event["version"], event["decided_by"]) == ("refused", "v3-noised", f"user:{TEST_ADMIN}")
    assert gate["passed"] is False and gate["p_value"] < 0.05 and gate["n"] >= 500
    assert gate["candidate_accuracy"] < gate["current_accuracy"]
    assert gate["current_only"] > gate["candidate_only"] and gate["difference_ci"][1] < 0


def test_force_overrides_the_gate_and_rollback_restores(client: TestClient, candidates: dict[str, str]) -> None:
    forced = promote(client, candidates["noised"], force=True)

    assert forced.status_code == 200, forced.json()
    assert forced.json()["forced"] is True and forced.json()["gate"]["passed"] is False
    assert digits_status(client)["active"] == "v3-noised"

    rolled = client.post("/v1/models/digits/rollback")
    assert rolled.status_code == 200
    assert (rolled.json()["version"], rolled.json()["previous_version"]) == (DEFAULT_DIGITS, "v3-noised")
    assert digits_status(client)["active"] == DEFAULT_DIGITS
    again = client.post("/v1/models/digits/rollback")
    assert again.status_code == 409 and "nothing to roll back" in again.json()["reason"]
    assert [e["action"] for e in digits_status(client)["history"]] == ["promote", "rollback"]


def test_an_equal_candidate_passes_the_gate(client: TestClient, candidates: dict[str, str]) -> None:
    response = promote(client, candidates["copy"])

    assert response.status_code == 200, response.json()
    event = response.json()
    assert event["forced"] is False and event["gate"]["passed"] is True
    assert event["gate"]["current_only"] == event["gate"]["candidate_only"] == 0
    assert digits_status(client)["active"] == "v2-copy"
    assert promote(client, candidates["copy"]).status_code == 409  # already active


@pytest.mark.parametrize(
    ("path", "body", "signed_in", "status", "code"),
    [
        ("/v1/models/nope/promote", {"version": "v1"}, True, 404, "not_found"),
        ("/v1/models/digits/promote", {"version": "v9"}, True, 404, "not_found"),
        ("/v1/models/digits/promote", {"version": "v1"}, False, 401, "not_authenticated"),
        ("/v1/models/digits/promote", {}, True, 422, "invalid_request"),
        ("/v1/models/nope/rollback", None, True, 404, "not_found"),
    ],
)
def test_bad_registry_requests(
    client: TestClient, path: str, body: dict | None, signed_in: bool, status: int, code: str
) -> None:
    response = client.post(path, json=body) if signed_in else client.post(path, json=body, auth=None)

    assert response.status_code == status and response.json()["error"] == code
    assert digits_status(client)["history"] == []


# -- hot reload -------------------------------------------------------------------------------------


@functools.cache
def handwritten_number_png(tag: str) -> bytes:
    """The decision with its number "15" written by hand in the gap of "Số:      /QĐ-UBND"; `tag`
    (a printed line) makes each file's bytes different."""
    lines = [line for line in DECISION_LINES if not line[1].startswith("Số:")]
    lines += [((180, 300), "Số:", 30), ((330, 300), "/QĐ-UBND", 30), ((240, 800), f"Bản {tag}.", 30)]
    page = render_page(lines)
    ImageDraw.Draw(page).text((262, 286), "15", fill=(20, 40, 160), font=ImageFont.truetype(HANDWRITING_FONT, 34))
    return encode([page], "PNG")


def extracted_number(client: TestClient, tag: str) -> str | None:
    created = client.post("/v1/documents", files={"file": (f"{tag}.png", handwritten_number_png(tag))}).json()
    record = wait_for_document(client, created["id"])
    assert record["status"] == "done", record["error"]
    return record["result"]["fields"]["number"]


def test_the_running_service_uses_a_promoted_model_without_restart(
    tmp_path: Path, sqlite_url: str, model_cache: Path
) -> None:
    settings = make_settings(tmp_path / "data", sqlite_url)
    sevens = derived_model(settings.data_dir / "models" / "digits" / "v4-sevens", "sevens", model_cache).name
    with started_client(settings) as client:
        before = extracted_number(client, "một")
        assert promote(client, sevens, force=True).status_code == 200
        promoted = extracted_number(client, "hai")
        assert client.post("/v1/models/digits/rollback").status_code == 200
        rolled_back = extracted_number(client, "ba")

    assert (before, promoted, rolled_back) == ("15/QĐ-UBND", "7/QĐ-UBND", "15/QĐ-UBND")
