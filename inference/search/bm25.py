"""Okapi BM25 over scipy sparse matrices: incremental add/remove, serialised as one .npz.

Written here rather than taken from a package because it is ~100 lines, needs exactly our token
streams and our integer ids, and must support delete and update, which rank-bm25 and bm25s do not.
Scoring: the document-term matrix holds the saturated term frequencies
tf * (k1 + 1) / (tf + k1 * (1 - b + b * len / avglen)); a query is that matrix times the idf of its terms.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy import sparse

K1 = 1.2
B = 0.75


@dataclass(frozen=True)
class Subset:
    """Some of the documents, with their own statistics: scoring within a subset ignores the rest entirely
    (but for the average length in the saturation, fixed when the matrix is built)."""

    rows: np.ndarray
    """Boolean mask over the matrix rows."""
    df: np.ndarray
    size: int


class BM25:
    def __init__(self, k1: float = K1, b: float = B):
        self.k1, self.b = k1, b
        self.vocab: dict[str, int] = {}
        self._docs: dict[int, Counter[int]] = {}
        self._matrix: sparse.csc_matrix | None = None
        self._row_ids = np.zeros(0, dtype=np.int64)
        self._df = np.zeros(0, dtype=np.float64)

    def __len__(self) -> int:
        return len(self._docs)

    def __contains__(self, doc_id: int) -> bool:
        return doc_id in self._docs

    def add(self, doc_id: int, tokens: list[str]) -> None:
        """Add or replace the tokens of `doc_id`."""
        counts = Counter(self.vocab.setdefault(t, len(self.vocab)) for t in tokens)
        self._docs[doc_id] = counts
        self._matrix = None

    def remove(self, doc_id: int) -> None:
        if self._docs.pop(doc_id, None) is not None:
            self._matrix = None

    def holds(self, doc_id: int, token: str) -> bool:
        term = self.vocab.get(token)
        return term is not None and term in self._docs.get(doc_id, ())

    def subset(self, doc_ids: Iterable[int]) -> Subset:
        self._build()
        wanted = np.fromiter(doc_ids, dtype=np.int64)
        if self._matrix is None:
            return Subset(rows=np.zeros(0, dtype=bool), df=np.zeros(len(self.vocab)), size=0)
        rows = np.isin(self._row_ids, wanted)
        df = self._matrix[rows].getnnz(axis=0).astype(np.float64)
        return Subset(rows=rows, df=df, size=int(rows.sum()))

    def document_frequency(self, token: str, subset: Subset | None = None) -> int:
        self._build()
        df = self._df if subset is None else subset.df
        term = self.vocab.get(token)
        return 0 if term is None or term >= len(df) else int(df[term])

    def idf(self, token: str, subset: Subset | None = None) -> float:
        n = len(self._docs) if subset is None else subset.size
        df = self.document_frequency(token, subset)
        return float(np.log(1 + (n - df + 0.5) / (df + 0.5)))

    def scores(self, tokens: list[str]) -> dict[int, float]:
        """doc id -> score for the documents containing at least one query token."""
        ids, scored = self.score_arrays(tokens)
        return dict(zip(ids.tolist(), scored.tolist(), strict=True))

    def score_arrays(self, tokens: list[str], subset: Subset | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(doc ids, scores) of the documents (of the subset) containing at least one query token."""
        self._build()
        df, n = (self._df, len(self._docs)) if subset is None else (subset.df, subset.size)
        terms = Counter(self.vocab[t] for t in tokens if t in self.vocab)
        terms = Counter({t: c for t, c in terms.items() if t < len(df) and df[t] > 0})
        if not terms or self._matrix is None:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        columns = np.fromiter(terms, dtype=np.int64)
        idf = np.log(1 + (n - df[columns] + 0.5) / (df[columns] + 0.5))
        scored = self._matrix[:, columns] @ (np.array([terms[t] for t in columns], dtype=np.float64) * idf)
        if subset is not None:
            scored[~subset.rows] = 0.0
        rows = np.flatnonzero(scored)
        return self._row_ids[rows], scored[rows]

    def _build(self) -> None:
        if self._matrix is not None or not self._docs:
            return
        ids = np.fromiter(self._docs, dtype=np.int64, count=len(self._docs))
        lengths = np.array([sum(c.values()) for c in self._docs.values()], dtype=np.float64)
        rows, cols, tfs = [], [], []
        for row, counts in enumerate(self._docs.values()):
            rows.extend([row] * len(counts))
            cols.extend(counts.keys())
            tfs.extend(counts.values())
        tf = np.array(tfs, dtype=np.float64)
        row_index = np.array(rows, dtype=np.int64)
        norm = self.k1 * (1 - self.b + self.b * lengths[row_index] / max(lengths.mean(), 1.0))
        shape = (len(ids), len(self.vocab))
        matrix = sparse.csc_matrix((tf * (self.k1 + 1) / (tf + norm), (row_index, cols)), shape=shape)
        self._matrix, self._row_ids = matrix, ids
        self._df = np.bincount(np.array(cols, dtype=np.int64), minlength=len(self.vocab)).astype(np.float64)

    def to_bytes(self) -> bytes:
        ids = np.fromiter(self._docs, dtype=np.int64, count=len(self._docs))
        lengths = np.array([len(c) for c in self._docs.values()], dtype=np.int64)
        terms = np.fromiter((t for c in self._docs.values() for t in c), dtype=np.int64)
        counts = np.fromiter((n for c in self._docs.values() for n in c.values()), dtype=np.int64)
        vocab = np.array(sorted(self.vocab, key=self.vocab.__getitem__), dtype=object)
        buffer = io.BytesIO()
        np.savez(buffer, ids=ids, lengths=lengths, terms=terms, counts=counts, vocab=vocab.astype(str),
                 params=np.array([self.k1, self.b]))
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data_bytes: bytes) -> BM25:
        data = np.load(io.BytesIO(data_bytes), allow_pickle=False)
        k1, b = data["params"].tolist()
        index = cls(k1, b)
        index.vocab = {str(t): i for i, t in enumerate(data["vocab"].tolist())}
        ends = np.cumsum(data["lengths"])
        terms, counts = data["terms"].tolist(), data["counts"].tolist()
        start = 0
        for doc_id, end in zip(data["ids"].tolist(), ends.tolist(), strict=True):
            index._docs[doc_id] = Counter(dict(zip(terms[start:end], counts[start:end], strict=True)))
            start = end
        return index
