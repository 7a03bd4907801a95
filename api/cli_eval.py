"""`vanthu synth`, `vanthu samples`, `vanthu eval ...`, `vanthu bench`: data and measurements.

The training and evaluation code is imported when a command runs, so `vanthu serve` stays light."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.settings import get_settings

eval_app = typer.Typer(no_args_is_help=True, help="Evaluations; reports (JSON + markdown) go to eval/reports.")

SAMPLES_DIRNAME = "samples"


def synth(
    n: Annotated[int, typer.Option("--n", help="Number of documents")] = 20,
    seed: Annotated[int, typer.Option(help="Same seed, same bytes")] = 7,
    out: Annotated[Path, typer.Option(help="Output directory")] = Path("data/synth"),
    scans: Annotated[bool, typer.Option(help="Also write the scanned rendering")] = True,
) -> None:
    """Generate synthetic documents: born-digital PDF, scanned PDF and ground truth JSON for each."""
    from training.synth import generate

    paths = generate(n, seed, out, scans=scans)
    typer.echo(f"{len(paths)} documents in {out}")


def samples(n: Annotated[int, typer.Option("--n", help="Number of sample documents")] = 4) -> None:
    """Generate sample documents into $VANTHU_DATA_DIR/samples and store them (once; idempotent)."""
    from api.cli import add
    from training.synth import generate

    out = get_settings().data_dir / SAMPLES_DIRNAME
    generate(n, seed=7, out_dir=out, scans=True)
    add(sorted(out.glob("*.pdf")))


@eval_app.command("extraction")
def eval_extraction(
    dataset: Annotated[Path | None, typer.Option(help="Folder with labels.jsonl (default: ../shared real scans)")] = None,
    name: Annotated[str, typer.Option(help="Report name")] = "extraction-real-scans",
    out: Annotated[Path | None, typer.Option(help="Report folder (default: eval/reports)")] = None,
) -> None:
    """Per-field exact match and subject CER on a labelled set of real documents."""
    from eval.datasets import real_scans_dir
    from eval.extraction import ACCEPTANCE, evaluate, write_report
    from eval.reports import REPORTS_DIR

    dataset = dataset or real_scans_dir()
    if dataset is None:
        typer.echo("skipped: no labelled set (../shared/data/real-scans is absent; pass --dataset)")
        raise typer.Exit(0)
    report = evaluate(dataset, get_settings().pipeline)
    typer.echo(write_report(report, out or REPORTS_DIR, name).read_text())
    missed = [f for f, ok in report.acceptance.items() if not ok and f in (*ACCEPTANCE, "subject_cer")]
    typer.echo(f"below the acceptance bar: {', '.join(missed) or 'none'}")


@eval_app.command("ocr")
def eval_ocr(
    synthetic: Annotated[int, typer.Option(help="Synthetic born-digital pages besides the real ones")] = 6,
) -> None:
    """Word F1 of our page reading vs bare Tesseract on degraded re-scans of born-digital pages."""
    from eval.datasets import real_scans_dir
    from eval.ocr import evaluate, markdown
    from eval.reports import write

    report = evaluate(real_scans_dir(), synthetic, get_settings().pipeline)
    typer.echo(write(report, markdown(report), "ocr").read_text())


def bench(
    documents: Annotated[int, typer.Option(help="Synthetic scanned documents")] = 8,
    born_digital: Annotated[int, typer.Option(help="Synthetic born-digital documents")] = 40,
) -> None:
    """Throughput: scanned pages/s vs bare Tesseract in the same run, born-digital pages/s."""
    from eval.bench import markdown, run
    from eval.reports import write

    report = run(documents, born_digital, get_settings().pipeline)
    typer.echo(write(report, markdown(report), "bench").read_text())


def register(app: typer.Typer) -> None:
    app.command()(synth)
    app.command()(samples)
    app.command()(bench)
    app.add_typer(eval_app, name="eval")
