"""The field tagger's frozen evaluation for the promotion gate (training.gate): synthetic documents read as
the pipeline reads them (born-digital text layers and real OCR passes over degraded scans,
training.kie.passes) from seeds no training run or card evaluation uses, with the factory's built-in
content only (never ../shared: the set is committed), stored once in
eval/data/frozen/kie.jsonl.gz so later changes to the factory or the OCR cannot move them.

Items are (document, field) pairs over the scored fields of training.kie.evaluate; an item is right when
the tagger alone (every field from the model, as the card's tagger-alone figures) reads the field exactly.

    python -m training.gate kie models/artifacts/kie/v1 --out eval/reports/kie-frozen.json
"""

from __future__ import annotations

import gzip
import hashlib
from functools import cached_property
from pathlib import Path

from inference.kie import LayoutLMExtractor
from inference.kie.model import FIELDS
from training.gate import without_shared
from training.kie.evaluate import SCORED, document_hits
from training.kie.passes import LabelledDocument, read_documents

REPO = Path(__file__).resolve().parents[2]
FILE = REPO / "eval" / "data" / "frozen" / "kie.jsonl.gz"
TEXT_SEED, OCR_SEED = 31_337_002, 31_337_003
TEXT_N, OCR_N = 40, 16


class KieFrozenEvaluation:
    """(document, field) exact match of the tagger on the frozen documents (generated on first use)."""

    def __init__(self, path: Path = FILE, text_n: int = TEXT_N, ocr_n: int = OCR_N):
        self.path, self.text_n, self.ocr_n = Path(path), text_n, ocr_n
        self.description = (f"kie: {text_n} text-layer (seed {TEXT_SEED}) + {ocr_n} OCR-read (seed {OCR_SEED}) "
                            f"synthetic documents x {len(SCORED)} fields, tagger alone, exact match")

    @cached_property
    def documents(self) -> list[LabelledDocument]:
        if not self.path.is_file():
            self.freeze()
        with gzip.open(self.path, "rt", encoding="utf-8") as lines:
            return [LabelledDocument.model_validate_json(line) for line in lines if line.strip()]

    def freeze(self) -> None:
        """Read the documents (text layers, then OCR passes) and store them, one JSON line each."""
        with without_shared():
            documents = [*read_documents(self.text_n, TEXT_SEED, "text_layer"),
                         *read_documents(self.ocr_n, OCR_SEED, "ocr")]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as out:
            for document in documents:
                out.write((document.model_dump_json() + "\n").encode("utf-8"))

    @cached_property
    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        for document in self.documents:
            digest.update(document.model_dump_json().encode("utf-8"))
        return digest.hexdigest()

    def correct(self, model_dir: Path) -> list[bool]:
        extractor = LayoutLMExtractor(model_dir, frozenset(FIELDS))
        right: list[bool] = []
        for document in self.documents:
            hits, _ = document_hits(extractor, document)
            right += [hits[name] for name in SCORED]
        return right
