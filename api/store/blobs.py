"""Content-addressed file store: `<root>/ab/abcdef...` named by the sha256 of the bytes."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BlobStore:
    def __init__(self, root: Path):
        self.root = root

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def put(self, data: bytes) -> tuple[str, bool]:
        """Store the bytes; returns (sha256, whether this call created the file)."""
        sha256 = sha256_hex(data)
        path = self.path_for(sha256)
        if path.is_file():
            return sha256, False
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(path, data)
        return sha256, True

    def read(self, sha256: str) -> bytes:
        return self.path_for(sha256).read_bytes()

    def delete(self, sha256: str) -> None:
        self.path_for(sha256).unlink(missing_ok=True)

    def files(self) -> list[Path]:
        """Every stored file, temporary ones included (for checks that nothing was left behind)."""
        return sorted(p for p in self.root.rglob("*") if p.is_file()) if self.root.exists() else []


def _write_atomically(path: Path, data: bytes) -> None:
    """Write next to the target then rename, so a reader never sees a half-written blob."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
