"""SM-2 as pinned in docs/architecture.md: golden sequences by hand, then hypothesis invariants."""

from __future__ import annotations

import json
import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mathdrill.errors import InputError, UsageError
from mathdrill.scheduling.sm2 import (
    MAX_INTERVAL_DAYS,
    SM2State,
    is_lapse,
    next_easiness_hundredths,
    review,
)


def run(qualities: list[int], state: SM2State | None = None) -> list[SM2State]:
    states = []
    s = state or SM2State()
    for q in qualities:
        s = review(s, q)
        states.append(s)
    return states


def intervals(states: list[SM2State]) -> list[int]:
    return [s.interval for s in states]


def easiness(states: list[SM2State]) -> list[float]:
    return [s.easiness for s in states]


# --- golden sequences (each derived by hand in the comments) ---------------------------------


def test_six_fives_match_the_published_numbers() -> None:
    # EF +0.10 per 5.  review: EF before → interval → EF after
    # 1: 2.5 → 1 (n=1)            → 2.6
    # 2: 2.6 → 6 (n=2)            → 2.7
    # 3: 2.7 → ceil(6×2.7=16.2)=17  → 2.8
    # 4: 2.8 → ceil(17×2.8=47.6)=48 → 2.9
    # 5: 2.9 → ceil(48×2.9=139.2)=140 → 3.0
    # 6: 3.0 → ceil(140×3.0=420)=420 → 3.1   (float drift would give 421 here)
    states = run([5] * 6)
    assert intervals(states) == [1, 6, 17, 48, 140, 420]
    assert easiness(states) == [2.6, 2.7, 2.8, 2.9, 3.0, 3.1]
    assert [s.repetitions for s in states] == [1, 2, 3, 4, 5, 6]


def test_fours_keep_easiness_and_grow_by_two_and_a_half() -> None:
    # q=4: EF + 0.1 − 1×(0.08+0.02) = EF, so EF stays 2.5.
    # intervals 1, 6, ceil(15)=15, ceil(37.5)=38, ceil(95)=95, ceil(237.5)=238
    states = run([4] * 6)
    assert intervals(states) == [1, 6, 15, 38, 95, 238]
    assert easiness(states) == [2.5] * 6


def test_a_fail_in_the_middle_restarts_but_keeps_lowered_easiness() -> None:
    # 5: 2.5→2.6 I=1 | 5: →2.7 I=6 | 5: I=ceil(6×2.7=16.2)=17 →2.8
    # 2: fail, n=0, I=1, EF 2.8 + 0.1 − 3×(0.08+0.06) = 2.8 − 0.32 = 2.48
    # 5: n=1 I=1 →2.58 | 5: n=2 I=6 →2.68 | 5: n=3 I=ceil(6×2.68=16.08)=17 →2.78
    states = run([5, 5, 5, 2, 5, 5, 5])
    assert intervals(states) == [1, 6, 17, 1, 1, 6, 17]
    assert easiness(states) == [2.6, 2.7, 2.8, 2.48, 2.58, 2.68, 2.78]
    assert [s.repetitions for s in states] == [1, 2, 3, 0, 1, 2, 3]


def test_blackouts_hit_the_floor_and_stay_there() -> None:
    # q=0: EF + 0.1 − 5×(0.08+0.10) = EF − 0.80.  2.5 → 1.7 → max(1.3, 0.9)=1.3 → 1.3
    # then q=5: 1.3 + 0.1 = 1.4
    states = run([0, 0, 0, 5])
    assert easiness(states) == [1.7, 1.3, 1.3, 1.4]
    assert intervals(states) == [1, 1, 1, 1]


def test_a_streak_of_threes_lowers_easiness_by_0_14_each_time() -> None:
    # q=3: EF + 0.1 − 2×(0.08+0.04) = EF − 0.14
    # EF after: 2.36, 2.22, 2.08, 1.94, 1.80, 1.66, 1.52, 1.38, max(1.3, 1.24)=1.3, 1.3
    # intervals: 1, 6, ceil(6×2.22=13.32)=14, ceil(14×2.08=29.12)=30, ceil(30×1.94=58.2)=59,
    #            ceil(59×1.80=106.2)=107
    states = run([3] * 10)
    assert easiness(states) == [2.36, 2.22, 2.08, 1.94, 1.8, 1.66, 1.52, 1.38, 1.3, 1.3]
    assert intervals(states)[:6] == [1, 6, 14, 30, 59, 107]


def test_each_quality_moves_easiness_by_the_published_step() -> None:
    # 10 − (5−q)(8 + 2(5−q)) hundredths: q=5..0 → +10, 0, −14, −32, −54, −80
    steps = {q: next_easiness_hundredths(300, q) - 300 for q in range(6)}
    assert steps == {5: 10, 4: 0, 3: -14, 2: -32, 1: -54, 0: -80}


def test_exact_ceiling_where_float_would_round_up_wrongly() -> None:
    # 25 × 2.2 is 55.00000000000001 in floats; ceil(25 × 2.2) is exactly 55.
    assert 25 * 2.2 > 55  # the trap is real
    state = SM2State(repetitions=5, easiness=2.2, interval=25)
    assert review(state, 4).interval == 55


# --- lapses -----------------------------------------------------------------------------------


def test_is_lapse_only_for_a_fail_of_a_learned_card() -> None:
    new = SM2State()
    learned = review(new, 4)
    failed = review(learned, 1)
    assert not is_lapse(new, 0)  # never learned: not forgotten
    assert is_lapse(learned, 2)
    assert not is_lapse(learned, 3)
    assert not is_lapse(failed, 0)  # second fail in a row counts once


# --- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [-1, 6, True, False, 3.0, "3", None])
def test_review_refuses_a_quality_that_is_not_an_int_from_0_to_5(bad: object) -> None:
    with pytest.raises(UsageError, match="quality"):
        review(SM2State(), bad)  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="quality"):
        is_lapse(SM2State(), bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"easiness": 1.29}, "at least 1.3"),
        ({"easiness": 2.555}, "steps of 0.01"),
        ({"easiness": math.nan}, "finite"),
        ({"easiness": True}, "number"),
        ({"repetitions": -1}, "repetitions"),
        ({"interval": -3}, "interval"),
        ({"repetitions": 2, "interval": 0}, "at least 1 day"),
    ],
)
def test_state_refuses_values_sm2_never_produces(kwargs: dict, words: str) -> None:
    with pytest.raises(UsageError, match=words):
        SM2State(**kwargs)


def test_state_canonicalises_a_computed_float() -> None:
    assert SM2State(easiness=2.7 - 0.1).easiness == 2.6
    assert SM2State(easiness=2.7 - 0.1).easiness_hundredths == 260


def test_dict_round_trip_through_json() -> None:
    state = run([5, 5, 5, 2, 4])[-1]
    assert SM2State.from_dict(json.loads(json.dumps(state.to_dict()))) == state


@pytest.mark.parametrize(
    "data",
    [
        [1, 2.5, 1],
        {"repetitions": 1, "easiness": 2.5},
        {"repetitions": 1, "easiness": 2.5, "interval": 1, "extra": 0},
        {"repetitions": "1", "easiness": 2.5, "interval": 1},
        {"repetitions": 1, "easiness": 1.0, "interval": 1},
        {"repetitions": 1, "easiness": 2.5, "interval": 0},
    ],
)
def test_from_dict_refuses_malformed_data_with_an_input_error(data: object) -> None:
    with pytest.raises(InputError):
        SM2State.from_dict(data)


# --- invariants -------------------------------------------------------------------------------

qualities = st.lists(st.integers(0, 5), max_size=40)
states = st.builds(
    lambda n, ef, i: SM2State(n, ef / 100, i if n == 0 else max(1, i)),
    st.integers(0, 60),
    st.integers(130, 400),
    st.integers(0, 100_000),
)


@given(qualities)
def test_every_review_keeps_the_invariants(seq: list[int]) -> None:
    state = SM2State()
    for q in seq:
        before = state
        state = review(state, q)
        assert state.easiness >= 1.3
        assert state.easiness_hundredths == pytest.approx(state.easiness * 100, abs=1e-9)
        assert state.interval >= 1
        if q < 3:
            assert (state.repetitions, state.interval) == (0, 1)
        else:
            assert state.repetitions == before.repetitions + 1
            # Along a reachable sequence a pass never shortens the interval.
            assert state.interval >= before.interval


@given(states, st.integers(0, 5))
def test_review_matches_an_exact_fraction_model(state: SM2State, q: int) -> None:
    ef = Fraction(state.easiness_hundredths, 100)
    delta = Fraction(1, 10) - (5 - q) * (Fraction(8, 100) + Fraction(2, 100) * (5 - q))
    expected_ef = max(Fraction(13, 10), ef + delta)
    after = review(state, q)
    assert Fraction(after.easiness_hundredths, 100) == expected_ef
    if q >= 3 and state.repetitions >= 2:
        assert after.interval == min(MAX_INTERVAL_DAYS, math.ceil(state.interval * ef))
        # From n ≥ 2 a pass strictly lengthens the interval (EF ≥ 1.3, I ≥ 1) up to the cap.
        assert after.interval > state.interval or after.interval == MAX_INTERVAL_DAYS


@given(states, st.integers(0, 2))
def test_a_fail_always_resets(state: SM2State, q: int) -> None:
    after = review(state, q)
    assert (after.repetitions, after.interval) == (0, 1)
    assert is_lapse(state, q) == (state.repetitions >= 1)


@given(states)
def test_dict_round_trip_for_any_state(state: SM2State) -> None:
    assert SM2State.from_dict(json.loads(json.dumps(state.to_dict()))) == state
