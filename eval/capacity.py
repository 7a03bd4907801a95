"""`python -m eval.capacity`: the capacity tables of docs/capacity.md, computed from the measured per-page costs
of `vanthu ingest-bench` (eval/reports/ingest-bench.json) and the assumptions below, written between the
`<!-- capacity:NAME -->` markers of docs/capacity.md.

Every figure is arithmetic on a measured number and a stated assumption; change an assumption here, run
the module again, and the document follows.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

from eval.datasets import REPO_ROOT
from eval.reports import REPORTS_DIR

DOCUMENT = REPO_ROOT / "docs" / "capacity.md"
TOTAL_PAGES = 94_000_000
SECONDS_PER_DAY = 86_400
MIXES = {
    "mostly scans (5 / 55 / 40)": {"born_digital": 0.05, "clean_scan": 0.55, "hard_scan": 0.40},
    "old backlog (0 / 30 / 70)": {"born_digital": 0.0, "clean_scan": 0.30, "hard_scan": 0.70},
    "recent records (40 / 50 / 10)": {"born_digital": 0.40, "clean_scan": 0.50, "hard_scan": 0.10},
}
"""Share of pages by kind (born-digital / clean scan / hard scan): assumptions, not measurements."""
CLUSTER_CORES = (64, 256, 1024)
PARALLEL_EFFICIENCY = 0.9
"""Throughput per core on N cores relative to one (the 1 -> 2 worker target is 1.8x = 0.9); replaced by the
measured speedup / 2 when the bench ran on a quiet machine."""
EMBEDDING_DIMENSION = 256
"""models/artifacts/embeddings/v1/card.json"""
PQ_BYTES = (32, 64)
"""IVF-PQ code sizes compared (m sub-quantizers x 8 bits)."""
FAISS_ID_BYTES = 8
VECTORS_PER_SHARD = 50_000_000
"""One shard = one IVF-PQ index with its own coarse quantizer, trained on a sample of its vectors."""
ROW_OVERHEAD_BYTES = 24 + 4
"""PostgreSQL heap tuple header + item pointer."""
BTREE_ENTRY_OVERHEAD_BYTES = 16
BTREE_FILL = 0.9
CHANGES_PER_DOCUMENT = 2
"""Change-feed rows written by ingestion: create, then the completed extraction."""
LSH_BANDS = 32
"""duplicate_bands rows per document (inference.governance.dedup)."""


def load_report(path: Path = REPORTS_DIR / "ingest-bench.json") -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def per_page(report: dict, mix: dict[str, float], measure: str) -> float:
    return sum(share * report["kinds"][kind][measure] for kind, share in mix.items())


def efficiency(report: dict) -> float:
    quiet = report["load_before"] <= report["cpus"]
    return min(report["speedup_2_vs_1"] / 2, 1.0) if quiet else PARALLEL_EFFICIENCY


def compute_table(report: dict) -> str:
    rows = [
        "| page mix (born-digital / clean / hard, %) | CPU s / page | core-days | "
        + " | ".join(f"days on {n} cores" for n in CLUSTER_CORES)
        + " | worker cores one storing driver serves |",
        "|---" * (4 + len(CLUSTER_CORES)) + "|",
    ]
    driver = report["driver_cpu_seconds_per_page"]
    for name, mix in MIXES.items():
        worker = per_page(report, mix, "cpu_seconds_per_page")
        core_days = TOTAL_PAGES * (worker + driver) / SECONDS_PER_DAY
        days = [core_days / (n * efficiency(report)) for n in CLUSTER_CORES]
        rows.append(
            f"| {name} | {worker + driver:.3f} | {core_days:,.0f} | "
            + " | ".join(f"{d:,.1f}" for d in days)
            + f" | {worker / driver:,.0f} |"
        )
    return "\n".join(rows)


def storage_table(report: dict) -> str:
    rows = [
        "| page mix | bytes / page (source files) | object storage, 94 M pages | objects (documents) |",
        "|---|---|---|---|",
    ]
    documents = TOTAL_PAGES / report["pages_per_document"]
    for name, mix in MIXES.items():
        size = per_page(report, mix, "file_bytes_per_page")
        rows.append(f"| {name} | {size:,.0f} | {TOTAL_PAGES * size / 1e12:,.2f} TB | {documents:,.0f} |")
    rows += ["", "| page kind | bytes / page (measured) |", "|---|---|"]
    rows += [f"| {kind} | {cost['file_bytes_per_page']:,.0f} |" for kind, cost in report["kinds"].items()]
    return "\n".join(rows)


def vectors_table(report: dict) -> str:
    vectors = TOTAL_PAGES * report["vectors_per_page"]
    shards = math.ceil(vectors / VECTORS_PER_SHARD)
    lists = 2 ** round(math.log2(4 * math.sqrt(VECTORS_PER_SHARD)))
    centroid_bytes = lists * EMBEDDING_DIMENSION * 4
    flat = EMBEDDING_DIMENSION * 4 + FAISS_ID_BYTES
    summary = (
        f"{report['vectors_per_page']} dense vectors per page (measured: passages + one per document) -> "
        f"**{vectors / 1e6:,.0f} M vectors**; {shards} shards of at most {VECTORS_PER_SHARD / 1e6:.0f} M, "
        f"{lists:,} inverted lists each (~4 sqrt(n)); coarse centroids {centroid_bytes / 2**20:,.0f} MiB per shard."
    )
    flat_row = (
        f"| IVF-Flat (today's `ivf`) | {flat} | {vectors * flat / 1e9:,.0f} GB | "
        f"{VECTORS_PER_SHARD * flat / 1e9:,.1f} GB |"
    )
    rows = [summary, "", "| index | bytes / vector | all vectors | per shard |", "|---|---|---|---|", flat_row]
    for code in PQ_BYTES:
        size = code + FAISS_ID_BYTES
        rows.append(
            f"| IVF-PQ m={code} | {size} | {vectors * size / 1e9:,.1f} GB | "
            f"{(VECTORS_PER_SHARD * size + centroid_bytes) / 1e9:,.2f} GB |"
        )
    return "\n".join(rows)


def keyword_table(report: dict) -> str:
    sizes = report["index_bytes_per_page"]
    keyword = sum(size for name, size in sizes.items() if name.endswith(".npz"))
    store = sizes.get("store.json", 0)
    rows = [
        "| part | bytes / page (measured) | 94 M pages |",
        "|---|---|---|",
        f"| BM25 matrices (exact + folded, scipy sparse .npz) | {keyword:,.0f} | {TOTAL_PAGES * keyword / 1e9:,.0f} GB |",
        f"| passage store (texts, ids: store.json) | {store:,.0f} | {TOTAL_PAGES * store / 1e9:,.0f} GB |",
    ]
    return "\n".join(rows)


def database_table(report: dict) -> str:
    documents = TOTAL_PAGES / report["pages_per_document"]
    record = report["record_bytes_per_page"] * report["pages_per_document"]
    words = report["page_words_bytes_per_page"] * report["pages_per_document"]
    tables = [
        (
            "documents",
            documents,
            ROW_OVERHEAD_BYTES + 36 + 64 + 200 + record,
            ["id (36)", "sha256 (64)", "(created_at, id)"],
        ),
        ("document_pages", documents, ROW_OVERHEAD_BYTES + 36 + words, ["document_id (36)"]),
        ("jobs", documents, ROW_OVERHEAD_BYTES + 200, ["id (36)", "document_id (36)", "(status, created_at)"]),
        ("ingest_files", documents, ROW_OVERHEAD_BYTES + 250, ["(run_id, key) (~120)", "(run_id, state, position)"]),
        ("changes", documents * CHANGES_PER_DOCUMENT, ROW_OVERHEAD_BYTES + 90, ["id (8)"]),
        (
            "duplicate_bands",
            documents * LSH_BANDS,
            ROW_OVERHEAD_BYTES + 100,
            ["(band_key, document_id) (100)", "document_id (36)"],
        ),
        ("dossier_documents", documents, ROW_OVERHEAD_BYTES + 80, ["(dossier_id, document_id)", "document_id"]),
    ]
    rows = ["| table | rows | bytes / row | heap | indexes |", "|---|---|---|---|---|"]
    total = 0.0
    for name, count, row_bytes, indexes in tables:
        index_bytes = sum(_key_bytes(index) for index in indexes) * count / BTREE_FILL
        total += count * row_bytes + index_bytes
        rows.append(
            f"| {name} | {count / 1e6:,.1f} M | {row_bytes:,.0f} | {count * row_bytes / 1e9:,.0f} GB | "
            f"{index_bytes / 1e9:,.0f} GB |"
        )
    rows.append(f"| **total (before TOAST compression)** | | | **{total / 1e12:,.2f} TB** | |")
    return "\n".join(rows)


def _escaped(replacement: str) -> str:
    """A table as `re.sub` replacement text: backslashes are its escape character."""
    return replacement.replace("\\", "\\\\")


def _key_bytes(index: str) -> float:
    """Key width of an index described as "name (width)", or 2 x 36 for a composite of two ids."""
    found = re.search(r"\((\d+)\)\s*$", index)
    width = int(found.group(1)) if found else 72
    return width + BTREE_ENTRY_OVERHEAD_BYTES


TABLES = {
    "compute": compute_table,
    "storage": storage_table,
    "vectors": vectors_table,
    "keyword": keyword_table,
    "database": database_table,
}


def rewrite(document: Path = DOCUMENT, report: dict | None = None) -> str:
    report = report or load_report()
    text = document.read_text(encoding="utf-8")
    for name, table in TABLES.items():
        pattern = re.compile(rf"(<!-- capacity:{name} -->\n).*?(\n<!-- /capacity:{name} -->)", re.DOTALL)
        if not pattern.search(text):
            raise ValueError(f"{document} has no <!-- capacity:{name} --> block")
        text = pattern.sub(rf"\g<1>{_escaped(table(report))}\g<2>", text)
    document.write_text(text, encoding="utf-8")
    return text


if __name__ == "__main__":
    print(rewrite())
