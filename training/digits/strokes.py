"""Pen-stroke digits: a few skeleton variants per digit, jittered, splined and drawn with a varying pen.

Skeletons live in a box 0.6 wide and 1.0 tall (y grows downwards). Each variant is a list of strokes;
a stroke is a list of control points passed through a Catmull-Rom spline, so a sharp corner is made
by ending one stroke and starting the next at the same point. A "writer" (one per crop) fixes the
variant of each digit, the slant, the width, the pen thickness and how shaky the hand is, so the
digits of one number look like one person wrote them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

Stroke = list[tuple[float, float]]

_ELLIPSE = [(0.3 + 0.28 * math.sin(a), 0.5 - 0.5 * math.cos(a)) for a in np.linspace(0.0, -2.0 * math.pi, 11)]

SKELETONS: dict[str, list[list[Stroke]]] = {
    "0": [
        [_ELLIPSE],
        [_ELLIPSE[:-1] + [(0.36, 0.03), (0.42, 0.1)]],  # overshooting end
        [[(0.32, 0.0), (0.1, 0.12), (0.02, 0.5), (0.12, 0.92), (0.32, 1.0), (0.5, 0.85), (0.56, 0.45), (0.45, 0.08), (0.28, 0.02)]],
    ],
    "1": [
        [[(0.32, 0.0), (0.3, 1.0)]],
        [[(0.1, 0.22), (0.34, 0.0)], [(0.34, 0.0), (0.3, 1.0)]],
        [[(0.12, 0.2), (0.34, 0.0)], [(0.34, 0.0), (0.32, 1.0)], [(0.1, 1.0), (0.52, 1.0)]],
        [[(0.2, 0.12), (0.32, 0.02), (0.36, 0.0)], [(0.36, 0.0), (0.3, 1.0)]],
        # The common Vietnamese hand: a long lead-in from low on the left, then a slanted stem.
        [[(0.0, 0.45), (0.18, 0.2), (0.4, 0.0)], [(0.4, 0.0), (0.28, 1.0)]],
        [[(0.04, 0.38), (0.42, 0.0)], [(0.42, 0.0), (0.24, 1.0)]],
    ],
    "2": [
        [[(0.04, 0.25), (0.14, 0.06), (0.33, 0.0), (0.5, 0.1), (0.52, 0.3), (0.38, 0.52), (0.18, 0.76), (0.02, 1.0)], [(0.02, 1.0), (0.58, 0.98)]],
        [[(0.06, 0.2), (0.25, 0.0), (0.48, 0.08), (0.5, 0.3), (0.3, 0.6), (0.03, 0.97), (0.1, 0.84), (0.24, 0.86), (0.36, 0.98), (0.58, 0.98)]],
        [[(0.05, 0.3), (0.12, 0.08), (0.3, 0.0), (0.5, 0.12), (0.45, 0.42), (0.02, 1.0)], [(0.02, 1.0), (0.35, 0.97), (0.6, 1.0)]],
    ],
    "3": [
        [[(0.05, 0.12), (0.25, 0.0), (0.47, 0.07), (0.5, 0.24), (0.26, 0.45)], [(0.26, 0.45), (0.5, 0.58), (0.56, 0.8), (0.4, 0.97), (0.2, 1.0), (0.02, 0.88)]],
        [[(0.04, 0.02), (0.55, 0.02)], [(0.55, 0.02), (0.24, 0.4)], [(0.24, 0.4), (0.48, 0.5), (0.56, 0.75), (0.42, 0.96), (0.2, 1.0), (0.02, 0.87)]],
        [[(0.06, 0.15), (0.28, 0.0), (0.5, 0.12), (0.42, 0.36), (0.22, 0.46), (0.48, 0.55), (0.55, 0.8), (0.36, 0.99), (0.04, 0.9)]],
    ],
    "4": [
        [[(0.38, 0.0), (0.02, 0.66)], [(0.02, 0.66), (0.6, 0.66)], [(0.45, 0.25), (0.45, 1.0)]],
        [[(0.46, 0.0), (0.02, 0.66)], [(0.02, 0.66), (0.6, 0.66)], [(0.46, 0.0), (0.46, 1.0)]],
        [[(0.08, 0.0), (0.05, 0.56)], [(0.05, 0.56), (0.58, 0.56)], [(0.44, 0.05), (0.44, 1.0)]],
        [[(0.22, 0.0), (0.03, 0.6)], [(0.03, 0.6), (0.32, 0.62), (0.58, 0.56)], [(0.45, 0.2), (0.42, 0.6), (0.4, 1.0)]],
    ],
    "5": [
        [[(0.55, 0.0), (0.12, 0.0)], [(0.12, 0.0), (0.07, 0.45)], [(0.07, 0.45), (0.3, 0.37), (0.52, 0.5), (0.55, 0.76), (0.4, 0.96), (0.2, 1.0), (0.02, 0.9)]],
        [[(0.14, 0.0), (0.08, 0.46)], [(0.08, 0.46), (0.32, 0.38), (0.53, 0.52), (0.52, 0.82), (0.3, 1.0), (0.03, 0.92)], [(0.13, 0.02), (0.56, 0.0)]],
        [[(0.14, 0.02), (0.1, 0.42), (0.4, 0.42), (0.55, 0.68), (0.38, 0.98), (0.02, 0.92)], [(0.14, 0.02), (0.56, 0.04)]],
    ],
    "6": [
        [[(0.5, 0.04), (0.3, 0.06), (0.13, 0.3), (0.05, 0.62), (0.11, 0.9), (0.3, 1.0), (0.5, 0.9), (0.53, 0.7), (0.36, 0.55), (0.15, 0.6), (0.07, 0.74)]],
        [[(0.45, 0.0), (0.2, 0.3), (0.06, 0.66), (0.2, 0.98), (0.44, 0.95), (0.52, 0.72), (0.32, 0.56), (0.08, 0.7)]],
    ],
    "7": [
        [[(0.02, 0.03), (0.58, 0.03)], [(0.58, 0.03), (0.22, 1.0)]],
        [[(0.02, 0.03), (0.58, 0.03)], [(0.58, 0.03), (0.22, 1.0)], [(0.16, 0.5), (0.54, 0.5)]],
        [[(0.02, 0.1), (0.1, 0.02), (0.58, 0.03)], [(0.58, 0.03), (0.42, 0.4), (0.3, 1.0)]],
        [[(0.02, 0.2), (0.04, 0.0)], [(0.04, 0.02), (0.58, 0.03)], [(0.58, 0.03), (0.25, 1.0)]],
    ],
    "8": [
        [[(0.5, 0.12), (0.3, 0.0), (0.1, 0.12), (0.14, 0.34), (0.44, 0.58), (0.56, 0.8), (0.3, 1.0), (0.04, 0.8), (0.16, 0.58), (0.46, 0.34), (0.5, 0.12)]],
        [[(0.3, 0.46), (0.08, 0.3), (0.14, 0.05), (0.3, 0.0), (0.46, 0.05), (0.52, 0.25), (0.3, 0.46), (0.06, 0.68), (0.12, 0.94), (0.3, 1.0), (0.5, 0.94), (0.56, 0.7), (0.3, 0.46)]],
    ],
    "9": [
        [[(0.52, 0.2), (0.35, 0.02), (0.12, 0.1), (0.08, 0.3), (0.25, 0.46), (0.5, 0.36), (0.55, 0.18)], [(0.55, 0.12), (0.52, 1.0)]],
        [[(0.52, 0.2), (0.35, 0.02), (0.12, 0.1), (0.08, 0.3), (0.25, 0.46), (0.5, 0.36), (0.55, 0.18)], [(0.55, 0.15), (0.5, 0.7), (0.32, 1.0)]],
        [[(0.55, 0.06), (0.3, 0.0), (0.08, 0.15), (0.12, 0.42), (0.4, 0.42), (0.55, 0.06), (0.5, 0.55), (0.45, 1.0)]],
    ],
}


@dataclass(frozen=True)
class Writer:
    """One hand: digit shape choices and pen, shared by all digits of a crop."""

    variants: dict[str, int]
    width: float  # horizontal stretch of the skeleton
    slant: float  # shear, positive leans right
    thickness: float  # pen width as a share of the digit height
    shake: float  # control-point jitter as a share of the digit height
    pressure: float  # how much the pen width varies along a stroke (0..1)
    roundness: int  # spline samples per segment (low = angular hand)
    waist: float  # y -> y ** waist: < 1 lowers the middle of 3, 5, 8, 9 (bigger top), > 1 raises it


def random_writer(rng: np.random.Generator) -> Writer:
    return Writer(
        variants={d: int(rng.integers(len(v))) for d, v in SKELETONS.items()},
        width=float(rng.uniform(0.7, 1.3)),
        slant=float(rng.normal(0.12, 0.2)),
        thickness=float(rng.choice([rng.uniform(0.035, 0.08), rng.uniform(0.08, 0.17)], p=[0.55, 0.45])),
        shake=float(rng.uniform(0.01, 0.05)),
        pressure=float(rng.uniform(0.0, 0.6)),
        roundness=int(rng.integers(3, 9)),
        waist=float(np.exp(rng.normal(0.0, 0.2))),
    )


def _catmull_rom(points: np.ndarray, samples: int) -> np.ndarray:
    if len(points) == 2:
        t = np.linspace(0.0, 1.0, max(2, samples))[:, None]
        return points[0] * (1 - t) + points[1] * t
    p = np.vstack([2 * points[0] - points[1], points, 2 * points[-1] - points[-2]])
    t = np.linspace(0.0, 1.0, samples, endpoint=False)[:, None]
    t2, t3 = t * t, t * t * t
    out = []
    for i in range(1, len(p) - 2):
        p0, p1, p2, p3 = p[i - 1], p[i], p[i + 1], p[i + 2]
        out.append(
            0.5 * ((2 * p1) + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t2 + (-p0 + 3 * p1 - 3 * p2 + p3) * t3)
        )
    out.append(points[-1:])
    return np.vstack(out)


def draw_digit(digit: str, height: int, writer: Writer, rng: np.random.Generator) -> np.ndarray:
    """An ink-coverage mask (float32 0..1) of one digit about `height` px tall, cropped to its ink."""
    scale = 2  # draw at twice the size, then area-downscale: smooth edges, fractional pen widths
    h = height * scale
    strokes = SKELETONS[digit][writer.variants[digit]]
    pen = max(1.0, writer.thickness * h)
    pad = int(pen) + 4
    slant = writer.slant + rng.normal(0.0, 0.05)
    width = writer.width * rng.uniform(0.92, 1.08)
    splined = []
    for stroke in strokes:
        pts = np.asarray(stroke, np.float64)
        pts = pts + rng.normal(0.0, writer.shake, pts.shape)
        pts[:, 1] = np.clip(pts[:, 1], 0.0, 1.0) ** writer.waist
        pts[:, 0] = pts[:, 0] * width + (1.0 - pts[:, 1]) * slant
        splined.append(_catmull_rom(pts, writer.roundness + 2) * h)
    allpts = np.vstack(splined)
    x_min, y_min = allpts.min(axis=0)
    x_max, y_max = allpts.max(axis=0)
    canvas = np.zeros((int(y_max - y_min) + 2 * pad + 1, int(x_max - x_min) + 2 * pad + 1), np.uint8)
    for line in splined:
        pts = np.round((line - (x_min - pad, y_min - pad)) * 16).astype(np.int32)  # 4 fractional bits
        # pen pressure: the stroke in a few runs of different width (one polyline call per run)
        runs = 1 if writer.pressure < 0.15 or len(pts) < 6 else 3
        bounds = np.linspace(0, len(pts) - 1, runs + 1).astype(int)
        for r in range(runs):
            w = pen * (1.0 + writer.pressure * rng.uniform(-0.5, 0.5))
            seg = pts[bounds[r] : bounds[r + 1] + 1]
            cv2.polylines(canvas, [seg], False, 255, max(1, int(round(w))), cv2.LINE_AA, shift=4)
    small = cv2.resize(canvas, (canvas.shape[1] // scale, canvas.shape[0] // scale), interpolation=cv2.INTER_AREA)
    ys, xs = np.nonzero(small > 10)
    if len(ys):
        small = small[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    return small.astype(np.float32) / 255.0
