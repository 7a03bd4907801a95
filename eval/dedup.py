"""`vanthu eval dedup`: pairwise precision and recall of duplicate grouping.

Synthetic benchmark from the factory: each base document as born-digital PDF, scanned (other
degradation, other resolution) and as a SAO Y copy, a two-page one also as one photo per page (parts
of one document, linked by inference.assembly); hard negatives that must stay apart: the same
document with another number, in another year, from another issuer. Real pairs: the labelled dev set,
where the same number + date + issuer is the same document (skipped when ../shared is absent).
"""

from __future__ import annotations

import io
import random
import time
from itertools import combinations
from pathlib import Path

import numpy as np
from pydantic import BaseModel
from tqdm import tqdm

from eval.datasets import load_labels
from eval.metrics import canonical
from inference.assembly import delivery_key
from inference.governance.dedup import group_results
from inference.options import PipelineOptions
from inference.pipeline import extract_document
from inference.schema import DuplicateGroup, ExtractionResult
from training.synth import document_seed, render_pdf, render_scan, sample_degrade, sample_spec, save_scan_pdf
from training.synth.copies import certified_copy
from training.synth.render import picture
from training.synth.spec import DocumentSpec

MAX_BASE_PAGES = 2
"""Bases are kept short so the benchmark (OCR of every scan) runs in a few minutes."""


class Case(BaseModel):
    file: str
    identity: str
    """Files with one identity are one văn bản."""
    kind: str
    is_copy: bool = False


class PairScore(BaseModel):
    true_positives: int
    false_positives: int
    false_negatives: int
    precision: float
    recall: float
    wrong_pairs: list[tuple[str, str]]
    missed_pairs: list[tuple[str, str]]


class SetReport(BaseModel):
    files: int
    score: PairScore
    groups: list[DuplicateGroup]
    copies_linked: int = 0
    copies: int = 0
    failed: list[str] = []


class DedupReport(BaseModel):
    synthetic: SetReport
    real: SetReport | None
    real_skipped: str | None = None
    seconds: float


def _with_fields(spec: DocumentSpec, **fields: object) -> DocumentSpec:
    return DocumentSpec.model_validate({**spec.model_dump(), "fields": {**spec.fields.model_dump(), **fields}})


def _bases(seed: int, count: int) -> list[tuple[int, DocumentSpec]]:
    found, index = [], 0
    while len(found) < count:
        doc_seed = document_seed(seed, index)
        spec = sample_spec(random.Random(doc_seed))
        if len(render_pdf(spec).pages) <= MAX_BASE_PAGES:
            found.append((doc_seed, spec))
        index += 1
    return found


def _negatives(spec: DocumentSpec, other: DocumentSpec) -> dict[str, DocumentSpec]:
    """Other documents that share all but one thing with `spec`, as born-digital files. A number left
    blank for handwriting is not in the born-digital file: another number would give the same bytes,
    so that negative is only made when the number is printed."""
    f = spec.fields
    running = int(f.code_number or 0) + 1
    tail = (f.number or "")[len(f.code_number or ""):]
    assert f.issued_date is not None
    negatives = {
        "other_year": _with_fields(spec, issued_date=f.issued_date.replace(year=f.issued_date.year - 1)),
        "other_issuer": _with_fields(spec, organ_name=other.fields.organ_name),
    }
    if not spec.handwritten_number:
        negatives["other_number"] = _with_fields(spec, number=f"{running}{tail}", code_number=str(running))
    return negatives


def _jpeg(image: np.ndarray, dpi: int) -> bytes:
    page = picture(image)
    out = io.BytesIO()
    (page.convert("L") if page.mode == "1" else page).save(out, "JPEG", quality=80, dpi=(dpi, dpi))
    return out.getvalue()


def build_synthetic(out_dir: Path, seed: int, bases: int) -> list[Case]:
    """Write the benchmark files; returns what each one is."""
    out_dir.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []
    chosen = _bases(seed, bases + 1)
    for number, (doc_seed, spec) in enumerate(chosen[:bases]):
        rng = random.Random(doc_seed)
        rendered = render_pdf(spec)
        identity = f"doc{number}"
        files = {"digital.pdf": rendered.pdf}
        scan = render_scan(rendered, rng, 300, sample_degrade(rng))
        files["scan.pdf"] = save_scan_pdf(scan, 300)
        if number % 2 == 0:
            files["rescan.pdf"] = save_scan_pdf(render_scan(rendered, rng, 200, sample_degrade(rng)), 200)
        else:
            files["saoy.pdf"] = save_scan_pdf(certified_copy(scan, spec, 300, rng), 300)
        if len(scan) > 1:  # each page photographed into a file of its own: parts of one document
            files |= {f"part{page}.jpg": _jpeg(image, 300) for page, image in enumerate(scan, start=1)}
        for suffix, data in files.items():
            name = f"{identity}_{suffix}"
            (out_dir / name).write_bytes(data)
            cases.append(Case(file=name, identity=identity, kind=suffix.split(".")[0],
                              is_copy=suffix == "saoy.pdf"))
        for kind, negative in _negatives(spec, chosen[number + 1][1]).items():
            name = f"{identity}_{kind}.pdf"
            (out_dir / name).write_bytes(render_pdf(negative).pdf)
            cases.append(Case(file=name, identity=f"{identity}_{kind}", kind=kind))
    return cases


def score(cases: list[Case], groups: list[DuplicateGroup]) -> PairScore:
    identity = {c.file: c.identity for c in cases}
    ordered = sorted(cases, key=lambda c: c.file)
    truth = {(a.file, b.file) for a, b in combinations(ordered, 2) if a.identity == b.identity}
    predicted = {pair for g in groups for pair in combinations(sorted(g.members), 2)
                 if all(p in identity for p in pair)}
    tp = len(truth & predicted)
    return PairScore(
        true_positives=tp,
        false_positives=len(predicted - truth),
        false_negatives=len(truth - predicted),
        precision=round(tp / len(predicted), 4) if predicted else 1.0,
        recall=round(tp / len(truth), 4) if truth else 1.0,
        wrong_pairs=sorted(predicted - truth),
        missed_pairs=sorted(truth - predicted),
    )


def _run(folder: Path, cases: list[Case], options: PipelineOptions, desc: str) -> SetReport:
    results: list[ExtractionResult] = []
    failed: list[str] = []
    for case in tqdm(sorted(cases, key=lambda c: delivery_key(c.file)), desc=desc, unit="file"):
        try:
            results.append(extract_document((folder / case.file).read_bytes(), case.file, options))
        except Exception as error:  # a file the pipeline refuses is reported, the benchmark goes on
            failed.append(f"{case.file}: {error}")
    groups = group_results(results)
    by_file = {member: g for g in groups for member in g.members}
    copies = [c for c in cases if c.is_copy]
    linked = sum(1 for c in copies if c.file in by_file and c.file in by_file[c.file].copies
                 and by_file[c.file].original not in by_file[c.file].copies)
    return SetReport(files=len(cases), score=score(cases, groups), groups=groups, copies=len(copies),
                     copies_linked=linked, failed=failed)


def real_cases(dataset: Path) -> list[Case]:
    """Identity = number + date + issuer of the labels (the same document scanned twice shares them)."""
    cases = []
    for document in load_labels(dataset):
        key = tuple(canonical(f, document.labels.get(f)) for f in ("number", "issued_date", "organ_name"))
        cases.append(Case(file=document.file, identity="|".join(map(str, key)), kind="real"))
    return cases


def evaluate(work_dir: Path, real_dir: Path | None, options: PipelineOptions, seed: int = 7,
             bases: int = 6) -> DedupReport:
    started = time.monotonic()
    cases = build_synthetic(work_dir, seed, bases)
    synthetic = _run(work_dir, cases, options, "dedup synthetic")
    real = _run(real_dir, real_cases(real_dir), options, "dedup real") if real_dir else None
    skipped = None if real_dir else "no labelled real set (../shared/data/real-scans is absent)"
    seconds = round(time.monotonic() - started, 1)
    return DedupReport(synthetic=synthetic, real=real, real_skipped=skipped, seconds=seconds)


def _section(title: str, report: SetReport) -> list[str]:
    s = report.score
    lines = [
        f"## {title}", "",
        f"{report.files} files; pairs: {s.true_positives} found, {s.false_positives} wrong, "
        f"{s.false_negatives} missed.",
        "", "| precision | recall |", "| --- | --- |", f"| {s.precision:.3f} | {s.recall:.3f} |", "",
    ]
    if report.copies:
        lines += [f"Certified copies linked to their original: {report.copies_linked}/{report.copies}.", ""]
    lines += [f"- wrong: {a} + {b}" for a, b in s.wrong_pairs] + [f"- missed: {a} + {b}" for a, b in s.missed_pairs]
    lines += [f"- failed: {f}" for f in report.failed]
    lines += ["", "| group | reason | original | members |", "| --- | --- | --- | --- |"]
    lines += [f"| {n} | {g.reason.value} | {g.original} | {', '.join(g.members)} |"
              for n, g in enumerate(report.groups, 1)]
    return lines + [""]


def markdown(report: DedupReport) -> str:
    lines = ["# Duplicate detection", "", "Pairwise precision and recall of `vanthu dedup` grouping "
             "(target: precision 1.0, recall >= 0.95).", ""]
    lines += _section("Synthetic benchmark (factory: born-digital, scans, SAO Y copies, hard negatives)",
                      report.synthetic)
    if report.real:
        lines += _section("Real dev set (same number + date + issuer = one document)", report.real)
    else:
        lines += ["## Real dev set", "", f"Skipped: {report.real_skipped}.", ""]
    return "\n".join(lines + [f"Run time: {report.seconds} s.", ""])
