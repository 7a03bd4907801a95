"""Where the field extraction goes wrong on a labelled set: the worst fields, accuracy and type confusion by
document type, the misses, and pages with the evidence boxes drawn. Built on `eval.extraction`; used by
notebooks/error_analysis.ipynb (parameters from the VANTHU_ERRORS_* environment, see `Params`).

    runs = list(extract_labelled(Path("data/synth/hard"), PipelineOptions(field_extractor="layoutlm"), limit=10))
    worst_fields(runs); accuracy_by_type(runs); type_confusion(runs); misses(runs)
    evidence_page(runs[0], Path("data/synth/hard"))      # a PIL image of page 1 with the boxes
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pandas as pd
from PIL import Image, ImageDraw
from pydantic import BaseModel

from eval.datasets import REPO_ROOT
from eval.extraction import EXACT_FIELDS, ExtractedDocument
from eval.metrics import canonical
from inference.io import inspect_document, render_page
from inference.options import LoadLimits

NOTEBOOK = REPO_ROOT / "notebooks" / "error_analysis.ipynb"
NO_TYPE = "(none)"
RIGHT, WRONG = (0, 150, 0), (210, 0, 0)
PAGE_DPI = 60


class Params(BaseModel):
    dataset_dir: Path
    extractor: str = "layoutlm"
    documents: int = 20
    examples: int = 3
    out_dir: Path

    @classmethod
    def from_env(cls) -> Params:
        env = os.environ.get
        return cls(
            dataset_dir=Path(env("VANTHU_ERRORS_DATASET", REPO_ROOT / "data" / "synth" / "hard")),
            extractor=env("VANTHU_ERRORS_EXTRACTOR", "layoutlm"),
            documents=int(env("VANTHU_ERRORS_DOCUMENTS", "20")),
            examples=int(env("VANTHU_ERRORS_EXAMPLES", "3")),
            out_dir=Path(env("VANTHU_ERRORS_OUT", REPO_ROOT / "eval" / "reports" / "local")),
        )


def worst_fields(runs: list[ExtractedDocument]) -> pd.Series:
    """Exact-match accuracy per field, worst first."""
    return pd.Series({f: sum(r.score.exact[f] for r in runs) / len(runs) for f in EXACT_FIELDS}).sort_values()


def _true_type(run: ExtractedDocument) -> str:
    return str(run.document.labels.get("type_name") or NO_TYPE)


def accuracy_by_type(runs: list[ExtractedDocument]) -> pd.DataFrame:
    """Rows: the true document type (and how many documents); columns: the fields' exact-match accuracy."""
    rows = pd.DataFrame([{"type": _true_type(r), **r.score.exact} for r in runs])
    table = rows.groupby("type").mean().round(3)
    table.insert(0, "documents", rows.groupby("type").size())
    return table.sort_values("documents", ascending=False)


def type_confusion(runs: list[ExtractedDocument]) -> pd.DataFrame:
    """Documents by true type (rows) and read type (columns), types compared after the scoring conventions."""

    def read(run: ExtractedDocument) -> str:
        value = run.result.fields.type_name
        same = canonical("type_name", value) == canonical("type_name", run.document.labels.get("type_name"))
        return _true_type(run) if same else str(value or NO_TYPE)

    return pd.crosstab(
        pd.Series([_true_type(r) for r in runs], name="true type"), pd.Series([read(r) for r in runs], name="read as")
    )


def misses(runs: list[ExtractedDocument]) -> pd.DataFrame:
    """One row per wrong field: the file, the field, the truth, what was read and by which method."""
    rows = []
    for run in runs:
        predicted = run.result.fields.model_dump(mode="json")
        for field, right in run.score.exact.items():
            if not right:
                evidence = run.result.evidence.get(field)
                rows.append(
                    {
                        "file": run.document.file,
                        "field": field,
                        "truth": run.document.labels.get(field),
                        "read": predicted.get(field),
                        "method": evidence.method if evidence else None,
                    }
                )
    return pd.DataFrame(rows, columns=["file", "field", "truth", "read", "method"])


def most_missed(runs: list[ExtractedDocument], count: int) -> list[ExtractedDocument]:
    """The documents with the most wrong fields (examples to look at)."""
    wrong = Counter({i: sum(not ok for ok in r.score.exact.values()) for i, r in enumerate(runs)})
    return [runs[i] for i, _ in wrong.most_common(count)]


def evidence_page(run: ExtractedDocument, dataset_dir: Path, page: int = 0) -> Image.Image:
    """The page with a box around each field's evidence: green when the field is right, red when wrong."""
    data = (dataset_dir / run.document.file).read_bytes()
    limits = LoadLimits()
    source = inspect_document(data, run.document.file, limits)
    image = Image.fromarray(render_page(data, source.media_type, page, PAGE_DPI, limits))
    draw = ImageDraw.Draw(image)
    for field, evidence in run.result.evidence.items():
        if evidence.page != page:
            continue
        b = evidence.bbox
        box = (b.x0 * image.width, b.y0 * image.height, b.x1 * image.width, b.y1 * image.height)
        colour = RIGHT if run.score.exact.get(field, True) else WRONG
        draw.rectangle(box, outline=colour, width=2)
        draw.text((box[0], max(0, box[1] - 10)), field, fill=colour)
    return image
