"""Derived quality: one row per line of the grading table, the pinned extras, the thresholds."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from mathdrill.errors import UsageError
from mathdrill.scheduling.grading import FAST_FACTOR, SLOW_FACTOR, derive_quality

EXPECTED = 40.0


def attempt(**overrides: Any) -> dict[str, Any]:
    """A correct, first-try, unaided, fast attempt, with fields overridden."""
    base: dict[str, Any] = {
        "correct": True,
        "first_try": True,
        "hints_used": 0,
        "solution_shown": False,
        "matched_mistake": False,
        "near_miss": False,
        "gave_up": False,
        "blank": False,
        "seconds": 20.0,
        "expected_seconds": EXPECTED,
    }
    base.update(overrides)
    return base


WRONG = {"correct": False, "first_try": False}

ROWS = [
    ("correct, first try, no hint, fast", {}, 5),
    ("correct at normal speed", {"seconds": 60.0}, 4),
    ("correct but slow", {"seconds": 150.0}, 3),
    ("correct with one hint", {"hints_used": 1}, 3),
    ("correct on a later try", {"first_try": False}, 3),
    (
        "slow and one hint and later try: no stacking below 3",
        {"seconds": 500.0, "hints_used": 1, "first_try": False},
        3,
    ),
    ("correct with two hints", {"hints_used": 2}, 2),
    ("correct with five hints", {"hints_used": 5}, 2),
    ("correct only after the solution was shown", {"solution_shown": True}, 2),
    ("wrong but a recognised mistake", {**WRONG, "matched_mistake": True}, 2),
    ("wrong but a near miss", {**WRONG, "near_miss": True}, 2),
    ("wrong", WRONG, 1),
    ("wrong after the solution was shown", {**WRONG, "solution_shown": True}, 1),
    ("gave up", {**WRONG, "gave_up": True}, 0),
    ("blank", {**WRONG, "blank": True}, 0),
    ("gave up after a recognised mistake", {**WRONG, "gave_up": True, "matched_mistake": True}, 0),
]


@pytest.mark.parametrize(("overrides", "quality"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_table_rows(overrides: dict[str, Any], quality: int) -> None:
    assert derive_quality(**attempt(**overrides)) == quality


@pytest.mark.parametrize(
    ("seconds", "quality"),
    [
        (0.0, 5),
        (FAST_FACTOR * EXPECTED, 5),  # exactly the fluent time is still fast
        (math.nextafter(FAST_FACTOR * EXPECTED, math.inf), 4),
        (SLOW_FACTOR * EXPECTED, 4),  # exactly 2.5× is not yet slow
        (math.nextafter(SLOW_FACTOR * EXPECTED, math.inf), 3),
    ],
)
def test_speed_thresholds(seconds: float, quality: int) -> None:
    assert derive_quality(**attempt(seconds=seconds)) == quality


def test_hint_boundary_one_versus_two() -> None:
    assert derive_quality(**attempt(hints_used=1)) == 3
    assert derive_quality(**attempt(hints_used=2)) == 2


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"gave_up": True}, "both correct"),
        ({"blank": True}, "both correct"),
        ({"hints_used": -1}, "hints_used"),
        ({"hints_used": True}, "hints_used"),
        ({"seconds": -1.0}, "seconds"),
        ({"seconds": math.nan}, "seconds"),
        ({"expected_seconds": 0}, "expected_seconds"),
        ({"expected_seconds": math.inf}, "expected_seconds"),
        ({"correct": 1}, "correct"),
    ],
)
def test_refuses_contradictions_and_bad_values(overrides: dict[str, Any], words: str) -> None:
    with pytest.raises(UsageError, match=words):
        derive_quality(**attempt(**overrides))


@given(
    st.booleans(),
    st.booleans(),
    st.integers(0, 5),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.floats(0, 1e4),
    st.floats(0.5, 600),
)
def test_quality_is_in_range_and_a_pass_iff_correct_unaided(
    correct: bool,
    first_try: bool,
    hints: int,
    shown: bool,
    mistake: bool,
    near: bool,
    gave_up: bool,
    blank: bool,
    seconds: float,
    expected: float,
) -> None:
    assume(not (correct and (gave_up or blank)))  # refused, tested above
    q = derive_quality(
        correct=correct,
        first_try=first_try,
        hints_used=hints,
        solution_shown=shown,
        matched_mistake=mistake,
        near_miss=near,
        gave_up=gave_up,
        blank=blank,
        seconds=seconds,
        expected_seconds=expected,
    )
    assert 0 <= q <= 5
    # SM-2 passes (q ≥ 3) exactly when the learner produced the answer with at most one hint.
    assert (q >= 3) == (correct and not shown and hints <= 1)
    assert (q == 0) == (not correct and (gave_up or blank))
