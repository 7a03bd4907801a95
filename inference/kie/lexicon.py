"""Restoring diacritics that OCR loses in bold capitals ("TĨNH QUANG NGAI" for "TỈNH QUẢNG NGÃI").

The same words usually stand elsewhere in the document in regular type, read with their marks
("Ủy ban nhân dân tỉnh Quảng Ngãi"): a header word is replaced by the most frequent form of the same
accent-free word (with its neighbour when possible) found in the document. Positions and surnames
come from closed vocabularies.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from itertools import pairwise

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from inference.text import fold, normalize

POSITIONS = (
    "CHỦ TỊCH", "PHÓ CHỦ TỊCH", "GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG",
    "TRƯỞNG PHÒNG", "PHÓ TRƯỞNG PHÒNG", "TRƯỞNG BAN", "PHÓ TRƯỞNG BAN", "BÍ THƯ", "PHÓ BÍ THƯ",
    "CHÁNH THANH TRA", "PHÓ CHÁNH THANH TRA", "CỤC TRƯỞNG", "PHÓ CỤC TRƯỞNG", "CHI CỤC TRƯỞNG",
    "BỘ TRƯỞNG", "THỨ TRƯỞNG", "TỔNG CỤC TRƯỞNG", "VỤ TRƯỞNG", "CHÁNH ÁN", "VIỆN TRƯỞNG", "HIỆU TRƯỞNG",
    "CHỦ NHIỆM", "PHÓ CHỦ NHIỆM", "THỦ TƯỚNG", "PHÓ THỦ TƯỚNG", "TỔNG GIÁM ĐỐC", "PHÓ TỔNG GIÁM ĐỐC",
    "TRƯỞNG ĐOÀN", "THƯỜNG TRỰC", "ỦY VIÊN", "TỔNG THƯ KÝ", "THƯ KÝ", "CHỦ TỌA", "PHỤ TRÁCH",
    "PHÓ TRƯỞNG PHÒNG PHỤ TRÁCH", "TRƯỞNG CÔNG AN", "BAN THƯỜNG VỤ", "BAN CHẤP HÀNH", "BAN BÍ THƯ",
    "BỘ CHÍNH TRỊ", "ỦY BAN NHÂN DÂN", "UBND", "HỘI ĐỒNG NHÂN DÂN", "ĐẢNG ỦY", "THÀNH ỦY", "TỈNH ỦY",
    "HUYỆN ỦY", "QUẬN ỦY",
)
ORGAN_PHRASES = (
    "ỦY BAN NHÂN DÂN", "HỘI ĐỒNG NHÂN DÂN", "THÀNH PHỐ", "THỊ XÃ", "THỊ TRẤN", "GIÁO DỤC VÀ ĐÀO TẠO",
    "NỘI VỤ", "TÀI CHÍNH", "CÔNG AN", "AN NINH", "CHÍNH TRỊ", "NỘI BỘ", "VĂN PHÒNG", "BAN CHẤP HÀNH",
    "TRUNG ƯƠNG", "ĐẢNG BỘ", "ĐẢNG ỦY", "THÀNH ỦY", "TỈNH ỦY", "HUYỆN ỦY", "QUẬN ỦY", "MẶT TRẬN TỔ QUỐC",
    "VIỆT NAM", "LIÊN ĐOÀN LAO ĐỘNG", "HỘI LIÊN HIỆP PHỤ NỮ", "HỘI NÔNG DÂN", "HỘI CỰU CHIẾN BINH",
    "ĐOÀN THANH NIÊN", "CỘNG SẢN HỒ CHÍ MINH", "KẾ HOẠCH VÀ ĐẦU TƯ", "TÀI NGUYÊN VÀ MÔI TRƯỜNG",
    "GIAO THÔNG VẬN TẢI", "Y TẾ", "XÂY DỰNG", "TƯ PHÁP", "CÔNG THƯƠNG", "NÔNG NGHIỆP VÀ PHÁT TRIỂN NÔNG THÔN",
    "LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI", "VĂN HÓA, THỂ THAO VÀ DU LỊCH", "THÔNG TIN VÀ TRUYỀN THÔNG",
    "KHOA HỌC VÀ CÔNG NGHỆ", "THANH TRA", "CHÍNH PHỦ", "BAN TUYÊN GIÁO", "BAN TỔ CHỨC", "BAN DÂN VẬN",
    "ỦY BAN KIỂM TRA", "CHI CỤC", "TRUNG TÂM", "ĐÀ NẴNG", "HÀ NỘI", "HỒ CHÍ MINH",
)
"""Standard words of agency names, restored by their accent-free spelling wherever they stand."""
ORGAN_HEADS = ("SỞ", "PHÒNG", "BAN", "BỘ", "CỤC", "HỘI", "TỈNH", "HUYỆN", "QUẬN", "PHƯỜNG", "XÃ")
"""Single words, ambiguous without marks ("SỞ"/"SỐ"), restored only where a name or unit starts:
first in the line or after a word that ends an agency kind ("UBND QUẬN", "NHÂN DÂN HUYỆN")."""
_BEFORE_HEADS = ("", "ubnd", "hdnd", "nhan dan", "uy", "bo")
SURNAMES = (
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
    "Dương", "Lý", "Đào", "Đoàn", "Đinh", "Lương", "Trịnh", "Mai", "Trương", "Lâm", "Phùng", "Tạ", "Hà",
    "Tô", "Cao", "Chu", "Lưu", "Kiều", "Thái", "Văn", "Quách", "Tăng", "Lại", "Triệu", "Hứa", "Từ", "Nông",
    "Ngôn", "Tống", "Khúc", "La", "Châu", "Thân", "Diệp", "Giang", "Khổng", "Âu", "Mạc", "Tiêu", "Vương",
    "Lã", "Chử", "Lò", "Vi", "Hầu", "Bế", "Đàm", "Lục", "Ông", "Ninh", "Nghiêm", "Doãn", "Kim", "Quan",
    "Lữ", "Lạc", "Mẫn", "Phí", "Quản", "Tôn", "Ứng", "Vũ", "Yên", "Đồng", "Đới", "Cù", "Nhữ", "Tào",
)
_POSITIONS = {fold(p): p for p in POSITIONS}
_SURNAME_FORMS: dict[str, set[str]] = defaultdict(set)
for _surname in SURNAMES:
    _SURNAME_FORMS[fold(_surname)].add(_surname)
_ORGAN_PHRASES = sorted(((fold(p).split(), p.split()) for p in ORGAN_PHRASES), key=lambda item: -len(item[0]))
_ORGAN_HEADS = {fold(h): h for h in ORGAN_HEADS}
_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"
_AUTHORITY = re.compile(r"^(TM\.|KT\.|TL\.|TUQ\.|Q\.|T/M|K/T|T/L)\s*", re.IGNORECASE)


def _same_case(original: str, restored: str) -> str:
    if original.isupper():
        return restored.upper()
    return restored[:1].upper() + restored[1:] if original[:1].isupper() else restored


def _looks_misread(word: str) -> bool:
    """No Vietnamese syllable doubles a vowel letter or carries two tone marks ("NGAÀI")."""
    folded = fold(word)
    tones = sum(1 for c in unicodedata.normalize("NFD", word.lower()) if c in _TONE_MARKS)
    return bool(re.search(r"([aeiouy])\1", folded)) or tones > 1 or bool(re.search(r"[fjwz]", folded))


class DocumentLexicon:
    """Accented forms of the words of one document, keyed by their accent-free form."""

    def __init__(self, words: list[str]):
        """`words` in reading order; capitals are left out, since they are where marks get lost."""
        tokens = [normalize(w).strip(".,;:()\"'").lower() for w in words if not w.isupper()]
        tokens = [t for t in tokens if t and any(c.isalpha() for c in t)]
        self.unigrams: dict[str, Counter[str]] = defaultdict(Counter)
        self.bigrams: dict[str, Counter[str]] = defaultdict(Counter)
        for token in tokens:
            self.unigrams[fold(token)][token] += 1
        for first, second in pairwise(tokens):
            self.bigrams[fold(f"{first} {second}")][f"{first} {second}"] += 1

    def restore(self, text: str) -> str:
        """`text` (capitals) with each word's diacritics taken from the document where it is known."""
        words = text.split()
        lower = [w.lower() for w in words]
        fixed = list(lower)
        for i in range(len(words) - 1):
            forms = self.bigrams.get(fold(f"{lower[i]} {lower[i + 1]}"))
            if forms and f"{lower[i]} {lower[i + 1]}" not in forms:
                fixed[i], fixed[i + 1] = forms.most_common(1)[0][0].split()
        for i, word in enumerate(lower):
            forms = self.unigrams.get(fold(word)) or (self._near(fold(word)) if _looks_misread(word) else None)
            if fixed[i] == word and forms and word not in forms:
                fixed[i] = forms.most_common(1)[0][0]
        return " ".join(_same_case(w, f) for w, f in zip(words, fixed, strict=True))


    def _near(self, folded: str) -> Counter[str] | None:
        """Forms of a word one edit away ("ngaai" -> "ngai"), for words long enough to be safe."""
        if len(folded) < 4:
            return None
        match = process.extractOne(folded, self.unigrams.keys(), scorer=Levenshtein.distance, score_cutoff=1)
        return self.unigrams[match[0]] if match and sum(self.unigrams[match[0]].values()) >= 2 else None


def canonical_organ(text: str, lexicon: DocumentLexicon) -> str:
    """An agency name with its standard words spelt right, the rest restored from the document.
    Stray full stops OCR puts after long words go ("NHÂN. DÂN"); abbreviations keep theirs ("TP.")."""
    words = [w.rstrip(".") if len(w) > 3 else w for w in lexicon.restore(text).split()]
    folded = [fold(w).strip(",") for w in words]
    i = 0
    while i < len(words):
        for key, phrase in _ORGAN_PHRASES:
            if [f for f in folded[i : i + len(key)]] == [k.strip(",") for k in key]:
                words[i : i + len(key)] = phrase
                i += len(key)
                break
        else:
            previous = {folded[i - 1] if i else "", " ".join(folded[max(0, i - 2) : i])}
            if folded[i] in _ORGAN_HEADS and previous & set(_BEFORE_HEADS):
                words[i] = _ORGAN_HEADS[folded[i]]
            i += 1
    return " ".join(words)


def canonical_position(line: str, lexicon: DocumentLexicon) -> str | None:
    """"KT. CHU TỊCH" -> "KT. CHỦ TỊCH"; None for a line that is no position (seal or scribble noise)."""
    prefix_match = _AUTHORITY.match(line)
    prefix = prefix_match.group(1).upper() if prefix_match else ""
    rest = line[prefix_match.end() :] if prefix_match else line
    folded = fold(rest)
    known = _POSITIONS.get(folded)
    if known:
        return f"{prefix} {known}".strip()
    if any(folded.startswith(p + " ") for p in _POSITIONS) or (prefix and len(folded) > 2):
        return f"{prefix} {lexicon.restore(rest.strip())}".strip()
    return None


def canonical_name(name: str) -> str:
    """The surname's diacritics from the closed list of Vietnamese surnames ("Trân" -> "Trần"), when
    its accent-free spelling names one surname only ("La" could be La or Lã: left as read)."""
    words = name.lstrip("-–. ").split()
    for i, word in enumerate(words):
        forms = _SURNAME_FORMS.get(fold(word))
        if forms and word[0].isupper():
            if word not in forms and len(forms) == 1:
                words[i] = next(iter(forms))
            break
    return " ".join(words)
