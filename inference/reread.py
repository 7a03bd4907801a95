"""Second reading of the hard spots of a page: handwritten numbers and days, and red stamps.

Officials often print "Số:    /QĐ-UBND" and "ngày    tháng 01 năm 2025" and fill the gaps by hand,
in blue or black ink; Tesseract's page pass drops or garbles those digits. Here each gap is located
from the printed words around it and read again, alone, from the print+handwriting layer, as a text
line restricted to digits. Urgency, secrecy, copy and incoming-register stamps are red, so they are
read from the red layer. The words found replace whatever the page pass left in the gap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Literal, Protocol

import cv2
import numpy as np

from inference.layout import group_lines
from inference.ocr import OCR_ENGINES, OcrEngine
from inference.registry import Registry
from inference.prepare import rotate
from inference.schema import BBox, Word
from inference.text import fold, looks_like_person_name

DIGITS = "0123456789"
HEADER_BOTTOM = 0.45
STAMP_WORDS = re.compile(r"\b(hoa toc|khan|mat|den|sao y|sao luc|trich sao)\b")
STAMP_ANGLES = (0, -35, 35, -20, 20, -50, 50)
"""Degrees counter-clockwise tried in turn; a stamp struck rising to the right needs a negative turn."""
_NUMBER_LABEL = re.compile(r"^s[oô6][:.]?$")
_DIGITS_ONLY = re.compile(r"^\d{1,5}$")
_GLUED_NUMBER = re.compile(r"^(\d{1,5})/[^\W\d]")
"""Digits glued to a symbol that starts with a letter ("92/QĐ-UBND"; not "15/2024/NĐ-CP")."""
_PRINTED_DIGITS = re.compile(r"^(\d{1,5})(?:/|$)")
_LABELS = ("ngay", "thang", "nam", "so:", "nga")
"""Printed labels handwriting gets glued to; "nga" is "ngày" whose "y" the handwriting swallowed."""


def crop_box(layer: np.ndarray, box: BBox) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    height, width = layer.shape
    x0, x1 = int(max(0.0, box.x0) * width), int(min(1.0, box.x1) * width)
    y0, y1 = int(max(0.0, box.y0) * height), int(min(1.0, box.y1) * height)
    return layer[y0:y1, x0:x1], (x0, y0, width, height)


BORDER = 12
FOLLOWER_CHARS = 5
"""How much of the word after a blank a window takes: all of "tháng" or "năm", the start of a symbol."""
SURE_READING = 0.5
"""Digit-reader confidence above which its reading overrules digits the page pass read (the CRNN's
path probability: below it, most of its errors; above it, few)."""
SLASH_CORRELATION = -0.8
"""Correlation of x and y over a component's pixels at or below which it is a slash: "/" is about -0.95,
printed digits -0.26 or more (0-9 in Times- and DejaVu-like faces)."""
MIN_STROKE_HEIGHT = 0.12
"""Of a gap window's height (about twice the line's): a handwritten digit is taller than this."""


def _tight(crop: np.ndarray, offset: tuple[int, int, int, int], border: int = BORDER) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """The crop cut to its ink and framed in white: Tesseract misreads small marks in a wide empty field."""
    rows, cols = np.nonzero(crop < 128)
    y0, y1, x0, x1 = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    framed = np.pad(crop[y0:y1, x0:x1], border, constant_values=255)
    x, y, width, height = offset
    return framed, (x + x0 - border, y + y0 - border, width, height)


class DigitReader(Protocol):
    window_crops: bool
    """True: reads the whole window (printed label, handwriting, follower), as it was trained to;
    False: reads only the blank between the label and the follower."""

    def read(self, crop: np.ndarray, dpi: float) -> tuple[str, float]:
        """The digits in a grey crop (dark ink on white) and a confidence in [0, 1]; "" when none."""
        ...


DIGIT_READERS: Registry[DigitReader] = Registry("digit reader")


@DIGIT_READERS.register("tesseract")
class TesseractDigits:
    """The baseline: Tesseract restricted to digits, as a text line, then as a single word. Its `eng`
    model reads lone digits better than `vie`."""

    window_crops = False

    def __init__(self, language: str = "eng"):
        self.engine = OCR_ENGINES.create("tesseract", language=language)

    def read(self, crop: np.ndarray, dpi: float) -> tuple[str, float]:
        for mode in ("line", "word"):
            words = self.engine.read(crop, dpi, mode=mode, whitelist=DIGITS)
            text = "".join(w.text for w in words)
            if _DIGITS_ONLY.match(text):
                return text, min(w.confidence for w in words)
        return "", 0.0


@DIGIT_READERS.register("crnn")
class CrnnDigits:
    """The CRNN trained here on synthetic handwriting (models/artifacts/digits), run by onnxruntime."""

    def __init__(self, model_path: str | None = None) -> None:
        from inference.digits import DigitReader as OnnxDigitReader

        self.model = OnnxDigitReader(model_path)
        self.window_crops = self.model.window_crops

    def read(self, crop: np.ndarray, dpi: float) -> tuple[str, float]:
        return self.model.read(crop)


def has_ink(crop: np.ndarray) -> bool:
    return crop.size > 0 and crop.min() < 128


def read_digits(reader: DigitReader, ink: np.ndarray, box: BBox, dpi: float) -> Word | None:
    """The digits written in `box` of the ink layer, as a word boxed by their ink, or None."""
    crop, offset = crop_box(ink, box)
    if not has_ink(crop):
        return None
    crop, (x, y, width, height) = _tight(crop, offset)
    text, confidence = reader.read(crop, dpi)
    if not _DIGITS_ONLY.match(text):
        return None
    x0, y0, x1, y1 = x + BORDER, y + BORDER, x + crop.shape[1] - BORDER, y + crop.shape[0] - BORDER
    bbox = BBox(x0=x0 / width, y0=y0 / height, x1=x1 / width, y1=y1 / height)
    return Word(text=text, bbox=bbox, confidence=round(confidence, 4), source="reread")


def _char_width(line: list[Word]) -> float:
    widths = sorted((w.bbox.x1 - w.bbox.x0) / len(w.text) for w in line if len(w.text) > 1)
    return widths[len(widths) // 2] if widths else 0.01


GapKind = Literal["number", "day", "month"]
_VALID = {"number": range(1, 100_000), "day": range(1, 32), "month": range(1, 13)}


@dataclass(frozen=True)
class Gap:
    """A blank of the header filled by hand: after "Số:", after "ngày", after "tháng"."""

    box: BBox
    """The space between the printed label and the printed word after it."""
    window: BBox
    """From the label to the follower's end (at most a few letters of a long symbol): handwriting
    often runs over the print beside the blank ("Số:15" touching the colon, "574/UBND" touching the
    slash), and OCR boxes of the print swallow it."""
    words: list[Word]
    """What the page pass read in the blank."""
    kind: GapKind = "number"
    symbol: Word | None = None
    """For a number printed glued to its symbol ("922/QĐ-UBND", one word of the page pass): the symbol
    part, joined back to the digits read again; `box` is then where the page pass put the digits."""


def _gap(
    before: Word, after: Word, char_width: float, words: list[Word], kind: GapKind = "number", glued: bool = False
) -> Gap:
    """The blank between two printed words. A label box that swallowed handwriting beside it
    ("ngày06" read as "ngày") is cut back to the width its own letters need."""
    height = max(before.bbox.height, after.bbox.height)
    y0, y1 = before.bbox.y0 - 0.6 * height, before.bbox.y1 + 0.6 * height
    label_end = min(before.bbox.x1, before.bbox.x0 + 1.25 * len(before.text) * char_width)
    return Gap(
        box=BBox(x0=label_end, y0=y0, x1=after.bbox.x0 - 0.2 * char_width, y1=y1),
        window=BBox(
            x0=before.bbox.x0, y0=y0, x1=min(after.bbox.x1, after.bbox.x0 + FOLLOWER_CHARS * char_width), y1=y1
        ),
        words=words,
        kind=kind,
        symbol=after if glued else None,
    )


def _sub_word(word: Word, start: int, end: int) -> Word:
    """The characters [start, end) of a word, with a box apportioned by character count."""
    width = word.bbox.x1 - word.bbox.x0
    n = len(word.text)
    box = word.bbox.model_copy(update={"x0": word.bbox.x0 + width * start / n, "x1": word.bbox.x0 + width * end / n})
    return word.model_copy(update={"text": word.text[start:end], "bbox": box})


def split_glued(word: Word) -> list[Word]:
    """"ngày/4}'" -> "ngày" + "/4}'"; "O†tháng" -> "O†" + "tháng"; "Số:#4" -> "Số:" + "#4";
    "Đ4/UBND" -> "Đ4" + "/UBND": handwriting that OCR glued onto the printed label beside it."""
    folded = fold(word.text)
    cuts: list[int] = []
    for label in _LABELS:
        i = folded.find(label)
        if i < 0:
            continue
        rest = (folded[:i] + folded[i + len(label) :]).strip(".,;:")
        if rest and re.search(r"[^a-z]", rest) and (label != "so:" or i == 0):
            cuts = [i, i + len(label)]
            break
    else:
        head = folded.split("/", 1)[0]
        if "/" in folded and head and not _DIGITS_ONLY.match(head) and re.search(r"\d", head):
            cuts = [len(head)]
    bounds = [0, *[c for c in cuts if 0 < c < len(folded)], len(folded)]
    return [_sub_word(word, a, b) for a, b in zip(bounds, bounds[1:]) if b > a]


def number_gaps(line: list[Word]) -> list[Gap]:
    """The gap after "Số:" and before the symbol ("/TTr-UBND"), with the words the page pass put there.
    A number printed glued to its symbol is a gap too: Tesseract reads a clean "92/QĐ" as "922/QĐ"
    with full confidence, and the digit reader, trained on these windows, checks it."""
    left = [w for w in line if w.bbox.x1 < 0.6]
    for i, word in enumerate(left):
        if not _NUMBER_LABEL.match(fold(word.text)):
            continue
        for j in range(i + 1, len(left)):
            if left[j].text.startswith(("/", "-")) and len(left[j].text) > 2:
                return [_gap(word, left[j], _char_width(line), left[i + 1 : j])]
            glued = _GLUED_NUMBER.match(left[j].text)
            if glued and j == i + 1:
                digits = len(glued.group(1))
                gap = _gap(word, _sub_word(left[j], digits, len(left[j].text)), _char_width(line), [left[j]], glued=True)
                return [replace(gap, box=_sub_word(left[j], 0, digits).bbox)]
            if "/" in left[j].text:
                return []
    return []


def date_gaps(line: list[Word]) -> list[Gap]:
    """The gaps after "ngày" and after "tháng" in the date line, with the words the page pass put there."""
    folded = [re.sub(r"[^a-z0-9]", "", fold(w.text)) for w in line]
    if "nam" not in folded or "thang" not in folded or not {"ngay", "nga"} & set(folded):
        return []  # "6 tháng đầu năm 2013" in a subject is no date line
    gaps = []
    for label, follower, kind in (("ngay", "thang", "day"), ("thang", "nam", "month")):
        starts = [i for i, f in enumerate(folded) if f == label or (label == "ngay" and f == "nga")]
        ends = [i for i, f in enumerate(folded) if f == follower]
        if not starts or not ends or ends[-1] <= starts[0]:
            continue
        i, j = starts[0], next(e for e in ends if e > starts[0])
        gaps.append(_gap(line[i], line[j], _char_width(line), line[i + 1 : j], kind))
    return gaps


def _stamp_regions(red: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Boxes (x, y, w, h) of red marks in the top of the page that are not round seals."""
    top = (red[: int(red.shape[0] * HEADER_BOTTOM)] < 128).astype(np.uint8)
    joined = cv2.dilate(top, np.ones((15, 15), np.uint8))
    contours, _ = cv2.findContours(joined, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    regions = []
    min_area = (red.shape[1] * 0.04) ** 2
    for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:6]:
        area, perimeter = cv2.contourArea(contour), cv2.arcLength(contour, True)
        circular = perimeter > 0 and 4 * np.pi * area / perimeter**2 > 0.75
        if area >= min_area and not circular:
            regions.append(cv2.boundingRect(contour))
    return regions


def _without_frames(crop: np.ndarray) -> np.ndarray:
    """The stamp's letters without its frame (box, arrow outline): Tesseract skips text inside a frame."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats((crop < 128).astype(np.uint8), connectivity=8)
    frames = [i for i in range(1, count) if max(stats[i, 2], stats[i, 3]) > 0.25 * max(crop.shape)]
    out = crop.copy()
    out[np.isin(labels, frames)] = 255
    return out


def stamp_words(engine: OcrEngine, red: np.ndarray, dpi: float) -> list[Word]:
    """The text of the first red stamp in the top of the page (urgency, secrecy, SAO Y, incoming
    register) as one word boxed by the stamp. Stamps are often struck at a slant, so each is read at a
    few angles until a stamp word appears."""
    height, width = red.shape
    for x, y, w, h in _stamp_regions(red):
        crop = np.pad(_without_frames(red[y : y + h, x : x + w]), max(w, h) // 4, constant_values=255)
        for angle in STAMP_ANGLES:
            turned = rotate(crop, angle) if angle else crop
            words = engine.read(turned, dpi, mode="sparse")
            text = fold(" ".join(w.text for w in words))
            if STAMP_WORDS.search(text):
                box = BBox(x0=x / width, y0=y / height, x1=(x + w) / width, y1=(y + h) / height)
                text = " ".join(w.text for w in words)
                return [Word(text=text, bbox=box, confidence=min(w.confidence for w in words), source="reread")]
    return []


def reread_names(engine: OcrEngine, words: list[Word], ink: np.ndarray, dpi: float) -> list[Word]:
    """Signers' names (right column, below the header) read again as single lines: the page pass
    drops marks on bold names beside a seal ("Trân Hoàng Tuân") that a one-line reading keeps. The new
    reading replaces the old only when it is still a name of as many words."""
    result = list(words)
    for line in group_lines([w for w in words if w.bbox.y0 > HEADER_BOTTOM * 0.6 and w.bbox.x0 > 0.4]):
        if not looks_like_person_name(" ".join(w.text for w in line)):
            continue
        box = BBox.union([w.bbox for w in line])
        padded = BBox(x0=box.x0 - 0.02, y0=box.y0 - 0.4 * box.height, x1=box.x1 + 0.02, y1=box.y1 + 0.4 * box.height)
        crop, offset = crop_box(ink, padded)
        again = engine.read(crop, dpi, mode="line", offset=offset)
        if len(again) == len(line) and looks_like_person_name(" ".join(w.text for w in again)):
            kept = {id(w) for w in line}
            # One line by construction: give the words the line's height so they stay one line.
            result = [w for w in result if id(w) not in kept] + [
                w.model_copy(update={"source": "reread", "bbox": w.bbox.model_copy(update={"y0": box.y0, "y1": box.y1})})
                for w in again
            ]
    return result


def handwriting_box(handwriting: np.ndarray, window: BBox) -> BBox | None:
    """The box around the handwritten strokes in `window` of the handwriting layer (blue ink, the
    print removed), None when there are none. Specks and the coloured fringes of print are too short
    to count as a stroke."""
    crop, (x, y, width, height) = crop_box(handwriting, window)
    if not has_ink(crop):
        return None
    count, _, stats, _ = cv2.connectedComponentsWithStats((crop < 128).astype(np.uint8), connectivity=8)
    strokes = [stats[i] for i in range(1, count) if stats[i, cv2.CC_STAT_HEIGHT] >= MIN_STROKE_HEIGHT * crop.shape[0]]
    if not strokes:
        return None
    x0 = min(s[cv2.CC_STAT_LEFT] for s in strokes)
    y0 = min(s[cv2.CC_STAT_TOP] for s in strokes)
    x1 = max(s[cv2.CC_STAT_LEFT] + s[cv2.CC_STAT_WIDTH] for s in strokes)
    y1 = max(s[cv2.CC_STAT_TOP] + s[cv2.CC_STAT_HEIGHT] for s in strokes)
    return BBox(x0=(x + x0 - 1) / width, y0=(y + y0 - 1) / height, x1=(x + x1 + 1) / width, y1=(y + y1 + 1) / height)


def _reread_gap(
    digit_reader: DigitReader, gap: Gap, ink: np.ndarray, handwriting: np.ndarray | None, dpi: float
) -> Word | None:
    """Handwriting found in the blue layer is read from there, whatever the page pass made of it (it
    reads "11" as "44"). Otherwise a gap reader reads the blank alone, unless the page pass already
    read clean digits there; a window reader reads both the window and the blank and `_choose`s. A
    number printed glued to its symbol is checked from its digits alone."""
    written = handwriting_box(handwriting, gap.window) if handwriting is not None else None
    word = read_digits(digit_reader, handwriting, written, dpi) if written is not None else None
    printed = next((m.group(1) for w in gap.words if (m := _PRINTED_DIGITS.match(w.text))), None)
    if word is not None:
        return word
    if gap.symbol is not None:
        box = digits_before_slash(ink, gap.words[0].bbox) or gap.box
        return _checked_print(read_digits(digit_reader, ink, box, dpi), printed)
    if not digit_reader.window_crops:
        return None if printed else read_digits(digit_reader, ink, gap.box, dpi)
    window = read_digits(digit_reader, ink, gap.window, dpi)
    blank = read_digits(digit_reader, ink, gap.box, dpi)
    readings = [w for w in (window and window.model_copy(update={"bbox": gap.box}), blank) if w]
    valid = [_without_padding(w) if gap.kind != "number" else w for w in readings if int(w.text) in _VALID[gap.kind]]
    return _choose(valid, printed)


def _is_slash(xs: np.ndarray, ys: np.ndarray) -> bool:
    return xs.std() > 0 and ys.std() > 0 and float(np.corrcoef(xs, ys)[0, 1]) <= SLASH_CORRELATION


def digits_before_slash(ink: np.ndarray, word: BBox) -> BBox | None:
    """The box of a glued number's digits, from the word's start to its slash found in the ink, or None
    when no slash stands apart. Apportioning the word's box by its characters fails exactly when the
    page pass read a digit too many ("92/" as "922/"): the crop then takes in the slash and the symbol."""
    crop, (x, _, width, _) = crop_box(ink, word)
    if not has_ink(crop):
        return None
    count, labels, stats, _ = cv2.connectedComponentsWithStats((crop < 128).astype(np.uint8), connectivity=8)
    tallest = stats[1:, cv2.CC_STAT_HEIGHT].max()
    for i in sorted(range(1, count), key=lambda i: stats[i, cv2.CC_STAT_LEFT]):
        left = stats[i, cv2.CC_STAT_LEFT]
        if stats[i, cv2.CC_STAT_HEIGHT] >= 0.6 * tallest and _is_slash(*np.nonzero(labels == i)[::-1]):
            return BBox(x0=word.x0, y0=word.y0, x1=(x + left) / width, y1=word.y1) if left > 0 else None
    return None


def _checked_print(reading: Word | None, printed: str | None) -> Word | None:
    """A printed number is read again from its digits alone (a window would add the symbol's first
    letter, "157/QĐ" -> "1571"), and replaced only by a sure, different reading."""
    if reading is None or reading.text == printed or reading.confidence < SURE_READING:
        return None
    return reading


def _without_padding(word: Word) -> Word:
    """"001" -> "01": a day or month has two digits at most; the extra zero is a letter of the label."""
    return word.model_copy(update={"text": f"{int(word.text):02d}"}) if len(word.text) > 2 else word


def _choose(readings: list[Word], printed: str | None) -> Word | None:
    """One of the (valid) readings of the window and of the blank, or None to keep the page pass:
    - when one reading contains the other, the longer: the other crop cut digits off (the blank
      misses digits that touch the print; "5" of "15"), or both crops agree;
    - else the one the page pass agrees with;
    - else the most confident, when it is sure enough or the page pass read no digits."""
    if len(readings) == 2 and (readings[0].text in readings[1].text or readings[1].text in readings[0].text):
        return max(readings, key=lambda w: (len(w.text), w.confidence))
    agreed = next((w for w in readings if w.text == printed), None)
    best = max(readings, key=lambda w: w.confidence, default=None)
    if agreed is not None or best is None:
        return agreed
    return best if best.confidence >= SURE_READING or printed is None else None


def _joined(digits: Word, symbol: Word) -> Word:
    box = BBox(x0=min(digits.bbox.x0, symbol.bbox.x0), y0=min(digits.bbox.y0, symbol.bbox.y0),
               x1=max(digits.bbox.x1, symbol.bbox.x1), y1=max(digits.bbox.y1, symbol.bbox.y1))
    return digits.model_copy(update={"text": digits.text + symbol.text, "bbox": box})


def reread_gaps(digit_reader: DigitReader, words: list[Word], ink: np.ndarray, dpi: float,
                handwriting: np.ndarray | None = None) -> list[Word]:
    """The page's words with the handwritten number and day gaps of the header read again; `ink` is
    print and handwriting together, `handwriting` the blue ink alone when the page has colour."""
    header = [part for w in words if w.bbox.y0 < HEADER_BOTTOM for part in split_glued(w)]
    words = header + [w for w in words if w.bbox.y0 >= HEADER_BOTTOM]
    replaced: set[int] = set()
    found: list[Word] = []
    for line in group_lines(header):
        for gap in number_gaps(line) + date_gaps(line):
            word = _reread_gap(digit_reader, gap, ink, handwriting, dpi)
            if word is not None:
                found.append(_joined(word, gap.symbol) if gap.symbol else word)
                replaced.update(id(w) for w in gap.words)
    return [w for w in words if id(w) not in replaced] + found
