"""Splits of the factory: how clean the paper is, at what resolution it was scanned, what was added.

    default  the mix of damage the pipeline meets day to day, 300 dpi (`sample_degrade`)
    easy     clean 300 dpi scans, every number and day printed
    hard     real scans at their worst: 100-200 dpi, 1-bit fax or dark photocopy, skew, blur, handwritten
             numbers and days, seals and register stamps over text, long documents, attached drafts,
             blank backs
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from training.synth.corpus import body_sentences
from training.synth.degrade import DegradeParams, sample_degrade
from training.synth.sampler import paragraph, sample_spec
from training.synth.spec import DocumentSpec


@dataclass(frozen=True)
class Split:
    name: str
    description: str
    dpis: tuple[int, ...]
    degrade: Callable[[random.Random], DegradeParams]
    spec_changes: Callable[[DocumentSpec, random.Random], dict[str, Any]]
    attachment_rate: float = 0.0
    """Share of scans with a draft of another document stapled behind (pages that must not feed the fields)."""

    def spec(self, rng: random.Random) -> DocumentSpec:
        spec = sample_spec(rng)
        changes = self.spec_changes(spec, rng)
        return DocumentSpec.model_validate({**spec.model_dump(), **changes}) if changes else spec


def no_changes(spec: DocumentSpec, rng: random.Random) -> dict[str, Any]:
    return {}


def printed_numbers(spec: DocumentSpec, rng: random.Random) -> dict[str, Any]:
    return {"handwritten_number": False, "handwritten_day": False}


def light_damage(rng: random.Random) -> DegradeParams:
    return DegradeParams(noise_sigma=round(rng.uniform(0, 3), 1))


def worst_damage(rng: random.Random) -> DegradeParams:
    """Every knob towards what the worst real scans show, kept legible to a person: a 1-bit page (no JPEG,
    it is CCITT) has light enough paper for its threshold, so grey paper never turns into black fields."""
    mode = rng.choices(("bw", "grey", "colour"), (0.3, 0.3, 0.4))[0]
    one_bit = mode == "bw"
    return DegradeParams(
        rotation=rng.choice((90, 180, 270)) if rng.random() < 0.08 else 0,
        skew_degrees=round(rng.choice((-1, 1)) * rng.uniform(0.8, 4.0), 2),
        blur_sigma=round(rng.uniform(0.6, 1.0 if one_bit else 1.6), 2) if rng.random() < 0.7 else 0.0,
        noise_sigma=round(rng.uniform(4, 14), 1),
        jpeg_quality=None if one_bit else rng.randint(20, 55),
        mode=mode,
        bw_threshold=rng.randint(100, 160),
        illumination=round(rng.uniform(0.05, 0.15) if one_bit else rng.uniform(0.15, 0.4), 2)
        if rng.random() < 0.5 else 0.0,
        darkening=round(rng.uniform(0.1, 0.3) if one_bit else rng.uniform(0.3, 0.7), 2) if rng.random() < 0.6 else 0.0,
        blank_back_page=rng.random() < 0.35,
    )


def worst_paper(spec: DocumentSpec, rng: random.Random) -> dict[str, Any]:
    """Handwritten number and day on wet-signed copies, seal and register stamp, often a longer body."""
    changes: dict[str, Any] = {"red_seal": rng.random() < 0.95, "incoming_stamp": rng.random() < 0.5}
    if not spec.digital_signature_box and rng.random() < 0.85:
        changes |= {"handwritten_number": True, "handwritten_day": rng.random() < 0.9}
    if rng.random() < 0.5:
        sentences = body_sentences(spec.layout)
        extra = [paragraph(rng, sentences) for _ in range(rng.randint(3, 8))]
        changes["body"] = [*spec.model_dump()["body"][:-1], *(p.model_dump() for p in extra),
                           spec.body[-1].model_dump()]
    return changes


SPLITS: dict[str, Split] = {
    "default": Split("default", "day-to-day mix of scanner and copier damage, 300 dpi", (300,), sample_degrade,
                     no_changes),
    "easy": Split("easy", "clean 300 dpi scans, number and day printed", (300,), light_damage, printed_numbers),
    "hard": Split("hard", "the worst real scans: 100-200 dpi, 1-bit or dark photocopy, skew, blur, handwritten "
                  "numbers and days, seals and stamps over text, long documents, attached drafts, blank backs",
                  (100, 150, 200), worst_damage, worst_paper, attachment_rate=0.25),
}
