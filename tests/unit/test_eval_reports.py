"""eval.reports: JSON + markdown + plot, and the change from the report a new one replaces."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from pydantic import BaseModel

from eval.reports import delta_table, metrics, plottable, write


class Scores(BaseModel):
    documents: int
    accuracy: dict[str, float]
    passed: bool
    items: list[dict[str, float]]


def test_metrics_flatten_numbers_only() -> None:
    data = Scores(documents=3, accuracy={"number": 0.5, "date": 1.0}, passed=True, items=[{"x": 1.0}]).model_dump()
    assert metrics(data) == {"documents": 3.0, "accuracy.number": 0.5, "accuracy.date": 1.0}
    rates = {"documents_per_second": 0.5, "seconds": 0.2, "by_source.real.ours_f1": 0.98, "pages": 1.0, "cer": 0.1}
    assert plottable(rates) == {"by_source.real.ours_f1": 0.98, "cer": 0.1}


def test_first_report_then_delta_and_plot(tmp_path: Path) -> None:
    first = Scores(documents=3, accuracy={"number": 0.5, "date": 1.0}, passed=False, items=[])
    path = write(first, "# Scores\n", "scores", tmp_path)
    text = path.read_text("utf-8")
    assert text.startswith("# Scores") and "No previous report" in text and "![scores](scores.png)" in text
    assert Image.open(tmp_path / "scores.png").size[0] > 300
    second = Scores(documents=4, accuracy={"number": 0.75, "date": 0.9, "place": 0.2}, passed=True, items=[])
    text = write(second, "# Scores\n", "scores", tmp_path).read_text("utf-8")
    assert "| accuracy.number | 0.75 | 0.5 | +0.25 |" in text
    assert "| accuracy.date | 0.9 | 1 | -0.1 |" in text
    assert "| accuracy.place | 0.2 |  |  |" in text  # new metric: no previous value
    assert Scores.model_validate_json((tmp_path / "scores.json").read_text("utf-8")) == second


def test_no_rates_no_plot_and_a_broken_previous_is_ignored(tmp_path: Path) -> None:
    class Counts(BaseModel):
        pages: int
        seconds: float

    (tmp_path / "counts.json").write_text("{not json", "utf-8")
    text = write(Counts(pages=120, seconds=33.5), "# Counts\n", "counts", tmp_path).read_text("utf-8")
    assert not (tmp_path / "counts.png").exists() and "No previous report" in text
    assert delta_table({"pages": 130.0}, {"pages": 120.0}).splitlines()[-1] == "| pages | 130 | 120 | +10 |"
