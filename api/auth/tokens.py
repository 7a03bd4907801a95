"""Access tokens: short-lived HS256 JWTs with `sub`, `iat`, `exp` and `jti`."""

from __future__ import annotations

import logging
import secrets
import threading
import time
import uuid

import jwt
from pydantic import BaseModel

from api.auth.settings import AuthSettings

logger = logging.getLogger(__name__)

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["sub", "iat", "exp", "jti"]
_process_key: bytes | None = None
_process_key_lock = threading.Lock()


class IssuedToken(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    """Seconds."""


def issue_token(settings: AuthSettings, subject: str) -> IssuedToken:
    now = int(time.time())
    lifetime = settings.token_minutes * 60
    claims = {"sub": subject, "iat": now, "exp": now + lifetime, "jti": uuid.uuid4().hex}
    return IssuedToken(access_token=jwt.encode(claims, signing_key(settings), algorithm=ALGORITHM), expires_in=lifetime)


def token_subject(settings: AuthSettings, token: str) -> str | None:
    """The subject of a valid token; None when it is malformed, forged or expired."""
    try:
        claims = jwt.decode(token, signing_key(settings), algorithms=[ALGORITHM], options={"require": REQUIRED_CLAIMS})
    except jwt.PyJWTError:
        return None
    subject = claims["sub"]
    return subject if isinstance(subject, str) else None


def signing_key(settings: AuthSettings) -> bytes:
    if settings.jwt_secret is not None:
        return settings.jwt_secret.get_secret_value().encode()
    return _random_process_key()


def _random_process_key() -> bytes:
    global _process_key
    with _process_key_lock:
        if _process_key is None:
            logger.warning(
                "VANTHU_AUTH__JWT_SECRET is not set: tokens are signed with a random key of this process "
                "and will not survive a restart"
            )
            _process_key = secrets.token_bytes(32)
        return _process_key
