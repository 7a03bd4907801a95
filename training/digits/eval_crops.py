"""Score the digit reader (and the Tesseract baseline) on a folder of labelled crops, e.g. real ones.

    python -m training.digits.eval_crops DIR [--model models/artifacts/digits/v2/model.onnx] [--dpi 300]

DIR holds grey or colour images (png/jpg/tif). The truth comes from `DIR/labels.csv` (columns
`file,text`; empty text = nothing written) when present, else from the file name: everything before
the first "_" ("01_p3_day.png" -> "01"; "none_x.png" or "_x.png" -> ""). Prints exact match, CER,
by-length accuracy, accuracy above confidence cuts, and the misreads. Reads nothing but DIR; never
point it at data that must stay out of training decisions unless that is the intent.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import cv2
import numpy as np

from inference.digits import DEFAULT_MODEL, DigitReader
from training.digits.train import score, tesseract_baseline

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"}


def load(folder: Path) -> tuple[list[str], list[np.ndarray], list[str]]:
    labels: dict[str, str] = {}
    if (folder / "labels.csv").is_file():
        with open(folder / "labels.csv", newline="", encoding="utf-8") as f:
            labels = {row["file"]: (row.get("text") or "").strip() for row in csv.DictReader(f)}
    names, crops, texts = [], [], []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            continue
        if labels:
            if path.name not in labels:
                continue
            truth = labels[path.name]
        else:
            head = path.stem.split("_")[0]
            truth = "" if head.lower() in ("", "none", "empty") else head
        img = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        if img is None:
            print(f"skip unreadable {path.name}", file=sys.stderr)
            continue
        names.append(path.name)
        crops.append(img)
        texts.append(truth)
    return names, crops, texts


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(prog="python -m training.digits.eval_crops", description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    ap.add_argument("--dpi", type=int, default=300, help="resolution passed to Tesseract")
    ap.add_argument("--no-tesseract", action="store_true")
    args = ap.parse_args(argv)
    names, crops, texts = load(args.folder)
    if not crops:
        raise SystemExit(f"no labelled images in {args.folder}")
    preds = DigitReader(args.model).read_many(crops)
    report = {"n": len(crops), "model": score([p for p, _ in preds], texts, [c for _, c in preds])}
    if not args.no_tesseract:
        tess = tesseract_baseline(crops, [args.dpi] * len(crops))
        if tess is not None:
            report["tesseract"] = score(tess, texts)
    report["misreads"] = [
        {"file": n, "truth": t, "read": p, "confidence": round(c, 3)}
        for n, t, (p, c) in zip(names, texts, preds)
        if p != t
    ]
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return report


if __name__ == "__main__":
    main()
