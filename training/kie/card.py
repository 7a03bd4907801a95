"""The field tagger's model card as a page (README.md beside card.json): what it is, what it was trained on,
and field by field where it reads better or worse than the rules, and why (the card's `why`).

    python -m training.kie.card models/artifacts/kie/v1
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

SPLIT_TITLES = {
    "born_digital": "held-out born-digital synthetic documents (text layer)",
    "hard_ocr": "held-out synthetic scans read by OCR",
    "synth_hard_split": "the synthetic hard split (`data/synth/hard`)",
    "real_dev_set": "the real dev set (`../shared/data/real-scans`)",
}


def verdict(field: str, model: float, rules: float) -> str:
    better = model < rules if field == "subject_cer" else model > rules
    return "wins" if better else "ties" if model == rules else "loses"


def field_table(fields: dict[str, dict[str, float]], model_fields: set[str] | None = None) -> list[str]:
    """Without `model_fields`: the model alone; with them: the shipped extractor, and where each field is from."""
    name = "model" if model_fields is None else "extractor"
    header = f"| field | {name} | rules | the {name} |" + (" field from |" if model_fields is not None else "")
    lines = [header, "|---" * (header.count("|") - 1) + "|"]
    for field, scores in fields.items():
        model, rules = scores["layoutlm"], scores["rules"]
        row = f"| {field} | {model:.3f} | {rules:.3f} | {verdict(field, model, rules)} |"
        if model_fields is not None:
            row += f" {'model' if field.removesuffix('_cer') in model_fields else 'rules'} |"
        lines.append(row)
    return lines


def markdown(card: dict[str, Any]) -> str:
    model, training, data = card["model"], card["training"], card["data"]
    chosen = set(card.get("model_fields", []))
    lines = [
        f"# {card['name']} {card['version']}",
        "",
        card["task"],
        "",
        (
            f"- {model['architecture']}; config {model['config']}; {model['parameters']:,} parameters; "
            f"ONNX {model['onnx_bytes'] / 1e6:.1f} MB (sha256 `{model['onnx_sha256'][:16]}`)"
        ),
        (
            f"- trained {card['date']}: {training['steps']} steps in {training['seconds']} s, {training.get('threads')} "
            f"thread(s), loss {training['loss_start']} -> {training['loss_end']}"
        ),
        (
            f"- data: {data['text_layer']['documents']} born-digital + {data['ocr_passes']['documents']} OCR-read "
            f"synthetic documents; corrections: {(data.get('corrections') or {}).get('documents', 0)} documents"
        ),
        f"- code sha256 `{card['code']['sha256'][:16]}`; command: `{card['command']}`",
        "",
        "## The model alone against the rules (exact match; subject: mean CER, lower is better)",
        "",
    ]
    for split, summary in card["metrics"].items():
        lines += [
            f"### {SPLIT_TITLES.get(split, split)}: {summary['documents']} documents",
            "",
            *field_table(summary["fields"]),
            "",
        ]
    shipped = card.get("extractor", {})
    lines += [
        "## The extractor as shipped (`--extractor layoutlm`)",
        "",
        (
            f"Fields taken from the model: {', '.join(sorted(chosen)) or 'none'} (it reads them at least as well "
            "as the rules on every held-out synthetic split); the rules' value for the others, and where none "
            "of the model's candidate lines validates."
        ),
        "",
    ]
    for split, summary in shipped.get("splits", {}).items():
        lines += [
            f"### {SPLIT_TITLES.get(split, split)}: {summary['documents']} documents",
            "",
            *field_table(summary["fields"], chosen),
            "",
        ]
    if card.get("why"):
        lines += ["## Where it loses, and why", "", *(f"- **{f}**: {text}" for f, text in card["why"].items())]
        lines += ["", card.get("why_note", ""), ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path)
    args = parser.parse_args()
    card = json.loads((args.model / "card.json").read_text(encoding="utf-8"))
    (args.model / "README.md").write_text(markdown(card), encoding="utf-8")
    print(args.model / "README.md")


if __name__ == "__main__":
    main()
