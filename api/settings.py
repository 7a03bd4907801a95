"""The service's one settings object, read from `VANTHU_*` environment variables.

Nested pipeline options use `__`: `VANTHU_PIPELINE__OCR_DPI=200`, `VANTHU_PIPELINE__LIMITS__MAX_PAGES=50`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.auth.settings import AuthSettings
from api.security import SecuritySettings
from api.settings_admin import ReviewSettings, TrainingSettings
from inference.options import PipelineOptions
from inference.governance.qc import QcThresholds
from inference.search.engine import SearchOptions

DATABASE_FILENAME = "vanthu.db"
BLOBS_DIRNAME = "blobs"


class GovernanceSettings(BaseModel):
    units_dir: Path | None = None
    """Folder of the old -> new unit tables (`*successors*.csv`); unset: ../shared/data/units when present.
    A table imported with `vanthu units import` takes precedence."""
    qc: QcThresholds = Field(default_factory=QcThresholds)


class ExchangeSettings(BaseModel):
    units_path: Path | None = None
    """CSV of administrative units (`code`, `name`) whose names are linked in documents; unset: no unit links."""
    registers_dir: Path | None = None
    """Folder of the file-based national-register connector (`<register>/<key>.json`); unset: links unchecked."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VANTHU_", env_nested_delimiter="__", extra="ignore")

    data_dir: Path = Path("./var")
    """Everything the service writes goes under it: the SQLite database and the blobs."""
    database_url: str = ""
    """SQLAlchemy URL; empty means SQLite at `<data_dir>/vanthu.db`."""
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    pipeline: PipelineOptions = Field(default_factory=PipelineOptions)
    governance: GovernanceSettings = Field(default_factory=GovernanceSettings)
    exchange: ExchangeSettings = Field(default_factory=ExchangeSettings)
    review: ReviewSettings = Field(default_factory=ReviewSettings)
    training: TrainingSettings = Field(default_factory=TrainingSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    """Logins and API keys; `VANTHU_AUTH__JWT_SECRET` signs the access tokens."""
    security: SecuritySettings = Field(default_factory=SecuritySettings)
    """Rate limits, CORS origins, time and memory of the processes reading uploads (`VANTHU_SECURITY__*`)."""
    search: SearchOptions = Field(default_factory=SearchOptions)
    """Search indexes live in `<data_dir>/search`; e.g. `VANTHU_SEARCH__EMBEDDER_PATH=/models/my-bi-encoder`."""
    max_upload_bytes: int = Field(default=100 * 1024 * 1024, gt=0)
    max_concurrent_extractions: int = Field(default=2, ge=1)
    """Synchronous `POST /v1/extract` calls running the pipeline at once; further ones wait."""
    job_workers: int = Field(default=1, ge=0)
    """Worker threads consuming the queue in the server process; 0 runs an API-only process."""
    job_poll_seconds: float = Field(default=1.0, gt=0)
    job_stale_seconds: float = Field(default=120.0, gt=0)
    """A running job whose heartbeat is older than this is taken to belong to a dead process."""
    job_max_attempts: int = Field(default=3, ge=1)

    @model_validator(mode="after")
    def _resolve_paths(self) -> Settings:
        self.data_dir = self.data_dir.expanduser().resolve()
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / DATABASE_FILENAME}"
        return self

    @property
    def blobs_dir(self) -> Path:
        return self.data_dir / BLOBS_DIRNAME


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
