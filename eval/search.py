"""Search evaluation on the vbpl corpus: the hybrid engine vs plain BM25 over the same texts, same run.

    vanthu eval search [--queries eval/data/search/vbpl-queries.jsonl]

Both systems index the 729 vbpl records as `vanthu import-vbpl` imports them. Plain BM25 is the
textbook baseline: one bag of lower-cased tokens per document (title + text), diacritics kept, no
query understanding. Metrics per query kind and overall: MRR@10, nDCG@10, Recall@10 over the
answerable queries; precision/recall of the no-answer decision. Nothing is tuned on the query set.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel
from tqdm import tqdm

from eval.metrics import ndcg, recall, reciprocal_rank
from eval.search_queries import SearchQuery, vbpl_corpus_path
from inference.search.bm25 import BM25
from inference.search.embedders import EMBEDDERS
from inference.search.engine import IndexInput, SearchEngine, SearchOptions, document_title
from inference.search.records import ImportRecord, vbpl_record
from inference.search.text import exact_tokens

K = 10
HALVES = ("dev", "test")
ACCEPTANCE_RATIO = 1.25
"""The hybrid engine's overall MRR@10 must be at least this many times plain BM25's."""


__all__ = ["evaluate", "markdown", "vbpl_corpus_path", "vbpl_import_lines", "vbpl_records"]


def vbpl_records(path: Path) -> Iterator[ImportRecord]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield vbpl_record(json.loads(line))


def vbpl_import_lines(path: Path) -> Iterator[str]:
    """The corpus as `vanthu import` lines."""
    return (record.canonical_json() for record in vbpl_records(path))


class RankingScores(BaseModel):
    queries: int
    mrr10: float
    ndcg10: float
    recall10: float


class NoAnswerScores(BaseModel):
    precision: float
    recall: float
    said_no_answer: int
    no_answer_queries: int


class SystemReport(BaseModel):
    overall: RankingScores
    halves: dict[str, RankingScores]
    """`dev`: even query numbers, the half the engine's fusion weight and no-answer thresholds were chosen
    on; `test`: odd query numbers, never looked at while choosing."""
    by_kind: dict[str, RankingScores]
    no_answer: NoAnswerScores
    no_answer_halves: dict[str, NoAnswerScores]
    mean_query_ms: float


class QueryOutcome(BaseModel):
    id: str
    kind: str
    hybrid_rr: float
    bm25_rr: float
    hybrid_no_answer: bool


class SearchReport(BaseModel):
    corpus_documents: int
    queries: int
    embedder: str
    index_seconds: float
    hybrid: SystemReport
    bm25: SystemReport
    mrr_ratio: float
    acceptance: dict[str, bool]
    outcomes: list[QueryOutcome]


class PlainBM25:
    """The baseline: whole documents, exact lower-cased tokens."""

    def __init__(self, records: list[ImportRecord]):
        self.ids = [r.id for r in records]
        self.index = BM25()
        for number, record in enumerate(records):
            self.index.add(number, exact_tokens(f"{document_title(record.fields())} {record.text}"))

    def rank(self, query: str, k: int = K) -> list[str]:
        scores = self.index.scores(exact_tokens(query))
        return [self.ids[n] for n in sorted(scores, key=scores.__getitem__, reverse=True)[:k]]


def is_dev(query: SearchQuery) -> bool:
    """The tuning half of the query set: even query numbers."""
    return int(query.id[1:]) % 2 == 0


def build_engine(records: list[ImportRecord], options: SearchOptions) -> SearchEngine:
    engine = SearchEngine(EMBEDDERS.create(options.embedder, path=options.embedder_path), options)
    batch = 50
    for start in tqdm(range(0, len(records), batch), desc="index", unit="batch"):
        engine.add(IndexInput(key=r.id, fields=r.fields(), text=r.text, external_id=r.id)
                   for r in records[start : start + batch])
    return engine


def _scores(outcomes: list[tuple[SearchQuery, list[str]]]) -> RankingScores:
    answerable = [(q, ranked) for q, ranked in outcomes if q.kind != "no_answer"]
    n = max(1, len(answerable))
    return RankingScores(
        queries=len(answerable),
        mrr10=round(sum(reciprocal_rank(r, q.judgments, K) for q, r in answerable) / n, 4),
        ndcg10=round(sum(ndcg(r, q.judgments, K) for q, r in answerable) / n, 4),
        recall10=round(sum(recall(r, q.judgments, K) for q, r in answerable) / n, 4),
    )


def _no_answer(queries: list[SearchQuery], said_no: list[bool]) -> NoAnswerScores:
    truly_no = [q.kind == "no_answer" for q in queries]
    right = sum(s and t for s, t in zip(said_no, truly_no, strict=True))
    return NoAnswerScores(precision=round(right / sum(said_no), 4) if any(said_no) else 0.0,
                          recall=round(right / sum(truly_no), 4) if any(truly_no) else 0.0,
                          said_no_answer=sum(said_no), no_answer_queries=sum(truly_no))


def _system(outcomes: list[tuple[SearchQuery, list[str]]], said_no: list[bool], seconds: float) -> SystemReport:
    kinds = sorted({q.kind for q, _ in outcomes if q.kind != "no_answer"})
    queries = [q for q, _ in outcomes]
    return SystemReport(
        overall=_scores(outcomes),
        halves={name: _scores([(q, r) for q, r in outcomes if is_dev(q) == (name == "dev")]) for name in HALVES},
        by_kind={kind: _scores([(q, r) for q, r in outcomes if q.kind == kind]) for kind in kinds},
        no_answer=_no_answer(queries, said_no),
        no_answer_halves={
            name: _no_answer(*map(list, zip(*[(q, s) for q, s in zip(queries, said_no, strict=True)
                                               if is_dev(q) == (name == "dev")], strict=True)))
            for name in HALVES
        },
        mean_query_ms=round(1000 * seconds / max(1, len(outcomes)), 2),
    )


def evaluate(corpus: Path, queries: list[SearchQuery], options: SearchOptions) -> SearchReport:
    records = list(vbpl_records(corpus))
    started = time.perf_counter()
    engine = build_engine(records, options)
    index_seconds = time.perf_counter() - started
    baseline = PlainBM25(records)
    hybrid_runs, bm25_runs, said_no = [], [], []
    hybrid_seconds = bm25_seconds = 0.0
    for query in tqdm(queries, desc="queries", unit="query"):
        started = time.perf_counter()
        response = engine.search(query.query, K)
        hybrid_seconds += time.perf_counter() - started
        hybrid_runs.append((query, [hit.id for hit in response.hits]))
        said_no.append(response.no_answer)
        started = time.perf_counter()
        bm25_runs.append((query, baseline.rank(query.query)))
        bm25_seconds += time.perf_counter() - started
    hybrid = _system(hybrid_runs, said_no, hybrid_seconds)
    bm25 = _system(bm25_runs, [False] * len(queries), bm25_seconds)
    ratio = hybrid.overall.mrr10 / bm25.overall.mrr10 if bm25.overall.mrr10 else float("inf")
    outcomes = [
        QueryOutcome(id=q.id, kind=q.kind, hybrid_rr=round(reciprocal_rank(h, q.judgments, K), 4),
                     bm25_rr=round(reciprocal_rank(b, q.judgments, K), 4), hybrid_no_answer=no)
        for (q, h), (_, b), no in zip(hybrid_runs, bm25_runs, said_no, strict=True)
    ]
    return SearchReport(
        corpus_documents=len(records), queries=len(queries), embedder=engine.embedder.name,
        index_seconds=round(index_seconds, 1), hybrid=hybrid, bm25=bm25, mrr_ratio=round(ratio, 3),
        acceptance={f"mrr10 >= {ACCEPTANCE_RATIO}x bm25": ratio >= ACCEPTANCE_RATIO}, outcomes=outcomes,
    )


def markdown(report: SearchReport) -> str:
    lines = [
        "# Search on vbpl: hybrid vs plain BM25",
        "",
        f"{report.corpus_documents} documents, {report.queries} queries, embedder `{report.embedder}`, "
        f"index built in {report.index_seconds} s. Reproduce: `vanthu eval search`.",
        "",
        "| queries | n | hybrid MRR@10 | BM25 MRR@10 | hybrid nDCG@10 | BM25 nDCG@10 | hybrid R@10 | BM25 R@10 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    rows = [("overall", report.hybrid.overall, report.bm25.overall)]
    rows += [(kind, scores, report.bm25.by_kind[kind]) for kind, scores in report.hybrid.by_kind.items()]
    for name, h, b in rows:
        lines.append(f"| {name} | {h.queries} | {h.mrr10:.3f} | {b.mrr10:.3f} | {h.ndcg10:.3f} | {b.ndcg10:.3f} | "
                     f"{h.recall10:.3f} | {b.recall10:.3f} |")
    for half in HALVES:
        h, b = report.hybrid.halves[half], report.bm25.halves[half]
        lines.append(f"| {half} half | {h.queries} | {h.mrr10:.3f} | {b.mrr10:.3f} | {h.ndcg10:.3f} | "
                     f"{b.ndcg10:.3f} | {h.recall10:.3f} | {b.recall10:.3f} |")
    na, test_na = report.hybrid.no_answer, report.hybrid.no_answer_halves["test"]
    lines += [
        "",
        "The fusion weight and the no-answer thresholds (inference.search.engine.SearchOptions) were chosen on "
        "the dev half (even query numbers) only; the test half (odd numbers) was not looked at while choosing.",
        "",
        f"MRR@10 ratio hybrid / BM25: **{report.mrr_ratio}** (acceptance {ACCEPTANCE_RATIO}: "
        f"{'met' if all(report.acceptance.values()) else 'NOT met'}).",
        "",
        f"No-answer decision (hybrid): precision {na.precision:.2f}, recall {na.recall:.2f} "
        f"({na.said_no_answer} said, {na.no_answer_queries} no-answer queries); test half only: precision "
        f"{test_na.precision:.2f}, recall {test_na.recall:.2f}; plain BM25 always answers.",
        "",
        f"Mean query time: hybrid {report.hybrid.mean_query_ms} ms, BM25 {report.bm25.mean_query_ms} ms.",
        "",
    ]
    return "\n".join(lines)
