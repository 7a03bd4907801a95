"""Realism check of the synthetic factory (notebooks/realism.ipynb runs it): page statistics of synthetic
and real scans, their pages side by side, and the extractor's per-field accuracy on the synthetic hard
split against the real development set. If the synthetic hard split is easier, it is not hard enough.

Real pages are read at run time only: their pictures go to eval/reports/local/ (ignored by git; the
real scans are a customer's sample), the committed report carries numbers and synthetic pictures only.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np
from pydantic import BaseModel

from eval.datasets import REPO_ROOT, load_labels, real_scans_dir
from eval.extraction import EXACT_FIELDS, ExtractionReport
from eval.reports import REPORTS_DIR, write
from inference.io import inspect_document, render_page
from inference.options import LoadLimits
from inference.prepare import colour_masks, estimate_skew, flatten_illumination, ink_mask

PAGES_PER_DOCUMENT = 3
THUMB_DPI = 50
NOTEBOOK = REPO_ROOT / "notebooks" / "realism.ipynb"
LOCAL_DIR = "local"
"""Under the reports folder: pictures of real pages, never committed."""


@dataclass(frozen=True)
class Params:
    synthetic_dir: Path
    synthetic_report: Path
    real_report: Path
    out_dir: Path
    documents: int

    @classmethod
    def from_env(cls) -> Params:
        """The notebook's parameters; the test points them at small data in a temporary folder."""
        env = os.environ.get
        reports = Path(env("VANTHU_REALISM_REPORTS", str(REPORTS_DIR)))
        return cls(
            synthetic_dir=Path(env("VANTHU_REALISM_SYNTH_DIR", str(REPO_ROOT / "data" / "synth" / "hard"))),
            synthetic_report=reports / env("VANTHU_REALISM_SYNTH_REPORT", "extraction-synth-hard.json"),
            real_report=reports / "extraction-real-scans.json",
            out_dir=Path(env("VANTHU_REALISM_OUT", str(REPORTS_DIR))),
            documents=int(env("VANTHU_REALISM_DOCUMENTS", "40")),
        )


@dataclass(frozen=True)
class ScanPage:
    image: np.ndarray
    dpi: float


class PageStats(BaseModel):
    dpi: float
    one_bit: bool
    grey: bool
    paper: float
    """90th percentile of grey: paper brightness (photocopies are darker)."""
    ink: float
    """Share of pixels darker than 128."""
    red: float
    blue: float
    skew: float
    """|degrees| the text lines lean."""
    sharpness: float
    """Variance of the Laplacian at 100 dpi: lower is blurrier."""


def page_stats(page: ScanPage) -> PageStats:
    rgb = page.image
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    red, blue = colour_masks(rgb)
    at_100 = cv2.resize(grey, None, fx=100 / page.dpi, fy=100 / page.dpi, interpolation=cv2.INTER_AREA)
    is_grey = bool(np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(rgb[..., 1], rgb[..., 2]))
    return PageStats(
        dpi=round(page.dpi),
        one_bit=is_grey and bool(np.isin(grey, (0, 255)).all()),
        grey=is_grey,
        paper=float(np.percentile(grey, 90)),
        ink=float((grey < 128).mean()),
        red=float(red.mean()),
        blue=float(blue.mean()),
        skew=abs(estimate_skew(ink_mask(flatten_illumination(grey)))),
        sharpness=float(cv2.Laplacian(at_100, cv2.CV_64F).var()),
    )


def summary(stats: list[PageStats]) -> dict[str, float]:
    """One row of the comparison table: shares of pages and means."""
    if not stats:
        return {}

    def share(flags: list[bool]) -> float:
        return round(sum(flags) / len(flags), 3)

    def mean(values: list[float], digits: int = 3) -> float:
        return round(float(np.mean(values)), digits)

    return {
        "pages": float(len(stats)),
        "median dpi": float(np.median([s.dpi for s in stats])),
        "share ≤ 200 dpi": share([s.dpi <= 200 for s in stats]),
        "share 1-bit": share([s.one_bit for s in stats]),
        "share grey (not 1-bit)": share([s.grey and not s.one_bit for s in stats]),
        "share with red ink": share([s.red > 0.002 for s in stats]),
        "share with blue ink": share([s.blue > 0.0005 for s in stats]),
        "mean paper brightness": mean([s.paper for s in stats], 1),
        "mean ink share": mean([s.ink for s in stats]),
        "mean |skew| (degrees)": mean([s.skew for s in stats], 2),
        "mean sharpness @100 dpi": mean([s.sharpness for s in stats], 0),
    }


def synthetic_pages(folder: Path, documents: int) -> Iterator[ScanPage]:
    """Scanned pages of the first `documents` documents of a `vanthu synth` folder (its `datasets` rows)."""
    from datasets import load_from_disk

    dataset = load_from_disk(str(folder))
    wanted = {f"doc_{i:04d}" for i in range(documents)}
    for row in dataset.select_columns(["document", "page", "image", "dpi"]):
        if row["document"] in wanted and row["page"] < PAGES_PER_DOCUMENT:
            yield ScanPage(np.asarray(row["image"].convert("RGB")), float(row["dpi"]))


def real_pages(folder: Path | None) -> Iterator[ScanPage]:
    """Scanned pages of the labelled real documents (born-digital pages left out: nothing to compare)."""
    if folder is None:
        return
    limits = LoadLimits()
    for doc in load_labels(folder):
        data = (folder / doc.file).read_bytes()
        source = inspect_document(data, doc.file, limits)
        for page in source.pages[:PAGES_PER_DOCUMENT]:
            if page.needs_ocr:
                dpi = page.source_dpi or 150.0
                yield ScanPage(render_page(data, source.media_type, page.index, round(dpi), limits), dpi)


def thumbnail(page: ScanPage) -> np.ndarray:
    scale = THUMB_DPI / page.dpi
    return cv2.resize(page.image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


def page_grid(rows: dict[str, list[np.ndarray]], path: Path, columns: int = 6) -> Path:
    """Thumbnails, one row per set (synthetic, real), at the same physical scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(rows), columns, figsize=(2.0 * columns, 2.9 * len(rows)), squeeze=False)
    for r, (title, images) in enumerate(rows.items()):
        for c in range(columns):
            ax = axes[r][c]
            ax.axis("off")
            if c < len(images):
                ax.imshow(images[c], cmap="gray")
            if c == 0:
                ax.set_title(title, loc="left", fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90, metadata={"Software": None})
    plt.close(fig)
    return path


def accuracy_figure(synthetic: dict[str, float], real: dict[str, float], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fields = list(synthetic)
    fig, ax = plt.subplots(figsize=(9, 3.6))
    x = np.arange(len(fields))
    ax.bar(x - 0.2, [synthetic[f] for f in fields], 0.4, label="synthetic hard split", color="#1f77b4")
    ax.bar(x + 0.2, [real.get(f, 0.0) for f in fields], 0.4, label="real development set", color="#d62728")
    ax.set_xticks(x, fields, rotation=35, ha="right", fontsize=8)
    ax.set_ylim(0, 1.25)
    ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax.set_ylabel("exact match")
    ax.set_title("Extractor per-field accuracy: synthetic hard vs real", fontsize=10)
    ax.legend(fontsize=8, loc="upper center", ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)
    return path


class RealismReport(BaseModel):
    created: str
    synthetic_pages: int
    real_pages: int
    page_statistics: dict[str, dict[str, float]]
    """"synthetic hard" / "real" -> summary."""
    field_accuracy: dict[str, dict[str, float]]
    """"synthetic hard" / "real" -> exact match per field (from the two extraction reports)."""
    mean_accuracy: dict[str, float]
    easier_fields: list[str]
    """Fields the extractor gets right more often on synthetic hard scans than on real ones."""
    harder_than_real: bool | None
    """Mean accuracy on synthetic hard <= on real; None when either report is missing."""


def compare_accuracy(synthetic: ExtractionReport | None, real: ExtractionReport | None) -> dict:
    if synthetic is None or real is None:
        return {"field_accuracy": {}, "mean_accuracy": {}, "easier_fields": [], "harder_than_real": None}
    fields = list(EXACT_FIELDS)
    means = {name: round(sum(r.field_accuracy[f] for f in fields) / len(fields), 4)
             for name, r in (("synthetic hard", synthetic), ("real", real))}
    return {
        "field_accuracy": {"synthetic hard": synthetic.field_accuracy, "real": real.field_accuracy},
        "mean_accuracy": means,
        "easier_fields": [f for f in fields if synthetic.field_accuracy[f] > real.field_accuracy[f]],
        "harder_than_real": means["synthetic hard"] <= means["real"],
    }


def read_extraction(path: Path) -> ExtractionReport | None:
    return ExtractionReport.model_validate_json(path.read_text(encoding="utf-8")) if path.exists() else None


def markdown(report: RealismReport, figures: list[str]) -> str:
    sets = list(report.page_statistics)
    rows = list(next(iter(report.page_statistics.values()), {}))
    lines = [
        f"# Realism of the synthetic hard split ({report.created})",
        "",
        "Made by `notebooks/realism.ipynb` (`python -m eval.realism`). Synthetic: `vanthu synth --split hard`; real:",
        "the labelled development set `../shared/data/real-scans` (numbers only here; its pictures stay in",
        "`eval/reports/local/`, which git ignores).",
        "",
        "## Page statistics",
        "",
        f"| statistic | {' | '.join(sets)} |",
        f"|---|{'---|' * len(sets)}",
    ]
    lines += [f"| {row} | {' | '.join(str(report.page_statistics[s].get(row, '')) for s in sets)} |" for row in rows]
    if report.real_pages == 0:
        lines += ["", "No real pages: `../shared/data/real-scans` is absent on this machine."]
    lines += ["", "## Extractor accuracy, synthetic hard vs real", ""]
    if report.harder_than_real is None:
        lines.append("Skipped: run `vanthu eval extraction` (real) and "
                     "`vanthu eval extraction --dataset data/synth/hard --name extraction-synth-hard` first.")
    else:
        acc = report.field_accuracy
        lines += ["| field | synthetic hard | real |", "|---|---|---|"]
        lines += [f"| {f} | {acc['synthetic hard'][f]:.3f} | {acc['real'][f]:.3f} |" for f in EXACT_FIELDS]
        means = report.mean_accuracy
        lines += [f"| **mean** | {means['synthetic hard']:.3f} | {means['real']:.3f} |", "",
                  f"Synthetic hard is {'not easier' if report.harder_than_real else 'EASIER'} than the real scans "
                  f"on average. Fields easier on synthetic: {', '.join(report.easier_fields) or 'none'}."]
    lines += ["", *(f"![{name}]({name})" for name in figures), ""]
    return "\n".join(lines)


def measure(pages: Iterator[ScanPage], thumbnails: int = 6) -> tuple[list[PageStats], list[np.ndarray]]:
    """Statistics of every page and the first thumbnails, one page in memory at a time."""
    stats, thumbs = [], []
    for page in pages:
        stats.append(page_stats(page))
        if len(thumbs) < thumbnails:
            thumbs.append(thumbnail(page))
    return stats, thumbs


def run(params: Params) -> tuple[Path, RealismReport]:
    """Everything the notebook shows, written to params.out_dir: realism.{json,md,png}, realism-synthetic.png,
    realism-accuracy.png; local/realism-side-by-side.png when real scans are present."""
    synthetic, synthetic_thumbs = measure(synthetic_pages(params.synthetic_dir, params.documents))
    real, real_thumbs = measure(real_pages(real_scans_dir()))
    stats = {"synthetic hard": summary(synthetic)} | ({"real": summary(real)} if real else {})
    accuracy = compare_accuracy(read_extraction(params.synthetic_report), read_extraction(params.real_report))
    report = RealismReport(created=datetime.now(UTC).isoformat(timespec="seconds"), synthetic_pages=len(synthetic),
                           real_pages=len(real), page_statistics=stats, **accuracy)
    figures = [page_grid({"synthetic hard": synthetic_thumbs}, params.out_dir / "realism-synthetic.png").name]
    if accuracy["field_accuracy"]:
        acc = accuracy["field_accuracy"]
        figure = accuracy_figure(acc["synthetic hard"], acc["real"], params.out_dir / "realism-accuracy.png")
        figures.append(figure.name)
    if real:
        local = params.out_dir / LOCAL_DIR
        local.mkdir(parents=True, exist_ok=True)
        (local / ".gitignore").write_text("*\n", encoding="utf-8")
        page_grid({"synthetic hard": synthetic_thumbs, "real": real_thumbs}, local / "realism-side-by-side.png")
    return write(report, markdown(report, figures), "realism", params.out_dir), report


def execute_notebook(notebook: Path = NOTEBOOK, timeout: int = 1800) -> None:
    """Run the notebook top to bottom in a fresh kernel (parameters from the VANTHU_REALISM_* environment)."""
    import nbclient
    import nbformat

    book = nbformat.read(notebook, as_version=4)
    nbclient.NotebookClient(book, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(REPO_ROOT)}}).execute()


if __name__ == "__main__":
    execute_notebook()
    print(f"realism report in {Params.from_env().out_dir / 'realism.md'}")
