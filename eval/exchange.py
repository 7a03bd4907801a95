"""`vanthu eval exchange`: the records-exchange outputs on a labelled set (by default the real scans).

Per document: its archival PDF/A (valid PDF/A-2b? its text layer = our words? seconds, size against the
original), its metadata through the standard and back (XML export -> import gives the same fields?), and how
many entity links of each kind were read. Counts only: no value read from a document goes into the report."""

from __future__ import annotations

import io
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from statistics import median

from pydantic import BaseModel, Field
from pypdf import PdfReader
from tqdm import tqdm

from eval import reports
from eval.datasets import load_labels
from inference.errors import InputError
from inference.exchange.entities import recognise
from inference.exchange.formats import dump_xml, load
from inference.exchange.pdfa import check_pdfa, document_to_pdfa
from inference.exchange.standard import Exchange, StandardDocument, fields_to_standard, standard_to_fields
from inference.io import inspect_document
from inference.options import PipelineOptions
from inference.pipeline import extract_pages
from inference.schema import Fields, Page, words_to_text


class DocumentExchange(BaseModel):
    file: str
    pages: int = 0
    error: str | None = None
    pdfa_valid: bool = False
    image_pages: int = 0
    text_layer_pages_equal: int = 0
    """Pages whose PDF text (pypdf) is our words (see `_equal_text_pages`)."""
    pdfa_seconds: float = 0.0
    size_ratio: float = 0.0
    """PDF/A bytes / original bytes."""
    metadata_round_trip: bool = False
    links: dict[str, int] = Field(default_factory=dict)


class ExchangeReport(BaseModel):
    dataset: str
    created: str
    documents: int
    pages: int
    pdfa_valid_rate: float
    text_layer_page_rate: float
    metadata_round_trip_rate: float
    pdfa_seconds_per_page: float
    median_size_ratio: float
    links: dict[str, int]
    scores: list[DocumentExchange]


def evaluate_document(path: Path, name: str, options: PipelineOptions) -> DocumentExchange:
    data = path.read_bytes()
    try:
        source = inspect_document(data, name, options.limits, options.min_text_layer_chars)
        pages, result = extract_pages(data, source, options)
        started = time.perf_counter()
        pdfa = document_to_pdfa(data, source, pages, options.ocr_dpi, options.limits, title=name)
        seconds = time.perf_counter() - started
    except InputError as error:
        return DocumentExchange(file=name, error=error.reason)
    check = check_pdfa(pdfa)
    return DocumentExchange(
        file=name,
        pages=len(pages),
        pdfa_valid=check.ok and check.pages == len(pages),
        image_pages=check.image_pages,
        text_layer_pages_equal=_equal_text_pages(pdfa, pages),
        pdfa_seconds=round(seconds, 2),
        size_ratio=round(len(pdfa) / len(data), 3),
        metadata_round_trip=_round_trips(result.fields, result.sha256),
        links=dict(Counter(link.kind.value for link in recognise(pages, result.fields, result.evidence))),
    )


def _equal_text_pages(pdfa: bytes, pages: list[Page]) -> int:
    """Pages whose extracted text is our words: the same characters in the same order, spacing aside (pypdf
    may join two invisible words), or the same words in another order (a born-digital page converted as it
    is keeps its own text layer, which pypdf may read in a different order)."""
    reader = PdfReader(io.BytesIO(pdfa))
    equal = 0
    for page, archived in zip(pages, reader.pages):
        ours, theirs = words_to_text(page.words).split(), archived.extract_text().split()
        equal += "".join(ours) == "".join(theirs) or sorted(ours) == sorted(theirs)
    return equal


def _round_trips(fields: Fields, sha256: str) -> bool:
    document = StandardDocument.model_validate({"Sha256": sha256, **fields_to_standard(fields)})
    exchange = Exchange(ExportedAt=datetime.now(UTC), Documents=[document])
    back = load(dump_xml(exchange)).Documents[0]
    return standard_to_fields(back, fields) == fields


def evaluate(dataset_dir: Path, options: PipelineOptions | None = None) -> ExchangeReport:
    options = options or PipelineOptions()
    documents = load_labels(dataset_dir)
    scores = [
        evaluate_document(dataset_dir / doc.file, doc.file, options)
        for doc in tqdm(documents, desc="exchange", unit="doc")
    ]
    done = [s for s in scores if s.error is None]
    pages = sum(s.pages for s in done)
    links: Counter[str] = Counter()
    for score in done:
        links.update(score.links)
    return ExchangeReport(
        dataset=str(dataset_dir),
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        documents=len(scores),
        pages=pages,
        pdfa_valid_rate=round(sum(s.pdfa_valid for s in done) / len(scores), 4),
        text_layer_page_rate=round(sum(s.text_layer_pages_equal for s in done) / max(pages, 1), 4),
        metadata_round_trip_rate=round(sum(s.metadata_round_trip for s in done) / len(scores), 4),
        pdfa_seconds_per_page=round(sum(s.pdfa_seconds for s in done) / max(pages, 1), 2),
        median_size_ratio=round(median(s.size_ratio for s in done), 3) if done else 0.0,
        links=dict(sorted(links.items())),
        scores=scores,
    )


def markdown(report: ExchangeReport) -> str:
    lines = [
        f"# Records exchange on `{Path(report.dataset).name}` ({report.documents} documents, {report.pages} pages)",
        "",
        f"Created {report.created}.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| PDF/A-2b valid (XMP claim, output intent, fonts embedded, all pages) | {report.pdfa_valid_rate:.3f} |",
        f"| pages whose PDF/A text layer is our OCR words (spacing aside) | {report.text_layer_page_rate:.3f} |",
        f"| metadata XML export -> import gives the same fields | {report.metadata_round_trip_rate:.3f} |",
        f"| PDF/A seconds per page (after extraction) | {report.pdfa_seconds_per_page} |",
        f"| median PDF/A size / original size | {report.median_size_ratio} |",
        f"| entity links read (by kind) | {', '.join(f'{k} {v}' for k, v in report.links.items()) or 'none'} |",
        "",
        "## Per document",
        "",
        "| file | pages | PDF/A | image pages | text pages equal | s | size × | links |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in report.scores:
        links = ", ".join(f"{k} {v}" for k, v in sorted(s.links.items()))
        status = "error: " + s.error if s.error else ("valid" if s.pdfa_valid else "INVALID")
        lines.append(
            f"| `{s.file}` | {s.pages} | {status} | {s.image_pages} | {s.text_layer_pages_equal} | {s.pdfa_seconds} "
            f"| {s.size_ratio} | {links} |"
        )
    return "\n".join(lines) + "\n"


def write_report(report: ExchangeReport, out_dir: Path, name: str) -> Path:
    return reports.write(report, markdown(report), name, out_dir)
