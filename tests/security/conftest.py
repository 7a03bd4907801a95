"""The security suite runs the real service (as the integration tests do) on SQLite and on PostgreSQL, with
worker-process limits small enough for bombs to hit them within seconds."""

from __future__ import annotations

from pathlib import Path

import pytest
from integration.conftest import (  # noqa: F401 - fixtures
    client,
    client_as,
    database_url,
    empty_database_url,
    migrated_sqlite,
    postgres_url,
    store,
)
from integration.support import make_settings

from api.security import InspectionLimits, PipelineLimits, RequestRateLimit, SecuritySettings
from api.settings import Settings
from inference.sandbox import MB

TEST_SECURITY = SecuritySettings(
    inspection=InspectionLimits(seconds=30, memory_bytes=512 * MB),
    pipeline=PipelineLimits(seconds=240, memory_bytes=2048 * MB),
    rate_limit=RequestRateLimit(per_minute=6000, burst=1000),
)
"""Rate limits out of the way of the tests that do not test them (test_rate_limits.py sets its own)."""


def security_settings(data_dir: Path, url: str, **security: object) -> Settings:
    return make_settings(data_dir, url, security=TEST_SECURITY.model_copy(update=security))


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:  # noqa: F811 - this suite's own
    return security_settings(tmp_path / "data", database_url)
