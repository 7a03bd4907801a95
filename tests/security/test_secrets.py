"""Secrets come only from the environment: none has a default, and none shows in logs, answers or the
settings' own text."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from integration.support import TEST_ADMIN, started_client
from pydantic import BaseModel, SecretStr

from api.settings import Settings

from .conftest import security_settings

JWT_SECRET = "a-jwt-secret-from-the-environment-0123456789"
WRONG_PASSWORD = "guessed-Xq7-password"


def secret_fields(model: type[BaseModel], prefix: str = "") -> dict[str, object]:
    """Every SecretStr field of the settings tree, by its dotted name, with its default."""
    found = {}
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            found |= secret_fields(annotation, f"{prefix}{name}.")
        elif "SecretStr" in str(annotation):
            found[prefix + name] = field.default
    return found


def test_no_secret_has_a_default() -> None:
    secrets = secret_fields(Settings)
    assert "auth.jwt_secret" in secrets
    assert all(default is None for default in secrets.values()), secrets
    assert Settings.model_fields["database_url"].default == ""  # credentials, if any, come with the URL


def test_secrets_from_the_environment_never_show(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("VANTHU_AUTH__JWT_SECRET", JWT_SECRET)
    from_environment = Settings(data_dir=tmp_path / "data")
    assert isinstance(from_environment.auth.jwt_secret, SecretStr)
    assert from_environment.auth.jwt_secret.get_secret_value() == JWT_SECRET
    assert JWT_SECRET not in repr(from_environment) and JWT_SECRET not in from_environment.model_dump_json()
    settings = security_settings(tmp_path / "data", f"sqlite:///{tmp_path / 'test.db'}")
    settings = settings.model_copy(update={"auth": from_environment.auth})
    caplog.set_level(logging.DEBUG)
    with started_client(settings) as client:
        answers = [
            client.post("/v1/auth/token", data={"username": TEST_ADMIN, "password": WRONG_PASSWORD}, auth=None),
            client.get("/v1/auth/me"),
            client.get("/v1/documents/none"),
            client.get("/openapi.json"),
        ]
    assert answers[1].status_code == 200
    assert all(JWT_SECRET not in answer.text for answer in answers)
    assert JWT_SECRET not in caplog.text and WRONG_PASSWORD not in caplog.text
