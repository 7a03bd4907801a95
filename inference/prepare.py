"""Page preparation: colour separation, illumination, deskew, blank detection.

Red seals and stamps and blue handwriting are lifted off the black print so that Tesseract reads the
print undisturbed; their masks are kept, because they are signals (a seal, a handwritten number) and
because the handwritten and stamped parts are read again from their own layer.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from inference.governance.images import edge_ink, page_hashes, sharpness
from inference.schema import PageQuality

RED_MIN_PIXELS = 0.0015
BLUE_MIN_PIXELS = 0.0004
BLANK_INK_COVERAGE = 0.0015
MAX_SKEW_DEGREES = 5.0
MIN_DESKEW_DEGREES = 0.3
"""A smaller skew is left alone: rotating would blur the print more than the slant hurts OCR."""


@dataclass
class PreparedPage:
    print_layer: np.ndarray
    """Grey uint8: the black print, colour ink removed, illumination flattened, deskewed."""
    red_layer: np.ndarray
    """Grey uint8, dark where red ink was (seals, urgency and register stamps), same geometry."""
    blue_layer: np.ndarray
    """Grey uint8, dark where blue ink was (handwritten numbers and days, signatures)."""
    quality: PageQuality


def colour_masks(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Boolean masks of red and blue ink. Dark pixels stay print even when tinted (print under a seal):
    only saturated and bright enough pixels count as coloured ink."""
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    red = cv2.inRange(hsv, (0, 80, 70), (12, 255, 255)) | cv2.inRange(hsv, (160, 80, 70), (180, 255, 255))
    blue = cv2.inRange(hsv, (96, 80, 70), (134, 255, 255))
    return red.view(bool), blue.view(bool)


def flatten_illumination(gray: np.ndarray) -> np.ndarray:
    """Divide by the estimated paper brightness, so grey photocopies and uneven light become white paper."""
    if min(gray.shape) < 8:  # a sliver of an image: an eighth of it would be empty
        return gray
    small = cv2.resize(gray, None, fx=0.125, fy=0.125, interpolation=cv2.INTER_AREA)
    background = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 9)))
    background = cv2.medianBlur(background, 5)
    background = cv2.resize(np.maximum(background, 1), (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
    return cv2.divide(gray, background, scale=255)


def ink_mask(gray: np.ndarray) -> np.ndarray:
    """Dark marks on flattened paper; bleed-through and faint noise stay out."""
    return gray < 110


def estimate_skew(ink: np.ndarray) -> float:
    """The correction angle in degrees (counter-clockwise positive) that levels the text lines, found by
    maximising the variance of the ink's row profile, coarse to fine. A page scanned turned 2 degrees
    counter-clockwise gives about -2."""
    small = cv2.resize(ink.astype(np.uint8) * 255, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    if small.sum() == 0:
        return 0.0
    centre = (small.shape[1] / 2, small.shape[0] / 2)

    def score(angle: float) -> float:
        matrix = cv2.getRotationMatrix2D(centre, angle, 1.0)
        turned = cv2.warpAffine(small, matrix, (small.shape[1], small.shape[0]), flags=cv2.INTER_NEAREST)
        return float(np.var(turned.sum(axis=1, dtype=np.float64)))

    best = 0.0
    for step, span in ((1.0, MAX_SKEW_DEGREES), (0.2, 1.0), (0.05, 0.2)):
        candidates = np.arange(best - span, best + span + 1e-9, step)
        scores = [score(a) for a in candidates]
        top = max(scores)
        # At this scale neighbouring angles often score alike: take the one nearest zero, not the first.
        best = min((a for a, v in zip(candidates, scores) if v >= 0.999 * top), key=abs)
    return float(best)


def rotate(image: np.ndarray, angle: float) -> np.ndarray:
    """A grey or RGB image turned by `angle` degrees about its centre, same size, white where corners come in."""
    centre = (image.shape[1] / 2, image.shape[0] / 2)
    matrix = cv2.getRotationMatrix2D(centre, angle, 1.0)
    return cv2.warpAffine(
        image, matrix, (image.shape[1], image.shape[0]), flags=cv2.INTER_LINEAR, borderValue=(255, 255, 255)
    )


def turn(rgb: np.ndarray, degrees: int) -> np.ndarray:
    """Rotate by a multiple of 90 degrees counter-clockwise."""
    return np.ascontiguousarray(np.rot90(rgb, k=(degrees // 90) % 4))


def layer_from_mask(mask: np.ndarray, gray: np.ndarray) -> np.ndarray:
    layer = np.full_like(gray, 255)
    layer[mask] = np.minimum(gray[mask], 60)
    return layer


def prepare_page(rgb: np.ndarray, dpi: float, rotation: int = 0) -> PreparedPage:
    """Separate inks, flatten, deskew and measure one page image (RGB uint8 at `dpi`)."""
    red, blue = colour_masks(rgb)
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    flat = flatten_illumination(gray)
    print_layer = flat.copy()
    print_layer[red | blue] = 255
    red_layer = layer_from_mask(red, flat)
    blue_layer = layer_from_mask(blue, flat)

    ink = ink_mask(print_layer)
    margin = (slice(int(ink.shape[0] * 0.03), int(ink.shape[0] * 0.97)), slice(int(ink.shape[1] * 0.03), int(ink.shape[1] * 0.97)))
    coverage = float(ink[margin].mean())
    blank = coverage < BLANK_INK_COVERAGE and blue.mean() < BLUE_MIN_PIXELS
    skew = 0.0 if blank else estimate_skew(ink)
    signals = {"sharpness": sharpness(print_layer, ink), "edge_ink": edge_ink(ink, dpi)}  # governance QC
    if abs(skew) >= MIN_DESKEW_DEGREES:
        print_layer, red_layer, blue_layer = (rotate(layer, skew) for layer in (print_layer, red_layer, blue_layer))
    quality = PageQuality(
        dpi=dpi,
        rotation=rotation,
        skew_degrees=round(skew, 2),
        blank=blank,
        ink_coverage=round(coverage, 5),
        red_seal=bool(red.mean() > RED_MIN_PIXELS),
        blue_ink=bool(blue.mean() > BLUE_MIN_PIXELS),
        **signals,
        **page_hashes(print_layer),
    )
    return PreparedPage(print_layer=print_layer, red_layer=red_layer, blue_layer=blue_layer, quality=quality)
