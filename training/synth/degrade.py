"""Scanner and copier damage on a page image: light, darkening, blur, noise, skew, turn, colour, JPEG."""

from __future__ import annotations

import random
from functools import cache
from statistics import NormalDist
from typing import Literal

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict

ColourMode = Literal["colour", "grey", "bw"]
GRAIN_ZERO = 128
"""Grain values are stored as this plus the grain (-128..127: far beyond 4.3 sigma of any damage here)."""


class DegradeParams(BaseModel):
    """The exact damage done to every page of one scan; the defaults do nothing."""

    model_config = ConfigDict(frozen=True)

    rotation: Literal[0, 90, 180, 270] = 0
    """Degrees the page was fed turned, clockwise."""
    skew_degrees: float = 0.0
    """Counter-clockwise, about the page centre."""
    blur_sigma: float = 0.0
    noise_sigma: float = 0.0
    jpeg_quality: int | None = None
    mode: ColourMode = "colour"
    bw_threshold: int = 150
    illumination: float = 0.0
    """Depth of the uneven-light dip, 0..1 of full brightness."""
    darkening: float = 0.0
    """Photocopy look, 0..1: grey paper, heavier print."""
    blank_back_page: bool = False


def sample_degrade(rng: random.Random) -> DegradeParams:
    return DegradeParams(
        rotation=rng.choice((90, 180, 270)) if rng.random() < 0.04 else 0,
        skew_degrees=round(max(-3.0, min(3.0, rng.gauss(0, 1.0))), 2) if rng.random() < 0.7 else 0.0,
        blur_sigma=round(rng.uniform(0.3, 1.2), 2) if rng.random() < 0.5 else 0.0,
        noise_sigma=round(rng.uniform(0, 9), 1),
        jpeg_quality=rng.randint(30, 90) if rng.random() < 0.6 else None,
        mode=rng.choices(("colour", "grey", "bw"), (0.65, 0.25, 0.1))[0],
        bw_threshold=rng.randint(120, 180),
        illumination=round(rng.uniform(0.05, 0.3), 2) if rng.random() < 0.4 else 0.0,
        darkening=round(rng.uniform(0.1, 0.5), 2) if rng.random() < 0.25 else 0.0,
        blank_back_page=rng.random() < 0.08,
    )


def photocopy(image: np.ndarray, strength: float) -> np.ndarray:
    """Grey paper, darker mid-tones and thickened strokes."""
    levels = np.arange(256, dtype=np.float32) / 255.0
    lut = (255 * levels ** (1 + 2 * strength) * (1 - 0.25 * strength)).astype(np.uint8)
    out = cv2.LUT(image, lut)
    return cv2.erode(out, np.ones((2, 2), np.uint8)) if strength > 0.25 else out


def illuminate(image: np.ndarray, depth: float, noise: np.random.Generator) -> np.ndarray:
    """A smooth brightness field (lamp fall-off, page curl shadow) multiplied in."""
    coarse = (255 * (1 - depth * noise.random((3, 4)))).astype(np.uint8)
    gain = cv2.resize(coarse, (image.shape[1], image.shape[0]), interpolation=cv2.INTER_CUBIC)
    return cv2.multiply(image, cv2.merge([gain] * 3) if image.ndim == 3 else gain, scale=1 / 255)


@cache
def _normal_quantiles() -> np.ndarray:
    """The standard normal at the middle of each of 65536 equal-probability bins: a uniform 16-bit draw
    looked up here is a normal draw (tails cut at 4.3 sigma), at a fraction of the cost of sampling it."""
    normal = NormalDist()
    return np.array([normal.inv_cdf((k + 0.5) / 65536) for k in range(65536)], np.float64)


def grain_table(sigma: float) -> np.ndarray:
    """Round-towards-zero N(0, sigma) grain per 16-bit draw, offset by GRAIN_ZERO to fit in uint8."""
    grain = np.trunc(_normal_quantiles() * sigma) + GRAIN_ZERO
    return np.clip(grain, 0, 255).astype(np.uint8)


def add_noise(image: np.ndarray, sigma: float, noise: np.random.Generator) -> np.ndarray:
    """Sensor grain, two pixels wide (drawn at half resolution: four times fewer random numbers), the same
    on every channel. The grain is stored offset in uint8 and added in one saturating pass
    (image + (grain + GRAIN_ZERO) - GRAIN_ZERO): the sum int16 would give, at a fraction of the memory traffic."""
    h, w = image.shape[:2]
    half = ((h + 1) // 2, (w + 1) // 2)
    draws = np.frombuffer(noise.bytes(2 * half[0] * half[1]), "<u2").reshape(half)
    grain = grain_table(sigma)[draws]
    grain = cv2.merge([grain] * 3) if image.ndim == 3 else grain
    full = cv2.resize(grain, (w, h), interpolation=cv2.INTER_NEAREST)
    return cv2.addWeighted(image, 1.0, full, 1.0, -GRAIN_ZERO)


def skew(image: np.ndarray, degrees: float) -> np.ndarray:
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(image, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=(255, 255, 255))


def grey(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image


def rgb(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB) if image.ndim == 2 else image


def encode_jpeg(image: np.ndarray, quality: int) -> bytes:
    """A baseline JPEG of an RGB or grey page, as the scanner writes it."""
    pixels = cv2.cvtColor(image, cv2.COLOR_RGB2BGR) if image.ndim == 3 else image
    ok, data = cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return data.tobytes()


def decode_jpeg(data: bytes) -> np.ndarray:
    """A JPEG as RGB or grey, as it was encoded."""
    decoded = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if decoded is None:
        raise RuntimeError("JPEG decoding failed")
    return cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB) if decoded.ndim == 3 else decoded


def damage(image: np.ndarray, p: DegradeParams, noise: np.random.Generator) -> np.ndarray:
    """Everything but the scanner's JPEG: an RGB page in, the damaged page out, RGB for a colour scan and
    grey (2-D) for a grey or black-and-white one (turned grey first: the grey steps cost a third)."""
    out = image if p.mode == "colour" else grey(image)
    if p.darkening:
        out = photocopy(out, p.darkening)
    if p.illumination:
        out = illuminate(out, p.illumination, noise)
    if p.blur_sigma:
        out = cv2.GaussianBlur(out, (0, 0), p.blur_sigma)
    if p.noise_sigma:
        out = add_noise(out, p.noise_sigma, noise)
    if p.skew_degrees:
        out = skew(out, p.skew_degrees)
    if p.rotation:
        out = np.ascontiguousarray(np.rot90(out, k=-(p.rotation // 90)))
    if p.mode == "bw":  # 0 under the threshold, 255 from it on
        out = cv2.threshold(out, p.bw_threshold - 1, 255, cv2.THRESH_BINARY)[1]
    return out


def as_read(image: np.ndarray, jpeg_quality: int | None) -> np.ndarray:
    """A damaged page as a reader of the scan sees it: RGB, after the scanner's JPEG when it wrote one."""
    return rgb(decode_jpeg(encode_jpeg(image, jpeg_quality)) if jpeg_quality else image)


def degrade_page(image: np.ndarray, p: DegradeParams, noise: np.random.Generator) -> np.ndarray:
    """RGB in, the damaged page as read from the scan out (RGB)."""
    return as_read(damage(image, p, noise), p.jpeg_quality)


def blank_page(shape: tuple[int, ...], noise: np.random.Generator) -> np.ndarray:
    """The empty back of a sheet: off-white paper with a few specks of dust."""
    page = np.full(shape, 250, np.uint8)
    h, w = shape[:2]
    for y, x in zip(noise.integers(0, h, 12), noise.integers(0, w, 12), strict=True):
        cv2.circle(page, (int(x), int(y)), int(noise.integers(1, 4)), (90, 90, 90), -1)
    return page
