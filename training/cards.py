"""What every model card records about how it was made: hashes of files (data, artifacts, the code)."""

from __future__ import annotations

import hashlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def code_hash(files: tuple[str, ...]) -> dict:
    """sha256 of each source file (paths relative to the repository) and one over all of them."""
    hashes = {rel: sha256_file(REPO / rel) for rel in files}
    combined = hashlib.sha256("".join(f"{k}:{v}\n" for k, v in sorted(hashes.items())).encode()).hexdigest()
    return {"sha256": combined, "files": hashes}
