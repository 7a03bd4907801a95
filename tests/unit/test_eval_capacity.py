"""docs/capacity.md tables: arithmetic on the ingest-bench report, written between their markers."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.capacity import TABLES, TOTAL_PAGES, compute_table, rewrite, storage_table, vectors_table

REPORT = {
    "cpus": 2,
    "load_before": 0.5,
    "speedup_2_vs_1": 1.9,
    "kinds": {
        "born_digital": {"cpu_seconds_per_page": 0.1, "file_bytes_per_page": 20_000},
        "clean_scan": {"cpu_seconds_per_page": 2.0, "file_bytes_per_page": 300_000},
        "hard_scan": {"cpu_seconds_per_page": 4.0, "file_bytes_per_page": 100_000},
    },
    "driver_cpu_seconds_per_page": 0.05,
    "pages_per_document": 2.0,
    "record_bytes_per_page": 3_000,
    "page_words_bytes_per_page": 40_000,
    "index_bytes_per_page": {"exact.npz": 500, "folded.npz": 400, "store.json": 2_000, "passages.faiss": 3_000},
    "vectors_per_page": 2.5,
}


def test_core_days_are_pages_times_cpu_seconds_and_a_quiet_bench_sets_the_efficiency() -> None:
    row = next(line for line in compute_table(REPORT).splitlines() if line.startswith("| old backlog"))
    seconds = 0.3 * 2.0 + 0.7 * 4.0 + 0.05
    core_days = TOTAL_PAGES * seconds / 86_400

    assert f"| {seconds:.3f} | {core_days:,.0f} |" in row
    assert f"{core_days / (64 * 0.95):,.1f}" in row  # speedup 1.9 on a quiet machine: efficiency 0.95


def test_a_loaded_bench_falls_back_to_the_stated_efficiency() -> None:
    loaded = REPORT | {"load_before": 9.0}
    row = next(line for line in compute_table(loaded).splitlines() if line.startswith("| old backlog"))
    core_days = TOTAL_PAGES * (0.3 * 2.0 + 0.7 * 4.0 + 0.05) / 86_400

    assert f"{core_days / (64 * 0.9):,.1f}" in row


def test_storage_and_vectors_follow_the_measured_bytes() -> None:
    assert f"{TOTAL_PAGES * (0.3 * 300_000 + 0.7 * 100_000) / 1e12:,.2f} TB" in storage_table(REPORT)
    vectors = vectors_table(REPORT)
    assert f"**{TOTAL_PAGES * 2.5 / 1e6:,.0f} M vectors**" in vectors
    assert f"| IVF-PQ m=32 | 40 | {TOTAL_PAGES * 2.5 * 40 / 1e9:,.1f} GB |" in vectors


def test_rewrite_fills_every_block_and_refuses_a_document_without_one(tmp_path: Path) -> None:
    document = tmp_path / "capacity.md"
    document.write_text("".join(f"<!-- capacity:{n} -->\nstale figures\n<!-- /capacity:{n} -->\n" for n in TABLES))

    text = rewrite(document, REPORT)

    assert "stale figures" not in text and text.count("| IVF-PQ m=64 |") == 1
    document.write_text("no blocks")
    with pytest.raises(ValueError, match="no <!-- capacity:compute --> block"):
        rewrite(document, REPORT)
