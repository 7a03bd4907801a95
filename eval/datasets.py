"""Where evaluation data lives. `../shared` is beside a developer's checkout, never inside the repo;
evaluations that need it skip cleanly when it is absent."""

from __future__ import annotations

import json
import os
from pathlib import Path

from pydantic import BaseModel

REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_dir() -> Path | None:
    candidate = Path(os.environ.get("VANTHU_SHARED_DIR", REPO_ROOT.parent / "shared"))
    return candidate if (candidate / "data").is_dir() else None


def real_scans_dir() -> Path | None:
    shared = shared_dir()
    path = shared / "data" / "real-scans" if shared else None
    return path if path and (path / "labels.jsonl").exists() else None


class LabelledDocument(BaseModel):
    file: str
    labels: dict[str, object]
    notes: str | None = None


def load_labels(dataset_dir: Path) -> list[LabelledDocument]:
    documents = []
    for line in (dataset_dir / "labels.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            notes = record.pop("notes", None)
            documents.append(LabelledDocument(file=record.pop("file"), labels=record, notes=notes))
    return documents
