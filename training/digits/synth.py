"""Synthetic crops of handwritten numbers in the gaps of "Số:      /QĐ-UBND" and "ngày      tháng".

A crop looks like what the pipeline cuts out of a ~300 dpi page (inference.reread._gap): grey uint8,
dark ink on white, the height of the printed word plus ~0.6 of it above and below, the width of the
gap, sometimes with the tail of the printed label on the left ("Số:", "ngày"), the start of the next
word or of the symbol on the right ("/QĐ-UBND", "tháng"), a dotted baseline, and bits of the lines
above and below. The number in it is drawn by one of three glyph sources:

  font     a handwriting font from Debian (fonts-bwht, fonts-dancingscript, fonts-comic-neue,
           fonts-breip, fonts-dkg-handwriting); one family (HELD_OUT_FAMILY) never goes into training
  stroke   pen strokes along jittered digit skeletons (training.digits.strokes)
  sklearn  the 1,797 real handwritten 8x8 digits bundled with scikit-learn (UCI optdigits, 43
           writers), upscaled and thresholded; split by index into train and held-out parts

then augmented (per-glyph scale/rotation/shear, spacing down to touching, stroke width, elastic
distortion, ink darkness, blur, 100-300 dpi, noise, speckle, binarisation, JPEG).

Deterministic: sample i of seed s depends only on (s, i, config), so workers can split any range.
"""

from __future__ import annotations

import functools
import logging
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from training.digits.strokes import Writer, draw_digit, random_writer

log = logging.getLogger(__name__)

# Families by file name (located with fc-list, else in the Debian folders below).
# fonts-femkeklaver installs fine but its digits are hollow outlines, so it is not used.
FONT_FAMILIES: dict[str, tuple[str, ...]] = {
    "bwht": (
        "BecauseWeBuild-Regular.otf",
        "BecauseWeConnect-Regular.otf",
        "BecauseWeCreate-Regular.otf",
        "BecauseWeLearn-Regular.otf",
        "BecauseWeMentor-Regular.otf",
        "BecauseWeOrganize-Regular.otf",
    ),
    "dancingscript": ("DancingScript-Regular.otf", "DancingScript-Bold.otf"),
    "comic-neue": (
        "ComicNeue-Regular.otf",
        "ComicNeue-Bold.otf",
        "ComicNeue-Italic.otf",
        "ComicNeue-BoldItalic.otf",
        "ComicNeue-Light.otf",
        "ComicNeue-LightItalic.otf",
    ),
    "breip": ("Breip.ttf", "breipfont.ttf"),
    "dkg": ("dkg.ttf", "dkgBd.ttf", "dkgIt.ttf", "dkgBI.ttf"),
}
# Held out of training entirely. dkg is also the face training/synth draws the handwritten numbers
# of synthetic pages with, so page-level evaluation on synthetic documents stays a generalisation test.
HELD_OUT_FAMILY = "dkg"
TRAIN_FAMILIES = tuple(f for f in FONT_FAMILIES if f != HELD_OUT_FAMILY)
FONT_DIRS = (
    "/usr/share/fonts/opentype/bwht",
    "/usr/share/fonts/opentype/dancingscript",
    "/usr/share/fonts/opentype/comic-neue",
    "/usr/share/fonts/truetype/breip",
    "/usr/share/fonts/truetype/fifthhorseman",
)
PRINT_FONTS = (
    "texgyretermes-regular.otf",
    "texgyretermes-bold.otf",
    "texgyretermes-italic.otf",
    "texgyretermes-bolditalic.otf",
    "DejaVuSerif.ttf",
    "DejaVuSerif-Bold.ttf",
)
"""For the printed words around the gap, and for the "print" glyph source: a number or a day that was
typed into the blank (the date line is italic under Decree 30)."""
PRINT_DIRS = (
    "/usr/share/texmf/fonts/opentype/public/tex-gyre",
    "/usr/share/texlive/texmf-dist/fonts/opentype/public/tex-gyre",
    "/usr/share/fonts/opentype/tex-gyre",
    "/usr/share/fonts/truetype/dejavu",
)
LEFT_LABELS = ("Số:", ":", "ố:", "Số", "ngày", "ày", "y", "tháng", "ng", "g", "năm", "m")
RIGHT_WORDS = ("/QĐ-UBND", "/", "/UBND", "/NQ-HĐND", "/TB-UBND", "/KH", "tháng", "th", "năm", "n")
WINDOW_LABELS = ("Số:", "Số", "ngày", "tháng")
WINDOW_FOLLOWERS = ("/QĐ-UBND", "/UBND-VX", "/TB-UBND", "/KH-UBND", "-KL/TU", "/BC-UBND", "/TTr-UBND", "tháng", "năm")
"""A window crop (inference.reread, the CRNN reader) holds the whole printed label, the handwriting,
and the follower or its first letters; handwriting often touches or runs over them."""
CONTEXT_LINES = (
    "ỦY BAN NHÂN DÂN TỈNH",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "Căn cứ Luật Tổ chức chính quyền địa phương",
    "QUYẾT ĐỊNH về việc phê duyệt kế hoạch",
    "Hà Nội, ngày tháng năm 2025",
)
SKLEARN_SPLIT_SEED = 20250101
SKLEARN_TRAIN_SHARE = 0.8


@dataclass(frozen=True)
class SynthConfig:
    """What a crop may be drawn with. `weights` maps glyph source -> share; sources with nothing
    available (e.g. sklearn not installed) are dropped and the rest renormalised."""

    families: tuple[str, ...] = TRAIN_FAMILIES
    weights: dict[str, float] = field(
        default_factory=lambda: {"font": 0.4, "stroke": 0.4, "sklearn": 0.1, "print": 0.1}
    )
    sklearn_part: str = "train"
    empty_rate: float = 0.03
    frame_rate: float = 0.0  # share of crops cut and framed as inference.reread does (frame_like_pipeline)
    window_rate: float = 0.0  # share of window crops (whole label + handwriting + follower)


TRAIN = SynthConfig(frame_rate=0.3, window_rate=0.35)
WINDOWS = SynthConfig(window_rate=1.0)
SEEN = SynthConfig()  # the training sources, every crop as cut around the gap (no framing)
HELDOUT_FONT = SynthConfig(families=(HELD_OUT_FAMILY,), weights={"font": 1.0}, empty_rate=0.0)
HELDOUT_SKLEARN = SynthConfig(weights={"sklearn": 1.0}, sklearn_part="heldout", empty_rate=0.0)
STROKES_ONLY = SynthConfig(weights={"stroke": 1.0})


# ---------------------------------------------------------------------------------------------- files


@functools.cache
def _fc_files() -> dict[str, str]:
    files: dict[str, str] = {}
    if shutil.which("fc-list"):
        try:
            out = subprocess.run(["fc-list", "--format", "%{file}\n"], capture_output=True, text=True, timeout=30)
            for line in out.stdout.splitlines():
                files.setdefault(Path(line).name, line)
        except (OSError, subprocess.SubprocessError):
            pass
    return files


def _locate(name: str, dirs: tuple[str, ...]) -> str | None:
    for d in dirs:
        if (Path(d) / name).is_file():
            return str(Path(d) / name)
    found = _fc_files().get(name)
    return found if found and Path(found).is_file() else None


@functools.cache
def family_files(family: str) -> tuple[str, ...]:
    return tuple(p for p in (_locate(n, FONT_DIRS) for n in FONT_FAMILIES[family]) if p)


@functools.cache
def print_fonts() -> tuple[str, ...]:
    fonts = tuple(p for p in (_locate(n, PRINT_DIRS) for n in PRINT_FONTS) if p)
    if not fonts:
        raise FileNotFoundError("no serif font for printed context; install fonts-texgyre or fonts-dejavu-core")
    return fonts


def font_files(families: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(p for f in families for p in family_files(f))


# --------------------------------------------------------------------------------------------- glyphs


@functools.cache
def _pil_font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def _crop_ink(mask: np.ndarray, level: float = 0.04) -> np.ndarray:
    ys, xs = np.nonzero(mask > level)
    if len(ys) == 0:
        return mask[:1, :1] * 0
    return mask[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]


@functools.cache
def font_glyph(path: str, ch: str) -> np.ndarray:
    """Ink mask (float32 0..1) of one character at 100 px, cropped to its ink."""
    font = _pil_font(path, 100)
    x0, y0, x1, y1 = font.getbbox(ch)
    img = Image.new("L", (x1 - x0 + 8, y1 - y0 + 8), 0)
    ImageDraw.Draw(img).text((4 - x0, 4 - y0), ch, font=font, fill=255)
    return _crop_ink(np.asarray(img, np.float32) / 255.0)


@functools.cache
def sklearn_glyphs(part: str) -> dict[str, list[np.ndarray]] | None:
    """scikit-learn's bundled 8x8 handwritten digits, upscaled to 32x32 (0..1), by digit; None if
    scikit-learn is not installed (it is a training-only dependency: pip install '.[train]')."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        log.warning("scikit-learn not installed: the 'sklearn' glyph source is skipped (pip install '.[train]')")
        return None
    data = load_digits()
    order = np.random.default_rng(SKLEARN_SPLIT_SEED).permutation(len(data.target))
    cut = int(len(order) * SKLEARN_TRAIN_SHARE)
    chosen = order[:cut] if part == "train" else order[cut:]
    out: dict[str, list[np.ndarray]] = {str(d): [] for d in range(10)}
    for i in chosen:
        up = cv2.resize(data.images[i].astype(np.float32) / 16.0, (32, 32), interpolation=cv2.INTER_CUBIC)
        out[str(int(data.target[i]))].append(np.clip(up, 0.0, 1.0))
    return out


def _sklearn_glyph(pool: dict[str, list[np.ndarray]], d: str, rng: np.random.Generator) -> np.ndarray:
    up = pool[d][int(rng.integers(len(pool[d])))]
    field = cv2.GaussianBlur(cv2.resize(up, (96, 96), interpolation=cv2.INTER_CUBIC), (0, 0), 2.5)
    field /= max(float(field.max()), 1e-3)
    t = rng.uniform(0.4, 0.68)  # higher = thinner strokes
    return _crop_ink(np.clip((field - t) / 0.08, 0.0, 1.0))


def _transform(glyph: np.ndarray, height: float, aspect: float, shear: float, angle: float) -> np.ndarray:
    """Scale `glyph` to `height` px (width * aspect), shear (x += shear * (h - y)) and rotate."""
    gh, gw = glyph.shape
    sy = height / gh
    sx = sy * aspect
    c, s = np.cos(np.radians(angle)), np.sin(np.radians(angle))
    a = np.array([[c, -s], [s, c]]) @ np.array([[1.0, -shear], [0.0, 1.0]]) @ np.diag([sx, sy])
    corners = a @ np.array([[0, gw, 0, gw], [0, 0, gh, gh]], np.float64)
    lo, hi = corners.min(axis=1), corners.max(axis=1)
    m = np.hstack([a, (2.0 - lo)[:, None]])
    size = (int(np.ceil(hi[0] - lo[0])) + 4, int(np.ceil(hi[1] - lo[1])) + 4)
    inter = cv2.INTER_AREA if sy < 0.7 else cv2.INTER_LINEAR
    if sy < 0.5:  # warpAffine has no area filter: pre-shrink, then warp the rest
        small = cv2.resize(glyph, (max(2, round(gw * sy * 1.5)), max(2, round(gh * sy * 1.5))), interpolation=cv2.INTER_AREA)
        return _transform(small, height, aspect, shear, angle)
    return _crop_ink(cv2.warpAffine(glyph, m, size, flags=inter, borderValue=0.0))


def _paste(layer: np.ndarray, mask: np.ndarray, x: int, y: int) -> None:
    h, w = mask.shape
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, layer.shape[1]), min(y + h, layer.shape[0])
    if x0 < x1 and y0 < y1:
        np.maximum(layer[y0:y1, x0:x1], mask[y0 - y : y1 - y, x0 - x : x1 - x], out=layer[y0:y1, x0:x1])


def _printed(text: str, size: int, rng: np.random.Generator) -> tuple[np.ndarray, int, int]:
    """Mask of printed `text`, its width and its baseline row."""
    return _printed_cached(text, max(8, size // 2 * 2), int(rng.integers(len(print_fonts()))))


@functools.lru_cache(maxsize=4096)
def _printed_cached(text: str, size: int, font_index: int) -> tuple[np.ndarray, int, int]:
    font = _pil_font(print_fonts()[font_index], size)
    x0, y0, x1, y1 = font.getbbox(text, anchor="ls")
    img = Image.new("L", (x1 - x0 + 2, y1 - y0 + 2), 0)
    ImageDraw.Draw(img).text((1 - x0, 1 - y0), text, font=font, fill=255, anchor="ls")
    mask = np.asarray(img, np.float32) / 255.0
    mask.flags.writeable = False
    return mask, x1 - x0 + 2, 1 - y0


# ---------------------------------------------------------------------------------------------- text


def sample_text(rng: np.random.Generator, empty_rate: float = 0.03) -> str:
    """1-4 digits, mostly 1-3; days and months with and without a leading zero, numbers of decisions."""
    r = rng.random()
    if r < empty_rate:
        return ""
    r = rng.random()
    if r < 0.3:  # day or month
        n = int(rng.integers(1, 32)) if rng.random() < 0.65 else int(rng.integers(1, 13))
        return f"{n:02d}" if n < 10 and rng.random() < 0.6 else str(n)
    length = int(rng.choice([1, 2, 3, 4], p=[0.25, 0.35, 0.27, 0.13]))
    return "".join(str(int(d)) for d in rng.integers(0, 10, length))


# --------------------------------------------------------------------------------------------- crops


def _sources(config: SynthConfig) -> tuple[list[str], np.ndarray]:
    names, weights = [], []
    for name, w in config.weights.items():
        if w <= 0:
            continue
        if name == "font" and not font_files(config.families):
            continue
        if name == "sklearn" and sklearn_glyphs(config.sklearn_part) is None:
            continue
        names.append(name)
        weights.append(w)
    if not names:
        raise RuntimeError(f"no glyph source available for {config}")
    p = np.asarray(weights, np.float64)
    return names, p / p.sum()


def _glyph_masks(text: str, height: float, config: SynthConfig, rng: np.random.Generator) -> tuple[list[np.ndarray], str]:
    names, p = _sources(config)
    source = names[int(rng.choice(len(names), p=p))]
    slant = rng.normal(0.08, 0.2)
    masks: list[np.ndarray] = []
    writer: Writer | None = random_writer(rng) if source == "stroke" else None
    fonts = font_files(config.families)
    font = fonts[int(rng.integers(len(fonts)))] if source == "font" else ""
    if source == "print":
        font, slant = print_fonts()[int(rng.integers(len(print_fonts())))], 0.0
    pool = sklearn_glyphs(config.sklearn_part) if source == "sklearn" else None
    aspect = rng.uniform(0.8, 1.2)
    for d in text:
        h = height * rng.uniform(0.9, 1.1)
        if source in ("font", "print"):
            g = _transform(font_glyph(font, d), h, aspect * rng.uniform(0.9, 1.1), slant + rng.normal(0, 0.04), rng.normal(0, 3))
        elif source == "stroke":
            assert writer is not None
            g = _transform(draw_digit(d, max(8, int(h)), writer, rng), h, rng.uniform(0.93, 1.07), 0.0, rng.normal(0, 3))
        else:
            assert pool is not None
            g = _transform(_sklearn_glyph(pool, d, rng), h, aspect * rng.uniform(0.8, 1.1), slant + rng.normal(0, 0.06), rng.normal(0, 5))
        masks.append(g)
    return masks, source


def _elastic(layer: np.ndarray, amp: float, rng: np.random.Generator) -> np.ndarray:
    h, w = layer.shape
    gy, gx = int(rng.integers(2, 5)), int(rng.integers(3, 9))
    dx = cv2.resize(rng.normal(0, amp, (gy, gx)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    dy = cv2.resize(rng.normal(0, amp, (gy, gx)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return cv2.remap(layer, xs + dx, ys + dy, cv2.INTER_LINEAR, borderValue=0.0)


@dataclass(frozen=True)
class _Window:
    label: np.ndarray
    label_baseline: int
    follower: np.ndarray
    follower_baseline: int
    pad: int  # paper left of the label
    follower_gap: int  # from the handwriting to the follower; negative when they touch
    left: int  # from the crop's left edge to the handwriting
    right: int  # from the handwriting to the crop's right edge


def _window_context(word_h: float, height: float, rng: np.random.Generator) -> _Window:
    size = int(word_h * rng.uniform(0.95, 1.1))
    label, label_w, label_b = _printed(WINDOW_LABELS[int(rng.integers(len(WINDOW_LABELS)))], size, rng)
    follower, follower_w, follower_b = _printed(WINDOW_FOLLOWERS[int(rng.integers(len(WINDOW_FOLLOWERS)))], size, rng)
    pad = int(rng.uniform(0.0, 0.3) * size)
    follower_gap = int(height * rng.uniform(-0.15, 0.5))
    visible = int(min(follower_w, size * rng.uniform(0.5, 3.0)))
    return _Window(
        label=label, label_baseline=label_b, follower=follower, follower_baseline=follower_b, pad=pad,
        follower_gap=follower_gap, left=pad + label_w + int(height * rng.uniform(-0.15, 0.5)),
        right=max(1, follower_gap + visible),
    )


def render_crop(text: str, rng: np.random.Generator, config: SynthConfig = TRAIN) -> tuple[np.ndarray, dict]:
    """One grey uint8 crop with `text` handwritten in it, and a few facts about how it was drawn."""
    word_h = rng.uniform(34.0, 62.0)  # printed word box height at 300 dpi
    crop_h = int(round(word_h * 2.2 * rng.uniform(0.88, 1.12)))
    y_base = int(round((crop_h - word_h) / 2 + 0.76 * word_h + rng.normal(0, 0.06 * word_h)))  # printed baseline
    height = word_h * rng.uniform(0.55, 1.45)  # handwritten digit height

    masks, source = _glyph_masks(text, height, config, rng) if text else ([], "none")
    gaps = []
    for _ in masks[1:]:
        r = rng.random()
        gaps.append(height * (rng.uniform(-0.12, 0.0) if r < 0.25 else rng.uniform(0.35, 0.9) if r > 0.9 else rng.uniform(0.0, 0.35)))
    text_w = int(sum(m.shape[1] for m in masks) + sum(gaps)) if masks else 0

    def margin() -> float:
        r = rng.random()
        return word_h * (rng.uniform(0.0, 0.4) if r < 0.4 else rng.uniform(0.4, 1.5) if r < 0.85 else rng.uniform(1.5, 4.0))

    left, right = int(margin()), int(margin())
    window = _window_context(word_h, height, rng) if config.window_rate > 0 and rng.random() < config.window_rate else None
    if window is not None:
        left, right = window.left, window.right
    crop_w = max(int(word_h * 0.8), left + max(text_w, 0) + right) if masks else int(word_h * rng.uniform(1.0, 6.0))
    hand = np.zeros((crop_h, crop_w), np.float32)
    printed = np.zeros((crop_h, crop_w), np.float32)

    # Handwriting: digits sit near the printed baseline, often a little above it, the line drifting.
    base = y_base + word_h * rng.uniform(-0.45, 0.25)
    base = float(np.clip(base, height * 0.97, crop_h + 0.05 * height))  # hardly ever cut off
    drift = rng.normal(0, 0.05) * height
    x = float(left)
    for i, m in enumerate(masks):
        y = base + i * drift + rng.normal(0, 0.05) * height - m.shape[0]
        y = min(max(y, -0.03 * m.shape[0]), crop_h - 0.97 * m.shape[0])  # at most 3% cut off
        _paste(hand, m, int(round(x)), int(round(y)))
        x += m.shape[1] + (gaps[i] if i < len(gaps) else 0)
    if masks:
        r = rng.random()
        if r < 0.15:
            hand = cv2.dilate(hand, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (int(rng.integers(2, 4)),) * 2))
        elif r < 0.3 and height > 40:
            hand = cv2.erode(hand, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2, 2)))
        if rng.random() < 0.6:
            hand = _elastic(hand, height * rng.uniform(0.01, 0.045), rng)

    # Printed context.
    size = int(word_h * rng.uniform(0.95, 1.1))
    if window is not None:
        _paste(printed, window.label, window.pad, y_base - window.label_baseline)
        _paste(printed, window.follower, left + text_w + window.follower_gap, y_base - window.follower_baseline)
    elif rng.random() < 0.5:  # tail of the label on the left
        m, w, b = _printed(LEFT_LABELS[int(rng.integers(len(LEFT_LABELS)))], size, rng)
        right_end = min(int(rng.uniform(0.0, 0.45) * size), left - int(0.05 * height))  # never over the digits
        _paste(printed, m, right_end - w, y_base - b)
    if window is None and rng.random() < 0.5:  # start of the next word / the symbol on the right
        m, w, b = _printed(RIGHT_WORDS[int(rng.integers(len(RIGHT_WORDS)))], size, rng)
        start = max(crop_w - int(rng.uniform(0.0, 0.5) * size), left + text_w + int(0.05 * height))
        _paste(printed, m, start, y_base - b)
    r = rng.random()
    if r < 0.3:  # dotted baseline
        step = word_h * rng.uniform(0.12, 0.32)
        rad = max(1.0, word_h * rng.uniform(0.025, 0.07))
        yy = y_base + word_h * rng.uniform(-0.03, 0.08)
        x0, x1 = rng.uniform(0, 0.3) * crop_w, crop_w * rng.uniform(0.7, 1.0)
        for xx in np.arange(x0, x1, step):
            cv2.circle(printed, (int(xx * 4), int(yy * 4)), int(rad * 4), 1.0, -1, cv2.LINE_AA, shift=2)
    elif r < 0.36:  # a ruled line
        yy = int(y_base + word_h * rng.uniform(0.0, 0.1))
        cv2.line(printed, (0, yy), (crop_w, yy), 1.0, int(rng.integers(1, 3)))
    for where in ("above", "below"):
        if rng.random() < 0.12:
            m, w, b = _printed(CONTEXT_LINES[int(rng.integers(len(CONTEXT_LINES)))], size, rng)
            y = -b + int(word_h * rng.uniform(0.05, 0.3)) if where == "above" else crop_h - int(word_h * rng.uniform(0.05, 0.35))
            _paste(printed, m, int(rng.uniform(-w, crop_w * 0.5)), y)

    # Ink on paper.
    paper = rng.uniform(205, 255) + np.linspace(0, rng.uniform(-15, 15), crop_w, dtype=np.float32)[None, :]
    ink = rng.uniform(0, 60) if rng.random() < 0.5 else rng.uniform(50, 145)
    img = paper - hand * (paper - ink)
    img = img * (1.0 - printed * (1.0 - rng.uniform(0, 70) / 255.0))

    # Scan.
    if rng.random() < 0.5:
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.3, 1.3))
    dpi = rng.uniform(100, 300) if rng.random() < 0.4 else 300.0
    if dpi < 290:
        s = dpi / 300.0
        img = cv2.resize(img, (max(4, round(crop_w * s)), max(4, round(crop_h * s))), interpolation=cv2.INTER_AREA)
        if rng.random() < 0.4:
            img = cv2.resize(img, (crop_w, crop_h), interpolation=cv2.INTER_CUBIC)
    img = img + rng.normal(0, rng.uniform(0, 10), img.shape).astype(np.float32)
    if rng.random() < 0.3:  # speckle
        n = int(img.size * rng.uniform(0, 0.002))
        ys, xs = rng.integers(0, img.shape[0], n), rng.integers(0, img.shape[1], n)
        img[ys, xs] = rng.uniform(0, 120, n)
    out = np.clip(img, 0, 255).astype(np.uint8)
    if rng.random() < 0.08:  # a binarised scan (Otsu, a little off)
        t, _ = cv2.threshold(out, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
        out = np.where(out < t + rng.uniform(-15, 15), 0, 255).astype(np.uint8)
    if rng.random() < 0.4:
        ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(35, 93))])
        out = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)
    return out, {"source": source, "dpi": round(dpi), "text": text}


def frame_like_pipeline(crop: np.ndarray, level: int = 128, border: int = 12) -> np.ndarray:
    """What inference.reread.read_digits hands a digit reader: the crop cut to its pixels darker than
    `level`, framed in `border` px of pure white (a copy of reread._tight, kept here so training does
    not depend on the pipeline module). Unchanged when nothing is that dark."""
    rows, cols = np.nonzero(crop < level)
    if len(rows) == 0:
        return crop
    inner = crop[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    return np.pad(inner, border, constant_values=255)


def sample(seed: int, index: int, config: SynthConfig = TRAIN) -> tuple[np.ndarray, str]:
    """Crop `index` of the stream `seed`: (grey uint8 image, digit string)."""
    rng = np.random.default_rng([seed, index])
    text = sample_text(rng, config.empty_rate)
    crop, _ = render_crop(text, rng, config)
    if config.frame_rate and rng.random() < config.frame_rate:
        crop = frame_like_pipeline(crop)
    return crop, text


def generate(seed: int, n: int, config: SynthConfig = TRAIN, start: int = 0) -> list[tuple[np.ndarray, str]]:
    return [sample(seed, i, config) for i in range(start, start + n)]


def contact_sheet(seed: int, n: int, config: SynthConfig = TRAIN, cols: int = 4) -> np.ndarray:
    """A grid of crops (for eyeballing the generator)."""
    tiles = []
    for crop, text in generate(seed, n, config):
        tile = np.full((140, 360), 255, np.uint8)
        s = min(120 / crop.shape[0], 350 / crop.shape[1])
        small = cv2.resize(crop, (max(1, int(crop.shape[1] * s)), max(1, int(crop.shape[0] * s))))
        tile[: small.shape[0], : small.shape[1]] = small
        cv2.putText(tile, text or "<empty>", (4, 136), cv2.FONT_HERSHEY_SIMPLEX, 0.5, 0, 1)
        tile[:, -2:] = 128
        tile[-1:, :] = 128
        tiles.append(tile)
    while len(tiles) % cols:
        tiles.append(np.full_like(tiles[0], 255))
    rows = [np.hstack(tiles[i : i + cols]) for i in range(0, len(tiles), cols)]
    return np.vstack(rows)


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description="write a contact sheet of synthetic digit crops")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--n", type=int, default=24)
    ap.add_argument("--config", choices=["train", "heldout-font", "heldout-sklearn", "strokes"], default="train")
    ap.add_argument("--out", default="digits_sheet.png")
    a = ap.parse_args()
    cfg = {"train": TRAIN, "heldout-font": HELDOUT_FONT, "heldout-sklearn": HELDOUT_SKLEARN, "strokes": STROKES_ONLY}[a.config]
    # (crops framed like the pipeline's show up in "train" only)
    cv2.imwrite(a.out, contact_sheet(a.seed, a.n, cfg))
