"""Count Vietnamese syllables and syllable bigrams in real texts: the model of inference.diacritics.

    python -m training.lexicon.build --out models/artifacts/syllables/v1

Sources (../shared, or $VANTHU_SHARED_DIR): vbpl_fulltext.jsonl (legal texts from vbpl.vn) and
party_texts.jsonl (Party documents), field "text". Left out of the counts:
  * the held-out vbpl documents (~10%, chosen by a hash of the id), used for the evaluation in the card;
  * the vbpl documents the synthetic factory takes its body sentences from (training.synth.corpus reads
    the first MAX_SENTENCES usable paragraphs of the file), so `vanthu eval ocr`'s synthetic pages are
    not text the model has seen;
  * any document whose text is the same as a held-out one (the corpus has duplicate records).
Without ../shared the factory's built-in sentences are counted instead: a much weaker model (the card
says so).

Text is normalised (inference.text.normalize: NFC, one tone placement), split at whitespace, the
punctuation around each token stripped; tokens of letters only are counted in lower case. Bigrams join
neighbouring tokens of one line with no punctuation between them. Pruned to counts >= --min-count and
capped, then written as gzip JSON with sorted keys and no timestamp (the same corpus gives the same
bytes); card.json holds the provenance and the held-out figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import hashlib
import io
import json
import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from inference.diacritics import DATA_FILE, FORMAT, case_class, is_syllable_token, split_token
from inference.text import normalize

log = logging.getLogger("training.lexicon")
REPO = Path(__file__).resolve().parents[2]
SOURCE_FILES = (
    "training/lexicon/build.py", "training/lexicon/evaluate.py", "inference/diacritics.py", "inference/text.py",
)
HELD_OUT_MODULUS = 10
"""A vbpl document is held out when sha256(id) % 10 == 0."""
MAX_UNIGRAMS = 40_000
MAX_BIGRAMS = 250_000


@dataclass(frozen=True)
class Document:
    source: str
    id: str
    text: str


def shared_dir() -> Path | None:
    from eval.datasets import shared_dir as find

    return find()


def is_held_out(doc_id: str) -> bool:
    return int(hashlib.sha256(doc_id.encode()).hexdigest(), 16) % HELD_OUT_MODULUS == 0


def read_jsonl(path: Path, source: str) -> Iterator[Document]:
    with path.open(encoding="utf-8") as lines:
        for n, line in enumerate(lines):
            if line.strip():
                record = json.loads(line)
                yield Document(source, str(record.get("id", n)), record.get("text") or "")


def factory_document_ids(path: Path) -> set[str]:
    """The vbpl documents training.synth.corpus draws its government-block body sentences from."""
    from training.synth.corpus import MAX_SENTENCES, clean_sentence

    ids: set[str] = set()
    found = 0
    for doc in read_jsonl(path, "vbpl"):
        if found >= MAX_SENTENCES:
            break
        ids.add(doc.id)
        found += sum(1 for paragraph in doc.text.split("\n") if clean_sentence(paragraph))
    return ids


def _fingerprint(text: str) -> str:
    return hashlib.sha256(" ".join(normalize(text).split()).encode()).hexdigest()


@dataclass
class Corpus:
    training: list[Document]
    held_out: list[Document]
    sources: dict[str, Path]
    excluded: dict[str, int]
    builtin: bool = False


def shared_corpus(shared: Path) -> Corpus:
    vbpl = shared / "data" / "vbpl" / "vbpl_fulltext.jsonl"
    party = shared / "data" / "party" / "party_texts.jsonl"
    documents = list(read_jsonl(vbpl, "vbpl"))
    held_out = [d for d in documents if is_held_out(d.id)]
    held_prints = {_fingerprint(d.text) for d in held_out}
    factory = factory_document_ids(vbpl)
    training, excluded = [], Counter()
    for doc in documents:
        if is_held_out(doc.id):
            excluded["held_out"] += 1
        elif doc.id in factory:
            excluded["synthetic_factory"] += 1
        elif _fingerprint(doc.text) in held_prints:
            excluded["duplicate_of_held_out"] += 1
        else:
            training.append(doc)
    training += list(read_jsonl(party, "party")) if party.is_file() else []
    sources = {"vbpl": vbpl} | ({"party": party} if party.is_file() else {})
    return Corpus(training, held_out, sources, dict(sorted(excluded.items())))


def builtin_corpus() -> Corpus:
    from training.synth.corpus import BASIS, BUILT_IN_SENTENCES, CLOSINGS

    sentences = [*BUILT_IN_SENTENCES, *(s for block in BASIS.values() for s in block), *CLOSINGS.values()]
    return Corpus([Document("builtin", "training.synth.corpus", "\n".join(sentences))], [], {}, {}, builtin=True)


def file_corpus(paths: list[Path]) -> Corpus:
    """Explicit JSONL files (field "text"), nothing held out: for tests and experiments."""
    docs = [d for p in paths for d in read_jsonl(p, p.stem)]
    return Corpus(docs, [], {p.stem: p for p in paths}, {})


# ------------------------------------------------------------------------------------------------ counts


def line_syllables(line: str) -> Iterator[list[tuple[str, str]]]:
    """Runs of (syllable in lower case, case class) with no punctuation or non-word between them."""
    run: list[tuple[str, str]] = []
    tokens = line.split()
    for k, token in enumerate(tokens):
        prefix, core, suffix = split_token(token)
        if not is_syllable_token(core):
            if run:
                yield run
            run = []
            continue
        if prefix and run:
            yield run
            run = []
        run.append((core.lower(), "" if prefix else case_class(core, tokens[k - 1] if k else None)))
        if suffix:
            yield run
            run = []
    if run:
        yield run


@dataclass
class Counts:
    unigrams: Counter[str]
    bigrams: Counter[str]
    title: Counter[str]
    """Syllables written capitalised inside a sentence (inference.diacritics.case_class)."""
    lower: Counter[str]


def count(texts: Iterable[str]) -> Counts:
    counts = Counts(Counter(), Counter(), Counter(), Counter())
    for text in texts:
        for line in normalize_lines(text):
            for run in line_syllables(line):
                words = [w for w, _ in run]
                counts.unigrams.update(words)
                counts.bigrams.update(f"{a} {b}" for a, b in zip(words, words[1:], strict=False))
                counts.title.update(w for w, case in run if case == "title")
                counts.lower.update(w for w, case in run if case == "lower")
    return counts


def normalize_lines(text: str) -> list[str]:
    return [normalize(line) for line in text.split("\n") if line.strip()]


def prune(counts: Counter[str], min_count: int, cap: int) -> dict[str, int]:
    kept = sorted(((w, c) for w, c in counts.items() if c >= min_count), key=lambda wc: (-wc[1], wc[0]))[:cap]
    return dict(sorted(kept))


def data_bytes(tables: dict[str, dict[str, int]]) -> bytes:
    """gzip JSON, sorted keys, fixed gzip header (no name, mtime 0): the same counts, the same bytes."""
    payload = json.dumps(
        {"format": FORMAT, **tables},
        ensure_ascii=False, sort_keys=True, separators=(",", ":"),
    ).encode("utf-8")
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as handle:
        handle.write(payload)
    return buffer.getvalue()


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def code_hash() -> str:
    digest = hashlib.sha256()
    for name in SOURCE_FILES:
        path = REPO / name
        digest.update(name.encode() + b"\0" + (path.read_bytes() if path.exists() else b"") + b"\0")
    return digest.hexdigest()


def build(
    corpus: Corpus, out: Path, min_count: int = 2, evaluate: bool = True, bigram_min_count: int | None = None
) -> dict:
    """Write the data file and card.json into `out`; returns the card. Bigrams are kept from `bigram_min_count`
    (default `min_count`)."""
    counts = count(d.text for d in corpus.training)
    unigram_counts, bigram_counts = counts.unigrams, counts.bigrams
    unigrams = prune(unigram_counts, min_count, MAX_UNIGRAMS)
    pairs = {k: k.split(" ") for k in bigram_counts}
    known = Counter({k: c for k, c in bigram_counts.items() if pairs[k][0] in unigrams and pairs[k][1] in unigrams})
    bigrams = prune(known, bigram_min_count or min_count, MAX_BIGRAMS)
    followers = dict(sorted(Counter(pairs[k][0] for k in bigram_counts if pairs[k][0] in unigrams).items()))
    title = dict(sorted((w, c) for w, c in counts.title.items() if w in unigrams))
    lower = dict(sorted((w, c) for w, c in counts.lower.items() if w in unigrams))
    out.mkdir(parents=True, exist_ok=True)
    tables = {"unigrams": unigrams, "bigrams": bigrams, "followers": followers, "title": title, "lower": lower}
    data = data_bytes(tables)
    (out / DATA_FILE).write_bytes(data)
    card: dict = {
        "name": "vanthu syllable model",
        "version": out.name,
        "date": dt.date.today().isoformat(),
        "code_sha256": code_hash(),
        "use": "post-OCR restoration of Vietnamese marks (inference.diacritics.DiacriticRestorer)",
        "builtin_fallback": corpus.builtin,
        "warning": (
            "built from the synthetic factory's few built-in sentences (../shared was absent): a weak model, "
            "rebuild with the real corpus before use" if corpus.builtin else None
        ),
        "sources": {name: {"file": p.name, "sha256": sha256_file(p)} for name, p in sorted(corpus.sources.items())},
        "documents": {
            "training": len(corpus.training),
            "training_by_source": dict(sorted(Counter(d.source for d in corpus.training).items())),
            "held_out": len(corpus.held_out),
            "excluded": corpus.excluded,
        },
        "counts": {
            "syllable_tokens": sum(unigram_counts.values()),
            "distinct_syllables": len(unigram_counts),
            "distinct_bigrams": len(bigram_counts),
            "kept_syllables": len(unigrams),
            "kept_bigrams": len(bigrams),
            "min_count": min_count,
            "bigram_min_count": bigram_min_count or min_count,
            "kept_token_share": round(sum(unigrams.values()) / max(1, sum(unigram_counts.values())), 5),
        },
        "data_file": {"name": DATA_FILE, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()},
        "limitations": [
            "vocabulary of central-government legal texts and a few Party documents: local units and place names "
            "(quận, phường, Đống Đa), mass-organisation words (chi hội) and personal names are thin, so marks there "
            "are restored less often; capitalised words after a unit word or title (huyện, xã, ông, đồng chí) are "
            "left as read",
            "only marks are restored: letters OCR got wrong otherwise are not the model's business",
        ],
    }
    if evaluate and corpus.held_out:
        from training.lexicon.evaluate import evaluate_held_out

        card["held_out_evaluation"] = evaluate_held_out(out, corpus.held_out)
    (out / "card.json").write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return card


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=REPO / "models" / "artifacts" / "syllables" / "v1")
    parser.add_argument("--corpus", type=Path, action="append", help="JSONL file(s) instead of ../shared")
    parser.add_argument("--min-count", type=int, default=None, help="default 2 (1 for the built-in fallback)")
    parser.add_argument("--no-eval", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    shared = shared_dir()
    if args.corpus:
        corpus = file_corpus(args.corpus)
    elif shared:
        corpus = shared_corpus(shared)
    else:
        log.warning("../shared is absent: building from the synthetic factory's built-in sentences (weak model)")
        corpus = builtin_corpus()
    min_count = args.min_count if args.min_count is not None else (1 if corpus.builtin else 2)
    card = build(corpus, args.out, min_count, evaluate=not args.no_eval)
    print(json.dumps({k: card[k] for k in ("documents", "counts", "data_file")}, ensure_ascii=False, indent=2))
    if "held_out_evaluation" in card:
        print(json.dumps(card["held_out_evaluation"], ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
