"""Layout training data: synthetic scans from the factory, shrunk to the network's input, with their regions.

    python -m training.layout.data --out data/layout --seed 101 --default-n 150 --hard-n 150

generates the documents of each split with `training.synth.generate` (into <out>/synth-<split>) and packs
every scanned page of the `datasets` dataset into <out>/pages.npz: `images` uint8 (pages, H, W) as
`inference.layout_model.shrink` makes them, and the regions as rows of `boxes` (page, class, x0, y0, x1, y1;
normalised to the scan image). The factory's region names are mapped to the model's labels by `LABEL_OF`.
"""

from __future__ import annotations

import argparse
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import datasets
import numpy as np
from PIL import Image
from tqdm import tqdm

from inference.layout_model import shrink
from inference.schema import LAYOUT_LABELS, BBox, LayoutRegion
from training.synth import generate
from training.synth.dataset import FEATURES, load

LABEL_OF = {
    "motto": "motto",
    "issuer": "issuer",
    "number": "number",
    "place_date": "place_date",
    "title": "title",
    "kinh_gui": "kinh_gui",
    "body": "body",
    "signature": "signature_block",
    "recipients": "recipients",
    "seal": "seal",
    "signature_ink": "signature",
    "handwriting": "handwriting",
    "stamps": "stamp",
    "digital_signature": "digital_signature",
    "page_number": "page_number",
}
"""Factory region name (training.synth.truth.RegionName) -> layout label (inference.schema.LayoutLabel)."""
REGION_NAMES = FEATURES["regions"].feature["label"].names


@dataclass(frozen=True)
class SynthPage:
    id: str
    gray: np.ndarray
    """The scan page as stored, grey uint8 at its scan resolution."""
    regions: list[LayoutRegion]
    words: list
    """The born-digital text layer's words moved onto the scan (inference.schema.Word)."""


def page_regions(row: dict, page: int = 0) -> list[LayoutRegion]:
    """The truth regions of one dataset row as layout regions."""
    return [
        LayoutRegion(
            page=page,
            label=LABEL_OF[REGION_NAMES[r["label"]]],
            score=1.0,
            bbox=BBox(x0=r["bbox"][0], y0=r["bbox"][1], x1=r["bbox"][2], y1=r["bbox"][3]),
        )
        for r in row["regions"]
    ]


def synth_pages(folder: Path, with_words: bool = False) -> Iterator[SynthPage]:
    """The scanned pages of a factory output folder (`vanthu synth ... --out folder`), in dataset order."""
    from inference.schema import Word

    dataset = load(folder).cast_column("image", datasets.Image(decode=False))
    for k, row in enumerate(dataset):
        gray = np.asarray(Image.open(io.BytesIO(row["image"]["bytes"])).convert("L"))
        words = (
            [
                Word(text=t, bbox=BBox(x0=b[0], y0=b[1], x1=b[2], y1=b[3]), source="text_layer", line=n)
                for t, b, n in zip(row["words"], row["boxes"], row["lines"], strict=True)
            ]
            if with_words
            else []
        )
        yield SynthPage(id=row["id"], gray=gray, regions=page_regions(row, k), words=words)


def pack(folders: list[Path], out: Path) -> dict[str, int]:
    """Every page of the folders into one npz; returns page and region counts."""
    images: list[np.ndarray] = []
    boxes: list[list[float]] = []
    ids: list[str] = []
    for folder in folders:
        for page in tqdm(synth_pages(folder), desc=f"packing {folder.name}", unit="page"):
            index = len(images)
            images.append(shrink(page.gray))
            ids.append(f"{folder.name}/{page.id}")
            boxes += [
                [index, LAYOUT_LABELS.index(r.label), r.bbox.x0, r.bbox.y0, r.bbox.x1, r.bbox.y1] for r in page.regions
            ]
    np.savez_compressed(
        out, images=np.stack(images), boxes=np.array(boxes, np.float32).reshape(-1, 6), ids=np.array(ids)
    )
    return {"pages": len(images), "regions": len(boxes)}


def main() -> None:
    parser = argparse.ArgumentParser(description="Synthetic pages and regions for the layout model")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=101)
    parser.add_argument("--default-n", type=int, default=150, help="documents of the default split")
    parser.add_argument("--hard-n", type=int, default=150, help="documents of the hard split")
    parser.add_argument("--default-dpi", type=int, default=150, help="scan resolution of the default split")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    folders = []
    for split, n, dpi in (("default", args.default_n, args.default_dpi), ("hard", args.hard_n, None)):
        if n > 0:
            folder = args.out / f"synth-{split}"
            generate(n, args.seed, folder, dpi=dpi, split=split, workers=args.workers, progress=True)
            folders.append(folder)
    counts = pack(folders, args.out / "pages.npz")
    print(f"{counts['pages']} pages, {counts['regions']} regions -> {args.out / 'pages.npz'}")


if __name__ == "__main__":
    main()
