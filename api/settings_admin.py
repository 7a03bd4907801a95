"""Settings of the review queue and of retraining from the service (`VANTHU_REVIEW__*`, `VANTHU_TRAINING__*`).

Kept apart from api/settings.py's module so the classes import nothing of the service."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ReviewSettings(BaseModel):
    low_confidence: float = Field(default=0.6, ge=0.0, le=1.0)
    """A field read with a confidence below this goes to the review queue (kind `fields`)."""


class TrainingSettings(BaseModel):
    quick_steps: int = Field(default=60, ge=1)
    """Steps of the `quick` configuration: a fine-tuning the web app can wait for (a few minutes on 2 cores)."""
    quick_eval_n: int = Field(default=200, ge=10)
    """Crops per evaluation set of the card in the `quick` configuration."""
    max_steps: int = Field(default=20_000, ge=1)
    threads: int = Field(default=1, ge=1)
    nice: int = Field(default=10, ge=0, le=19)
    """The run is started with this niceness, so extraction jobs keep the cores first."""
    stale_seconds: float = Field(default=90.0, gt=0)
    """A queued or running run whose runner has not reported for this long died: it is marked failed."""
    log_tail_lines: int = Field(default=40, ge=1, le=1000)
