"""Scanner and copier damage on a page image: light, darkening, blur, noise, skew, turn, colour, JPEG."""

from __future__ import annotations

import random
from typing import Literal

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict

ColourMode = Literal["colour", "grey", "bw"]


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
    return cv2.multiply(image, cv2.merge([gain] * 3), scale=1 / 255)


def add_noise(image: np.ndarray, sigma: float, noise: np.random.Generator) -> np.ndarray:
    """Sensor grain, two pixels wide (drawn at half resolution: four times fewer random numbers). The
    signed grain is added as its positive and negative parts in uint8, the same saturating sum as in
    int16 at a fraction of the memory traffic."""
    h, w = image.shape[:2]
    small = (noise.standard_normal(((h + 1) // 2, (w + 1) // 2), dtype=np.float32) * sigma).astype(np.int16)

    def full_size(part: np.ndarray) -> np.ndarray:
        grain = cv2.resize(np.clip(part, 0, 255).astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST)
        return cv2.cvtColor(grain, cv2.COLOR_GRAY2RGB) if image.ndim == 3 else grain

    return cv2.subtract(cv2.add(image, full_size(small)), full_size(-small))


def skew(image: np.ndarray, degrees: float) -> np.ndarray:
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(image, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=(255, 255, 255))


def to_mode(image: np.ndarray, mode: ColourMode, threshold: int) -> np.ndarray:
    if mode == "colour":
        return image
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    if mode == "bw":
        grey = np.where(grey < threshold, 0, 255).astype(np.uint8)
    return cv2.cvtColor(grey, cv2.COLOR_GRAY2RGB)


def jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    decoded = cv2.imdecode(data, cv2.IMREAD_COLOR) if ok else None
    if decoded is None:
        raise RuntimeError("JPEG round trip failed")
    return cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB)


def degrade_page(image: np.ndarray, p: DegradeParams, noise: np.random.Generator) -> np.ndarray:
    out = image
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
    out = to_mode(out, p.mode, p.bw_threshold)
    return jpeg(out, p.jpeg_quality) if p.jpeg_quality else out


def blank_page(shape: tuple[int, ...], noise: np.random.Generator) -> np.ndarray:
    """The empty back of a sheet: off-white paper with a few specks of dust."""
    page = np.full(shape, 250, np.uint8)
    h, w = shape[:2]
    for y, x in zip(noise.integers(0, h, 12), noise.integers(0, w, 12), strict=True):
        cv2.circle(page, (int(x), int(y)), int(noise.integers(1, 4)), (90, 90, 90), -1)
    return page
