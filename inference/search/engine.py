"""Hybrid search over documents split into passages: BM25 (exact + folded token streams) and dense
vectors (passages and whole documents), fused by weighted reciprocal rank fusion, lifted by the filters
the query was read as, with a no-answer decision, facets, snippets and similar documents.

Every query runs within an `AccessScope`: the documents it does not admit are left out before anything
is computed (rankings, BM25 statistics, the vocabulary typos are corrected against, the issuers the
query is read with, totals, facets, the no-answer decision), so a caller learns nothing about them.

The engine holds everything in memory; `snapshot()` / `SearchEngine.restore()` turn it into named
byte strings and back (the service decides where they are written).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

from inference.exchange.masking import mask_text
from inference.schema import DocumentAccess, Fields
from inference.search.access import AccessScope
from inference.search.bm25 import BM25, Subset
from inference.search.embedders import Embedder
from inference.search.query import SearchFilters, canonical_number, number_matches, parse_query
from inference.search.rank import content_terms, correct_typos, reciprocal_rank_fusion, snippet
from inference.search.text import exact_tokens, folded_tokens, split_passages
from inference.search.vectors import VECTOR_INDEXES, VectorIndex
from inference.text import normalize

NO_ANSWER_DEPTH = 5
"""The no-answer decision looks at this many of the top documents."""
SNAPSHOT_FILES = ("store.json", "exact.npz", "folded.npz", "passages.faiss", "documents.faiss")
SNAPSHOT_FORMAT = 2
"""2: documents carry their access attributes. Older snapshots are refused, so the service rebuilds them."""
CACHED_VIEWS = 32


class SearchOptions(BaseModel):
    embedder: str = "sentence-transformers"
    embedder_path: str | None = None
    """A sentence-transformers model directory; default models/artifacts/embeddings/v1."""
    vector_index: Literal["auto", "flat"] = "auto"
    """`flat` (exact), or `auto` (flat, turning into IVF at `ivf_threshold` vectors)."""
    ivf_threshold: int = Field(default=200_000, ge=1000)
    ivf_nprobe: int = Field(default=16, ge=1)
    keyword_weight: float = Field(default=1.0, ge=0)
    dense_weight: float = Field(default=0.5, ge=0)
    """The weights and the no-answer thresholds were chosen on the dev half of the vbpl query set
    (eval/search.py); the static embedder is weaker than BM25 alone, so it counts half."""
    exact_boost: float = Field(default=0.5, ge=0)
    """Weight of the diacritics-kept BM25 beside the folded one: an exact match ranks above a folded one."""
    filter_boost: float = Field(default=0.3, ge=0)
    """Added (times the share of them satisfied) for the type, issuer, date and block read from the query."""
    number_boost: float = Field(default=1.0, ge=0)
    """Added when a document has the number the query names: a number lookup puts it first."""
    candidates: int = Field(default=200, ge=10)
    no_answer_coverage: float = Field(default=0.8, ge=0, le=1)
    """Below this share of the query's (idf-weighted) content words in the best document..."""
    no_answer_similarity: float = Field(default=0.4, ge=-1, le=1)
    """...and below this cosine similarity, the search answers that nothing relevant was found."""


class SearchHit(BaseModel):
    id: str
    external_id: str | None = None
    score: float
    snippet: str
    """The best passage's best window; query words wrapped in <mark>...</mark>."""
    page: int
    """1-based page of the snippet."""
    highlights: list[str] = Field(default_factory=list)
    fields: Fields


class SearchResponse(BaseModel):
    query: str
    read_as: SearchFilters
    """The filters the query was read as (they lift matching documents, they do not exclude others)."""
    filters: SearchFilters
    """The filters given explicitly (they exclude)."""
    corrections: dict[str, str] = Field(default_factory=dict)
    """Query words not in the index -> the indexed word searched instead (folded forms)."""
    total: int
    """Documents that matched at all."""
    hits: list[SearchHit]
    facets: dict[str, dict[str, int]] = Field(default_factory=dict)
    no_answer: bool = False
    reason: str | None = None
    coverage: float | None = None
    """What the no-answer decision saw: the largest share of the query's content words (idf-weighted) in
    one of the top documents..."""
    similarity: float | None = None
    """...and the closest cosine similarity between the query and a passage or document."""


class IndexInput(DocumentAccess):
    key: str
    fields: Fields
    text: str
    external_id: str | None = None


@dataclass
class _Document:
    key: str
    number: int
    fields: Fields
    title: str
    external_id: str | None
    access: DocumentAccess
    passages: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class _View:
    """The index as one access scope sees it; None everywhere for a scope that sees every document."""

    documents: set[int] | None = None
    document_ids: np.ndarray | None = None
    passage_ids: np.ndarray | None = None
    exact: Subset | None = None
    folded: Subset | None = None
    vocabulary: dict[str, int] = field(default_factory=dict)
    """Folded token -> number of visible passages holding it."""
    issuers: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Passage:
    document: int
    page: int
    text: str


def document_title(fields: Fields) -> str:
    """What a document is called: type, number and subject ("Nghị định số 15/2020/NĐ-CP Quy định ...")."""
    number = f"số {fields.number}" if fields.number else ""
    return " ".join(part for part in (fields.type_name, number, fields.subject) if part)


def _top(scores: dict[int, float], n: int) -> list[int]:
    return sorted(scores, key=scores.__getitem__, reverse=True)[:n]


def _masked_fields(fields: Fields) -> Fields:
    """The free-text fields with citizen IDs and private persons' names masked (inference.exchange.masking)."""
    return fields.model_copy(update={
        "subject": mask_text(fields.subject) if fields.subject else fields.subject,
        "recipients": [mask_text(recipient) for recipient in fields.recipients],
    })


class SearchEngine:
    def __init__(self, embedder: Embedder, options: SearchOptions | None = None):
        self.embedder = embedder
        self.options = options or SearchOptions()
        self.exact = BM25()
        self.folded = BM25()
        vector_options = {"ivf_threshold": self.options.ivf_threshold, "nprobe": self.options.ivf_nprobe}
        self.passage_vectors = VECTOR_INDEXES.create(self.options.vector_index, dimension=embedder.dimension,
                                                     **vector_options)
        self.document_vectors = VECTOR_INDEXES.create(self.options.vector_index, dimension=embedder.dimension,
                                                      **vector_options)
        self._documents: dict[int, _Document] = {}
        self._keys: dict[str, int] = {}
        self._passages: dict[int, _Passage] = {}
        self._next_document = 0
        self._next_passage = 0
        self._views: dict[tuple, _View] = {}

    def __len__(self) -> int:
        return len(self._documents)

    def __contains__(self, key: str) -> bool:
        return key in self._keys

    def keys(self) -> list[str]:
        return list(self._keys)

    # --- changes ---------------------------------------------------------------------------------

    def add(self, documents: Iterable[IndexInput]) -> int:
        """Add documents, replacing those already indexed under the same key; returns how many."""
        batch = list(documents)
        for item in batch:
            self.remove(item.key)
        texts: list[str] = []
        passage_ids: list[int] = []
        for item in batch:
            texts.extend(self._add_document(item, passage_ids))
        vectors = self.embedder.encode(texts)
        numbers = np.array([self._keys[item.key] for item in batch], dtype=np.int64)
        is_title = np.zeros(len(texts), dtype=bool)
        offsets = np.cumsum([len(self._documents[n].passages) + 1 for n in numbers]) - 1
        is_title[offsets] = True
        self.passage_vectors.add(np.array(passage_ids, dtype=np.int64), vectors[~is_title])
        self.document_vectors.add(numbers, vectors[is_title])
        self._views.clear()
        return len(batch)

    def _add_document(self, item: IndexInput, passage_ids: list[int]) -> list[str]:
        """Index the keyword side; returns the texts to embed: the passages, then title + opening."""
        title = normalize(document_title(item.fields))
        number = self._next_document
        self._next_document += 1
        access = DocumentAccess.model_validate(item, from_attributes=True)
        document = _Document(item.key, number, item.fields, title, item.external_id, access)
        passages = split_passages(item.text) or split_passages(title)
        for passage in passages:
            pid = self._next_passage
            self._next_passage += 1
            tokens = exact_tokens(f"{title} {passage.text}", normalized=True)
            self.exact.add(pid, tokens)
            self.folded.add(pid, folded_tokens(tokens))
            self._passages[pid] = _Passage(number, passage.page, passage.text)
            document.passages.append(pid)
            passage_ids.append(pid)
        self._documents[number] = document
        self._keys[item.key] = number
        return [p.text for p in passages] + [f"{title}. {passages[0].text}" if passages else title]

    def remove(self, key: str) -> bool:
        number = self._keys.pop(key, None)
        if number is None:
            return False
        document = self._documents.pop(number)
        for pid in document.passages:
            self.exact.remove(pid)
            self.folded.remove(pid)
            del self._passages[pid]
        self.passage_vectors.remove(np.array(document.passages, dtype=np.int64))
        self.document_vectors.remove(np.array([number], dtype=np.int64))
        self._views.clear()
        return True

    # --- queries ---------------------------------------------------------------------------------

    def search(
        self, query: str, k: int = 10, filters: SearchFilters | None = None, scope: AccessScope | None = None,
        ignore: Collection[str] = (),
    ) -> SearchResponse:
        """The best `k` documents `scope` may see (None: a trusted caller, every document; personal data masked).
        `ignore`: names of `read_as` filters not to apply although the query reads so."""
        filters, scope = filters or SearchFilters(), scope or AccessScope.everything()
        view = self._view(scope)
        parsed = parse_query(query, view.issuers).ignoring(ignore)
        exact = exact_tokens(parsed.text)
        corrections = correct_typos(folded_tokens(exact), view.vocabulary)
        folded = [corrections.get(t, t) for t in folded_tokens(exact)]
        keyword, keyword_passage = self._keyword(exact, folded, view)
        dense, dense_passage = self._dense(parsed.text, view)
        allowed = self._allowed(filters, view)
        rankings = [
            (self._ranked(keyword, allowed), self.options.keyword_weight),
            (self._ranked(dense, allowed), self.options.dense_weight),
        ]
        fused = reciprocal_rank_fusion(rankings)
        fused.update({n: 0.0 for n in self._numbered(parsed.filters.number, allowed, view) if n not in fused})
        scores = {n: s + self._lift(parsed.filters, self._documents[n].fields) for n, s in fused.items()}
        ranked = _top(scores, len(scores))
        response = SearchResponse(query=query, read_as=parsed.filters, filters=filters, corrections=corrections,
                                  total=len(ranked), hits=[], facets=self._facets(ranked))
        if ranked:
            response.coverage = max(self._coverage(self._documents[n], folded, view) for n in ranked[:NO_ANSWER_DEPTH])
            response.similarity = round(max(dense.values(), default=-1.0), 4)
        reason = self._no_answer(ranked, response, parsed.filters, view)
        if reason:
            response.no_answer, response.reason = True, reason
            return response
        terms = content_terms(folded) | {t for t in folded if len(t) > 1 and any(c.isdigit() for c in t)}
        response.hits = [
            self._hit(n, scores[n], keyword_passage.get(n) or dense_passage.get(n), terms, scope)
            for n in ranked[:k]
        ]
        return response

    def similar(self, key: str, k: int = 10, scope: AccessScope | None = None) -> list[SearchHit]:
        """Documents nearest to `key` by document vector, among those `scope` may see; KeyError for a key
        that is not indexed or that the scope may not see."""
        scope = scope or AccessScope.everything()
        view = self._view(scope)
        number = self._keys[key]
        if view.documents is not None and number not in view.documents:
            raise KeyError(key)
        vector = self.document_vectors.index.reconstruct(number).reshape(1, -1)
        scores, ids = self.document_vectors.search(vector, k + 1, within=view.document_ids)
        hits = []
        for score, other in zip(scores[0].tolist(), ids[0].tolist(), strict=True):
            if other >= 0 and other != number and other in self._documents:
                hits.append(self._hit(other, float(score), None, set(), scope))
        return hits[:k]

    def _view(self, scope: AccessScope) -> _View:
        """What `scope` sees, computed once per visibility until the index changes."""
        if scope.visibility not in self._views:
            if len(self._views) >= CACHED_VIEWS:
                self._views.pop(next(iter(self._views)))
            self._views[scope.visibility] = self._whole_view() if scope.sees_everything else self._scoped_view(scope)
        return self._views[scope.visibility]

    def _whole_view(self) -> _View:
        vocabulary = {t: df for t in self.folded.vocab if (df := self.folded.document_frequency(t)) > 0}
        return _View(vocabulary=vocabulary, issuers=self._issuers(self._documents.values()))

    def _scoped_view(self, scope: AccessScope) -> _View:
        visible = [d for d in self._documents.values() if scope.admits(d.access)]
        passages = np.array(sorted(pid for d in visible for pid in d.passages), dtype=np.int64)
        folded = self.folded.subset(passages)
        vocabulary = {t: int(folded.df[term]) for t, term in self.folded.vocab.items()
                      if term < len(folded.df) and folded.df[term] > 0}
        return _View(
            documents={d.number for d in visible},
            document_ids=np.array(sorted(d.number for d in visible), dtype=np.int64),
            passage_ids=passages, exact=self.exact.subset(passages), folded=folded, vocabulary=vocabulary,
            issuers=self._issuers(visible),
        )

    @staticmethod
    def _issuers(documents: Iterable[_Document]) -> list[str]:
        return sorted({d.fields.organ_name for d in documents if d.fields.organ_name})

    def _keyword(self, exact: list[str], folded: list[str], view: _View) -> tuple[dict[int, float], dict[int, int]]:
        """Document -> best passage score, and which passage it was."""
        folded_ids, folded_scores = self.folded.score_arrays(folded, view.folded)
        exact_ids, exact_scores = self.exact.score_arrays(exact, view.exact)
        pids, slots = np.unique(np.concatenate([folded_ids, exact_ids]), return_inverse=True)
        scores = np.bincount(slots, np.concatenate([folded_scores, self.options.exact_boost * exact_scores]),
                             minlength=len(pids))
        return self._best_per_document(pids, scores)

    def _dense(self, text: str, view: _View) -> tuple[dict[int, float], dict[int, int]]:
        vector = self.embedder.encode([text])
        n = self.options.candidates
        scores, ids = self.passage_vectors.search(vector, n, within=view.passage_ids)
        found = ids[0] >= 0
        best, passage = self._best_per_document(ids[0][found], scores[0][found].astype(np.float64))
        doc_scores, doc_ids = self.document_vectors.search(vector, n, within=view.document_ids)
        for score, number in zip(doc_scores[0].tolist(), doc_ids[0].tolist(), strict=True):
            if number >= 0 and score > best.get(number, -1.0):
                best[number] = score
        return best, passage

    def _best_per_document(self, pids: np.ndarray, scores: np.ndarray) -> tuple[dict[int, float], dict[int, int]]:
        """Each document's best passage score and that passage."""
        if len(pids) == 0:
            return {}, {}
        owners = np.array([self._passages[pid].document for pid in pids.tolist()], dtype=np.int64)
        order = np.lexsort((-scores, owners))
        firsts = order[np.r_[True, owners[order][1:] != owners[order][:-1]]]
        documents, best, passage = owners[firsts].tolist(), scores[firsts].tolist(), pids[firsts].tolist()
        return dict(zip(documents, best, strict=True)), dict(zip(documents, passage, strict=True))

    def _allowed(self, filters: SearchFilters, view: _View) -> set[int] | None:
        """The documents a ranking may hold: visible and matching the explicit filters (None: any)."""
        if filters.is_empty():
            return view.documents
        return {n for n in self._visible(view) if filters.matches(self._documents[n].fields)}

    def _visible(self, view: _View) -> Iterable[int]:
        return self._documents.keys() if view.documents is None else view.documents

    def _ranked(self, scores: dict[int, float], allowed: set[int] | None) -> list[int]:
        kept = scores if allowed is None else {n: s for n, s in scores.items() if n in allowed}
        return _top(kept, self.options.candidates)

    def _numbered(self, number: str | None, allowed: set[int] | None, view: _View) -> list[int]:
        """Documents carrying the whole number the query names (a bare running number is too weak)."""
        if not number or number.isdigit():
            return []
        return [n for n in (self._visible(view) if allowed is None else allowed)
                if number_matches(number, self._documents[n].fields)]

    def _lift(self, read_as: SearchFilters, fields: Fields) -> float:
        checks = read_as.checks(fields)
        numbered = checks.pop("number", False)
        lift = self.options.number_boost if numbered else 0.0
        return lift + (self.options.filter_boost * sum(checks.values()) / len(checks) if checks else 0.0)

    def _no_answer(self, ranked: list[int], response: SearchResponse, read_as: SearchFilters,
                   view: _View) -> str | None:
        if not ranked or response.coverage is None or response.similarity is None:
            return "nothing in the index matches the query or the filters"
        best = self._documents[ranked[0]]
        if read_as.number and not read_as.number.isdigit():
            # A number no document carries and no text cites: the document sought is not here.
            if number_matches(read_as.number, best.fields) or canonical_number(read_as.number) in view.vocabulary:
                return None
            return f"no document is numbered {read_as.number}, and none cites it"
        coverage, similarity = response.coverage, response.similarity
        if coverage < self.options.no_answer_coverage and similarity < self.options.no_answer_similarity:
            return (f"the best documents hold at most {coverage:.0%} of the query's words and none is close in "
                    f"meaning (similarity {similarity:.2f}); nothing relevant was found")
        return None

    def _coverage(self, document: _Document, folded: list[str], view: _View) -> float:
        """Share of the query's content words (weighted by their idf among the visible passages) found in
        the document."""
        terms = content_terms(folded)
        if not terms:
            return 1.0
        present = {t for t in terms if any(self.folded.holds(pid, t) for pid in document.passages)}
        weights = {t: self.folded.idf(t, view.folded) for t in terms}
        return round(sum(weights[t] for t in present) / sum(weights.values()), 4)

    def _facets(self, ranked: list[int]) -> dict[str, dict[str, int]]:
        facets: dict[str, Counter[str]] = {"type_name": Counter(), "issuer": Counter(), "year": Counter(),
                                           "block": Counter()}
        for number in ranked[: self.options.candidates]:
            fields = self._documents[number].fields
            facets["type_name"][fields.type_name or "?"] += 1
            facets["issuer"][fields.organ_name or "?"] += 1
            facets["year"][str(fields.issued_date.year) if fields.issued_date else "?"] += 1
            facets["block"][fields.block.value if fields.block else "?"] += 1
        return {name: dict(counts.most_common()) for name, counts in facets.items()}

    def _hit(self, number: int, score: float, pid: int | None, terms: set[str], scope: AccessScope) -> SearchHit:
        document = self._documents[number]
        pid = pid if pid is not None else next(iter(document.passages), None)
        passage = self._passages[pid] if pid is not None else _Passage(number, page=1, text="")  # a page without text
        reveal = scope.reveal_personal_data
        text, highlights = snippet(passage.text if reveal else mask_text(passage.text), terms)
        return SearchHit(id=document.key, external_id=document.external_id, score=round(score, 6), snippet=text,
                         page=passage.page, highlights=highlights,
                         fields=document.fields if reveal else _masked_fields(document.fields))

    # --- persistence -----------------------------------------------------------------------------

    def snapshot(self) -> dict[str, bytes]:
        store = {
            "format": SNAPSHOT_FORMAT,
            "embedder": self.embedder.name,
            "dimension": self.embedder.dimension,
            "next_document": self._next_document,
            "next_passage": self._next_passage,
            "documents": [
                {"key": d.key, "number": d.number, "fields": d.fields.model_dump(mode="json"),
                 "external_id": d.external_id, "access": d.access.model_dump(mode="json"),
                 "passages": [[pid, self._passages[pid].page, self._passages[pid].text] for pid in d.passages]}
                for d in self._documents.values()
            ],
        }
        return {
            "store.json": json.dumps(store, ensure_ascii=False).encode("utf-8"),
            "exact.npz": self.exact.to_bytes(),
            "folded.npz": self.folded.to_bytes(),
            "passages.faiss": self.passage_vectors.serialize(),
            "documents.faiss": self.document_vectors.serialize(),
        }

    @classmethod
    def restore(cls, files: dict[str, bytes], embedder: Embedder, options: SearchOptions | None = None) -> SearchEngine:
        """Raises ValueError when the snapshot was built with another embedder."""
        store = json.loads(files["store.json"])
        if store.get("format") != SNAPSHOT_FORMAT:
            raise ValueError(f"the index has format {store.get('format', 1)}, not {SNAPSHOT_FORMAT} (documents "
                             "without their access attributes); rebuild it")
        if (store["embedder"], store["dimension"]) != (embedder.name, embedder.dimension):
            raise ValueError(f"the index was built with embedder {store['embedder']} ({store['dimension']} dims), "
                             f"not {embedder.name} ({embedder.dimension} dims); rebuild it")
        engine = cls(embedder, options)
        engine._next_document, engine._next_passage = store["next_document"], store["next_passage"]
        for entry in store["documents"]:
            fields = Fields.model_validate(entry["fields"])
            access = DocumentAccess.model_validate(entry["access"])
            document = _Document(entry["key"], entry["number"], fields, document_title(fields), entry["external_id"],
                                 access)
            for pid, page, text in entry["passages"]:
                engine._passages[pid] = _Passage(document.number, page, text)
                document.passages.append(pid)
            engine._documents[document.number] = document
            engine._keys[document.key] = document.number
        engine.exact = BM25.from_bytes(files["exact.npz"])
        engine.folded = BM25.from_bytes(files["folded.npz"])
        kind, vector_options = engine.options.vector_index, {"ivf_threshold": engine.options.ivf_threshold,
                                                             "nprobe": engine.options.ivf_nprobe}
        engine.passage_vectors = VectorIndex.deserialize(files["passages.faiss"], kind, **vector_options)
        engine.document_vectors = VectorIndex.deserialize(files["documents.faiss"], kind, **vector_options)
        return engine
