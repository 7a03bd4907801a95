"""Where reports go and how: JSON for machines, markdown for people, side by side."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from eval.datasets import REPO_ROOT

REPORTS_DIR = REPO_ROOT / "eval" / "reports"


def write(report: BaseModel, markdown: str, name: str, out_dir: Path = REPORTS_DIR) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{name}.json").write_text(report.model_dump_json(indent=2), encoding="utf-8")
    path = out_dir / f"{name}.md"
    path.write_text(markdown, encoding="utf-8")
    return path
