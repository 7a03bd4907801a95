"""Settings of authentication: `VANTHU_AUTH__*`."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr

MIN_SECRET_CHARS = 32


class AuthSettings(BaseModel):
    jwt_secret: SecretStr | None = Field(default=None, min_length=MIN_SECRET_CHARS)
    """`VANTHU_AUTH__JWT_SECRET`, the HS256 signing key (at least 32 characters). Unset: a random key per
    process, so tokens die with the process. Only ever read from the environment."""
    token_minutes: int = Field(default=15, ge=1, le=24 * 60)
    """Lifetime of an access token."""
    key_touch_seconds: float = Field(default=60.0, ge=0)
    """`last_used_at` of an API key is written at most this often (each write takes the database's lock)."""
