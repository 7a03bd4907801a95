"""`generate`: n documents of one split into a folder, in worker processes, identical bytes whatever their number.

Per document: doc_XXXX.pdf (born-digital), doc_XXXX_scan.pdf, doc_XXXX.json (ground truth) and, when
a draft is stapled behind, doc_XXXX_attachment.pdf. Per folder: labels.jsonl (the format of
`vanthu eval extraction --dataset`), the `datasets` dataset (one row per scanned page) and its card.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from tqdm import tqdm

from training.synth.dataset import card, page_row, stored_pages, text_layer_words, write_dataset
from training.synth.degrade import DegradeParams
from training.synth.render import render_pdf, scan_file, scan_pages
from training.synth.sampler import sample_spec
from training.synth.splits import SPLITS, Split
from training.synth.spec import DocumentSpec
from training.synth.truth import RenderedDocument

DRAFT_PAGES = 2
"""At most this many pages of a stapled draft."""


def document_seed(seed: int, index: int, split: str = "default") -> int:
    """The seed of document `index` of a run; independent of how many documents the run makes. Splits
    other than "default" draw other documents from the same seed (no document is in two splits)."""
    key = f"{seed}:{index}" if split == "default" else f"{seed}:{split}:{index}"
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")


@dataclass(frozen=True)
class Job:
    index: int
    seed: int
    split: str
    out_dir: Path
    width: int
    scans: bool
    dpi: int | None


@dataclass
class Scan:
    images: list[np.ndarray]
    """The damaged pages before the scanner's JPEG (`render.scan_pages`)."""
    dpi: int
    degrade: DegradeParams
    blank_pages: int
    attachment: RenderedDocument | None


@dataclass
class Made:
    truth_path: Path
    label: dict[str, Any]
    rows: list[dict[str, Any]]


def truth_record(rendered: RenderedDocument, seed: int, pdf: str, scan: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "seed": seed,
        "pdf": pdf,
        "fields": rendered.spec.fields.model_dump(mode="json"),
        "pages": [p.model_dump(mode="json") for p in rendered.pages],
        "scan": scan,
    }


def draft(rng: random.Random) -> RenderedDocument:
    """Another document as an unsigned draft: no seal, no signature ink, number and day printed."""
    spec = sample_spec(random.Random(rng.getrandbits(64)))
    unsigned = {"red_seal": False, "digital_signature_box": False, "incoming_stamp": False,
                "handwritten_number": False, "handwritten_day": False}
    return render_pdf(DocumentSpec.model_validate({**spec.model_dump(), **unsigned}))


def scan_document(rendered: RenderedDocument, rng: random.Random, split: Split, dpi: int | None) -> Scan:
    """The damaged scan; the random draws come in the order of the first factory's."""
    degrade = split.degrade(rng)
    dpi = dpi or (split.dpis[0] if len(split.dpis) == 1 else rng.choice(split.dpis))
    images = scan_pages(rendered, rng, dpi, degrade)
    attachment = draft(rng) if split.attachment_rate and rng.random() < split.attachment_rate else None
    if attachment:
        stapled = scan_pages(attachment, rng, dpi, degrade.model_copy(update={"blank_back_page": False}))
        images += stapled[:DRAFT_PAGES]
    return Scan(images, dpi, degrade, int(degrade.blank_back_page), attachment)


def scan_rows(name: str, split: str, rendered: RenderedDocument, scan: Scan,
              scan_pdf: bytes) -> list[dict[str, Any]]:
    """Dataset rows in scan order: the document's pages, the blank back, the stapled draft."""
    sources = [("document", rendered, i) for i in range(len(rendered.pages))] + [("blank", None, -1)] * scan.blank_pages
    if scan.attachment:
        sources += [("attachment", scan.attachment, i) for i in range(min(DRAFT_PAGES, len(scan.attachment.pages)))]
    words = {id(doc): text_layer_words(doc.pdf) for doc in (rendered, scan.attachment) if doc}
    stored = stored_pages(scan_pdf)
    return [
        page_row(document=name, split=split, page=k, image=stored[k], size=(image.shape[1], image.shape[0]),
                 dpi=scan.dpi, degrade=scan.degrade, fields=rendered.spec.fields, role=role,
                 truth=source.pages[i] if source else None, words=words[id(source)][i] if source else [])
        for k, (image, (role, source, i)) in enumerate(zip(scan.images, sources, strict=True))
    ]


def write_scan(job: Job, name: str, rendered: RenderedDocument, rng: random.Random) -> tuple[dict, list[dict]]:
    """The scan PDF (and the stapled draft's PDF); returns the truth record's "scan" entry and the rows."""
    scan = scan_document(rendered, rng, SPLITS[job.split], job.dpi)
    scan_pdf = scan_file(scan.images, scan.dpi, scan.degrade)
    (job.out_dir / f"{name}_scan.pdf").write_bytes(scan_pdf)
    if scan.attachment:
        (job.out_dir / f"{name}_attachment.pdf").write_bytes(scan.attachment.pdf)
    info = {"file": f"{name}_scan.pdf", "dpi": scan.dpi, "split": job.split,
            "degrade": scan.degrade.model_dump(mode="json"),
            "pages": [*range(len(rendered.pages)), *([None] * scan.blank_pages)],
            "attachment": f"{name}_attachment.pdf" if scan.attachment else None}
    return info, scan_rows(name, job.split, rendered, scan, scan_pdf)


def make_document(job: Job) -> Made:
    doc_seed = document_seed(job.seed, job.index, job.split)
    rng = random.Random(doc_seed)
    rendered = render_pdf(SPLITS[job.split].spec(rng))
    name = f"doc_{job.index:0{job.width}d}"
    (job.out_dir / f"{name}.pdf").write_bytes(rendered.pdf)
    scan, rows = write_scan(job, name, rendered, rng) if job.scans else (None, [])
    record = truth_record(rendered, doc_seed, f"{name}.pdf", scan)
    path = job.out_dir / f"{name}.json"
    path.write_text(json.dumps(record, ensure_ascii=False, indent=1), "utf-8")
    label = {"file": scan["file"] if scan else f"{name}.pdf", "pages": len(rows) or len(rendered.pages),
             **record["fields"]}
    return Made(path, label, rows)


def _quiet_worker() -> None:
    """One thread per worker process: the machine's cores are the workers."""
    os.environ["OMP_THREAD_LIMIT"] = "1"
    cv2.setNumThreads(1)


def _made(jobs: list[Job], workers: int) -> Iterator[Made]:
    if workers <= 1:
        yield from map(make_document, jobs)
        return
    # spawn, not fork: a fork of a process whose OpenCV or torch threads hold a lock hangs in the child;
    # not forkserver either: its children have the environment of the server's start, not the caller's
    # (VANTHU_SHARED_DIR decides which corpus the documents' text comes from).
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn"), initializer=_quiet_worker) as pool:
        yield from pool.map(make_document, jobs)


def generate(n: int, seed: int, out_dir: Path, scans: bool = True, dpi: int | None = None, split: str = "default",
             workers: int = 1, progress: bool = False) -> list[Path]:
    """Write n documents of `split` (see training.synth.splits) and, with scans, the page dataset and its
    card; returns the ground-truth JSON paths in document order."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; known: {', '.join(SPLITS)}")
    if n < 1:
        raise ValueError("n must be at least 1")
    out_dir.mkdir(parents=True, exist_ok=True)
    width = max(4, len(str(n - 1)))
    jobs = [Job(i, seed, split, out_dir, width, scans, dpi) for i in range(n)]
    written: list[Path] = []
    labels: list[str] = []

    def rows() -> Iterator[dict[str, Any]]:
        for made in tqdm(_made(jobs, workers), total=n, desc=f"synth {split}", unit="doc", disable=not progress):
            written.append(made.truth_path)
            labels.append(json.dumps(made.label, ensure_ascii=False))
            yield from made.rows

    fingerprint = hashlib.sha256(f"{seed}:{split}:{n}:{dpi}".encode()).hexdigest()[:16]
    if scans:
        dataset = write_dataset(rows(), out_dir, split, fingerprint)
        (out_dir / "README.md").write_text(card(split=split, description=SPLITS[split].description, n=n, seed=seed,
                                                dataset=dataset), "utf-8")
    else:
        for _ in rows():
            pass
    (out_dir / "labels.jsonl").write_text("\n".join(labels) + "\n", "utf-8")
    return written
