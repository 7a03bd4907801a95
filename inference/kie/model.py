"""The trained field extractor: a small LayoutLM gives every printed line its role (the issuer's line, the
number's, the date line, the title, the subject's, the signer's...), run with onnxruntime.

Words are read in reading order (layout segments, then stamps), folded (lower case, no marks: OCR slips
on marks) and cut into WordPiece tokens by the tokenizer trained with the model; the case shape of each
word goes in as its token type, and its box (0..1000) as LayoutLM's 2D position. Long pages are tagged in
overlapping windows. A line's role is the one its words give it on average, so a line is always read whole.
The model decides which lines hold a field; the rule extractor's readers then normalise and validate what
those lines say (number/symbol split, ISO date and place from the date line, type from its line, the issuer
block split into parent body and issuer, spelling), trying the next candidate lines when a reading does not
validate, so a value comes out in the same form whichever extractor found it.

    extractor = LayoutLMExtractor()          # models/artifacts/kie/v1
    extraction = extractor.extract(pages)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path
from statistics import median

import numpy as np

from inference.kie.lexicon import canonical_name
from inference.kie.rules import (
    Extraction,
    Found,
    RuleExtractor,
    is_issuer_line,
    is_recipient,
    list_items,
    names_something,
    stamp_value,
    subject_text,
)
from inference.kie.vocab import SECRECY, URGENCY
from inference.layout import Segment, segments
from inference.schema import Fields, Page, Word
from inference.text import fold, looks_like_person_name, normalize

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "models" / "artifacts" / "kie" / "v1"
FIELDS = (
    "organ_name", "parent_organ_name", "number", "place", "issued_date", "type_name", "subject",
    "signer_position", "signer_name", "recipients", "urgency", "confidentiality",
)
ROLES = (
    "organ_name", "parent_organ_name", "number", "issued_date", "type_name", "subject",
    "signer_position", "signer_name", "recipients", "urgency", "confidentiality",
)
"""What a printed line is in the Decree 30 layout: the line (or lines) of one field's value. The place is
read from the date line ("Hà Nội, ngày 15 tháng 3 năm 2025"), so it has no role of its own."""
LABELS = ("O", *ROLES)
ROLE_OF_FIELD = {**{role: role for role in ROLES}, "place": "issued_date"}
ISSUER_ROLES = frozenset({"organ_name", "parent_organ_name"})
"""The issuer block: the model finds its lines, the organ names' heads split it (a wrapped name is one)."""
RUNNER_UP = 0.3
"""Mean probability at which a line's second choice makes it a candidate for that role (`second_choices`):
the readers validate it like any other."""
READ_WITH = {"parent_organ_name": "organ_name", "place": "issued_date", "type_name": "number"}
"""Fields the model decides with another field's lines: no parent body on the issuer's lines is the model's
answer, not a gap for the rules to fill; a document without a title line takes its type from the symbol of
the number the model read ("/CV-" is no title, "UBND-TTHC" a công văn)."""
ONE_LINE_ROLES = frozenset({"number", "issued_date", "type_name", "signer_name", "urgency", "confidentiality"})
"""Values printed on one line; a handwriting gap may split that line into segments ("Số:  /QĐ-UBND")."""
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
"""Mean role probability of a candidate group's lines that counts as a confident one."""


def word_shape(text: str) -> int:
    """0 lower or mixed, 1 capitals ("QUYẾT"), 2 capitalised ("Quyết"), 3 no letters ("15/QĐ" is 1)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 3
    if all(c.isupper() for c in letters):
        return 1
    return 2 if letters[0].isupper() else 0


def reading_lines(page: Page) -> list[Segment]:
    return [*segments(page.words, page.index), *segments(page.stamps, page.index)]


def reading_order(page: Page) -> list[Word]:
    """The words the tagger reads, in order: print lines top to bottom by column, then stamps."""
    return [w for seg in reading_lines(page) for w in seg.words]


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
    """One line with a role (`field`): its words in reading order and their probabilities of that role."""

    field: str
    page: int
    words: list[Word]
    probs: list[float]

    @property
    def segment(self) -> Segment:
        return Segment(page=self.page, words=self.words)


def _line_rows(lines: list[Segment], probs: np.ndarray) -> list[np.ndarray]:
    """Each line's rows of `probs` (the lines' words in order)."""
    starts = np.cumsum([0, *(len(line.words) for line in lines)])
    return [probs[start:end] for start, end in pairwise(starts)]


def line_role_ids(lines: list[Segment], probs: np.ndarray) -> list[int]:
    """The label id of each line: the role its words give it on average."""
    return [int(rows.mean(axis=0).argmax()) for rows in _line_rows(lines, probs)]


def line_spans(page: int, lines: list[Segment], probs: np.ndarray, labels: tuple[str, ...]) -> list[Span]:
    """Each line of a page with its role (the first choice), O lines left out. A line is read whole: the
    model decides what a line is, the readers what it says."""
    spans: list[Span] = []
    for line, rows in zip(lines, _line_rows(lines, probs), strict=True):
        best = int(rows.mean(axis=0).argmax())
        if labels[best] != "O":
            spans.append(Span(labels[best], page, line.words, rows[:, best].tolist()))
    return spans


def runner_up_spans(page: int, lines: list[Segment], probs: np.ndarray, labels: tuple[str, ...]) -> list[Span]:
    """Each O line (first choice) whose second choice is a role, at `RUNNER_UP` or more, with that role."""
    spans: list[Span] = []
    for line, rows in zip(lines, _line_rows(lines, probs), strict=True):
        mean = rows.mean(axis=0)
        first, second = (int(k) for k in np.argsort(mean)[::-1][:2])
        if labels[first] == "O" and mean[second] >= RUNNER_UP:
            spans.append(Span(labels[second], page, line.words, rows[:, second].tolist()))
    return spans


def second_choices(spans: list[Span], runners_up: list[Span]) -> list[Span]:
    """The runner-up lines taken as candidates: for a one-line value every văn bản has and no line has as
    first choice (a signer's name set far below the title), every one; for a value of several lines, those
    next to a line of that role, in a chain (the middle lines of a long subject the model was unsure of).
    A missing stamp or title line is no gap to fill: most documents have none."""
    unseen = {"number", "issued_date", "signer_name"} - {span.field for span in spans}
    taken = [span for span in runners_up if span.field in unseen]
    pool = [span for span in runners_up if span.field not in ONE_LINE_ROLES]
    grown = True
    while grown:
        grown = False
        for span in pool:
            if span not in taken and any(s.field == span.field and _near(span, [s]) for s in [*spans, *taken]):
                taken.append(span)
                grown = True
    return taken


def _level(span: Span, group: list[Span]) -> bool:
    """On the same printed line as the group (a line split by a handwriting gap)."""
    box = span.segment.bbox
    return any(abs(box.cy - s.segment.bbox.cy) < 0.5 * max(box.height, s.segment.bbox.height) for s in group)


def _near(span: Span, group: list[Span]) -> bool:
    """Within two line heights of the group, vertically, on its page."""
    height = median(w.bbox.height for s in group for w in s.words)
    top = min(w.bbox.y0 for s in group for w in s.words)
    bottom = max(w.bbox.y1 for s in group for w in s.words)
    box = span.segment.bbox
    return span.page == group[0].page and box.y0 - bottom < 2 * height and top - box.y1 < 2 * height


def _reading_position(span: Span) -> tuple[int, int, float]:
    return span.page, span.words[0].line, span.words[0].bbox.x0


def candidate_groups(spans: list[Span], role: str) -> list[list[Span]]:
    """The lines of one role grouped into candidate values, best first. A group is the lines of one value:
    lines next to each other (a two-line issuer or signer title), or, for one-line values, the segments of
    one printed line. Groups with a confident line come first, then earlier pages (the main document comes
    before its attachments), then the more confident."""
    joins = _level if role in ONE_LINE_ROLES else _near
    groups: list[list[Span]] = []
    for span in sorted((s for s in spans if s.field == role), key=_reading_position):
        group = next((g for g in groups if g[0].page == span.page and joins(span, g)), None)
        if group is None:
            groups.append([span])
        else:
            group.append(span)

    def rank(group: list[Span]) -> tuple[bool, int, float]:
        mean = float(np.mean([p for s in group for p in s.probs]))
        return mean < CONFIDENT, group[0].page, -mean

    return sorted(groups, key=rank)


def _joined(spans: list[Span]) -> Span:
    return Span(spans[0].field, spans[0].page, [w for s in spans for w in s.words], [p for s in spans for p in s.probs])


@cache
def _tagger(model_dir: Path) -> Tagger:
    """One loaded model per process: the pipeline creates an extractor per document."""
    return Tagger(model_dir)


def card_model_fields(model_dir: Path) -> frozenset[str]:
    """The fields the artifact's card gives the model (`model_fields`; all when it says nothing)."""
    card = model_dir / "card.json"
    chosen = json.loads(card.read_text(encoding="utf-8")).get("model_fields") if card.is_file() else None
    return frozenset(FIELDS if chosen is None else chosen)


def field_keys(name: str) -> tuple[str, ...]:
    """The values one field's reading gives (a number line gives the number, its parts and its style)."""
    return NUMBER_KEYS if name == "number" else (name,)


class LayoutLMExtractor:
    """Fields read from the lines the trained model gives a role, normalised and validated by the rule
    readers: per role, the best candidate group of lines whose reading validates (a number the number
    pattern accepts, a date line with a date, a known type, a person's name...). Per field: the model's
    value where it reads as well as the rules (`model_fields`, from the card; all fields when the card does
    not say), the rules' value where none of the lines it proposed validates, and for the other fields."""

    def __init__(self, model_dir: str | Path | None = None, model_fields: frozenset[str] | None = None):
        directory = Path(model_dir or DEFAULT_DIR).resolve()
        self.tagger = _tagger(directory)
        self.model_fields = card_model_fields(directory) if model_fields is None else model_fields

    def extract(self, pages: list[Page]) -> Extraction:
        content = [p for p in pages if (p.words or p.stamps) and not p.quality.blank]
        if not content:
            return Extraction(fields=Fields(), warnings=["no readable text on any page"])
        printed = [segments(p.words, p.index) for p in content]
        stamps = [segments(p.stamps, p.index) for p in content]
        labels = self.tagger.labels
        tagged = [(page.index, lines, self.tagger.probabilities([w for line in lines for w in line.words]))
                  for page, lines in zip(content, (p + s for p, s in zip(printed, stamps, strict=True)), strict=True)]
        spans = [span for page_lines in tagged for span in line_spans(*page_lines, labels)]
        spans += second_choices(spans, [span for page_lines in tagged for span in runner_up_spans(*page_lines, labels)])
        rules = RuleExtractor()
        with_words = [page for page in printed if page]
        ruled = rules.read_lines(with_words, stamps[0]) if with_words else {}  # the lexicon, and the fallback
        found: dict[str, Found] = {}
        self._issuer(rules, spans, found)
        self._recipients(spans, found)
        for role in ROLES:
            if role not in ISSUER_ROLES and role != "recipients":
                self._first_valid(rules, role, candidate_groups(spans, role), found)
        found.update({k: v for k, v in ruled.items() if k in ("copy_form", "incoming_stamp")})
        found = self._with_rules(found, ruled, {span.field for span in spans})
        rules.read_block(printed[0], found)
        return rules.assemble(found)

    def _with_rules(self, tagged: dict[str, Found], ruled: dict[str, Found], proposed: set[str]) -> dict[str, Found]:
        """Per field: the model's reading (`model_fields`), unless the model proposed lines for it (`proposed`:
        the roles it gave lines) and none validated, then the rules'; the rules' reading for the other
        fields. A field the model proposed no line for stays empty: that is its answer."""
        found = dict(tagged)
        for name in FIELDS:
            decided = name in tagged or READ_WITH.get(name) in tagged
            roles = ISSUER_ROLES if name in ISSUER_ROLES else {ROLE_OF_FIELD[name]}
            source = tagged if name in self.model_fields and (decided or not roles & proposed) else ruled
            for key in field_keys(name):
                found.pop(key, None)
                if key in source:
                    found[key] = source[key]
        return found

    def _recipients(self, spans: list[Span], found: dict[str, Found]) -> None:
        """Every addressee line up to the page of the signature ("Kính gửi" on page 1, "Nơi nhận" where the
        main document ends), the archive copy and "as above" left out."""
        signer = candidate_groups(spans, "signer_name")
        last_page = signer[0][0].page if signer else None
        lines = [s for s in spans if s.field == "recipients" and (last_page is None or s.page <= last_page)]
        items = list(dict.fromkeys(i for i in list_items([s.segment.text for s in lines]) if is_recipient(i)))
        if items:
            found["recipients"] = Found(items, [s.segment for s in lines], _confidence(lines), "layoutlm")

    @staticmethod
    def _issuer(rules: RuleExtractor, spans: list[Span], found: dict[str, Found]) -> None:
        """The issuer block: the first candidate group of issuer lines (parent body or issuer) that names an
        organ, split into the two by the organ names' heads (a name wrapped over two lines is one name)."""
        lines = [s for s in spans if s.field in ISSUER_ROLES and is_issuer_line(s.segment)]
        for group in candidate_groups([Span("issuer", s.page, s.words, s.probs) for s in lines], "issuer"):
            read = rules.read_issuer([s.segment for s in group])
            if names_something(str(read["organ_name"].value)):
                confidence = _confidence(group)
                found.update({k: Found(v.value, v.segments, confidence, "layoutlm") for k, v in read.items()})
                return

    @staticmethod
    def _first_valid(rules: RuleExtractor, role: str, groups: list[list[Span]], found: dict[str, Found]) -> None:
        """The values of the first candidate group whose reading validates."""
        for group in groups:
            read = LayoutLMExtractor._read(rules, role, group, found)
            if read:
                # A one-line value split by a gap is one line: its evidence (and the column under it) whole.
                segs = [_joined(group).segment] if role in ONE_LINE_ROLES else [s.segment for s in group]
                found.update({k: Found(v.value, segs, _confidence(group), "layoutlm") for k, v in read.items()})
                return

    @staticmethod
    def _read(rules: RuleExtractor, role: str, group: list[Span], found: dict[str, Found]) -> dict[str, Found]:
        """What one group of lines says as the role's value ({} when it does not validate)."""
        seg = _joined(group).segment
        read: dict[str, Found] = {}
        if role == "number":
            rules.read_number(seg, read)
            return read if "number" in read else {}
        if role == "issued_date":
            rules.read_date_line(seg, read)
            return {k: v for k, v in read.items() if k in ("issued_date", "place")} if "issued_date" in read else {}
        value = LayoutLMExtractor._value(rules, role, group, seg, found)
        return {role: Found(value, [seg], 0.0)} if value else {}

    @staticmethod
    def _value(rules: RuleExtractor, role: str, group: list[Span], seg: Segment, found: dict[str, Found]) -> object:
        text = normalize(seg.text)
        if role == "subject":
            # Without a title line it is a công văn's: in the left column, beside whatever else is typed there.
            words = seg.words if "type_name" in found else rules.cong_van_column([s.segment for s in group], found)
            return subject_text(" ".join(w.text for w in words))
        if role == "type_name":
            return rules.type_in(seg)
        if role == "signer_name":
            name = canonical_name(text)
            return name if looks_like_person_name(name) else None
        if role == "signer_position":
            lines = [rules.spelt(s.segment, normalize(s.segment.text), rules.position) for s in group]
            return " / ".join(line for line in lines if line)
        return stamp_value(seg, URGENCY if role == "urgency" else SECRECY)


def _confidence(spans: list[Span]) -> float:
    return round(float(np.mean([p for s in spans for p in s.probs])), 3)
