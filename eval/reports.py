"""Where reports go and how: JSON for machines, markdown for people, a plot, and the change from the
report each one replaces (its JSON is read before it is overwritten).

Every `vanthu eval ...` report goes through `write`; the delta table and the plot are built from the
report's numbers generically (nested dicts flattened to dotted names; per-item lists left out), so a
new evaluation gets them without code of its own.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from eval.datasets import REPO_ROOT

REPORTS_DIR = REPO_ROOT / "eval" / "reports"
PLOT_LIMIT = 40
UNITS = re.compile(r"second|minute|per_|bytes|load|cpus|workers|pages|documents")
"""At most this many bars: a plot of more says nothing."""


def metrics(data: dict[str, Any], prefix: str = "") -> dict[str, float]:
    """The report's numbers by dotted name ("field_accuracy.number"); booleans and lists are left out."""
    out: dict[str, float] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out |= metrics(value, f"{name}.")
        elif isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            out[name] = float(value)
    return out


def read_previous(name: str, out_dir: Path = REPORTS_DIR) -> dict[str, Any] | None:
    path = out_dir / f"{name}.json"
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return None
    return data if isinstance(data, dict) else None


def _number(value: float) -> str:
    return f"{value:.4g}" if abs(value) < 1000 else f"{value:.0f}"


def delta_table(current: dict[str, float], previous: dict[str, float] | None) -> str:
    """Markdown: each metric, its value, the previous value and the change (blank when new)."""
    lines = ["| metric | value | previous | Δ |", "|---|---|---|---|"]
    for name, value in current.items():
        before = previous.get(name) if previous else None
        delta = "" if before is None else f"{value - before:+.4g}"
        lines.append(f"| {name} | {_number(value)} | {'' if before is None else _number(before)} | {delta} |")
    return "\n".join(lines)


def plottable(current: dict[str, float]) -> dict[str, float]:
    """Rates, accuracies and F1 scores (values in 0..1) share one axis; counts, times, speeds and sizes
    do not, even when they happen to fall in 0..1."""
    rates = {k: v for k, v in current.items() if 0.0 <= v <= 1.0 and not UNITS.search(k)}
    return dict(list(rates.items())[:PLOT_LIMIT])


def plot(current: dict[str, float], previous: dict[str, float] | None, title: str, path: Path) -> Path | None:
    """Horizontal bars of this report's rates beside the previous report's; None when there are none."""
    shown = plottable(current)
    if not shown:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(shown)
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(names) + 1.4))
    rows = range(len(names))
    ax.barh([r + 0.2 for r in rows], [shown[n] for n in names], height=0.4, label="this report", color="#1f77b4")
    if previous:
        ax.barh([r - 0.2 for r in rows], [previous.get(n, 0.0) for n in names], height=0.4, label="previous",
                color="#bbbbbb")
    ax.set_yticks(list(rows), names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_title(title, fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)
    return path


def write(report: BaseModel, markdown: str, name: str, out_dir: Path = REPORTS_DIR) -> Path:
    """Writes {name}.json, {name}.png (when the report has rates) and {name}.md: the given markdown
    followed by the change from the report it replaces."""
    out_dir.mkdir(parents=True, exist_ok=True)
    before = read_previous(name, out_dir)
    previous = metrics(before) if before else None
    current = metrics(report.model_dump(mode="json"))
    figure = plot(current, previous, name, out_dir / f"{name}.png")
    (out_dir / f"{name}.json").write_text(report.model_dump_json(indent=2), encoding="utf-8")
    sections = [markdown.rstrip(), ""]
    if figure:
        sections += [f"![{name}]({figure.name})", ""]
    sections += ["## Change from the previous report", ""]
    sections += [delta_table(current, previous) if previous else "No previous report: first run.", ""]
    path = out_dir / f"{name}.md"
    path.write_text("\n".join(sections), encoding="utf-8")
    return path
