"""`vanthu eval extraction`: per-field exact match and subject CER of the pipeline on a labelled set."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, Field
from tqdm import tqdm

from eval import reports
from eval.datasets import LabelledDocument, load_labels
from eval.metrics import canonical, cer, exact
from inference.assembly import assemble, delivery_key
from inference.kie import create_extractor
from inference.options import PipelineOptions
from inference.pipeline import extract_document, extract_document_pages
from inference.schema import ExtractionResult

EXACT_FIELDS = (
    "number", "issued_date", "type_name", "organ_name", "parent_organ_name", "place",
    "signer_position", "signer_name", "urgency", "confidentiality", "block",
)
ACCEPTANCE = {"number": 0.80, "issued_date": 0.80, "type_name": 0.95, "organ_name": 0.85, "signer_name": 0.80}
SUBJECT_CER_BAR = 0.05


class DocumentScore(BaseModel):
    file: str
    seconds: float
    error: str | None = None
    exact: dict[str, bool] = Field(default_factory=dict)
    subject_cer: float = 1.0
    predicted: dict[str, object] = Field(default_factory=dict, exclude=True)
    truth: dict[str, object] = Field(default_factory=dict, exclude=True)
    """Values stay out of saved reports: a customer's sample must not be copied into the repo."""


class ExtractionReport(BaseModel):
    dataset: str
    created: str
    documents: int
    seconds: float
    field_accuracy: dict[str, float]
    subject_cer: float
    acceptance: dict[str, bool]
    scores: list[DocumentScore]


def score_document(doc: LabelledDocument, predicted: dict[str, object], seconds: float) -> DocumentScore:
    truth = {k: doc.labels.get(k) for k in (*EXACT_FIELDS, "subject")}
    return DocumentScore(
        file=doc.file,
        seconds=round(seconds, 2),
        exact={f: exact(f, predicted.get(f), truth[f]) for f in EXACT_FIELDS},
        subject_cer=round(cer(canonical("subject", predicted.get("subject")),
                              canonical("subject", truth["subject"])), 4),
        predicted={k: predicted.get(k) for k in truth},
        truth=truth,
    )


@dataclass
class ExtractedDocument:
    """One labelled document through the pipeline: the whole result (evidence boxes too) and its score."""

    document: LabelledDocument
    result: ExtractionResult
    score: DocumentScore


def delivered(dataset_dir: Path, limit: int | None = None) -> list[LabelledDocument]:
    """The (first `limit`) labelled documents in the order an archive delivers them (folder, natural name)."""
    return sorted(load_labels(dataset_dir)[:limit], key=lambda doc: delivery_key(doc.file))


def extract_labelled(dataset_dir: Path, options: PipelineOptions | None = None,
                     limit: int | None = None) -> Iterator[ExtractedDocument]:
    """The (first `limit`) documents of a labelled set, extracted and scored one by one; files that are
    parts of one document are merged first, as `vanthu extract` does."""
    documents = {doc.file: doc for doc in delivered(dataset_dir, limit)}
    seconds: dict[str, float] = {}

    def read() -> Iterator[ExtractionResult]:
        for doc in tqdm(documents.values(), desc="extraction", unit="doc"):
            t0 = time.perf_counter()
            result = extract_document((dataset_dir / doc.file).read_bytes(), doc.file, options)
            seconds[doc.file] = time.perf_counter() - t0
            yield result

    for result in assemble(read()):
        doc = documents[result.file]
        yield ExtractedDocument(doc, result, score_document(doc, result.fields.model_dump(mode="json"), seconds[doc.file]))


def evaluate(dataset_dir: Path, options: PipelineOptions | None = None) -> ExtractionReport:
    started = time.perf_counter()
    scores = [extracted.score for extracted in extract_labelled(dataset_dir, options)]
    return report_of(dataset_dir, scores, time.perf_counter() - started)


def evaluate_extractors(dataset_dir: Path, extractors: list[str],
                        options: PipelineOptions | None = None) -> dict[str, ExtractionReport]:
    """Several field extractors on the same pages: each document is read (OCR) once, then every extractor
    reads its fields from those pages. A document's seconds are its reading plus that extractor's."""
    options = options or PipelineOptions()
    documents = {doc.file: doc for doc in delivered(dataset_dir)}
    results: dict[str, list[ExtractionResult]] = {name: [] for name in extractors}
    seconds: dict[tuple[str, str], float] = {}
    for doc in tqdm(documents.values(), desc="extraction", unit="doc"):
        t0 = time.perf_counter()
        pages, read = extract_document_pages((dataset_dir / doc.file).read_bytes(), doc.file, options)
        reading = time.perf_counter() - t0
        for name in extractors:
            t1 = time.perf_counter()
            extraction = create_extractor(name, options.model_dirs).extract(pages)
            results[name].append(read.model_copy(update={
                "fields": extraction.fields, "confidence": extraction.confidence, "evidence": extraction.evidence,
            }))
            seconds[name, doc.file] = reading + time.perf_counter() - t1
    reports = {}
    for name in extractors:
        scores = [score_document(documents[r.file], r.fields.model_dump(mode="json"), seconds[name, r.file])
                  for r in assemble(results[name])]
        reports[name] = report_of(dataset_dir, scores, sum(seconds[name, f] for f in documents))
    return reports


def report_of(dataset_dir: Path, scores: list[DocumentScore], seconds: float) -> ExtractionReport:
    accuracy = {f: round(sum(s.exact[f] for s in scores) / len(scores), 4) for f in EXACT_FIELDS}
    subject = round(sum(s.subject_cer for s in scores) / len(scores), 4)
    acceptance = {f: accuracy[f] >= bar for f, bar in ACCEPTANCE.items()} | {"subject_cer": subject <= SUBJECT_CER_BAR}
    return ExtractionReport(
        dataset=str(dataset_dir),
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        documents=len(scores),
        seconds=round(seconds, 1),
        field_accuracy=accuracy,
        subject_cer=subject,
        acceptance=acceptance,
        scores=scores,
    )


def markdown(report: ExtractionReport) -> str:
    lines = [
        f"# Extraction on `{Path(report.dataset).name}` ({report.documents} documents, {report.seconds} s)",
        "",
        f"Created {report.created}. Exact match after the scoring conventions of `eval/metrics.py`.",
        "",
        "| field | exact | bar |",
        "|---|---|---|",
    ]
    for field, value in report.field_accuracy.items():
        bar = ACCEPTANCE.get(field)
        lines.append(f"| {field} | {value:.3f} | {f'≥ {bar:.2f}' if bar else ''} |")
    lines += [f"| subject (mean CER) | {report.subject_cer:.3f} | ≤ {SUBJECT_CER_BAR} |", "", "## Misses", ""]
    for score in report.scores:
        misses = [f for f, ok in score.exact.items() if not ok]
        if score.subject_cer > SUBJECT_CER_BAR:
            misses.append(f"subject (CER {score.subject_cer:.2f})")
        if misses:
            lines.append(f"- `{score.file}`: {', '.join(misses)}")
    return "\n".join(lines) + "\n"


def write_report(report: ExtractionReport, out_dir: Path, name: str) -> Path:
    """Writes JSON, markdown and plot; the markdown ends with the change from the report it replaces."""
    return reports.write(report, markdown(report), name, out_dir)
