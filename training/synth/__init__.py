"""Synthetic document factory: sampled spec -> born-digital PDF + scanned PDF + ground truth.

    spec = sample_spec(random.Random(seed))          # what the document says
    rendered = render_pdf(spec)                      # born-digital PDF, text layer, region boxes
    images = render_scan(rendered, rng, 300, sample_degrade(rng))
    save_scan_pdf(images, 300)                       # the scan as a PDF
    generate(n, seed, out_dir, split="hard", workers=2)   # files + labels.jsonl + `datasets` dataset + card
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np

from inference.schema import Block
from training.synth.degrade import DegradeParams, sample_degrade
from training.synth.factory import document_seed, generate
from training.synth.render import render_pdf, render_scan, save_scan_pdf
from training.synth.sampler import sample_spec
from training.synth.spec import DocumentSpec
from training.synth.truth import PageTruth, Region, RenderedDocument

__all__ = [
    "DegradeParams", "DocumentSpec", "PageTruth", "Region", "RenderedDocument", "document_seed", "generate",
    "render_pdf", "render_scan", "sample_degrade", "sample_document", "sample_scan", "sample_spec", "save_scan_pdf",
]


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
