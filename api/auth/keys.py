"""API keys of pipelines: `vk_<id>_<secret>`. Only the sha256 of the secret is stored: the secret is 256
random bits, so a fast hash is enough (nothing to brute-force) and a lookup costs no key stretching."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

KEY_PREFIX = "vk"
ID_BYTES = 8
SECRET_BYTES = 32


@dataclass(frozen=True)
class NewKey:
    id: str
    secret: str

    @property
    def prefix(self) -> str:
        """What people see of a key in listings."""
        return f"{KEY_PREFIX}_{self.id}"

    @property
    def text(self) -> str:
        """The whole key, shown once."""
        return f"{self.prefix}_{self.secret}"


def new_key() -> NewKey:
    return NewKey(id=secrets.token_hex(ID_BYTES), secret=secrets.token_urlsafe(SECRET_BYTES))


def parse_key(text: str) -> tuple[str, str] | None:
    """(id, secret) of a key's text; None when it does not have the shape of one."""
    parts = text.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, digest: str) -> bool:
    return hmac.compare_digest(secret_digest(secret), digest)
