"""`vanthu eval classification`: block, type and issuer level from extracted fields, and how many
records the retention rules cover with a specific rule (not the fallback).

Synthetic: born-digital factory documents (no OCR), truth from the spec and the factory's issuer
lexicon (the level of the unit each issuer belongs to). Real: the labelled dev set's own fields
(no extraction), for level and retention coverage; skipped when ../shared is absent.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

from pydantic import BaseModel
from tqdm import tqdm

from eval.datasets import load_labels
from inference.governance.classify import classify
from inference.governance.retention import FALLBACK, load_rules, propose
from inference.options import PipelineOptions
from inference.pipeline import extract_document
from inference.schema import Block, Fields
from training.synth import document_seed, render_pdf, sample_spec
from training.synth.lexicon import issuers


class SetScores(BaseModel):
    documents: int
    accuracy: dict[str, float]
    """block, type_name, level: share of documents where the value from extracted fields is the truth."""
    level_found: float
    retention_specific: float
    """Share of documents whose retention proposal comes from a specific rule, not the fallback."""
    retention_by_law: float
    """Share whose rule states the law's own item (not a period applied by analogy)."""
    retention_rules: dict[str, int]
    errors: list[str] = []


class ClassificationReport(BaseModel):
    synthetic: SetScores
    real: SetScores | None
    real_skipped: str | None = None


def lexicon_levels() -> dict[tuple[str, str | None], str]:
    """(organ, parent) -> the level of the issuer's unit, from the factory's lexicon."""
    levels: dict[tuple[str, str | None], set[str]] = {}
    for block in Block:
        for after in (False, True):
            for issuer in issuers(block, after):
                levels.setdefault((issuer.organ, issuer.parent), set()).add(issuer.area.level)
    return {key: found.pop() for key, found in levels.items() if len(found) == 1}


def _share(count: int, total: int) -> float:
    return round(count / total, 4) if total else 0.0


def _by_law(rules: Counter[str]) -> int:
    basis = {rule.id: rule.basis for rule in load_rules().rules}
    return sum(n for rule, n in rules.items() if basis[rule] == "law")


def synthetic_scores(count: int, seed: int, options: PipelineOptions) -> SetScores:
    truth_levels = lexicon_levels()
    hits: Counter[str] = Counter()
    rules: Counter[str] = Counter()
    found, errors = 0, []
    for index in tqdm(range(count), desc="classification", unit="doc"):
        spec = sample_spec(random.Random(document_seed(seed, index)))
        truth = spec.fields
        fields = extract_document(render_pdf(spec).pdf, f"doc_{index}.pdf", options).fields
        predicted = classify(fields, None)
        expected_level = truth_levels.get((truth.organ_name or "", truth.parent_organ_name))
        found += predicted.level is not None
        checks = {"block": predicted.block == truth.block, "type_name": predicted.type_name == truth.type_name,
                  "level": predicted.level is not None and predicted.level.value == expected_level}
        hits.update(name for name, ok in checks.items() if ok)
        errors += [f"doc_{index}: {name}" for name, ok in checks.items() if not ok]
        rules[propose(fields, predicted.level).rule_id or FALLBACK] += 1
    return SetScores(
        documents=count, accuracy={k: _share(hits[k], count) for k in ("block", "type_name", "level")},
        level_found=_share(found, count), retention_specific=_share(count - rules[FALLBACK], count),
        retention_by_law=_share(_by_law(rules), count),
        retention_rules=dict(rules.most_common()), errors=errors,
    )


def real_scores(dataset: Path) -> SetScores:
    documents = load_labels(dataset)
    rules: Counter[str] = Counter()
    found = 0
    for document in documents:
        fields = Fields.model_validate({k: v for k, v in document.labels.items() if k in Fields.model_fields})
        classification = classify(fields, None)
        found += classification.level is not None
        rules[propose(fields, classification.level).rule_id or FALLBACK] += 1
    total = len(documents)
    return SetScores(documents=total, accuracy={}, level_found=_share(found, total),
                     retention_specific=_share(total - rules[FALLBACK], total),
                     retention_by_law=_share(_by_law(rules), total),
                     retention_rules=dict(rules.most_common()))


def evaluate(real_dir: Path | None, options: PipelineOptions, count: int = 40, seed: int = 7) -> ClassificationReport:
    return ClassificationReport(
        synthetic=synthetic_scores(count, seed, options),
        real=real_scores(real_dir) if real_dir else None,
        real_skipped=None if real_dir else "no labelled real set (../shared/data/real-scans is absent)",
    )


def _rules_line(scores: SetScores) -> str:
    return ", ".join(f"{rule} {n}" for rule, n in scores.retention_rules.items())


def markdown(report: ClassificationReport) -> str:
    s = report.synthetic
    lines = [
        "# Classification and retention", "",
        f"## Synthetic (born-digital factory documents, extracted): {s.documents} documents", "",
        "| block | type | level | level found | retention: specific rule | retention: law's own item |",
        "| --- | --- | --- | --- | --- | --- |",
        f"| {s.accuracy['block']:.3f} | {s.accuracy['type_name']:.3f} | {s.accuracy['level']:.3f} | "
        f"{s.level_found:.3f} | {s.retention_specific:.3f} | {s.retention_by_law:.3f} |", "",
        f"Rules used: {_rules_line(s)}.", "",
    ]
    lines += [f"- wrong: {e}" for e in s.errors[:20]]
    if report.real:
        r = report.real
        lines += ["", f"## Real dev set (labelled fields, no extraction): {r.documents} documents", "",
                  "| level found | retention: specific rule | retention: law's own item |", "| --- | --- | --- |",
                  f"| {r.level_found:.3f} | {r.retention_specific:.3f} | {r.retention_by_law:.3f} |", "",
                  f"Rules used: {_rules_line(r)}."]
    else:
        lines += ["", f"Real dev set skipped: {report.real_skipped}."]
    return "\n".join(lines + [""])
