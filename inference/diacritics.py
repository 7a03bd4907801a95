"""Post-OCR diacritic restoration with a syllable language model (models/artifacts/syllables/v1).

Tesseract `vie` reads clean Vietnamese print well, and most of its remaining errors are stacked marks
lost or swapped: "xuât" for "xuất", "kêt" for "kết", "biêu" for "biểu", "Trân" for "Trần". Each OCR
token is compared with the syllables of the same accent-free skeleton ("xuat": xuất, xuát, xuật...)
in a noisy channel:

    score(c) = log P(c | prev) + log P(next | c) - channel(observed | c)

P is a bigram model of syllables counted in real texts (training.lexicon.build), interpolated with
the unigram model (Witten-Bell: a context followed by many different syllables trusts its bigrams
less), times P(capitalised | syllable) for a word inside a sentence (names). The channel cost is 0
for the form read and grows with the marks that differ, cheapest for OCR's usual slips (a tone mark
or a circumflex/breve/horn dropped or swapped), dearer for marks OCR would have had to invent.
A read form that Vietnamese cannot spell (a syllable ending in p, t, c or ch carries only the sắc
or nặng tone: "xuât", "kêt") scores -inf. The best candidate replaces the read form only when it wins
by `margin` (tuned on held-out text: training.lexicon.evaluate, training.lexicon.ocr_check).
Capitalised words right after a unit word or title ("huyện Gia Lâm", "đồng chí Lê") are left as read.

Left alone: tokens with digits or other non-letters inside, capitals of three letters or fewer
without a vowel mark (initials: QĐ, TW, UBND is unknown anyway), tokens whose skeleton no known
syllable has, and words that do not come from OCR.

    restorer = DiacriticRestorer()            # loads models/artifacts/syllables/v1 once
    words = restorer.restore(page_words)      # same words, text with marks restored
"""

from __future__ import annotations

import gzip
import json
import math
import os
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from inference.schema import Word
from inference.text import fold, normalize

DEFAULT_ARTIFACT = Path(__file__).resolve().parent.parent / "models" / "artifacts" / "syllables" / "v1"
DATA_FILE = "syllables.json.gz"
FORMAT = 1

TONES = {"\u0300": "huyen", "\u0301": "sac", "\u0309": "hoi", "\u0303": "nga", "\u0323": "nang"}
MODS = {"\u0302": "circumflex", "\u0306": "breve", "\u031b": "horn"}
NAME_CUES = frozenset(
    "tỉnh thành phố quận huyện thị xã phường trấn thôn xóm ấp bản làng đường sông núi đèo hồ cầu "
    "ông bà anh chị chí".split()
)
"""Words after which a capitalised word is a name ("huyện Gia Lâm", "xã Tản Lĩnh", "đồng chí Lê"): a known
syllable there is left as read, since names are what the corpus knows least."""
STOPS = ("p", "t", "c", "ch")
"""Final consonants after which a syllable carries only the sắc or nặng tone."""


@dataclass(frozen=True)
class ChannelCosts:
    """Negative log-probabilities (nats) of the OCR slips, per syllable. OCR drops marks far more often
    than it invents them; a candidate needing an invented mark must win on the language model."""

    tone_lost: float = 3.5
    """The candidate has a tone the read form lacks ("kêt" for "kết")."""
    tone_swapped: float = 4.5
    """Both carry a tone, a different one ("đã" for "đá", "tổng" for "tỗng")."""
    tone_added: float = 6.5
    mod_lost: float = 4.0
    """A circumflex, breve or horn of the candidate missing in the read form ("tong" for "tông")."""
    mod_swapped: float = 4.5
    """â/ă, ô/ơ: one vowel mark read as another."""
    mod_added: float = 6.5
    stroke_lost: float = 6.0
    """đ read as d."""
    stroke_added: float = 7.0


@dataclass(frozen=True)
class Settings:
    """Chosen on the tuning half of the held-out vbpl documents: simulated slips (training.lexicon.evaluate
    --tune) and Tesseract's own output over them (training.lexicon.ocr_check --half tune)."""

    margin: float = 3.0
    """Nats by which the best candidate must beat the form read."""
    smoothing: str = "witten_bell"
    """How P(w | prev) falls back on P(w): "dirichlet" (`prior` pseudo-counts) or "witten_bell" (`prior` pseudo-
    counts per different syllable seen after prev)."""
    prior: float = 1.0
    oov_count: float = 0.5
    """Pseudo-count of a read form the corpus never saw."""
    name_margin: float = 2.0
    """Added to the margin for a capitalised known syllable inside a sentence (names: "Tản Lĩnh", "Gia Lâm")."""
    case_prior: float = 4.0
    """Pseudo-counts of the overall capitalisation rate in P(capitalised | syllable)."""
    costs: ChannelCosts = ChannelCosts()


def split_token(token: str) -> tuple[str, str, str]:
    """("(", "kết", "),") for "(kết),": leading punctuation, the word, trailing punctuation."""
    start, end = 0, len(token)
    while start < end and not token[start].isalnum():
        start += 1
    while end > start and not token[end - 1].isalnum():
        end -= 1
    return token[:start], token[start:end], token[end:]


def is_syllable_token(core: str) -> bool:
    """Letters only (no digits, hyphens or dots inside)."""
    return bool(core) and core.isalpha()


@lru_cache(maxsize=65536)
def marks(syllable: str) -> tuple[str, tuple[str, ...]]:
    """(tone, per-letter vowel mark) of a lower-case NFC syllable: "kết" -> ("sac", ("", "circumflex", ""))."""
    tone = ""
    mods: list[str] = []
    for char in syllable:
        if char == "đ":
            mods.append("stroke")
            continue
        decomposed = unicodedata.normalize("NFD", char)
        mod = ""
        for mark in decomposed[1:]:
            if mark in TONES:
                tone = TONES[mark]
            elif mark in MODS:
                mod = MODS[mark]
        mods.append(mod)
    return tone, tuple(mods)


def spellable(syllable: str) -> bool:
    """False for a syllable Vietnamese cannot have: a final p, t, c or ch with a tone other than sắc or nặng.
    Only for syllables of Vietnamese letters; anything else passes."""
    skeleton = fold(syllable)
    if not skeleton.endswith(STOPS) or not any(v in skeleton for v in "aeiouy"):
        return True
    return marks(syllable)[0] in ("sac", "nang")


def channel_cost(observed: str, candidate: str, costs: ChannelCosts) -> float:
    """Cost of OCR reading `candidate` as `observed` (same skeleton, lower case, NFC)."""
    if observed == candidate:
        return 0.0
    (o_tone, o_mods), (c_tone, c_mods) = marks(observed), marks(candidate)
    cost = 0.0
    if o_tone != c_tone:
        cost += costs.tone_lost if not o_tone else costs.tone_added if not c_tone else costs.tone_swapped
    for o, c in zip(o_mods, c_mods, strict=False):
        if o == c:
            continue
        if "stroke" in (o, c):
            cost += costs.stroke_lost if c == "stroke" else costs.stroke_added
        else:
            cost += costs.mod_lost if not o else costs.mod_added if not c else costs.mod_swapped
    return cost


def with_case(pattern: str, text: str) -> str:
    """`text` (lower case) with the capitals of `pattern` (same length)."""
    if pattern.isupper():
        return text.upper()
    return "".join(t.upper() if p.isupper() else t for p, t in zip(pattern, text, strict=False))


def case_class(core: str, previous: str | None) -> str:
    """"title" or "lower" for a word inside a sentence, "" when its case says nothing about the word (the first
    word of a line or sentence, after an opening bracket or quote, capitals, mixed case). `previous` is the
    token before it (with punctuation), None at the start of a line."""
    if previous is None or not core or previous[-1:] in ".:;!?":
        return ""
    if core.islower():
        return "lower"
    return "title" if core[0].isupper() and (len(core) == 1 or core[1:].islower()) else ""


class SyllableModel:
    """Unigram and bigram counts of lower-case syllables, indexed by accent-free skeleton, and how often each
    syllable is capitalised inside a sentence (names: "Đông Anh" but "mùa đông")."""

    def __init__(self, data: dict, settings: Settings):
        self.unigrams: dict[str, int] = data["unigrams"]
        self.bigrams: dict[str, int] = data["bigrams"]
        self.followers: dict[str, int] = data["followers"]
        """How many different syllables follow each one in the corpus (before pruning): Witten-Bell weights."""
        self.title: dict[str, int] = data["title"]
        self.lower: dict[str, int] = data["lower"]
        self.total = max(1, sum(self.unigrams.values()))
        self.prior = settings.prior
        self.smoothing = settings.smoothing
        self.case_prior = settings.case_prior
        self.oov_logp = math.log(settings.oov_count / self.total)
        self.logp = {w: math.log(c / self.total) for w, c in self.unigrams.items()}
        titles, lowers = sum(self.title.values()), sum(self.lower.values())
        self.title_rate = (titles + 1) / (titles + lowers + 2)
        by_skeleton: dict[str, list[str]] = {}
        for word in sorted(self.unigrams):
            if spellable(word):
                by_skeleton.setdefault(fold(word), []).append(word)
        self.by_skeleton = by_skeleton

    @classmethod
    def load(cls, path: Path, settings: Settings) -> SyllableModel:
        return cls(read_data(path), settings)

    def unigram(self, word: str) -> float:
        return self.logp.get(word, self.oov_logp)

    def case(self, word: str, case: str) -> float:
        """log P(case | word) for a word inside a sentence: "title" or "lower" ("" gives 0)."""
        if not case:
            return 0.0
        title, lower = self.title.get(word, 0), self.lower.get(word, 0)
        rate = self.title_rate if case == "title" else 1 - self.title_rate
        seen = title if case == "title" else lower
        return math.log((seen + self.case_prior * rate) / (title + lower + self.case_prior))

    def bigram(self, prev: str, word: str) -> float:
        """log P(word | prev), the bigram count smoothed towards the unigram model."""
        p_uni = math.exp(self.unigram(word))
        context = self.unigrams.get(prev, 0)
        weight = self.prior * (self.followers.get(prev, 0) + 1 if self.smoothing == "witten_bell" else 1)
        return math.log((self.bigrams.get(f"{prev} {word}", 0) + weight * p_uni) / (context + weight))


def read_data(path: Path) -> dict:
    file = path / DATA_FILE if path.is_dir() else path
    if not file.exists():
        raise FileNotFoundError(
            f"the syllable model {file} is missing: build it with "
            "`python -m training.lexicon.build --out models/artifacts/syllables/v1`"
        )
    with gzip.open(file, "rt", encoding="utf-8") as handle:
        data = json.load(handle)
    if data.get("format") != FORMAT:
        raise ValueError(f"{file}: format {data.get('format')!r}, expected {FORMAT}")
    return data


@dataclass
class _Token:
    index: int
    prefix: str
    core: str
    suffix: str
    lower: str
    eligible: bool
    case: str


class DiacriticRestorer:
    def __init__(self, path: Path | str | None = None, settings: Settings | None = None,
                 model: SyllableModel | None = None):
        """`path`: the artifact directory; default $VANTHU_SYLLABLE_MODEL, else models/artifacts/syllables/v1."""
        path = path or os.environ.get("VANTHU_SYLLABLE_MODEL") or DEFAULT_ARTIFACT
        self.settings = settings or Settings()
        self.model = model or SyllableModel.load(Path(path), self.settings)

    # -------------------------------------------------------------------------------------------- words

    def restore(self, words: list[Word]) -> list[Word]:
        """The words of a page (OCR order), with marks restored in the text of OCR words; others untouched."""
        order = sorted(range(len(words)), key=lambda i: (words[i].line, words[i].bbox.x0))
        texts = self.restore_tokens([words[i].text for i in order], [words[i].source == "ocr" for i in order])
        out = list(words)
        for i, text in zip(order, texts, strict=True):
            if text != words[i].text:
                out[i] = words[i].model_copy(update={"text": text})
        return out

    def restore_text(self, text: str) -> str:
        """Whitespace-separated tokens of one running text (for evaluation and tests)."""
        tokens = text.split()
        return " ".join(self.restore_tokens(tokens))

    # ------------------------------------------------------------------------------------------- tokens

    def _tokens(self, texts: list[str], editable: Iterable[bool]) -> list[_Token]:
        tokens = []
        for index, (text, allowed) in enumerate(zip(texts, editable, strict=True)):
            prefix, core, suffix = split_token(text)
            case = "" if prefix else case_class(core, texts[index - 1] if index else None)
            ok = is_syllable_token(core)
            lower = normalize(core).lower() if ok else ""
            eligible = allowed and ok and not _abbreviation(core) and fold(lower) in self.model.by_skeleton
            tokens.append(_Token(index, prefix, core, suffix, lower, eligible, case))
        return tokens

    def restore_tokens(self, texts: list[str], editable: Iterable[bool] | None = None) -> list[str]:
        """Tokens in reading order (each a word with its punctuation); returns them restored."""
        tokens = self._tokens(texts, editable if editable is not None else [True] * len(texts))
        out = list(texts)
        for k, token in enumerate(tokens):
            if not token.eligible:
                continue
            prev = tokens[k - 1].lower if k and _joined(tokens[k - 1], token) else ""
            nxt = tokens[k + 1].lower if k + 1 < len(tokens) and _joined(token, tokens[k + 1]) else ""
            best = self.best(token.lower, prev, nxt, token.case)
            if best != token.lower:
                token.lower = best
                out[k] = token.prefix + with_case(token.core, best) + token.suffix
        return out

    def best(self, observed: str, prev: str = "", nxt: str = "", case: str = "") -> str:
        """The syllable most likely meant by `observed` between `prev` and `nxt` (lower case, "" for none);
        `case` as given by `case_class`."""
        scored = self.scores(observed, prev, nxt, case)
        if not scored:
            return observed
        candidate, score = max(scored.items(), key=lambda kv: (kv[1], kv[0] == observed))
        if candidate == observed:
            return observed
        own = scored.get(observed, -math.inf)
        if own == -math.inf:
            return candidate
        margin = self.settings.margin
        if case == "title":
            if prev in NAME_CUES:
                return observed
            margin += self.settings.name_margin if observed in self.model.unigrams else 0.0
        return candidate if score - own > margin else observed

    def scores(self, observed: str, prev: str = "", nxt: str = "", case: str = "") -> dict[str, float]:
        model, costs = self.model, self.settings.costs
        candidates = model.by_skeleton.get(fold(observed), [])
        next_known = nxt in model.unigrams
        scored: dict[str, float] = {}
        for candidate in dict.fromkeys([*candidates, observed]):  # a fixed order: ties resolve the same way
            if candidate == observed and not spellable(observed):
                scored[candidate] = -math.inf
                continue
            score = model.bigram(prev, candidate) if prev else model.unigram(candidate)
            if next_known:
                score += model.bigram(candidate, nxt)
            if case:
                score += model.case(candidate, case)
            scored[candidate] = score - channel_cost(observed, candidate, costs)
        return scored


def _abbreviation(core: str) -> bool:
    """Capitals of three letters or fewer with no vowel mark: UBND-like initials ("QĐ", "TW", "HU"), left alone.
    "PHÔ" or "BÔ" carry a vowel mark, which initials never do: words ("PHỐ", "BỘ") to restore."""
    if not (core.isupper() and len(core) <= 3):
        return False
    tone, mods = marks(core.lower())
    return not tone and all(m in ("", "stroke") for m in mods)


def _joined(left: _Token, right: _Token) -> bool:
    """Whether two neighbouring tokens are read as a bigram: both words, no punctuation between them."""
    return bool(left.lower and right.lower and not left.suffix and not right.prefix)
