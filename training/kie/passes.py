"""Synthetic documents read the way the pipeline reads them, kept with their ground truth: real OCR
passes over degraded scans (so the tagger trains and is evaluated on the words OCR really gives), or the
born-digital text layer.

    python -m training.kie.passes --n 120 --seed 11 --out data/kie/ocr-train.jsonl
    python -m training.kie.passes --n 300 --seed 0 --reader text_layer --out data/kie/text-train.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

from pydantic import BaseModel
from tqdm import tqdm

from inference.io import inspect_document
from inference.options import PipelineOptions
from inference.pipeline import read_pages, read_text_page
from inference.schema import Fields, Page
from training.synth import (
    PageTruth,
    RenderedDocument,
    document_seed,
    render_pdf,
    render_scan,
    sample_degrade,
    sample_spec,
)
from training.synth.render import save_scan_pdf

SCAN_DPI = 300
READERS = ("ocr", "text_layer")


class LabelledDocument(BaseModel):
    """A document as the tagger sees it (pages of words) with what is true about it."""

    seed: int
    source: str
    """"text_layer" or "ocr"."""
    fields: Fields
    truth: list[PageTruth]
    pages: list[Page]


def synthetic_document(seed: int, index: int) -> tuple[int, RenderedDocument, random.Random]:
    doc_seed = document_seed(seed, index)
    rng = random.Random(doc_seed)
    return doc_seed, render_pdf(sample_spec(rng)), rng


def scanned_pages(rendered: RenderedDocument, rng: random.Random, options: PipelineOptions) -> list[Page]:
    """The scan of `rendered` (sampled damage) read by the pipeline; a blank back page is dropped."""
    images = render_scan(rendered, rng, SCAN_DPI, sample_degrade(rng))
    data = save_scan_pdf(images, SCAN_DPI)
    source = inspect_document(data, "scan.pdf", options.limits, options.min_text_layer_chars)
    return read_pages(data, source, options)[: len(rendered.pages)]


def text_layer_pages(pdf: bytes, options: PipelineOptions) -> list[Page]:
    """A born-digital PDF read by the pipeline's own text-layer reader."""
    source = inspect_document(pdf, "synthetic.pdf", options.limits, options.min_text_layer_chars)
    return [read_text_page(page, SCAN_DPI, []) for page in source.pages]


def read_rendered(doc_seed: int, rendered: RenderedDocument, rng: random.Random, reader: str,
                  options: PipelineOptions) -> LabelledDocument:
    """A rendered document read from its text layer or ("ocr") from its scan."""
    pages = scanned_pages(rendered, rng, options) if reader == "ocr" else text_layer_pages(rendered.pdf, options)
    return LabelledDocument(seed=doc_seed, source=reader, fields=rendered.spec.fields, truth=rendered.pages,
                            pages=pages)


def read_document(seed: int, index: int, reader: str, options: PipelineOptions) -> LabelledDocument:
    """Document `index` of run `seed`."""
    return read_rendered(*synthetic_document(seed, index), reader, options)


def _read_alone(job: tuple[int, int, str]) -> LabelledDocument:
    """One document in a worker process of `read_documents`, its pages read in that process."""
    return read_document(*job, PipelineOptions(workers=0))


def read_documents(n: int, seed: int, reader: str, options: PipelineOptions | None = None,
                   workers: int = 1) -> Iterator[LabelledDocument]:
    """Documents 0..n-1 of run `seed`, in order. With workers > 1, whole documents are rendered and read in
    that many fresh (spawned) processes, each reading its pages itself; the documents are the same."""
    progress = {"desc": f"{reader} documents", "unit": "doc", "total": n}
    if workers <= 1:
        options = options or PipelineOptions()
        yield from tqdm((read_document(seed, index, reader, options) for index in range(n)), **progress)
        return
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        yield from tqdm(pool.map(_read_alone, [(seed, index, reader) for index in range(n)]), **progress)


def write_documents(documents: Iterable[LabelledDocument], path: Path) -> None:
    """One JSON line per document, written as each is read (a long run can be used while it goes on)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for document in documents:
            out.write(document.model_dump_json() + "\n")
            out.flush()


def load(path: Path) -> list[LabelledDocument]:
    """The complete lines of a file of documents (the last one may still be being written)."""
    lines = path.read_text(encoding="utf-8").split("\n")[:-1]
    return [LabelledDocument.model_validate(json.loads(line)) for line in lines if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--reader", choices=READERS, default="ocr")
    parser.add_argument("--workers", type=int, default=1, help="processes reading whole documents")
    args = parser.parse_args()
    write_documents(read_documents(args.n, args.seed, args.reader, workers=args.workers), args.out)


if __name__ == "__main__":
    main()
