"""Synthetic document factory: sampled spec -> born-digital PDF + scanned PDF + ground truth.

    spec = sample_spec(random.Random(seed))          # what the document says
    rendered = render_pdf(spec)                      # born-digital PDF, text layer, region boxes
    images = render_scan(rendered, rng, 300, sample_degrade(rng))
    save_scan_pdf(images, 300)                       # the scan as a PDF
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path
from typing import Any

import numpy as np

from inference.schema import Block
from training.synth.degrade import DegradeParams, sample_degrade
from training.synth.render import render_pdf, render_scan, save_scan_pdf
from training.synth.sampler import sample_spec
from training.synth.spec import DocumentSpec
from training.synth.truth import PageTruth, Region, RenderedDocument

__all__ = [
    "DegradeParams", "DocumentSpec", "PageTruth", "Region", "RenderedDocument", "document_seed", "generate",
    "render_pdf", "render_scan", "sample_degrade", "sample_document", "sample_scan", "sample_spec", "save_scan_pdf",
]


def document_seed(seed: int, index: int) -> int:
    """The seed of document `index` of a run; independent of how many documents the run makes."""
    return int.from_bytes(hashlib.sha256(f"{seed}:{index}".encode()).digest()[:8], "big")


def sample_document(seed: int, *, kind: str | None = None, block: Block | None = None,
                    **overrides: Any) -> RenderedDocument:
    """A rendered document for tests: `kind` is a type code ("QĐ", "CV", "KL"...), `overrides` set spec
    attributes (handwritten_number=True, red_seal=False, ...) and are validated like the spec itself."""
    spec = sample_spec(random.Random(seed), block=block, type_code=kind)
    if overrides:
        spec = DocumentSpec.model_validate({**spec.model_dump(), **overrides})
    return render_pdf(spec)


def sample_scan(seed: int, dpi: int = 300, degrade: DegradeParams | None = None,
                **spec_options: Any) -> tuple[RenderedDocument, list[np.ndarray]]:
    """`sample_document` plus its scan: (rendered, page images). Clean scan unless `degrade` is given."""
    rendered = sample_document(seed, **spec_options)
    return rendered, render_scan(rendered, random.Random(seed), dpi, degrade)


def truth_record(rendered: RenderedDocument, seed: int, pdf: str, scan: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "seed": seed,
        "pdf": pdf,
        "fields": rendered.spec.fields.model_dump(mode="json"),
        "pages": [p.model_dump(mode="json") for p in rendered.pages],
        "scan": scan,
    }


def generate(n: int, seed: int, out_dir: Path, scans: bool = True, dpi: int = 300) -> list[Path]:
    """Write doc_XXXX.pdf, doc_XXXX_scan.pdf and doc_XXXX.json for n documents; returns the JSON paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    width = max(4, len(str(n - 1)))
    written: list[Path] = []
    for index in range(n):
        doc_seed = document_seed(seed, index)
        rng = random.Random(doc_seed)
        rendered = render_pdf(sample_spec(rng))
        stem = out_dir / f"doc_{index:0{width}d}"
        stem.with_suffix(".pdf").write_bytes(rendered.pdf)
        scan = None
        if scans:
            degrade = sample_degrade(rng)
            images = render_scan(rendered, rng, dpi, degrade)
            Path(f"{stem}_scan.pdf").write_bytes(save_scan_pdf(images, dpi))
            scan = {"file": f"{stem.name}_scan.pdf", "dpi": dpi, "degrade": degrade.model_dump(mode="json"),
                    "pages": [*range(len(rendered.pages)), *([None] if degrade.blank_back_page else [])]}
        path = stem.with_suffix(".json")
        record = truth_record(rendered, doc_seed, stem.with_suffix(".pdf").name, scan)
        path.write_text(json.dumps(record, ensure_ascii=False, indent=1), "utf-8")
        written.append(path)
    return written
