"""Duplicate detection: one signature per document, pairwise decisions, groups.

Two documents are one văn bản when their files are identical, their pages look alike (perceptual
hashes), their texts overlap (MinHash) or their number, date and issuer agree. A match never overrides
a conflict: different numbers, dates, issuers, types or signing authorities (the Chairman's series
and the Committee's series reuse numbers) keep documents apart, and a text or page match must be
corroborated by the number. A certified copy (SAO Y, TRÍCH SAO, SAO LỤC) joins its original's group.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import date
from functools import cache
from itertools import combinations, pairwise

from datasketch import MinHash, MinHashLSH
from pydantic import BaseModel, Field
from rapidfuzz import fuzz

from inference.assembly import assemble, runs
from inference.governance.images import hash_distance
from inference.kie.vocab import COPY_FORMS
from inference.schema import DuplicateGroup, DuplicateReason, ExtractionResult
from inference.text import fold, normalize

NUM_PERM = 128
LSH_BANDS = 32
"""32 bands of 4 rows: pairs above ~0.42 Jaccard share a band with high probability."""
SHINGLE_CHARS = 5
SAME_TEXT_MIN = 0.6
"""Estimated Jaccard of character 5-grams above which two texts are one document (OCR noise included)."""
RELATED_TEXT_MIN = 0.15
"""Metadata matches also need this much text overlap, so documents sharing number, date and issuer by
accident (another series) still differ."""
PAGE_HASH_MAX = 0.2
"""Largest share of differing pHash bits for two renderings of one page."""
ORGAN_MIN_RATIO = 85
SAME_TEXT_STRONG = 0.85
"""When one reading has no number to compare, the texts must agree this much."""
COPY_MARK = re.compile(r"(?<!\w)(SAO Y|SAO LỤC|SAO LUC|TRÍCH SAO|TRICH SAO)(?!\w)")
"""Printed or stamped in capitals; body text writes "bản sao y" in lower case."""
NUMBER_LINE = re.compile(r"so:?(\d*)[/-][a-z]")
DATE_LINE_YEAR = re.compile(r"ngay\W*\d{0,2}\W*thang\W*\d{0,2}\W*nam\W*((?:19|20)\d\d)")
"""The year of the first date line, also when its day and month are left blank for handwriting."""
_MINHASH_SEED = 1
_SCHEME = "affine32"
"""Stored hash values are only comparable under one scheme: pinned, not left to the library default."""

STRENGTH = list(DuplicateReason)


class Signature(BaseModel):
    """What duplicate matching needs of one document, built from its ExtractionResult."""

    key: str
    """A path in the CLI, a document id in the service."""
    sha256: str
    number: str | None = None
    issued_date: date | None = None
    year: int | None = None
    organ: str | None = None
    type_name: str | None = None
    series: str | None = None
    """"collective" (TM. the body) or "individual" (the head, KT./TL. the head): separate number series."""
    copy_form: str | None = None
    born_digital: bool = False
    dpi: float = 0.0
    page_hashes: list[str] = Field(default_factory=list)
    """pHash of each non-blank page."""
    minhash: list[int] = Field(default_factory=list)
    compact_text: str = ""
    """Folded text without spaces: where a number one reading missed is looked for."""


def compact(text: str | None) -> str:
    return re.sub(r"\s+", "", fold(text or ""))


def copy_form_of(result: ExtractionResult) -> str | None:
    """The copy form the extractor found, or one printed in capitals in the text (the copy block)."""
    if result.quality.copy_form:
        return result.quality.copy_form
    match = COPY_MARK.search(normalize(result.text))
    return next(form for form in COPY_FORMS if fold(form) == fold(match.group(1))) if match else None


def _date_line_year(text: str) -> int | None:
    match = DATE_LINE_YEAR.search(compact(text))
    return int(match.group(1)) if match else None


def _series(signer_position: str | None) -> str | None:
    if not signer_position:
        return None
    return "collective" if re.match(r"^t\s*/?\s*m\b", fold(signer_position)) else "individual"


def text_minhash(text: str) -> MinHash:
    minhash = MinHash(num_perm=NUM_PERM, seed=_MINHASH_SEED, scheme=_SCHEME)
    body = compact(text)
    minhash.update_batch([body[i : i + SHINGLE_CHARS].encode() for i in range(max(0, len(body) - SHINGLE_CHARS + 1))])
    return minhash


def signature(key: str, result: ExtractionResult) -> Signature:
    fields = result.fields
    quality = result.quality.pages
    return Signature(
        key=key,
        sha256=result.sha256,
        number=compact(fields.number) or None,
        issued_date=fields.issued_date,
        year=fields.issued_date.year if fields.issued_date else _date_line_year(result.text),
        organ=fold(fields.organ_name) if fields.organ_name else None,
        type_name=fold(fields.type_name) if fields.type_name else None,
        series=_series(fields.signer_position),
        copy_form=copy_form_of(result),
        born_digital=bool(quality) and all(q.sharpness is None for q in quality),
        dpi=min((q.dpi or 0.0 for q in quality), default=0.0),
        page_hashes=[q.phash for q in quality if q.phash and not q.blank],
        minhash=[int(v) for v in text_minhash(result.text).hashvalues],
        compact_text=compact(result.text),
    )


def _minhash(sig: Signature) -> MinHash:
    return MinHash(num_perm=NUM_PERM, seed=_MINHASH_SEED, hashvalues=sig.minhash, scheme=_SCHEME)


def text_similarity(a: Signature, b: Signature) -> float:
    if not a.compact_text or not b.compact_text:
        return 0.0
    return float(_minhash(a).jaccard(_minhash(b)))


def band_keys(sig: Signature) -> list[str]:
    """LSH band keys of the text MinHash, for finding candidates in a database index."""
    if not sig.compact_text:
        return []
    rows = NUM_PERM // LSH_BANDS
    bands = (",".join(map(str, sig.minhash[band * rows : (band + 1) * rows])) for band in range(LSH_BANDS))
    return [f"{band}:" + hashlib.sha1(values.encode()).hexdigest()[:16] for band, values in enumerate(bands)]


def _is_subsequence(short: str, long: str) -> bool:
    rest = iter(long)
    return all(char in rest for char in short)


def numbers_agree(first: str, second: str) -> bool:
    """One running number, and one symbol read whole or in part ("229/đu" is "229-HD/ĐU" with a part
    lost to OCR); "87/QĐ-UBND" and "87/QĐ-CT" differ."""
    if first == second:
        return True
    running = [re.match(r"(\d+)(.*)", n) for n in (first, second)]
    if not all(running) or running[0].group(1) != running[1].group(1):
        return False
    symbols = sorted((re.sub(r"[^a-z]", "", m.group(2)) for m in running), key=len)
    return bool(symbols[0]) and _is_subsequence(*symbols)


def conflict(a: Signature, b: Signature) -> str | None:
    """Why two documents cannot be one, or None. Unknown values never conflict."""
    def differ(x: object, y: object) -> bool:
        return x is not None and y is not None and x != y

    if a.number and b.number and not numbers_agree(a.number, b.number):
        return "different numbers"
    if differ(a.issued_date, b.issued_date) or differ(a.year, b.year):
        return "different dates"
    if a.organ and b.organ and fuzz.ratio(a.organ, b.organ) < ORGAN_MIN_RATIO:
        return "different issuers"
    if differ(a.type_name, b.type_name):
        return "different types"
    if differ(a.series, b.series) and not (a.copy_form or b.copy_form):  # a copy also bears the copier's signature
        return "different signing authorities"
    return None


def _number_evidence(a: Signature, b: Signature) -> str:
    """"yes": the numbers agree, or one reading missed it and it is in the other's text (or, with no
    number on either side, the dates agree); "no": the number line of one holds other digits; "weak":
    nothing to compare (a number left blank for handwriting), so the texts must agree strongly."""
    if a.number and b.number:
        return "yes" if numbers_agree(a.number, b.number) else "no"
    if a.number or b.number:
        known, other = (a, b) if a.number else (b, a)
        if known.number and known.number in other.compact_text:
            return "yes"
        line = NUMBER_LINE.search(other.compact_text)
        running = re.match(r"\d+", known.number or "")
        return "no" if line and line.group(1) and running and line.group(1) != running.group(0) else "weak"
    return "yes" if a.issued_date is not None and a.issued_date == b.issued_date else "weak"


def pages_match(a: Signature, b: Signature) -> bool:
    return bool(a.page_hashes) and len(a.page_hashes) == len(b.page_hashes) and all(
        hash_distance(x, y) <= PAGE_HASH_MAX for x, y in zip(a.page_hashes, b.page_hashes)
    )


def _same_metadata(a: Signature, b: Signature) -> bool:
    known = all((a.number, a.issued_date, a.organ, b.organ))
    return known and numbers_agree(a.number or "", b.number or "") and a.issued_date == b.issued_date


def pair_reasons(a: Signature, b: Signature) -> list[DuplicateReason]:
    """Every reason that makes `a` and `b` one document, strongest first; empty when they are not."""
    if a.sha256 == b.sha256:
        return [DuplicateReason.EXACT_FILE]
    if conflict(a, b):
        return []
    similarity = text_similarity(a, b)
    evidence = _number_evidence(a, b)
    reasons = []
    if evidence == "yes" or (evidence == "weak" and similarity >= SAME_TEXT_STRONG):
        if pages_match(a, b):
            reasons.append(DuplicateReason.SAME_PAGES)
        if similarity >= SAME_TEXT_MIN:
            reasons.append(DuplicateReason.SAME_TEXT)
    if _same_metadata(a, b) and (similarity >= RELATED_TEXT_MIN or reasons):
        reasons.append(DuplicateReason.SAME_METADATA)
    if reasons and (a.copy_form is None) != (b.copy_form is None):
        reasons.insert(0, DuplicateReason.COPY_OF)
    return reasons


class _Clusters:
    """Union-find that refuses a merge when any two members across the clusters conflict or were
    declared apart."""

    def __init__(self, signatures: list[Signature], apart: set[frozenset[str]]):
        self.apart = apart
        self.members = {s.key: [s] for s in signatures}
        self.root = {s.key: s.key for s in signatures}
        self.reasons: dict[str, set[DuplicateReason]] = {s.key: set() for s in signatures}

    def find(self, key: str) -> str:
        while self.root[key] != key:
            key = self.root[key]
        return key

    def merge(self, a: str, b: str, reasons: list[DuplicateReason]) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            self.reasons[ra].update(reasons)
            return
        if any(conflict(x, y) or frozenset((x.key, y.key)) in self.apart
               for x in self.members[ra] for y in self.members[rb]):
            return
        self.root[rb] = ra
        self.members[ra] += self.members.pop(rb)
        self.reasons[ra] |= self.reasons.pop(rb) | set(reasons)


def authoritative(members: list[Signature]) -> Signature:
    """The original: not a copy, born-digital before scans, the highest resolution, then the first."""
    return min(members, key=lambda s: (s.copy_form is not None, not s.born_digital, -s.dpi))


@cache
def _lsh_bands() -> tuple[int, int]:
    """(bands, rows per band) of the text LSH: datasketch optimises them by numerical integration, which
    costs more than the rest of a document's duplicate check, so it is done once per process."""
    optimised = MinHashLSH(threshold=RELATED_TEXT_MIN * 3, num_perm=NUM_PERM)
    return optimised.b, optimised.r


def _candidate_pairs(signatures: list[Signature]) -> set[tuple[int, int]]:
    """Pairs worth comparing: sharing a file hash, a number, a text LSH bucket, or a page count (pages)."""
    lsh = MinHashLSH(num_perm=NUM_PERM, params=_lsh_bands())
    for index, sig in enumerate(signatures):
        if sig.compact_text:
            lsh.insert(str(index), _minhash(sig))
    pairs: set[tuple[int, int]] = set()
    for index, sig in enumerate(signatures):
        near = [int(k) for k in lsh.query(_minhash(sig))] if sig.compact_text else []
        pairs.update((min(index, j), max(index, j)) for j in near if j != index)
    by_key: dict[object, list[int]] = {}
    for index, sig in enumerate(signatures):
        for key in (("sha", sig.sha256), ("number", sig.number), ("pages", len(sig.page_hashes))):
            if key[1]:
                by_key.setdefault(key, []).append(index)
    for indices in by_key.values():
        pairs.update(combinations(indices, 2))
    return pairs


def find_groups(signatures: Iterable[Signature], apart: set[frozenset[str]] | None = None,
                parts: Iterable[list[str]] = ()) -> list[DuplicateGroup]:
    """Groups of two or more documents that are one văn bản, in input order. `apart`: pairs of keys that
    must never share a group (staff rejected them); `parts`: keys of files that are parts of one văn bản."""
    signatures = list(signatures)
    edges = []
    for i, j in sorted(_candidate_pairs(signatures)):
        reasons = pair_reasons(signatures[i], signatures[j])
        if reasons:
            edges.append((STRENGTH.index(reasons[0]), signatures[i].key, signatures[j].key, reasons))
    strength = STRENGTH.index(DuplicateReason.PARTS_OF)
    edges += [(strength, a, b, [DuplicateReason.PARTS_OF]) for run in parts for a, b in pairwise(run)]
    clusters = _Clusters(signatures, apart or set())
    for _, a, b, reasons in sorted(edges, key=lambda e: e[0]):
        clusters.merge(a, b, reasons)
    order = {s.key: n for n, s in enumerate(signatures)}
    groups = [to_group(members, clusters.reasons[root])
              for root, members in clusters.members.items() if len(members) > 1]
    return sorted(groups, key=lambda g: min(order[m] for m in g.members))


def to_group(members: list[Signature], reasons: set[DuplicateReason]) -> DuplicateGroup:
    ordered = sorted(reasons, key=STRENGTH.index)
    original = authoritative(members)
    copies = [m.key for m in members if m.copy_form is not None]
    reason = DuplicateReason.COPY_OF if copies and len(copies) < len(members) else next(
        r for r in ordered if r != DuplicateReason.COPY_OF
    )
    return DuplicateGroup(
        members=sorted(m.key for m in members), reason=reason, reasons=ordered, original=original.key, copies=copies
    )


def group_results(results: list[ExtractionResult], apart: set[frozenset[str]] | None = None) -> list[DuplicateGroup]:
    """Duplicate groups among extraction results in delivery order (keyed by `file`): parts of one văn bản
    delivered as separate files (inference.assembly) are linked and share their fields, then all are compared."""
    signatures = [signature(result.file, result) for result in assemble(results)]
    return find_groups(signatures, apart, parts=runs(results))
