"""Field-by-field exact match of extractors on labelled synthetic documents (pages already read), with the
scoring conventions of eval/metrics.py: the tagger against the rule baseline on the same words.

    python -m training.kie.evaluate --model models/artifacts/kie/v1 \
        --text-heldout data/kie/text-heldout.jsonl --ocr-heldout data/kie/ocr-heldout.jsonl

re-scores an artifact (the tagger alone on every field) and rewrites the metrics of its card, with the
fields the extractor takes from the tagger (`model_fields`: those it reads at least as well as the rules on
the held-out synthetic splits). `--reports SPLIT RULES_JSON LAYOUTLM_JSON` records in the card how the
extractor as shipped (tagger on those fields, rules elsewhere) compares with the rules on a labelled set
(`vanthu eval extraction --extractor rules|layoutlm`; accuracies only).
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path

from tqdm import tqdm

from eval.datasets import LabelledDocument as EvalDocument
from eval.extraction import EXACT_FIELDS, score_document
from eval.metrics import exact
from inference.kie import FieldExtractor, LayoutLMExtractor, RuleExtractor
from inference.kie.model import FIELDS
from training.kie import passes
from training.kie.passes import LabelledDocument

SCORED = (*EXACT_FIELDS, "recipients", "subject")


def document_hits(extractor: FieldExtractor, document: LabelledDocument) -> tuple[dict[str, bool], float]:
    """Per scored field of one document: exactly right or not; and the subject's character error rate."""
    truth = document.fields.model_dump(mode="json")
    predicted = extractor.extract(document.pages).fields.model_dump(mode="json")
    score = score_document(EvalDocument(file=str(document.seed), labels=truth), predicted, 0.0)
    hits = {name: bool(score.exact[name] if name in score.exact else exact(name, predicted[name], truth[name]))
            for name in SCORED}
    return hits, score.subject_cer


def field_accuracy(extractor: FieldExtractor, documents: list[LabelledDocument]) -> dict[str, float]:
    """Share of documents with each field exactly right, and "subject_cer" (mean)."""
    hits = dict.fromkeys(SCORED, 0)
    subject_cer = 0.0
    for document in tqdm(documents, desc="scoring", unit="doc"):
        right, cer = document_hits(extractor, document)
        for name in SCORED:
            hits[name] += right[name]
        subject_cer += cer
    n = max(1, len(documents))
    return {**{k: round(v / n, 4) for k, v in hits.items()}, "subject_cer": round(subject_cer / n, 4)}


def compare(extractors: dict[str, FieldExtractor], documents: list[LabelledDocument]) -> dict[str, dict[str, float]]:
    """{field: {extractor name: accuracy}} (lower is better only for subject_cer)."""
    scores = {name: field_accuracy(extractor, documents) for name, extractor in extractors.items()}
    fields = next(iter(scores.values()))
    return {f: {name: scores[name][f] for name in scores} for f in fields}


def below_rules(fields: dict[str, dict[str, float]]) -> list[str]:
    """The fields on which the tagger does worse than the rules (subject_cer: higher is worse)."""
    def worse(name: str, scores: dict[str, float]) -> bool:
        return scores["layoutlm"] > scores["rules"] if name == "subject_cer" else scores["layoutlm"] < scores["rules"]

    return [name for name, scores in fields.items() if worse(name, scores)]


def split_summary(fields: dict[str, dict[str, float]], documents: int) -> dict:
    return {"documents": documents, "fields": fields, "layoutlm_below_rules": below_rules(fields)}


def evaluate_splits(model_dir: Path, splits: dict[str, list[LabelledDocument]]) -> dict[str, dict]:
    """The tagger alone (every field from the model) against the rules."""
    extractors = {"layoutlm": LayoutLMExtractor(model_dir, frozenset(FIELDS)), "rules": RuleExtractor()}
    return {name: split_summary(compare(extractors, docs), len(docs)) for name, docs in splits.items() if docs}


def model_fields(metrics: dict[str, dict]) -> list[str]:
    """The fields the extractor takes from the model: those it reads at least as well as the rules on every
    synthetic held-out split of `metrics` (a tie goes to the model: corrections retrain it, not the rules).
    The real dev set stays out: it is for checking only."""
    splits = [summary["fields"] for name, summary in metrics.items() if name != REAL_DEV_SET]

    def holds(field: str) -> bool:
        scores = [split[field] for split in splits if field in split]
        return bool(scores) and all(s["layoutlm"] >= s["rules"] for s in scores)

    return [field for field in FIELDS if holds(field)]


REAL_DEV_SET = "real_dev_set"


def dev_set_summary(rules_report: Path, model_report: Path) -> dict:
    """The real dev set, from the JSON reports of `vanthu eval extraction --extractor rules|layoutlm`
    (accuracies only: no value of a dev-set document goes into the card)."""
    rules, model = (json.loads(p.read_text(encoding="utf-8")) for p in (rules_report, model_report))
    fields = {f: {"layoutlm": model["field_accuracy"][f], "rules": rules["field_accuracy"][f]}
              for f in rules["field_accuracy"]}
    fields["subject_cer"] = {"layoutlm": model["subject_cer"], "rules": rules["subject_cer"]}
    return split_summary(fields, rules["documents"])


def main() -> None:
    parser = argparse.ArgumentParser(description="Re-score a field tagger artifact against the rules")
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--text-heldout", type=Path, help="re-score on these (else keep the card's metrics)")
    parser.add_argument("--ocr-heldout", type=Path)
    parser.add_argument("--dev-reports", type=Path, nargs=2, metavar=("RULES_JSON", "LAYOUTLM_JSON"),
                        help="the tagger alone (`model_fields` not set yet) on the real dev set")
    parser.add_argument("--reports", nargs=3, action="append", default=[], metavar=("SPLIT", "RULES", "LAYOUTLM"),
                        help="the extractor as shipped vs the rules: `vanthu eval extraction` JSON reports")
    args = parser.parse_args()
    card_path = args.model / "card.json"
    card = json.loads(card_path.read_text(encoding="utf-8"))
    if args.text_heldout and args.ocr_heldout:
        splits = {"born_digital": passes.load(args.text_heldout), "hard_ocr": passes.load(args.ocr_heldout)}
        card["metrics"] = evaluate_splits(args.model, splits)
    if args.dev_reports:
        card["metrics"][REAL_DEV_SET] = dev_set_summary(*args.dev_reports)
    card["model_fields"] = model_fields(card["metrics"])
    shipped = card.setdefault("extractor", {})
    shipped["rule"] = ("model_fields: the model's value (the rules' when none of its candidate lines validates); "
                       "every other field: the rules' value (inference/kie/model.py LayoutLMExtractor)")
    for split, rules_report, model_report in args.reports:
        shipped.setdefault("splits", {})[split] = dev_set_summary(Path(rules_report), Path(model_report))
    card["evaluated"] = datetime.now(UTC).isoformat(timespec="seconds")
    card_path.write_text(json.dumps(card, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps({"model_fields": card["model_fields"], "extractor": shipped}, indent=1))


if __name__ == "__main__":
    main()
