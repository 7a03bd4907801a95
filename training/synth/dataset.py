"""The factory's output as a Hugging Face `datasets` dataset: one row per scanned page.

Each row has the scan image, the page's words and boxes as the pipeline's own reader
(`inference.io.inspect_document`) takes them from the born-digital PDF, the layout regions and every
field of the extraction contract (`inference.schema.Fields`). Boxes are normalised to the scan image:
the born-digital boxes moved by the same skew and turn the scanner gave the page.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal, get_args

import cv2
import datasets
import numpy as np
import pikepdf

from inference.io import inspect_document
from inference.options import LoadLimits
from inference.schema import BBox, Fields, Word
from training.synth.degrade import DegradeParams
from training.synth.truth import PageTruth, RegionName

PageRole = Literal["document", "attachment", "blank"]
"""document: a page of the labelled document; attachment: a draft stapled behind it; blank: an empty back."""
WRITER_BATCH = 64


def _box() -> datasets.List:
    return datasets.List(datasets.Value("float32"), length=4)


FIELD_FEATURES = {
    name: datasets.List(datasets.Value("string")) if name == "recipients" else datasets.Value("string")
    for name in Fields.model_fields
}
FEATURES = datasets.Features({
    "id": datasets.Value("string"),
    "document": datasets.Value("string"),
    "split": datasets.Value("string"),
    "page": datasets.Value("int32"),
    "role": datasets.ClassLabel(names=list(get_args(PageRole))),
    "source_page": datasets.Value("int32"),
    "image": datasets.Image(),
    "dpi": datasets.Value("int32"),
    "width": datasets.Value("int32"),
    "height": datasets.Value("int32"),
    "text": datasets.Value("string"),
    "words": datasets.List(datasets.Value("string")),
    "boxes": datasets.List(_box()),
    "lines": datasets.List(datasets.Value("int32")),
    "regions": datasets.List({
        "label": datasets.ClassLabel(names=list(get_args(RegionName))),
        "bbox": _box(),
        "text": datasets.Value("string"),
        "layer": datasets.ClassLabel(names=["print", "scan"]),
    }),
    "fields": FIELD_FEATURES,
    "degrade": datasets.Value("string"),
})


def stored_pages(scan_pdf: bytes) -> list[bytes]:
    """Each page image as the scan PDF stores it: the JPEG stream itself, or a PNG of a 1-bit (CCITT) page;
    so the dataset's image is the scan file's, byte for byte, and is not encoded a second time."""
    out: list[bytes] = []
    with pikepdf.open(io.BytesIO(scan_pdf)) as pdf:
        for page in pdf.pages:
            stream = next(iter(page.get_images(recursive=False).values()))
            if stream.get("/Filter") == pikepdf.Name.DCTDecode:
                out.append(stream.read_raw_bytes())
            else:
                buffer = io.BytesIO()
                pikepdf.PdfImage(stream).as_pil_image().save(buffer, "PNG")
                out.append(buffer.getvalue())
    return out


CORNERS = [[0, 1], [2, 1], [0, 3], [2, 3]]
"""The four corners of [x0, y0, x1, y1] as (x, y) index pairs."""


def scan_boxes(bboxes: list[BBox], degrade: DegradeParams, width: int, height: int) -> list[list[float]]:
    """Boxes of the upright page (width x height pixels) on the scan, as [x0, y0, x1, y1]: skewed about the
    centre, then turned; all of a page's boxes in one pass."""
    if not bboxes:
        return []
    size = np.array([width, height, width, height], np.float64)
    corners = (np.array([_flat(b) for b in bboxes]) * size)[:, CORNERS]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrade.skew_degrees, 1.0)
    moved = corners @ matrix[:, :2].T + matrix[:, 2]
    xs, ys = np.clip(moved[..., 0] / width, 0, 1), np.clip(moved[..., 1] / height, 0, 1)
    x0, y0, x1, y1 = xs.min(axis=1), ys.min(axis=1), xs.max(axis=1), ys.max(axis=1)
    turned = {0: (x0, y0, x1, y1), 90: (1 - y1, x0, 1 - y0, x1), 180: (1 - x1, 1 - y1, 1 - x0, 1 - y0),
              270: (y0, 1 - x1, y1, 1 - x0)}[degrade.rotation]
    return np.stack(turned, axis=1).tolist()


def scan_bbox(bbox: BBox, degrade: DegradeParams, width: int, height: int) -> BBox:
    """One box of the upright page on the scan (see scan_boxes)."""
    x0, y0, x1, y1 = scan_boxes([bbox], degrade, width, height)[0]
    return BBox(x0=x0, y0=y0, x1=x1, y1=y1)


def _upright_size(size: tuple[int, int], rotation: int) -> tuple[int, int]:
    w, h = size
    return (h, w) if rotation in (90, 270) else (w, h)


def _flat(bbox: BBox) -> list[float]:
    return [bbox.x0, bbox.y0, bbox.x1, bbox.y1]


def text_layer_words(pdf: bytes) -> list[list[Word]]:
    """Per page, the words of a born-digital PDF as the pipeline reads them."""
    return [page.text_words for page in inspect_document(pdf, "synthetic.pdf", LoadLimits()).pages]


def page_row(*, document: str, split: str, page: int, image: bytes, size: tuple[int, int], dpi: int,
             degrade: DegradeParams, fields: Fields, role: PageRole, truth: PageTruth | None,
             words: list[Word]) -> dict[str, Any]:
    """One encoded dataset row: `image` the stored scan page of `size` (w, h) pixels; `truth` and `words`
    those of its born-digital page (None and [] for a blank back)."""
    width, height = _upright_size(size, degrade.rotation)
    regions = truth.regions if truth else []
    boxes = scan_boxes([w.bbox for w in words] + [r.bbox for r in regions], degrade, width, height)
    row = {
        "id": f"{document}#{page + 1}",
        "document": document,
        "split": split,
        "page": page,
        "role": role,
        "source_page": truth.index if truth else -1,
        "image": {"bytes": image, "path": f"{document}_scan.pdf#{page + 1}"},
        "dpi": dpi,
        "width": size[0],
        "height": size[1],
        "text": truth.text if truth else "",
        "words": [w.text for w in words],
        "boxes": boxes[:len(words)],
        "lines": [w.line for w in words],
        "regions": [{"label": r.name, "bbox": box, "text": r.text, "layer": r.layer}
                    for r, box in zip(regions, boxes[len(words):], strict=True)],
        "fields": fields_row(fields),
        "degrade": degrade.model_dump_json(),
    }
    return FEATURES.encode_example(row)


def fields_row(fields: Fields) -> dict[str, Any]:
    values = fields.model_dump(mode="json")
    return {k: v if k == "recipients" else (None if v is None else str(v)) for k, v in values.items()}


def write_dataset(rows: Iterable[dict[str, Any]], out_dir: Path, split: str, fingerprint: str) -> datasets.Dataset:
    """Stream encoded rows into Arrow, then save with `save_to_disk` beside the documents.

    The fingerprint is given (derived from seed, split and size) instead of drawn at random, so the
    same seed writes byte-identical dataset files."""
    with tempfile.TemporaryDirectory(dir=out_dir.parent, prefix=f".{out_dir.name}-") as tmp:
        staging = str(Path(tmp) / "rows.arrow")
        with datasets.arrow_writer.ArrowWriter(features=FEATURES, path=staging, writer_batch_size=WRITER_BATCH) as w:
            for row in rows:
                w.write(row)
            w.finalize()
        staged = datasets.Dataset.from_file(staging)
        info = datasets.DatasetInfo(description=f"vanthu synthetic pages, split {split}", features=FEATURES,
                                    license="see README.md")
        dataset = datasets.Dataset(staged.data, info=info, split=datasets.NamedSplit(split), fingerprint=fingerprint)
        for stale in out_dir.glob("data-*-of-*.arrow"):
            stale.unlink()
        dataset.save_to_disk(str(out_dir))
    return load(out_dir)


def load(out_dir: Path) -> datasets.Dataset:
    return datasets.load_from_disk(str(out_dir))


def card(*, split: str, description: str, n: int, seed: int, dataset: datasets.Dataset) -> str:
    """The dataset card (README.md of the output folder)."""
    names = FEATURES["role"].names
    roles = list(dataset["role"])
    counts = ", ".join(f"{roles.count(i)} {name}" for i, name in enumerate(names))
    return CARD.format(split=split, description=description, n=n, seed=seed, rows=len(dataset), counts=counts)


CARD = """---
license: other
language: [vi]
task_categories: [token-classification, object-detection, image-to-text]
pretty_name: vanthu synthetic Vietnamese administrative documents ({split})
---

# vanthu synthetic documents — split `{split}`

**What.** {n} synthetic Vietnamese administrative documents (Decree 30/2020 state format, HD 36
Party format, mass organisations), each as a born-digital PDF (`doc_XXXX.pdf`, real text layer), a
scanned rendering (`doc_XXXX_scan.pdf`) and its ground truth (`doc_XXXX.json`); `labels.jsonl` lists
the fields per scan in the format of `vanthu eval extraction --dataset`. This folder is also a
Hugging Face `datasets` dataset (`datasets.load_from_disk(folder)`): {rows} rows, one per scanned
page ({counts}).

Split `{split}`: {description}.

**How it was made.** `vanthu synth --n {n} --seed {seed} --split {split} --out <folder>`
(training/synth in the vanthu repository). A spec is sampled per document (issuer, type, number,
date, subject, signer, recipients, layout within the Decree 30 ranges), drawn with fpdf2 (creation
date pinned), rendered with pdfium, inked (handwritten number and day, signature, red seal, "CÔNG
VĂN ĐẾN" register stamp) and damaged like a scanner or copier would. Document `i` is drawn from a
seed derived from (seed, split, i) only, so the same seed gives byte-identical files whatever the
number of worker processes. Words and boxes come from the born-digital text layer, read by the
pipeline's own reader (`inference.io.inspect_document`); boxes are normalised to the scan image
(the same skew and turn applied). Regions are the composer's own boxes ("scan" layer: ink that only
the scan has). Attachment pages are a draft of another document stapled behind: their words and
regions are theirs, their `fields` those of the document they are stapled to.

**Features** (declared in `training/synth/dataset.py`, `FEATURES`): `id` ("doc_0003#2"), `document`,
`split`, `page` (0-based index in the scan), `role` (document / attachment / blank), `source_page`
(index in the born-digital PDF, -1 when blank), `image` (the scan page: PNG when 1-bit, else JPEG;
`path` names the scan PDF and page), `dpi`, `width`, `height` (pixels), `text` (the printed text,
line by line), `words`, `boxes` ([x0, y0, x1, y1] per word, 0..1 on the scan image, origin top
left), `lines` (line index per word), `regions` (label of 15 layout classes, box, text, layer
print/scan), `fields` (every field of the extraction contract `inference.schema.Fields`; dates ISO),
`degrade` (the exact damage, JSON).

**Licence of the sources.** Generated text: templates and the built-in sentences of the vanthu
repository; when `../shared` is present, body sentences are also drawn from official Vietnamese
legal and administrative texts (not protected by copyright under Art. 15 of the Law on
Intellectual Property; the Party texts' status is probably the same, not confirmed). Names,
numbers and issuers are sampled, not copied from real documents. Fonts: TeX Gyre Termes (GUST Font
License), DejaVu (Bitstream Vera licence), handwriting faces from Debian font packages. No real
scan is part of this dataset.
"""
