"""The trained field tagger: a small LayoutLM (words + boxes -> BIO tags of the fields), run with onnxruntime.

Words are read in reading order (layout segments, then stamps), folded (lower case, no marks: OCR slips
on marks) and cut into WordPiece tokens by the tokenizer trained with the model; the case shape of each
word goes in as its token type, and its box (0..1000) as LayoutLM's 2D position. Long pages are tagged in
overlapping windows. The tagged spans are then normalised and validated by the rule extractor's readers
(number/symbol split, ISO date from the date line, type from its line or symbol, block, spelling), so a
value comes out in the same form whichever extractor found it.

    extractor = LayoutLMExtractor()          # models/artifacts/kie/v1
    extraction = extractor.extract(pages)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from statistics import median

import numpy as np

from inference.kie.lexicon import DocumentLexicon, canonical_name
from inference.kie.rules import (
    ITEM_PUNCTUATION,
    Extraction,
    Found,
    RuleExtractor,
    is_recipient,
    stamp_value,
    subject_text,
)
from inference.kie.vocab import SECRECY, URGENCY
from inference.layout import Segment, segments
from inference.schema import Fields, Page, Word
from inference.text import fold, normalize

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "models" / "artifacts" / "kie" / "v1"
FIELDS = (
    "organ_name", "parent_organ_name", "number", "place", "issued_date", "type_name", "subject",
    "signer_position", "signer_name", "recipients", "urgency", "confidentiality",
)
LABELS = ("O", *(f"{prefix}-{name}" for name in FIELDS for prefix in "BI"))
WHOLE_LINE_FIELDS = ("organ_name", "parent_organ_name", "type_name", "signer_position", "signer_name", "urgency",
                     "confidentiality")
"""Values printed as whole lines (Decree 30 layout): a line tagged with one is read whole."""
LIST_DASHES = "-+–"
WHOLE_LINE_SHARE = 1 / 3
"""Share of a line's words that makes it a one-line value: the model often tags only part of a name."""
NUMBER_KEYS = ("number", "code_number", "code_notation", "party_number")
PAD, UNK, CLS, SEP = "[PAD]", "[UNK]", "[CLS]", "[SEP]"
SPECIAL_TOKENS = (PAD, UNK, CLS, SEP)
MAX_PIECES = 6
"""Word pieces kept per word: seal debris can be one long garbage word."""
WINDOW = 128
"""Tokens per window, [CLS] and [SEP] included: a header or a signature block with its context."""
STRIDE = 96
SHAPES = 4
CONFIDENT = 0.5
"""Mean tag probability of a span that counts as a confident one."""


def word_shape(text: str) -> int:
    """0 lower or mixed, 1 capitals ("QUYẾT"), 2 capitalised ("Quyết"), 3 no letters ("15/QĐ" is 1)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 3
    if all(c.isupper() for c in letters):
        return 1
    return 2 if letters[0].isupper() else 0


def _lines(page: Page) -> list[Segment]:
    return [*segments(page.words, page.index), *segments(page.stamps, page.index)]


def reading_order(page: Page) -> list[Word]:
    """The words the tagger reads, in order: print lines top to bottom by column, then stamps."""
    return [w for seg in _lines(page) for w in seg.words]


def box_1000(word: Word) -> list[int]:
    b = word.bbox
    x0, y0, x1, y1 = (min(1000, max(0, round(v * 1000))) for v in (b.x0, b.y0, b.x1, b.y1))
    return [min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)]


@dataclass
class EncodedWords:
    """Token-level arrays of one page; `word` maps each token to its word, `first` marks a word's first piece."""

    ids: np.ndarray
    boxes: np.ndarray
    shapes: np.ndarray
    word: np.ndarray
    first: np.ndarray


def encode_words(words: list[Word], tokenizer) -> EncodedWords:
    """`tokenizer` is a `tokenizers.Tokenizer` (tokenizer.json of the artifact)."""
    unk = tokenizer.token_to_id(UNK)
    pieces = tokenizer.encode_batch([fold(w.text) or "-" for w in words], add_special_tokens=False) if words else []
    ids, boxes, shapes, index, first = [], [], [], [], []
    for i, (word, encoding) in enumerate(zip(words, pieces, strict=True)):
        token_ids = encoding.ids[:MAX_PIECES] or [unk]
        ids += token_ids
        boxes += [box_1000(word)] * len(token_ids)
        shapes += [word_shape(word.text)] * len(token_ids)
        index += [i] * len(token_ids)
        first += [True] + [False] * (len(token_ids) - 1)
    return EncodedWords(
        ids=np.array(ids, np.int64), boxes=np.array(boxes, np.int64).reshape(-1, 4), shapes=np.array(shapes, np.int64),
        word=np.array(index, np.int64), first=np.array(first, bool),
    )


def windows(n_tokens: int, size: int = WINDOW, stride: int = STRIDE) -> list[tuple[int, int]]:
    """Token ranges covering [0, n_tokens), each at most size - 2 long (room for [CLS] and [SEP])."""
    inner = size - 2
    starts = list(range(0, max(1, n_tokens - inner + stride), stride))
    return [(s, min(s + inner, n_tokens)) for s in starts if s < n_tokens or s == 0]


def window_inputs(encoded: EncodedWords, start: int, end: int, size: int, cls: int, sep: int) -> dict[str, np.ndarray]:
    """One window as model inputs padded to `size`: [CLS] tokens [SEP] pad (pad id 0)."""
    n = end - start
    ids = np.zeros(size, np.int64)
    ids[0], ids[1 : n + 1], ids[n + 1] = cls, encoded.ids[start:end], sep
    boxes = np.zeros((size, 4), np.int64)
    boxes[1 : n + 1] = encoded.boxes[start:end]
    boxes[n + 1] = 1000
    shapes = np.zeros(size, np.int64)
    shapes[1 : n + 1] = encoded.shapes[start:end]
    mask = np.zeros(size, np.int64)
    mask[: n + 2] = 1
    return {"input_ids": ids, "bbox": boxes, "token_type_ids": shapes, "attention_mask": mask}


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


class Tagger:
    """The ONNX model and its tokenizer: words -> per-word label probabilities."""

    def __init__(self, model_dir: str | Path | None = None, threads: int = 1):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        directory = Path(model_dir) if model_dir is not None else DEFAULT_DIR
        if not (directory / "model.onnx").is_file():
            raise FileNotFoundError(
                f"field tagger not found in {directory}. Train and export it with "
                "`python -m training.kie.train --out models/artifacts/kie/v1`."
            )
        self.labels = tuple(json.loads((directory / "labels.json").read_text(encoding="utf-8")))
        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(directory / "model.onnx"), sess_options=opts,
                                            providers=["CPUExecutionProvider"])

    def probabilities(self, words: list[Word]) -> np.ndarray:
        """(words, labels): each word's first piece, averaged over the windows that hold it."""
        encoded = encode_words(words, self.tokenizer)
        total = np.zeros((len(words), len(self.labels)), np.float32)
        seen = np.zeros(len(words), np.float32)
        if not words:
            return total
        spans = windows(len(encoded.ids))
        size = max(end - start for start, end in spans) + 2
        cls, sep = self.tokenizer.token_to_id(CLS), self.tokenizer.token_to_id(SEP)
        batch = [window_inputs(encoded, start, end, size, cls, sep) for start, end in spans]
        inputs = {k: np.stack([b[k] for b in batch]) for k in batch[0]}
        logits = self.session.run(["logits"], inputs)[0]
        for row, (start, end) in zip(_softmax(logits), spans, strict=True):
            first = encoded.first[start:end]
            index = encoded.word[start:end][first]
            total[index] += row[1 : end - start + 1][first]
            seen[index] += 1
        return total / np.maximum(seen, 1)[:, None]


@dataclass(eq=False)
class Span:
    """One tagged value (or list item): its words in reading order and their probabilities."""

    field: str
    page: int
    words: list[Word]
    probs: list[float]

    @property
    def segment(self) -> Segment:
        return Segment(page=self.page, words=self.words)

    @property
    def score(self) -> float:
        return sum(self.probs)


def _field_mass(probs: np.ndarray, labels: tuple[str, ...]) -> np.ndarray:
    """(words, 1 + fields): P(O), then P(B-field) + P(I-field) for each field of FIELDS."""
    columns = [[labels.index("O")], *([labels.index(f"B-{f}"), labels.index(f"I-{f}")] for f in FIELDS)]
    return np.stack([probs[:, c].sum(axis=1) for c in columns], axis=1)


def _line_fields(mass: np.ndarray, listed: bool) -> list[int]:
    """The field column of each word of one line (0: none). Each field found on the line takes the
    words from its first to its last tagged word (a word OCR garbled inside a value stays in it), or
    the whole line for one-line values (an issuer line, a signer's name) when a third of its words are
    tagged with that field (an addressee, too, on a line opened by a list dash); the field with more
    mass on the line goes first."""
    tagged = mass.argmax(axis=1)
    assigned = [0] * len(mass)
    for column in sorted(set(tagged.tolist()) - {0}, key=lambda c: -mass[:, c].sum()):
        where = np.flatnonzero(tagged == column)
        one_line = FIELDS[column - 1] in WHOLE_LINE_FIELDS or (listed and FIELDS[column - 1] == "recipients")
        whole = one_line and len(where) >= WHOLE_LINE_SHARE * len(mass)
        span = range(len(mass)) if whole else range(where[0], where[-1] + 1)
        for i in span:
            assigned[i] = assigned[i] or column
    return assigned


def line_spans(page: Page, probs: np.ndarray, labels: tuple[str, ...]) -> list[Span]:
    """Spans by line (segment): runs of words of one field after `_line_fields`. B on a run's first
    word, or a list dash opening the line of an addressee, starts a new span (a position line, an
    addressee); I continues the open span of that field (the issuer's second line comes after the
    motto's first in reading order)."""
    mass = _field_mass(probs, labels)
    found: list[Span] = []
    open_spans: dict[str, Span] = {}
    offset = 0
    for seg in _lines(page):
        rows, row_probs = mass[offset : offset + len(seg.words)], probs[offset : offset + len(seg.words)]
        offset += len(seg.words)
        previous = 0
        listed = seg.words[0].text[:1] in LIST_DASHES
        for word, column, row, word_probs in zip(seg.words, _line_fields(rows, listed), rows, row_probs, strict=True):
            if column:
                name = FIELDS[column - 1]
                starts = word_probs[labels.index(f"B-{name}")] >= word_probs[labels.index(f"I-{name}")]
                starts = starts or (listed and name == "recipients")
                if column != previous and (name not in open_spans or starts):
                    open_spans[name] = Span(name, page.index, [], [])
                    found.append(open_spans[name])
                open_spans[name].words.append(word)
                open_spans[name].probs.append(float(row[column]))
            previous = column
    return found


def _near(span: Span, group: list[Span]) -> bool:
    """Within two line heights of the group, vertically, on its page."""
    height = median(w.bbox.height for s in group for w in s.words)
    top = min(w.bbox.y0 for s in group for w in s.words)
    bottom = max(w.bbox.y1 for s in group for w in s.words)
    box = span.segment.bbox
    return span.page == group[0].page and box.y0 - bottom < 2 * height and top - box.y1 < 2 * height


def value_spans(spans: list[Span], name: str, last_page: int | None = None) -> list[Span]:
    """The spans of one field's value: on the first page that has a confident one (the main document
    comes before its attachments), the most confident span and those next to it; for recipients, every
    item up to `last_page` (the "Kính gửi" list on page 1, "Nơi nhận" where the main document ends)."""
    mine = [s for s in spans if s.field == name]
    if name == "recipients":
        return [s for s in mine if last_page is None or s.page <= last_page]
    if not mine:
        return mine
    confident = [s for s in mine if np.mean(s.probs) >= CONFIDENT] or mine
    first_page = min(s.page for s in confident)
    group = [max((s for s in confident if s.page == first_page), key=lambda s: s.score)]
    for span in mine:
        if span not in group and _near(span, group):
            group.append(span)
    return [s for s in mine if s in group]


def _joined(spans: list[Span]) -> Span:
    return Span(spans[0].field, spans[0].page, [w for s in spans for w in s.words], [p for s in spans for p in s.probs])


@cache
def _tagger(model_dir: Path) -> Tagger:
    """One loaded model per process: the pipeline creates an extractor per document."""
    return Tagger(model_dir)


def card_model_fields(model_dir: Path) -> frozenset[str]:
    """The fields the artifact's card says the tagger reads better than the rules (all when it says nothing)."""
    card = model_dir / "card.json"
    chosen = json.loads(card.read_text(encoding="utf-8")).get("model_fields") if card.is_file() else None
    return frozenset(FIELDS if chosen is None else chosen)


def field_keys(name: str) -> tuple[str, ...]:
    """The values one field's reading gives (a number line gives the number, its parts and its style)."""
    return NUMBER_KEYS if name == "number" else (name,)


class LayoutLMExtractor:
    """Fields tagged by the trained model, normalised and validated by the rule readers. Per field: the
    model's value where it reads better than the rules (`model_fields`, from the card; all fields when the
    card does not say), unless the span it tagged does not validate (a number the number pattern rejects, a
    date line with no date), then the rules' value; the rules' value for the other fields."""

    def __init__(self, model_dir: str | Path | None = None, model_fields: frozenset[str] | None = None):
        directory = Path(model_dir or DEFAULT_DIR).resolve()
        self.tagger = _tagger(directory)
        self.model_fields = card_model_fields(directory) if model_fields is None else model_fields

    def extract(self, pages: list[Page]) -> Extraction:
        content = [p for p in pages if (p.words or p.stamps) and not p.quality.blank]
        if not content:
            return Extraction(fields=Fields(), warnings=["no readable text on any page"])
        spans: list[Span] = []
        for page in content:
            spans += line_spans(page, self.tagger.probabilities(reading_order(page)), self.tagger.labels)
        rules = RuleExtractor()
        rules.lexicon = DocumentLexicon([w.text for p in content for w in reading_order(p)])
        found: dict[str, Found] = {}
        signer = value_spans(spans, "signer_name")
        for name in FIELDS:
            chosen = value_spans(spans, name, signer[0].page if signer else None)
            if chosen:
                self._read(rules, name, chosen, found)
        rejected = {name for name in FIELDS if name not in found and value_spans(spans, name)}
        first = segments(content[0].words, content[0].index)
        marks: dict[str, Found] = {}
        rules.read_stamps(first, segments(content[0].stamps, content[0].index), marks)
        found.update({k: v for k, v in marks.items() if k in ("copy_form", "incoming_stamp")})
        found = self._with_rules(found, RuleExtractor().read(pages) or {}, rejected)
        rules.read_block(first, found)
        return rules.assemble(found)

    def _with_rules(self, tagged: dict[str, Found], ruled: dict[str, Found], rejected: set[str]) -> dict[str, Found]:
        """Per field: the model's reading (`model_fields`), or the rules' when the model's span did not
        validate (`rejected`); the rules' reading for the other fields."""
        found = dict(tagged)
        for name in FIELDS:
            source = tagged if name in self.model_fields and name not in rejected else ruled
            for key in field_keys(name):
                found.pop(key, None)
                if key in source:
                    found[key] = source[key]
        return found

    def _read(self, rules: RuleExtractor, name: str, chosen: list[Span], found: dict[str, Found]) -> None:
        span = _joined(chosen)
        seg = span.segment
        confidence = round(float(np.mean(span.probs)), 3)
        text = normalize(seg.text)
        if name == "number":
            read: dict[str, Found] = {}
            rules.read_number(seg, read)
            found.update({k: Found(v.value, [seg], confidence, "layoutlm") for k, v in read.items()})
            return
        if name == "issued_date":
            read = {}
            rules.read_date_line(seg, read)
            if "issued_date" in read:
                found[name] = Found(read["issued_date"].value, [seg], confidence, "layoutlm")
            elif "date_warning" in read:
                found["date_warning"] = read["date_warning"]
            return
        value = self._value(rules, name, chosen, seg, text)
        if value:
            found[name] = Found(value, [s.segment for s in chosen], confidence, "layoutlm")

    @staticmethod
    def _value(rules: RuleExtractor, name: str, chosen: list[Span], seg: Segment, text: str) -> object:
        if name in ("organ_name", "parent_organ_name"):
            return rules.spelt(seg, text.strip("*_ "), rules.organ)
        if name == "place":
            return rules.spelt(seg, text.strip(ITEM_PUNCTUATION), rules.lexicon.restore)
        if name == "type_name":
            return rules.type_in(seg)
        if name == "subject":
            return subject_text(text)
        if name == "signer_name":
            return canonical_name(text)
        if name == "signer_position":
            lines = [rules.spelt(s.segment, normalize(s.segment.text), rules.position) for s in chosen]
            return " / ".join(line for line in lines if line)
        if name == "recipients":
            items = [normalize(s.segment.text).strip(ITEM_PUNCTUATION) for s in chosen]
            return list(dict.fromkeys(item for item in items if item and is_recipient(item)))
        return stamp_value(seg, URGENCY if name == "urgency" else SECRECY)
