"""Word labels from the synthetic ground truth: each word takes the field whose value it spells.

The truth says where each layout region is and what it says ("Số: 15/QĐ-UBND", the issuer's lines, the
signature block...), and `spec.fields` gives the values. A region's printed text is cut into tokens
labelled by field (the label "Số:" and "Nơi nhận:" are O, the archive copy "Lưu: VT" is O), and the page
words inside the region are aligned to those tokens (edit distance over tokens), so the same code labels
an exact text layer and the split, merged and misspelt words of real OCR.
"""

from __future__ import annotations

import re

import numpy as np
from rapidfuzz.distance import Levenshtein

from inference.kie.model import LABELS, ROLE_OF_FIELD
from inference.schema import BBox, Fields, Word
from inference.text import fold
from training.synth import PageTruth, Region

Token = tuple[str, str]
"""(text, label)"""
MARGIN = 0.006
"""Region boxes are grown this much (page fraction) before words are tested against them."""
GAP = 0.6
_RECIPIENT_LABEL = re.compile(r"^(noi nhan|kinh gui)\s*:?\s*")
_ITEM_END = re.compile(r"[;.]$")


def _key(text: str) -> str:
    return re.sub(r"[^\w/-]", "", fold(text))


def _field_tokens(text: str, name: str | None, first: bool = True) -> list[Token]:
    out = []
    for i, token in enumerate(text.split()):
        label = "O" if name is None else f"{'B' if i == 0 and first else 'I'}-{name}"
        out.append((token, label))
    return out


def _split(tokens: list[str], count: int) -> tuple[list[str], list[str]]:
    return tokens[:count], tokens[count:]


def _issuer(region: Region, fields: Fields) -> list[Token]:
    tokens = region.text.split()
    parent = fields.parent_organ_name.split() if fields.parent_organ_name else []
    head, rest = _split(tokens, len(parent))
    organ, tail = _split(rest, len((fields.organ_name or "").split()))
    return (_field_tokens(" ".join(head), "parent_organ_name") + _field_tokens(" ".join(organ), "organ_name")
            + _field_tokens(" ".join(tail), None))


def _number(region: Region, fields: Fields) -> list[Token]:
    """A handwritten number is a gap in the print ("Số: /QĐ-UBND"): its digits, which a scan's re-reader
    puts there, are expected in front of the symbol."""
    label, _, rest = region.text.partition(" ")
    if fields.code_number and not rest.startswith(fields.code_number):
        rest = f"{fields.code_number} {rest}"
    return [(label, "O"), *_field_tokens(rest, "number")]


def _place_date(region: Region, fields: Fields) -> list[Token]:
    """The place, then the date line; a handwritten day is expected in its gap after "ngày"."""
    place, rest = _split(region.text.split(), len((fields.place or "").split()))
    if rest[1:] and fold(rest[0]) == "ngay" and not rest[1].isdigit() and fields.issued_date:
        rest.insert(1, str(fields.issued_date.day))
    return _field_tokens(" ".join(place), "place") + _field_tokens(" ".join(rest), "issued_date")


def _title(region: Region, fields: Fields) -> list[Token]:
    text = region.text.replace("\n", " ")
    if text.startswith("V/v "):
        return [("V/v", "O"), *_field_tokens(text[4:], "subject")]
    type_name, subject = _split(text.split(), len((fields.type_name or "").split()))
    return _field_tokens(" ".join(type_name), "type_name") + _field_tokens(" ".join(subject), "subject")


def _signature(region: Region, _: Fields) -> list[Token]:
    *positions, name = region.text.split("\n")
    position_tokens = [t for line in positions for t in _field_tokens(line, "signer_position")]
    return position_tokens + _field_tokens(name, "signer_name")


def _list(region: Region, fields: Fields) -> list[Token]:
    """"Kính gửi:" / "Nơi nhận:" then "- item;" lines (wrapped lines continue the item)."""
    wanted = {fold(r) for r in fields.recipients}
    text = region.text.replace("\n", " ")
    label = _RECIPIENT_LABEL.match(fold(text))
    head_words = len(label.group(0).split()) if label else 0
    tokens = text.split()
    out = _field_tokens(" ".join(tokens[:head_words]), None)
    items: list[list[str]] = []
    for token in tokens[head_words:]:
        if token in ("-", "+") or not items or (_ITEM_END.search(items[-1][-1]) and token[:1].isupper()):
            items.append([])
        items[-1].append(token)
    for item in items:
        words = [t for t in item if t not in ("-", "+")]
        name = "recipients" if fold(" ".join(words)).strip(" ;.:,") in wanted else None
        out += [(t, "O") for t in item if t in ("-", "+")] + _field_tokens(" ".join(words), name)
    return out


def _stamp(region: Region, fields: Fields) -> list[Token]:
    kinds = {fields.urgency: "urgency", fields.confidentiality: "confidentiality"}
    return _field_tokens(region.text, kinds.get(region.text))


READERS = {
    "issuer": _issuer, "number": _number, "place_date": _place_date, "title": _title, "signature": _signature,
    "recipients": _list, "kinh_gui": _list, "stamps": _stamp,
}


def inside(word: Word, box: BBox) -> bool:
    """The word's centre is in the box grown by MARGIN."""
    b, r = word.bbox, box
    return r.x0 - MARGIN <= b.cx <= r.x1 + MARGIN and r.y0 - MARGIN <= b.cy <= r.y1 + MARGIN


def _cost(word: str, token: str) -> float:
    a, b = _key(word), _key(token)
    if a == b:
        return 0.0
    return 1.2 * Levenshtein.normalized_distance(a, b)


def align(words: list[str], tokens: list[str]) -> list[int | None]:
    """For each word, the index of the token it is aligned to (None: unmatched), by token edit distance."""
    n, m = len(words), len(tokens)
    cost = np.zeros((n + 1, m + 1))
    cost[:, 0] = np.arange(n + 1) * GAP
    cost[0, :] = np.arange(m + 1) * GAP
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            cost[i, j] = min(cost[i - 1, j - 1] + _cost(words[i - 1], tokens[j - 1]),
                             cost[i - 1, j] + GAP, cost[i, j - 1] + GAP)
    matched: list[int | None] = [None] * n
    i, j = n, m
    while i and j:
        if np.isclose(cost[i, j], cost[i - 1, j - 1] + _cost(words[i - 1], tokens[j - 1])):
            matched[i - 1] = j - 1 if _cost(words[i - 1], tokens[j - 1]) < 1.0 else None
            i, j = i - 1, j - 1
        elif np.isclose(cost[i, j], cost[i - 1, j] + GAP):
            i -= 1
        else:
            j -= 1
    return matched


def _fill_between(labels: list[str]) -> list[str]:
    """An unmatched word between two words of one field (an OCR split) continues that field."""
    out = list(labels)
    for i in range(1, len(out) - 1):
        if out[i] == "O" and out[i - 1] != "O":
            nxt = next((lab for lab in out[i + 1 :] if lab != "O"), None)
            if nxt and nxt.startswith("I-") and nxt[2:] == out[i - 1][2:]:
                out[i] = f"I-{out[i - 1][2:]}"
    return out


def label_words(words: list[Word], truth: PageTruth, fields: Fields) -> list[str]:
    """One field label per word, "B-field", "I-field" or "O" (words in the tagger's reading order)."""
    labels = ["O"] * len(words)
    for region in truth.regions:
        reader = READERS.get(region.name)
        if reader is None or region.layer != "print" or not region.text.strip():
            continue
        inside_region = [i for i, w in enumerate(words) if inside(w, region.bbox)]
        tokens = reader(region, fields)
        matched = align([words[i].text for i in inside_region], [t for t, _ in tokens])
        region_labels = [tokens[j][1] if j is not None else "O" for j in matched]
        for i, label in zip(inside_region, _fill_between(region_labels), strict=True):
            labels[i] = label
    return labels


FIELD_SHARE = 1 / 3
"""Share of a line's words that must spell a field for the line to be that field's line."""


def line_roles(line_sizes: list[int], labels: list[str]) -> list[str]:
    """Word field labels -> the role of each word's line (one of `LABELS`), lines given by their word counts
    in reading order: the field most of the line's words spell ("Số:" sits on the number's line, the place
    on the date line), O when fewer than a third of its words spell one."""
    roles: list[str] = []
    start = 0
    for size in line_sizes:
        fields = [ROLE_OF_FIELD[label[2:]] for label in labels[start : start + size] if label != "O"]
        common = max(set(fields), key=fields.count) if fields else "O"
        roles += [common if fields.count(common) >= FIELD_SHARE * size else "O"] * size
        start += size
    assert all(role in LABELS for role in roles)
    return roles
