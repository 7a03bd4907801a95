"""Vietnamese text normalisation shared by extraction, evaluation and search."""

from __future__ import annotations

import re
import unicodedata

_DASHES = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2212": "-", "\u00ad": ""})
# Cyrillic letters that look Latin, found in real source texts ("NĐ-СР" with Cyrillic С and Р).
_LOOKALIKES = str.maketrans("АВСЕНКМОРТХаеорсухÐð", "ABCEHKMOPTXaeopcyxĐđ")
"""Also Icelandic eth (Ð, ð), which OCR and some fonts give for the Vietnamese Đ."""
# Old-style tone placement ("hoà", "uỷ") -> the form Decree 30 texts mostly use ("hòa", "ủy").
_TONE_PLACEMENT = {
    "oà": "òa", "oá": "óa", "oả": "ỏa", "oã": "õa", "oạ": "ọa",
    "oè": "òe", "oé": "óe", "oẻ": "ỏe", "oẽ": "õe", "oẹ": "ọe",
    "uỳ": "ùy", "uý": "úy", "uỷ": "ủy", "uỹ": "ũy", "uỵ": "ụy",
}
# Only at the end of a syllable ("hoà" but not "hoàng") and not after "q" ("quý" is already right).
_TONE_RE = re.compile(
    r"(?<![qQ])(?:" + "|".join(map(re.escape, _TONE_PLACEMENT)) + r")(?![^\W\d_])", re.IGNORECASE
)


def _retone(match: re.Match[str]) -> str:
    found = match.group(0)
    fixed = _TONE_PLACEMENT[found.lower()]
    return "".join(f.upper() if o.isupper() else f for o, f in zip(found, fixed, strict=True))


def normalize(text: str) -> str:
    """NFC, one tone placement, plain hyphens, Latin look-alikes, folded whitespace."""
    text = unicodedata.normalize("NFC", text).translate(_DASHES).translate(_LOOKALIKES)
    text = _TONE_RE.sub(_retone, text)
    return re.sub(r"\s+", " ", text).strip()


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return bare.replace("đ", "d").replace("Đ", "D")


def fold(text: str) -> str:
    """Lower case without diacritics: the form keywords are matched in, tolerant of OCR accent slips."""
    return strip_accents(normalize(text)).lower()


_NAME_WORD = re.compile(r"^[A-ZÀ-ỸĐ][a-zà-ỹđ]+$")
_RANK_WORDS = {"trung", "thuong", "dai", "thieu", "ta", "uy", "tuong"}
"""Military and police ranks stand before a signer's name ("Trung tá Ngô Văn Công")."""


def looks_like_person_name(text: str) -> bool:
    """2-6 capitalised words ("Nguyễn Văn An"), a rank allowed, no digits."""
    words = normalize(text).lstrip("-–. ").split()
    if not 2 <= len(words) <= 6 or any(c.isdigit() for c in text):
        return False
    proper = [w for w in words if _NAME_WORD.match(w)]
    return len(proper) >= 2 and all(_NAME_WORD.match(w) or fold(w) in _RANK_WORDS for w in words)
