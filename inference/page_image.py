"""A page as the pipeline read it: rendered, turned upright and deskewed, so that the normalised boxes of its
words and fields fall where they belong on the image."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from inference.io import render_page
from inference.options import LoadLimits
from inference.prepare import MIN_DESKEW_DEGREES, rotate, turn
from inference.schema import PageQuality


def upright_page(
    data: bytes, media_type: str, index: int, dpi: int, quality: PageQuality, limits: LoadLimits
) -> np.ndarray:
    """Page `index` (0-based) as RGB at `dpi`, with the rotation and skew correction its extraction applied."""
    rgb = turn(render_page(data, media_type, index, dpi, limits), quality.rotation)
    return rotate(rgb, quality.skew_degrees) if abs(quality.skew_degrees) >= MIN_DESKEW_DEGREES else rgb


def png_bytes(rgb: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG", optimize=False, compress_level=6)
    return buffer.getvalue()
