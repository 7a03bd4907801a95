"""Signals measured on page images: sharpness, ink at the edges, perceptual hashes (dHash, pHash)."""

from __future__ import annotations

import cv2
import numpy as np

from inference.schema import Page

HASH_SIDE = 16
"""16 x 16 = 256-bit hashes: a text page at 8 x 8 is a grey blur that every page of a layout shares."""
EDGE_BAND_MM = 1.5


def sharpness(gray: np.ndarray, ink: np.ndarray) -> float | None:
    """Variance of the Laplacian around the ink only, so a half-empty page is not taken for a blurred one."""
    near_ink = cv2.dilate(ink.view(np.uint8), np.ones((3, 3), np.uint8))
    if not cv2.countNonZero(near_ink):
        return None
    _, deviation = cv2.meanStdDev(cv2.Laplacian(gray, cv2.CV_16S), mask=near_ink)
    return round(float(deviation[0, 0]) ** 2, 1)


def edge_ink(ink: np.ndarray, dpi: float) -> float:
    """The largest share of ink along one border band: print running off a cropped edge."""
    band = max(1, round(dpi * EDGE_BAND_MM / 25.4))
    sides = (ink[:band], ink[-band:], ink[:, :band], ink[:, -band:])
    return round(max(float(side.mean()) for side in sides), 4)


def _bits_to_hex(bits: np.ndarray) -> str:
    return np.packbits(bits.astype(np.uint8).ravel()).tobytes().hex()


def dhash(gray: np.ndarray) -> str:
    small = cv2.resize(gray, (HASH_SIDE + 1, HASH_SIDE), interpolation=cv2.INTER_AREA).astype(np.int16)
    return _bits_to_hex(small[:, 1:] > small[:, :-1])


def phash(gray: np.ndarray) -> str:
    small = cv2.resize(gray, (4 * HASH_SIDE, 4 * HASH_SIDE), interpolation=cv2.INTER_AREA).astype(np.float32)
    low = cv2.dct(small)[:HASH_SIDE, :HASH_SIDE].ravel()
    # The DC term is the page's overall darkness, which a photocopy changes: leave it out of the median.
    return _bits_to_hex(low > np.median(low[1:]))


def hash_distance(first: str, second: str) -> float:
    """Share of differing bits, 0 (same) .. 1."""
    a = np.unpackbits(np.frombuffer(bytes.fromhex(first), np.uint8))
    b = np.unpackbits(np.frombuffer(bytes.fromhex(second), np.uint8))
    return float((a != b).mean()) if a.size == b.size else 1.0


def page_hashes(gray: np.ndarray) -> dict[str, str]:
    # One area-averaged reduction first: the hashes need only a thumbnail, and resizing a whole
    # 300 dpi page twice would cost more than the rest of the hashing.
    thumbnail = cv2.resize(gray, (8 * HASH_SIDE, 8 * HASH_SIDE), interpolation=cv2.INTER_AREA)
    return {"dhash": dhash(thumbnail), "phash": phash(thumbnail)}


def with_thumbnail_hashes(page: Page, thumbnail: np.ndarray | None) -> Page:
    """A page read from its text layer gets its hashes from the small grey rendering inspection made of
    it (inference.io.SourcePage.thumbnail), as a scan of it would look; scanned pages have theirs."""
    if page.quality.phash is not None or thumbnail is None:
        return page
    return page.model_copy(update={"quality": page.quality.model_copy(update=page_hashes(thumbnail))})
