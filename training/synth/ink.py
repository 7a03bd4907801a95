"""Ink a printed page picks up on paper: handwritten number/day, signature, red seal, register stamp.

Every mark is an alpha mask blended by multiplication, so black print under red or blue ink stays
black, as it does on paper (inference.prepare relies on that).
"""

from __future__ import annotations

import math
import random
from functools import cache

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from inference.schema import BBox
from training.synth.fonts import handwriting_font, text_font
from training.synth.layout import PAGE_W
from training.synth.spec import DocumentSpec
from training.synth.truth import PageTruth, Region

BLUE_INKS = ((25, 45, 165), (30, 60, 180), (20, 35, 140), (45, 70, 190))
RED_INKS = ((210, 25, 40), (200, 30, 55), (225, 40, 45), (190, 20, 35))
JITTER_SHARE = 0.5
"""Of the box's safety margin, how much the ink may wander."""


@cache
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def handwriting(size: int) -> ImageFont.FreeTypeFont:
    return _font(str(handwriting_font()), size)


def serif(size: int, style: str = "B") -> ImageFont.FreeTypeFont:
    return _font(str(text_font(style)), size)


def pixel_box(bbox: BBox, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    h, w = shape[:2]
    return round(bbox.x0 * w), round(bbox.y0 * h), round(bbox.x1 * w), round(bbox.y1 * h)


def apply_ink(image: np.ndarray, alpha: np.ndarray, colour: tuple[int, int, int], x: int, y: int) -> None:
    """Multiply-blend `colour` through `alpha` (float 0..1) into `image` with its top-left at (x, y)."""
    h, w = alpha.shape
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, image.shape[1]), min(y + h, image.shape[0])
    if x0 >= x1 or y0 >= y1:
        return
    a = alpha[y0 - y : y1 - y, x0 - x : x1 - x, None]
    tint = 1.0 - a * (1.0 - np.asarray(colour, np.float32) / 255.0)
    image[y0:y1, x0:x1] = (image[y0:y1, x0:x1] * tint).astype(np.uint8)


def rotated(mask: Image.Image, degrees: float) -> np.ndarray:
    return np.asarray(mask.rotate(degrees, resample=Image.Resampling.BILINEAR, expand=True), np.float32) / 255.0


def written(text: str, size: int, rng: random.Random) -> Image.Image:
    """Handwritten-looking text: a script face, each character nudged, the whole line tilted later."""
    font = handwriting(size)
    canvas = Image.new("L", (int(size * (0.8 * len(text) + 1.5)), int(size * 1.8)), 0)
    draw = ImageDraw.Draw(canvas)
    x = size * 0.3
    for char in text:
        draw.text((x, size * 0.3 + rng.uniform(-0.08, 0.08) * size), char, fill=255, font=font)
        x += draw.textlength(char, font=font) * rng.uniform(0.95, 1.15)
    return canvas.crop(canvas.getbbox() or (0, 0, 1, 1))


def place_in(image: np.ndarray, alpha: np.ndarray, box: tuple[int, int, int, int], colour: tuple[int, int, int],
             rng: random.Random) -> None:
    """Centre `alpha` in `box`, moved by up to JITTER_SHARE of the room left around it."""
    x0, y0, x1, y1 = box
    h, w = alpha.shape
    room_x, room_y = max(0, (x1 - x0 - w) // 2), max(0, (y1 - y0 - h) // 2)
    dx = round(rng.uniform(-1, 1) * room_x * JITTER_SHARE)
    dy = round(rng.uniform(-1, 1) * room_y * JITTER_SHARE)
    apply_ink(image, alpha, colour, x0 + room_x + dx, y0 + room_y + dy)


def handwritten(image: np.ndarray, region: Region, rng: random.Random, px_per_mm: float) -> None:
    text = region.text.lstrip("0") if rng.random() < 0.4 else region.text
    mask = written(text or region.text, round(px_per_mm * rng.uniform(5.0, 6.5)), rng)
    place_in(image, rotated(mask, rng.uniform(-6, 6)), pixel_box(region.bbox, image.shape), rng.choice(BLUE_INKS), rng)


def star(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float) -> None:
    points = [(cx + (r if i % 2 == 0 else r * 0.38) * math.sin(i * math.pi / 5),
               cy - (r if i % 2 == 0 else r * 0.38) * math.cos(i * math.pi / 5)) for i in range(10)]
    draw.polygon(points, fill=255)


def ring_text(canvas: Image.Image, text: str, radius: float, tilt: float) -> None:
    """Characters around the ring, upright towards the centre, centred on the top (turned by `tilt`)."""
    size = canvas.size[0]
    font = serif(max(8, round(radius * 0.24)))
    advances = [font.getlength(ch) * 1.15 for ch in text]
    scale = min(1.0, math.radians(340) * radius / sum(advances))
    if scale < 1.0:  # long names: a smaller face so the text still fits on the ring
        font = serif(max(8, round(radius * 0.24 * scale)))
        advances = [a * scale for a in advances]
    angle = tilt - math.degrees(sum(advances) / radius) / 2
    half = round(font.size)
    for char, advance in zip(text, advances, strict=True):
        middle = angle + math.degrees(advance / radius) / 2
        glyph = Image.new("L", (half * 2, half * 2), 0)
        ImageDraw.Draw(glyph).text((half, half), char, fill=255, font=font, anchor="mm")
        glyph = glyph.rotate(-middle, resample=Image.Resampling.BILINEAR)
        x = size / 2 + radius * math.sin(math.radians(middle)) - half
        y = size / 2 - radius * math.cos(math.radians(middle)) - half
        canvas.paste(255, (round(x), round(y)), glyph)
        angle += math.degrees(advance / radius)


def seal_mask(diameter: int, text: str, rng: random.Random, noise: np.random.Generator) -> np.ndarray:
    """A round seal: double ring, the issuer around it, a star in the middle, unevenly inked."""
    canvas = Image.new("L", (diameter + 4, diameter + 4), 0)
    draw = ImageDraw.Draw(canvas)
    c, r = canvas.size[0] / 2, diameter / 2
    draw.ellipse((c - r, c - r, c + r, c + r), outline=255, width=max(2, round(diameter * 0.028)))
    inner = r * 0.64
    draw.ellipse((c - inner, c - inner, c + inner, c + inner), outline=255, width=max(1, round(diameter * 0.012)))
    star(draw, c, c, r * 0.24)
    ring_text(canvas, text, r * 0.8, rng.uniform(-25, 25))
    alpha = np.asarray(canvas, np.float32) / 255.0
    # Seal ink is patchy: a low-frequency density field plus small dropouts.
    field = cv2.resize(noise.uniform(0.55, 1.0, (6, 6)).astype(np.float32), alpha.shape[::-1])
    return alpha * field * (noise.random(alpha.shape, np.float32) > 0.06) * rng.uniform(0.75, 0.95)


def seal(image: np.ndarray, region: Region, rng: random.Random, noise: np.random.Generator) -> None:
    x0, y0, x1, y1 = pixel_box(region.bbox, image.shape)
    margin = round((x1 - x0) * 0.02)
    mask = seal_mask(x1 - x0 - 2 * margin, region.text.upper(), rng, noise)
    place_in(image, mask, (x0, y0, x1, y1), rng.choice(RED_INKS), rng)


def scribble(image: np.ndarray, region: Region, rng: random.Random, px_per_mm: float) -> None:
    """A signature: a run of cursive loops drifting along a slant, then an underline flourish."""
    x0, y0, x1, y1 = pixel_box(region.bbox, image.shape)
    w, h = x1 - x0, y1 - y0
    t = np.linspace(0.0, 1.0, 400)
    loops, r, phase = rng.randint(3, 7), h * rng.uniform(0.07, 0.14), rng.uniform(0, 2 * math.pi)
    wave = 2 * math.pi * loops * t + phase
    x = w * (0.1 + 0.65 * t) + 0.6 * r * np.cos(wave)
    y = h * (0.55 - rng.uniform(0.1, 0.3) * t) + r * np.sin(wave) * (1.4 + 0.8 * np.sin(5 * t + phase))
    u = np.linspace(0.0, 1.0, 120)
    flourish_x = w * (0.72 + 0.2 * u - 0.85 * u**2)
    flourish_y = y[-1] + h * (0.3 * u + 0.05 * np.sin(math.pi * u))
    stroke = np.stack([np.concatenate([x, flourish_x]), np.concatenate([y, flourish_y])], axis=1)
    canvas = np.zeros((h, w), np.uint8)
    thickness = max(1, round(px_per_mm * rng.uniform(0.25, 0.45)))
    cv2.polylines(canvas, [np.round(stroke).astype(np.int32)], False, 255, thickness, cv2.LINE_AA)
    apply_ink(image, canvas.astype(np.float32) / 255.0, rng.choice(BLUE_INKS), x0, y0)


def incoming(image: np.ndarray, region: Region, spec: DocumentSpec, rng: random.Random, px_per_mm: float) -> None:
    """The receiving office's "CÔNG VĂN ĐẾN" stamp in red, number and date filled in by hand in blue."""
    x0, y0, x1, y1 = pixel_box(region.bbox, image.shape)
    margin = round(3 * px_per_mm)
    w, h = x1 - x0 - 2 * margin, y1 - y0 - 2 * margin
    stamp = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(stamp)
    draw.rectangle((1, 1, w - 2, h - 2), outline=255, width=max(2, round(px_per_mm * 0.5)))
    rows = [(spec.arrival.receiver, 0.16), ("CÔNG VĂN ĐẾN", 0.2), ("Số:", 0.16), ("Ngày:", 0.16)]
    for i, (text, share) in enumerate(rows):
        font = serif(round(h * share * 0.8))
        x = w / 2 if i < 2 else w * 0.08
        draw.text((x, h * (0.17 + 0.22 * i)), text, fill=255, font=font, anchor="mm" if i < 2 else "lm")
    alpha = rotated(stamp, rng.uniform(-3, 3)) * rng.uniform(0.75, 0.95)
    apply_ink(image, alpha, rng.choice(RED_INKS), x0 + margin, y0 + margin)
    values = (str(spec.arrival.number), f"{spec.arrival.received:%d/%m}")
    for i, value in enumerate(values):
        mask = np.asarray(written(value, round(h * 0.2), rng), np.float32) / 255.0
        apply_ink(image, mask, rng.choice(BLUE_INKS), x0 + margin + round(w * 0.32),
                  y0 + margin + round(h * (0.61 + 0.22 * i) - mask.shape[0] / 2))


def draw_scan_ink(image: np.ndarray, truth: PageTruth, spec: DocumentSpec, rng: random.Random) -> None:
    """Everything the truth marks as scan-layer ink on this page, drawn in place."""
    px_per_mm = image.shape[1] / PAGE_W
    noise = np.random.default_rng(rng.getrandbits(64))
    for region in (r for r in truth.regions if r.layer == "scan"):
        if region.name == "handwriting":
            handwritten(image, region, rng, px_per_mm)
        elif region.name == "seal":
            seal(image, region, rng, noise)
        elif region.name == "signature_ink":
            scribble(image, region, rng, px_per_mm)
        elif region.name == "stamps":
            incoming(image, region, spec, rng, px_per_mm)
