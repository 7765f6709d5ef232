"""The daily workload: due priority, overdue spreading under the cap, and --minutes plans.

Golden cases: cards with due dates and intervals, a cap, and exactly which cards each day gets.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mathdrill.errors import UsageError
from mathdrill.scheduling.queue import (
    CardInfo,
    SchedulingSettings,
    build_daily_queue,
    day_start,
    order_due,
    overdue_days,
)
from mathdrill.scheduling.workload import (
    DEFAULT_SOLVE_SECONDS,
    MAX_PLAUSIBLE_SECONDS,
    check_minutes,
    estimate_seconds,
    plan_minutes,
    spread_reviews,
)

BERLIN = ZoneInfo("Europe/Berlin")
TODAY = date(2026, 3, 20)
NOW = datetime(2026, 3, 20, 9, 0, tzinfo=BERLIN)


def settings(cap: int = 20) -> SchedulingSettings:
    return SchedulingSettings(tz=BERLIN, review_cap=cap)


def due_card(card_id: int, due_day: date, interval: int, **kw: object) -> CardInfo:
    """A card reviewed ``interval`` days before ``due_day``, due at that day's start."""
    due = day_start(due_day, 4, BERLIN)
    return CardInfo(
        card_id=card_id,
        deck="d",
        template=f"t{card_id}",
        repetitions=3,
        interval=interval,
        due=due,
        last_review=due - timedelta(days=interval),
        **kw,  # type: ignore[arg-type]
    )


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def ids(cards) -> list[int]:
    return [c.card_id for c in cards]


# --- priority ----------------------------------------------------------------------------------


def test_overdue_days_counts_study_days() -> None:
    assert overdue_days(due_card(1, days_ago(3), 6), TODAY, settings()) == 3
    assert overdue_days(due_card(2, TODAY, 6), TODAY, settings()) == 0
    assert overdue_days(due_card(3, TODAY + timedelta(days=2), 6), TODAY, settings()) == -2
    with pytest.raises(UsageError, match="new"):
        overdue_days(CardInfo(card_id=4, deck="d", template="n"), TODAY, settings())


def test_most_overdue_relative_to_its_interval_comes_first() -> None:
    cards = [
        due_card(1, days_ago(10), 60),  # 10/60 ≈ 0.17
        due_card(2, days_ago(3), 1),  # 3/1 = 3
        due_card(3, days_ago(6), 6),  # 6/6 = 1
        due_card(4, days_ago(2), 1),  # 2/1 = 2
        due_card(5, TODAY, 1),  # 0: due today, not late
        due_card(6, days_ago(12), 12),  # 12/12 = 1, more days late than card 3
        due_card(7, days_ago(20), 120),  # 20/120 ≈ 0.17, more days late than card 1 (10/60)
    ]
    assert ids(order_due(cards, TODAY, settings())) == [2, 4, 6, 3, 7, 1, 5]


def test_ties_fall_back_to_earliest_due_then_id() -> None:
    cards = [
        due_card(3, TODAY, 6),
        due_card(1, TODAY, 6),
        due_card(2, TODAY, 1),
    ]
    assert ids(order_due(cards, TODAY, settings())) == [1, 2, 3]


def test_a_zero_interval_counts_as_one_day() -> None:
    cards = [due_card(1, days_ago(2), 0), due_card(2, days_ago(3), 2)]
    # 2/max(1, 0) = 2 beats 3/2.
    assert ids(order_due(cards, TODAY, settings())) == [1, 2]


def test_the_daily_queue_takes_the_cap_in_priority_order() -> None:
    cards = [
        due_card(1, days_ago(10), 60),
        due_card(2, days_ago(3), 1),
        due_card(3, days_ago(6), 6),
        due_card(4, days_ago(2), 1),
    ]
    q = build_daily_queue(cards, {}, NOW, settings(cap=2))
    assert ids(q.due) == [2, 4]
    assert (q.due_total, q.held_back) == (4, 2)
    later = build_daily_queue(cards, {}, NOW, settings(cap=2), reviews_done_today=1)
    assert ids(later.due) == [2]
    assert later.held_back == 3


# --- spreading ---------------------------------------------------------------------------------


def test_spread_golden_after_two_weeks_away() -> None:
    # Nine cards fell due while the learner was away, two more fall due tomorrow; cap 4.
    cards = [
        due_card(1, days_ago(14), 30),  # 14/30
        due_card(2, days_ago(13), 1),  # 13/1
        due_card(3, days_ago(10), 6),  # 10/6
        due_card(4, days_ago(9), 20),  # 9/20
        due_card(5, days_ago(7), 2),  # 7/2
        due_card(6, days_ago(5), 50),  # 5/50
        due_card(7, days_ago(3), 6),  # 3/6
        due_card(8, days_ago(1), 1),  # 1/1
        due_card(9, TODAY, 3),  # 0
        due_card(10, TODAY + timedelta(days=1), 1),
        due_card(11, TODAY + timedelta(days=1), 40),
        due_card(12, TODAY + timedelta(days=9), 1),  # beyond the spread's horizon
        due_card(13, days_ago(4), 1, suspended=True),
        CardInfo(card_id=14, deck="d", template="new"),
    ]
    spread = spread_reviews(cards, NOW, settings(cap=4), days=3)
    # Today: the four highest priorities of cards 1–9.
    assert ids(spread.days[0]) == [2, 5, 3, 8]
    # Tomorrow each carried card is a day later: 1 → 15/30, 4 → 10/20, 7 → 4/6, 6 → 6/50,
    # 9 → 1/3; card 10 (due tomorrow, 1 day interval) is not late yet.
    assert ids(spread.days[1]) == [7, 1, 4, 9]
    assert ids(spread.days[2]) == [10, 6, 11]
    assert ids(spread.days[3]) == []
    assert spread.held_back == 5
    assert spread.deferred == (5, 3, 0, 0)
    assert spread.counts() == [4, 4, 3, 0]
    assert spread.beyond == ()


def test_spread_subtracts_todays_earlier_reviews_and_carries_past_the_horizon() -> None:
    cards = [due_card(i, days_ago(i), 1) for i in range(1, 8)]
    spread = spread_reviews(cards, NOW, settings(cap=3), days=1, reviews_done_today=2)
    assert ids(spread.days[0]) == [7]
    assert ids(spread.days[1]) == [6, 5, 4]
    assert ids(spread.beyond) == [3, 2, 1]
    assert spread.held_back == 6


def test_spread_without_pressure_gives_each_day_its_own_cards() -> None:
    cards = [due_card(1, TODAY, 1), due_card(2, TODAY + timedelta(days=2), 6)]
    spread = spread_reviews(cards, NOW, settings(), days=2)
    assert [ids(day) for day in spread.days] == [[1], [], [2]]
    assert spread.held_back == 0
    assert not any(spread.deferred)


def test_spread_today_matches_the_daily_queue() -> None:
    cards = [due_card(i, days_ago(i % 9), 1 + i % 5) for i in range(1, 40)]
    for done in (0, 5, 30):
        q = build_daily_queue(cards, {}, NOW, settings(cap=12), reviews_done_today=done)
        spread = spread_reviews(cards, NOW, settings(cap=12), days=0, reviews_done_today=done)
        assert spread.days[0] == q.due
        assert spread.held_back == q.held_back


@given(
    st.lists(st.tuples(st.integers(-20, 10), st.integers(0, 60)), max_size=40),
    st.integers(0, 8),
    st.integers(0, 10),
    st.integers(0, 6),
)
def test_spread_properties(raw: list, cap: int, done: int, days: int) -> None:
    cards = [
        due_card(i, TODAY + timedelta(days=offset), interval)
        for i, (offset, interval) in enumerate(raw)
    ]
    spread = spread_reviews(cards, NOW, settings(cap=cap), days=days, reviews_done_today=done)
    assert len(spread.days) == days + 1
    assert len(spread.days[0]) <= max(0, cap - done)
    assert all(len(day) <= cap for day in spread.days)
    # Every card within the horizon is placed exactly once (or still waits beyond it), never
    # on a day before it falls due.
    placed = [c for day in spread.days for c in day] + list(spread.beyond)
    horizon = [c for c, (offset, _) in zip(cards, raw, strict=True) if offset <= days]
    assert sorted(ids(placed)) == sorted(ids(horizon))
    for k, day in enumerate(spread.days):
        assert all(overdue_days(c, TODAY + timedelta(days=k), settings()) >= 0 for c in day)
    # A day with room left carries nothing over.
    for k, day in enumerate(spread.days):
        room = cap - (done if k == 0 else 0)
        if len(day) < room:
            assert spread.deferred[k] == 0


def test_spread_refuses_bad_counts() -> None:
    with pytest.raises(UsageError, match="days"):
        spread_reviews([], NOW, settings(), days=-1)
    with pytest.raises(UsageError, match="reviews_done_today"):
        spread_reviews([], NOW, settings(), days=1, reviews_done_today=-1)


# --- --minutes ---------------------------------------------------------------------------------


def test_estimate_is_the_median_of_plausible_timings() -> None:
    assert estimate_seconds([30.0, 28.0, 35.0, 31.0, 29.0], 90) == 30.0
    # A problem left open overnight and an instant paste are not solving time.
    assert estimate_seconds([30.0, 40_000.0, 0.2, 32.0, 28.0], 90) == 30.0
    # One slow answer moves a median little (a mean would be 48).
    assert estimate_seconds([30.0, 30.0, 120.0], 90) == 30.0
    assert estimate_seconds([20.0, 40.0], 90) == 30.0


def test_estimate_falls_back_to_the_template_then_the_default() -> None:
    assert estimate_seconds([], 90) == 90.0
    assert estimate_seconds([MAX_PLAUSIBLE_SECONDS + 1, float("nan")], 75) == 75.0
    assert estimate_seconds([], None) == DEFAULT_SOLVE_SECONDS
    assert estimate_seconds([], 0) == DEFAULT_SOLVE_SECONDS
    assert estimate_seconds([], float("inf")) == DEFAULT_SOLVE_SECONDS


def test_two_minutes_of_thirty_second_solves_plan_four_problems() -> None:
    items = [(i, "review") for i in range(10)]
    estimates = {i: estimate_seconds([30.0] * 8 + [36_000.0], 90) for i in range(10)}
    assert plan_minutes(items, estimates, 2) == items[:4]
    # Without history the template's 90 s per problem leaves room for one.
    assert plan_minutes(items, {i: estimate_seconds([], 90) for i in range(10)}, 2) == items[:1]


@pytest.mark.parametrize("minutes", [0.0, -1.0, math.nan, math.inf, 24 * 60 + 1])
def test_minutes_out_of_range_are_refused(minutes: float) -> None:
    with pytest.raises(UsageError, match="--minutes"):
        check_minutes(minutes)
    with pytest.raises(UsageError, match="--minutes"):
        plan_minutes([(1, "review")], {1: 30.0}, minutes)
