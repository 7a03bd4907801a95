"""The judged query set that search over the vbpl corpus is evaluated on (eval/data/search/README.md).

The set itself needs no ../shared: `load_queries` validates it on its own. `check_against_corpus` checks
it against the corpus (../shared/data/vbpl/vbpl_fulltext.jsonl) when that is present.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Literal, get_args

from pydantic import BaseModel, Field, ValidationError

from eval.datasets import shared_dir
from inference.text import fold, strip_accents

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "search" / "vbpl-queries.jsonl"

QueryKind = Literal[
    "paraphrase", "body_question", "metadata", "number_lookup", "no_diacritics", "typo", "no_answer"
]

# Function words and question words, folded: sharing one of these with a title does not make a paraphrase
# lean on the title's wording.
STOP_WORDS = frozenset(
    """
    va cua cac ve cho co la duoc khong nhung mot khi thi o ai gi nao bao nhieu nay do voi theo trong de tu
    den tai nhu the sao vay hay hoac ma ra vao len neu phai can muon tim van ban minh toi
    """.split()
)


class SearchQuery(BaseModel):
    id: str = Field(pattern=r"^q\d{3,}$")
    query: str = Field(min_length=2)
    kind: QueryKind
    judgments: dict[str, int]
    """Document id -> grade: 3 the document sought, 2 substantially answers, 1 related."""
    note: str = ""


class QuerySetError(ValueError):
    """The query file is malformed or breaks a rule of the set; the message names the line or query."""


def _rule_problems(query: SearchQuery) -> list[str]:
    problems = [f"{query.id}: grade {grade} of {doc} is outside 0..3"
                for doc, grade in query.judgments.items() if not 0 <= grade <= 3]
    if query.kind == "no_answer" and query.judgments:
        problems.append(f"{query.id}: a no_answer query has judgments")
    if query.kind != "no_answer" and 3 not in query.judgments.values():
        problems.append(f"{query.id}: no document is graded 3")
    if query.kind == "no_diacritics" and strip_accents(query.query) != query.query:
        problems.append(f"{query.id}: a no_diacritics query carries diacritics")
    return problems


def validate(queries: Iterable[SearchQuery]) -> list[str]:
    """Problems of the set on its own: duplicate ids, grades out of range, judgments that contradict the kind."""
    problems, seen = [], set()
    for query in queries:
        if query.id in seen:
            problems.append(f"{query.id}: duplicate id")
        seen.add(query.id)
        problems.extend(_rule_problems(query))
    return problems


def _parse(path: Path) -> list[SearchQuery]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise QuerySetError(f"{path}: cannot be read as UTF-8 text ({error})") from error
    queries = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            queries.append(SearchQuery.model_validate(json.loads(line)))
        except (json.JSONDecodeError, ValidationError) as error:
            raise QuerySetError(f"{path.name} line {number}: {error}") from error
    return queries


def load_queries(path: Path = DEFAULT_PATH) -> list[SearchQuery]:
    """The validated query set; raises QuerySetError naming every problem."""
    queries = _parse(path)
    problems = validate(queries)
    if problems:
        raise QuerySetError(f"{path.name}: " + "; ".join(problems))
    return queries


def kind_counts(queries: Iterable[SearchQuery]) -> dict[str, int]:
    """Queries per kind, in the order of `QueryKind`."""
    counts = Counter(query.kind for query in queries)
    return {kind: counts[kind] for kind in get_args(QueryKind)}


def content_words(text: str) -> set[str]:
    """Folded syllables of `text` without digits, punctuation or stop words."""
    return {word for word in re.findall(r"[^\W\d_]+", fold(text)) if word not in STOP_WORDS}


def vbpl_corpus_path() -> Path | None:
    """The vbpl corpus in ../shared, or None on a clone without it."""
    shared = shared_dir()
    path = shared / "data" / "vbpl" / "vbpl_fulltext.jsonl" if shared else None
    return path if path and path.exists() else None


_TITLE_LABEL = re.compile(
    r"^\s*(văn bản hợp nhất|thông tư liên tịch|thông tư|nghị định|nghị quyết|quyết định|pháp lệnh|luật)\s+"
    r"|\bsố:?\s*\S*\d\S*",
    re.IGNORECASE,
)
"""The vbpl title starts with the document type and carries "số <number>": labels, not the topic."""


def title_topic(title: str) -> str:
    return _TITLE_LABEL.sub(" ", title)


def _load_titles(corpus_path: Path) -> dict[str, str]:
    titles = {}
    with corpus_path.open(encoding="utf-8") as corpus:
        for line in corpus:
            if line.strip():
                record = json.loads(line)
                titles[record["id"]] = record.get("vbpl_title") or ""
    return titles


def check_against_corpus(queries: Iterable[SearchQuery], corpus_path: Path) -> list[str]:
    """Problems only the corpus shows: judged documents it lacks, paraphrases that reuse their target's title words."""
    titles = _load_titles(corpus_path)
    problems = []
    for query in queries:
        problems.extend(f"{query.id}: unknown document {doc}" for doc in query.judgments if doc not in titles)
        if query.kind != "paraphrase":
            continue
        for doc in (doc for doc, grade in query.judgments.items() if grade == 3):
            shared = content_words(query.query) & content_words(title_topic(titles.get(doc, "")))
            if shared:
                problems.append(f"{query.id}: shares {sorted(shared)} with the title of {doc}")
    return problems
