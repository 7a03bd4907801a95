"""`vanthu synth`, `vanthu samples`, `vanthu eval ...`, `vanthu bench`, `vanthu synth-bench`: data and
measurements.

The training and evaluation code is imported when a command runs, so `vanthu serve` stays light."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.settings import get_settings

eval_app = typer.Typer(no_args_is_help=True, help="Evaluations; reports (JSON + markdown) go to eval/reports.")

SAMPLES_DIRNAME = "samples"


def _known_split(split: str) -> None:
    from training.synth.splits import SPLITS

    if split not in SPLITS:
        typer.echo(f"error: unknown split {split!r}; known: {', '.join(SPLITS)}", err=True)
        raise typer.Exit(2)


def synth(
    n: Annotated[int, typer.Option("--n", help="Number of documents")] = 20,
    seed: Annotated[int, typer.Option(help="Same seed, same bytes")] = 7,
    out: Annotated[Path, typer.Option(help="Output directory")] = Path("data/synth"),
    split: Annotated[str, typer.Option(help="default, easy or hard (training/synth/splits.py)")] = "default",
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (the output does not depend on it)")] = 2,
    dpi: Annotated[int | None, typer.Option(min=50, max=600, help="Scan resolution (default: the split's)")] = None,
    scans: Annotated[bool, typer.Option(help="Also write the scanned rendering and the page dataset")] = True,
) -> None:
    """Generate synthetic documents: born-digital PDF, scanned PDF and ground truth JSON for each, labels.jsonl,
    and a Hugging Face `datasets` dataset of the scanned pages with its card (README.md)."""
    from training.synth import generate
    _known_split(split)
    if n < 1:
        typer.echo("error: --n must be at least 1", err=True)
        raise typer.Exit(2)
    paths = generate(n, seed, out, scans=scans, dpi=dpi, split=split, workers=workers, progress=True)
    typer.echo(f"{len(paths)} documents ({split}) in {out}")


def samples(n: Annotated[int, typer.Option("--n", help="Number of sample documents")] = 4) -> None:
    """Generate sample documents into $VANTHU_DATA_DIR/samples and store them (once; idempotent)."""
    from api.cli import add
    from training.synth import generate

    out = get_settings().data_dir / SAMPLES_DIRNAME
    generate(n, seed=7, out_dir=out, scans=True)
    add(sorted(out.glob("*.pdf")))


@eval_app.command("extraction")
def eval_extraction(
    dataset: Annotated[Path | None, typer.Option(
        help="Folder with labels.jsonl: a `vanthu synth` output or a labelled set (default: ../shared real scans)",
    )] = None,
    name: Annotated[str | None, typer.Option(
        help="Report name (default: extraction-real-scans, or extraction-<folder> with --dataset)")] = None,
    out: Annotated[Path | None, typer.Option(help="Report folder (default: eval/reports)")] = None,
    extractor: Annotated[str | None, typer.Option(
        help="Field extractor (rules, layoutlm; default: the configured one), or several comma-separated (each "
             "document read once, one report each); suffixes the report name")] = None,
) -> None:
    """Per-field exact match and subject CER on a labelled set (real scans, or synthetic scans of a split)."""
    from eval.datasets import real_scans_dir
    from eval.extraction import ACCEPTANCE, evaluate, evaluate_extractors, write_report
    from eval.reports import REPORTS_DIR

    if dataset is not None and not (dataset / "labels.jsonl").is_file():
        typer.echo(f"error: {dataset} has no labels.jsonl (make one with `vanthu synth --out {dataset}`)", err=True)
        raise typer.Exit(2)
    folder = dataset or real_scans_dir()
    if folder is None:
        typer.echo("skipped: no labelled set (../shared/data/real-scans is absent; pass --dataset)")
        raise typer.Exit(0)
    options = get_settings().pipeline
    extractors = extractor.split(",") if extractor else []
    from inference.kie import FIELD_EXTRACTORS

    for each in extractors:
        if each not in FIELD_EXTRACTORS.names():
            known = ", ".join(FIELD_EXTRACTORS.names())
            typer.echo(f"error: unknown extractor {each!r}; known: {known}", err=True)
            raise typer.Exit(2)
    if len(extractors) > 1 and name:
        typer.echo("error: --name names one report; several extractors write one each", err=True)
        raise typer.Exit(2)
    default_name = f"extraction-{folder.name}" if dataset else "extraction-real-scans"
    if len(extractors) > 1:
        reports = {f"{default_name}-{e}": r for e, r in evaluate_extractors(folder, extractors, options).items()}
    else:
        options = options.model_copy(update={"field_extractor": extractors[0]}) if extractors else options
        reports = {name or default_name + (f"-{extractor}" if extractor else ""): evaluate(folder, options)}
    for report_name, report in reports.items():
        typer.echo(write_report(report, out or REPORTS_DIR, report_name).read_text())
        missed = [f for f, ok in report.acceptance.items() if not ok and f in (*ACCEPTANCE, "subject_cer")]
        typer.echo(f"{report_name}: below the acceptance bar: {', '.join(missed) or 'none'}")


@eval_app.command("layout")
def eval_layout(
    dataset: Annotated[Path, typer.Option(help="A `vanthu synth` output folder (its `datasets` page dataset)")]
    = Path("data/synth/hard"),
    engines: Annotated[str, typer.Option(help="Comma-separated layout engines, scored on the same pages")]
    = "model,rules",
    model: Annotated[Path | None, typer.Option(help="Layout model artifact folder (default: the committed one)")]
    = None,
    name: Annotated[str | None, typer.Option(help="Report name (default: layout-<folder>)")] = None,
    out: Annotated[Path | None, typer.Option(help="Report folder (default: eval/reports)")] = None,
) -> None:
    """Layout mAP@[.5:.95] and AP50 per class of layout engines against the factory's regions."""
    from eval.datasets import real_scans_dir
    from eval.layout import evaluate, write_report
    from eval.reports import REPORTS_DIR
    from inference.layout_engines import LAYOUT_ENGINES

    if not (dataset / "dataset_info.json").is_file():
        typer.echo(f"error: {dataset} is no `vanthu synth` output (make one with "
                   f"`vanthu synth --n 40 --split hard --out {dataset}`)", err=True)
        raise typer.Exit(2)
    names = [n.strip() for n in engines.split(",") if n.strip()]
    unknown = [n for n in names if n not in LAYOUT_ENGINES.names()]
    if unknown or not names:
        typer.echo(f"error: unknown layout engine {', '.join(unknown) or '(none given)'}; known: "
                   f"{', '.join(LAYOUT_ENGINES.names())}", err=True)
        raise typer.Exit(2)
    report = evaluate(dataset, names, real_scans_dir(), {"model": model} if model else None)
    typer.echo(write_report(report, out or REPORTS_DIR, name or f"layout-{dataset.name}").read_text())
    typer.echo(f"real scans: {report.real_scans}")


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



@eval_app.command("dedup")
def eval_dedup(
    bases: Annotated[int, typer.Option(min=1, help="Synthetic base documents (3 versions, 3 hard negatives each)")]
    = 6,
    seed: Annotated[int, typer.Option(help="Same seed, same benchmark")] = 7,
    work: Annotated[Path | None, typer.Option(help="Benchmark files (default: $VANTHU_DATA_DIR/dedup-bench)")]
    = None,
    real: Annotated[bool, typer.Option(help="Also score the labelled real scans in ../shared")] = True,
) -> None:
    """Duplicate grouping: pairwise precision/recall on a synthetic benchmark and the real dev set."""
    from eval.datasets import real_scans_dir
    from eval.dedup import evaluate, markdown
    from eval.reports import write

    settings = get_settings()
    work = work or settings.data_dir / "dedup-bench"
    report = evaluate(work, real_scans_dir() if real else None, settings.pipeline, seed, bases)
    typer.echo(write(report, markdown(report), "dedup").read_text())


@eval_app.command("search")
def eval_search(
    queries: Annotated[Path | None, typer.Option(help="Judged queries (default: eval/data/search/vbpl-queries.jsonl)")]
    = None,
) -> None:
    """Hybrid search vs plain BM25 on the vbpl corpus: MRR@10, nDCG@10, Recall@10 per query kind, no-answer P/R."""
    from eval.reports import write
    from eval.search import evaluate, markdown, vbpl_corpus_path
    from eval.search_queries import DEFAULT_PATH, load_queries

    corpus = vbpl_corpus_path()
    if corpus is None:
        typer.echo("skipped: no vbpl corpus (../shared/data/vbpl is absent)")
        raise typer.Exit(0)
    report = evaluate(corpus, load_queries(queries or DEFAULT_PATH), get_settings().search)
    typer.echo(write(report, markdown(report), "search").read_text())


def search_bench(
    vectors: Annotated[int, typer.Option(min=10_000, help="Passages in the vector index")] = 1_000_000,
    queries: Annotated[int, typer.Option(min=10, help="Queries timed")] = 200,
    keyword_passages: Annotated[int, typer.Option(min=0, help="Passages in the BM25 index (0: skip)")] = 1_000_000,
) -> None:
    """Search latency (p50/p95) over a million passages: FAISS IVF and BM25; build rate, memory."""
    from eval.reports import write
    from eval.search_bench import markdown, run

    report = run(vectors, queries, keyword_passages, get_settings().search)
    typer.echo(write(report, markdown(report), "search-bench").read_text())



@eval_app.command("classification")
def eval_classification(
    n: Annotated[int, typer.Option("--n", min=1, help="Synthetic born-digital documents")] = 40,
    seed: Annotated[int, typer.Option(help="Same seed, same documents")] = 7,
) -> None:
    """Block, type and issuer-level accuracy, and retention rule coverage (synthetic + real labels)."""
    from eval.classification import evaluate, markdown
    from eval.datasets import real_scans_dir
    from eval.reports import write

    report = evaluate(real_scans_dir(), get_settings().pipeline, n, seed)
    typer.echo(write(report, markdown(report), "classification").read_text())


def bench(
    documents: Annotated[int, typer.Option(help="Synthetic scanned documents")] = 16,
    born_digital: Annotated[int, typer.Option(help="Synthetic born-digital documents")] = 40,
) -> None:
    """Throughput: scanned pages/s vs bare Tesseract in the same run, born-digital pages/s."""
    from eval.bench import markdown, run
    from eval.reports import write

    report = run(documents, born_digital, get_settings().pipeline)
    typer.echo(write(report, markdown(report), "bench").read_text())


def synth_bench(
    n: Annotated[int, typer.Option("--n", min=1, help="Documents to generate")] = 200,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes")] = 2,
    split: Annotated[str, typer.Option(help="Split to generate")] = "default",
) -> None:
    """Throughput of the synthetic factory and the projected time for 10,000 documents."""
    from eval.reports import write
    from eval.synth_bench import markdown, run
    _known_split(split)
    report = run(n, workers, split)
    typer.echo(write(report, markdown(report), "synth-bench").read_text())


def register(app: typer.Typer) -> None:
    app.command()(synth)
    app.command()(samples)
    app.command()(bench)
    app.command("synth-bench")(synth_bench)
    app.command("search-bench")(search_bench)
    app.add_typer(eval_app, name="eval")
