"""training.gate: the McNemar decision, the bootstrap interval, and the frozen digit evaluation on the real model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from training.gate import FROZEN_EVALUATIONS, compare, decide, frozen_evaluation, mcnemar_worse_p

COMMITTED_DIGITS = Path(__file__).resolve().parents[2] / "models" / "artifacts" / "digits" / "v1"


def test_mcnemar_tail() -> None:
    assert mcnemar_worse_p(0, 0) == 1.0
    assert mcnemar_worse_p(5, 0) == pytest.approx(1 / 32)
    assert mcnemar_worse_p(3, 3) == pytest.approx(42 / 64)  # P(X <= 3), X ~ Bin(6, 1/2)
    assert mcnemar_worse_p(0, 5) == 1.0


def paired(current_only: int, candidate_only: int, both: int = 80, neither: int = 10) -> tuple[list[bool], list[bool]]:
    current = [True] * current_only + [False] * candidate_only + [True] * both + [False] * neither
    candidate = [False] * current_only + [True] * candidate_only + [True] * both + [False] * neither
    return current, candidate


def test_a_candidate_losing_many_more_items_than_it_wins_is_refused() -> None:
    report = decide("toy", *paired(current_only=20, candidate_only=4))

    assert not report.passed and report.p_value < 0.05
    assert (report.current_only, report.candidate_only, report.n) == (20, 4, 114)
    assert report.candidate_accuracy < report.current_accuracy
    assert report.difference_ci[1] < 0
    assert "worse beyond noise" in report.reason


@pytest.mark.parametrize(("current_only", "candidate_only"), [(0, 0), (6, 3), (3, 12)])
def test_equal_noisy_or_better_candidates_pass(current_only: int, candidate_only: int) -> None:
    report = decide("toy", *paired(current_only, candidate_only))

    assert report.passed
    assert report.difference_ci[0] <= report.candidate_accuracy - report.current_accuracy <= report.difference_ci[1]


def test_the_sets_must_match() -> None:
    with pytest.raises(ValueError):
        decide("toy", [True, False], [True])
    with pytest.raises(ValueError):
        decide("toy", [], [])


def test_bootstrap_interval_is_reproducible() -> None:
    rng = np.random.default_rng(3)
    current, candidate = list(rng.random(200) < 0.8), list(rng.random(200) < 0.8)

    assert decide("toy", current, candidate).difference_ci == decide("toy", current, candidate).difference_ci


def test_the_frozen_digit_set_is_fixed_and_scores_the_committed_model() -> None:
    assert "digits" in FROZEN_EVALUATIONS.names()
    evaluation = frozen_evaluation("digits")
    crops, texts = evaluation.items
    fresh_crops, fresh_texts = FROZEN_EVALUATIONS.create("digits").items  # generated again, from scratch

    assert len(crops) == len(texts) >= 500
    assert fresh_texts == texts and all(np.array_equal(a, b) for a, b in zip(fresh_crops, crops, strict=True))
    report = compare(evaluation, COMMITTED_DIGITS, COMMITTED_DIGITS)
    assert report.evaluation_sha256 == evaluation.fingerprint and len(report.evaluation_sha256) == 64
    assert report.passed and report.p_value == 1.0 and report.current_only == report.candidate_only == 0
    assert 0.6 < report.current_accuracy < 1.0  # the committed CRNN reads most held-out-font numbers
