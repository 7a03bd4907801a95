"""Rewrite the README's result tables from the report JSONs (`make bench` runs it).

A table lives between `<!-- results:NAME -->` and `<!-- /results:NAME -->`; NAME is a report in
eval/reports. The table is the first table of the report's markdown, rendered again from NAME.json by
the evaluation's own `markdown` function (NAME.md is the fallback for reports without a renderer here).

    python -m eval.readme_tables [--check]
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from pathlib import Path

from eval.datasets import REPO_ROOT
from eval.reports import REPORTS_DIR

SECTION = re.compile(r"(<!-- results:(?P<name>[\w.-]+) -->\n)(?P<body>.*?)(<!-- /results:(?P=name) -->)", re.DOTALL)


def _extraction(data: str) -> str:
    from eval.extraction import ExtractionReport, markdown

    return markdown(ExtractionReport.model_validate_json(data))


def _ocr(data: str) -> str:
    from eval.ocr import OcrReport, markdown

    return markdown(OcrReport.model_validate_json(data))


def _bench(data: str) -> str:
    from eval.bench import BenchReport, markdown

    return markdown(BenchReport.model_validate_json(data))


def _synth_bench(data: str) -> str:
    from eval.synth_bench import SynthBenchReport, markdown

    return markdown(SynthBenchReport.model_validate_json(data))


RENDERERS: dict[str, Callable[[str], str]] = {
    "extraction": _extraction, "ocr": _ocr, "bench": _bench, "synth-bench": _synth_bench,
}
"""By report name, or name prefix before a "-" ("extraction-real-scans")."""


def first_table(markdown: str) -> str:
    lines = markdown.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("|")), None)
    if start is None:
        raise ValueError("the report has no table")
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("|")), len(lines))
    return "\n".join(lines[start:end])


def _renderer(name: str) -> Callable[[str], str] | None:
    return RENDERERS.get(name) or RENDERERS.get(name.split("-")[0])


def table(name: str, reports_dir: Path = REPORTS_DIR) -> str:
    render = _renderer(name)
    json_path = reports_dir / f"{name}.json"
    if render and json_path.exists():
        return first_table(render(json_path.read_text(encoding="utf-8")))
    return first_table((reports_dir / f"{name}.md").read_text(encoding="utf-8"))


def rewrite(readme: str, reports_dir: Path = REPORTS_DIR) -> tuple[str, list[str], list[str]]:
    """The README with every marked table regenerated; also the names done and those without a report."""
    done: list[str] = []
    missing: list[str] = []

    def replace(match: re.Match[str]) -> str:
        name = match["name"]
        try:
            body = table(name, reports_dir)
        except (FileNotFoundError, ValueError):
            missing.append(name)
            return match.group(0)
        done.append(name)
        return f"{match.group(1)}{body}\n{match.group(4)}"

    return SECTION.sub(replace, readme), done, missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readme", type=Path, default=REPO_ROOT / "README.md")
    parser.add_argument("--reports", type=Path, default=REPORTS_DIR)
    parser.add_argument("--check", action="store_true", help="Exit 1 when the README is out of date; change nothing")
    args = parser.parse_args(argv)
    old = args.readme.read_text(encoding="utf-8")
    new, done, missing = rewrite(old, args.reports)
    for name in missing:
        print(f"left as is: results:{name} (no report {name}.json/.md in {args.reports})", file=sys.stderr)
    if args.check:
        print("README tables up to date" if new == old else "README tables out of date: run make bench")
        return int(new != old)
    args.readme.write_text(new, encoding="utf-8")
    print(f"README tables regenerated: {', '.join(done) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
