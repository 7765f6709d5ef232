"""The graph scheduler's rules: golden sequences worked by hand, then hypothesis invariants."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mathdrill.errors import UsageError
from mathdrill.scheduling.graph import (
    PrerequisiteGraph,
    Schedule,
    apply_credit,
    apply_event,
    apply_penalty,
    credit_discount,
    due_of,
    events_after_review,
    order_by_knockouts,
    resolve_requirement,
    schedule_of,
    unlocked,
)
from mathdrill.scheduling.queue import CardInfo, SchedulingSettings, schedule_after

D0 = date(2026, 3, 2)


def day(n: int) -> date:
    return D0 + timedelta(days=n)


def chain(weight: float = 0.5) -> PrerequisiteGraph:
    """``top`` requires ``mid``, which requires ``base``."""
    return PrerequisiteGraph({"top": ["mid"], "mid": ["base"], "base": []}, default_weight=weight)


# --- the graph --------------------------------------------------------------------------------


def test_resolve_requirement() -> None:
    assert resolve_requirement("derivatives", "power-rule") == "derivatives/power-rule"
    assert resolve_requirement("eigen", "derivatives/power-rule") == "derivatives/power-rule"


def test_weights_multiply_down_a_chain() -> None:
    assert chain().below("top") == {"mid": 0.5, "base": 0.25}
    assert chain().below("base") == {}
    assert chain().below("unknown") == {}


def test_the_heaviest_path_wins() -> None:
    graph = PrerequisiteGraph(
        {"a": ["b", "c"], "b": ["d"], "c": ["d"]},
        weights={("a", "c"): 0.9},
        default_weight=0.5,
    )
    # a → b → d weighs 0.25, a → c → d weighs 0.45.
    assert graph.below("a") == {"b": 0.5, "c": 0.9, "d": pytest.approx(0.45)}


def test_light_skills_are_not_reached() -> None:
    graph = PrerequisiteGraph({"a": ["b"], "b": ["c"], "c": ["d"], "d": ["e"]}, default_weight=0.5)
    assert graph.below("a", min_weight=0.1) == {"b": 0.5, "c": 0.25, "d": 0.125}


def test_a_cycle_ends_and_self_edges_are_ignored() -> None:
    graph = PrerequisiteGraph({"x": ["y", "x"], "y": ["x"]}, default_weight=0.5)
    assert graph.below("x") == {"y": 0.5}
    assert graph.prerequisites("x") == {"y": 0.5}


@pytest.mark.parametrize("weight", [0, -0.5, 1.5, float("nan"), True, "0.5"])
def test_weights_outside_zero_one_are_refused(weight: object) -> None:
    with pytest.raises(UsageError):
        PrerequisiteGraph({"a": ["b"]}, default_weight=weight)  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        PrerequisiteGraph({"a": ["b"]}, weights={("a", "b"): weight})  # type: ignore[dict-item]


def test_weighting_an_edge_that_does_not_exist_is_refused() -> None:
    with pytest.raises(UsageError, match="does not require"):
        PrerequisiteGraph({"a": ["b"]}, weights={("b", "a"): 0.5})


# --- credit -----------------------------------------------------------------------------------

# A card passed three times with EF 2.5: interval 15, due on day 15. A full pass on day 15
# would give ceil(15 × 2.5) = 38 days, so due on day 53.
MATURE = Schedule(repetitions=3, easiness=2.5, interval=15, last_day=D0)


def test_golden_credit_sequence_on_the_due_day() -> None:
    # Due: no discount. Half of the 38 days between day 15 and day 53: 19.
    first = apply_credit(MATURE, 0.5, day(15))
    assert first == Schedule(3, 2.5, 34, D0)
    assert first.due_day == day(34)
    # A second credit the same day counts for 15/34 of its weight: a full pass would give
    # ceil(34 × 2.5) = 85 days (due day 100); 0.5 × 15/34 × (100 − 34) = 14.56 → 15 days.
    second = apply_credit(first, 0.5, day(15))
    assert second == Schedule(3, 2.5, 49, D0)
    # The next explicit pass builds on the lengthened interval: ceil(49 × 2.5) = 123.
    assert second.after_review(4, day(49)) == Schedule(4, 2.5, 123, day(49))


def test_golden_credit_before_the_card_is_due() -> None:
    # Day 5 of 15: a third of the weight. A pass would be due on day 5 + 38 = 43, 28 days
    # after day 15; (0.5 / 3) × 28 = 4.67 → 5 days.
    assert credit_discount(MATURE, day(5)) == pytest.approx(1 / 3)
    assert apply_credit(MATURE, 0.5, day(5)) == Schedule(3, 2.5, 20, D0)


def test_no_credit_on_the_day_of_the_last_review() -> None:
    assert credit_discount(MATURE, D0) == 0
    assert apply_credit(MATURE, 1.0, D0) is MATURE


def test_a_full_credit_is_a_pass() -> None:
    assert apply_credit(MATURE, 1.0, day(15)) == Schedule(4, 2.5, 38, day(15))
    # Overdue counts as due: the discount is capped at 1.
    assert apply_credit(MATURE, 1.0, day(20)) == Schedule(4, 2.5, 38, day(20))


def test_a_small_credit_may_move_nothing() -> None:
    failed = Schedule(repetitions=0, easiness=2.2, interval=1, last_day=D0)
    # A pass would give 1 day: due day 2 instead of 1; 0.25 × 1 rounds to 0.
    assert apply_credit(failed, 0.25, day(1)) is failed
    assert apply_credit(failed, 0.5, day(1)) == Schedule(0, 2.2, 2, D0)


def test_golden_credit_events_of_a_pass() -> None:
    schedules = {"mid": MATURE, "base": MATURE}
    events = events_after_review(chain(), schedules, "top", 4, day(15))
    assert [(e.kind, e.source, e.target, e.weight) for e in events] == [
        ("credit", "top", "mid", 0.5),
        ("credit", "top", "base", 0.25),
    ]
    assert events[0].before == MATURE
    assert events[0].after == Schedule(3, 2.5, 34, D0)
    # 0.25 × 38 = 9.5 → 10 days.
    assert events[1].after == Schedule(3, 2.5, 25, D0)
    # Each event replays from its stored weight: the fold's step.
    for event in events:
        assert apply_event(event.before, event.kind, event.weight, event.day) == event.after


def test_a_pass_credits_only_scheduled_cards_and_only_changes() -> None:
    # base is new (no schedule); mid was reviewed today, so its credit is zero.
    events = events_after_review(chain(), {"mid": Schedule(1, 2.5, 1, day(15))}, "top", 5, day(15))
    assert events == []


def test_a_hard_pass_credits_too() -> None:
    assert len(events_after_review(chain(), {"mid": MATURE}, "top", 3, day(15))) == 1


# --- penalty ----------------------------------------------------------------------------------

# Passed four times: interval 38, due on day 38.
STRONG = Schedule(repetitions=4, easiness=2.5, interval=38, last_day=D0)


def test_golden_penalty_trickle_down() -> None:
    schedules = {"mid": STRONG, "base": MATURE}
    events = events_after_review(chain(), schedules, "top", 1, day(10), implicated=["mid"])
    assert [(e.kind, e.target, e.weight) for e in events] == [
        ("penalty", "mid", 1.0),
        ("penalty", "base", 0.5),
    ]
    # mid: all 28 remaining days taken but one: due tomorrow, day 11.
    assert events[0].after == Schedule(4, 2.5, 11, D0)
    # base: due day 15, 5 days left; half taken: ceil(2.5) = 3 left, due day 13.
    assert events[1].after == Schedule(3, 2.5, 13, D0)
    for event in events:
        assert apply_event(event.before, event.kind, event.weight, event.day) == event.after


def test_a_fail_blames_only_what_the_mistake_points_at() -> None:
    schedules = {"mid": STRONG, "base": STRONG}
    assert events_after_review(chain(), schedules, "top", 1, day(10)) == []
    # Pointing at base leaves mid alone.
    events = events_after_review(chain(), schedules, "top", 0, day(10), implicated=["base"])
    assert [e.target for e in events] == ["base"]
    # A skill that is not below the failed one is ignored.
    assert events_after_review(chain(), schedules, "mid", 1, day(10), implicated=["top"]) == []


def test_a_card_due_within_a_day_is_not_penalised() -> None:
    assert apply_penalty(MATURE, 1.0, day(14)) is MATURE
    assert apply_penalty(MATURE, 1.0, day(20)) is MATURE


def test_unknown_event_kind_is_refused() -> None:
    with pytest.raises(UsageError, match="credit"):
        apply_event(MATURE, "bonus", 0.5, day(1))  # type: ignore[arg-type]


# --- knock-outs -------------------------------------------------------------------------------


def test_knockouts_come_first_and_the_covered_last() -> None:
    graph = PrerequisiteGraph({"top": ["mid"], "mid": ["base"], "base": [], "x": []})
    due = ["base", "x", "mid", "top"]  # most overdue first
    schedules = dict.fromkeys(due, MATURE)
    # top's credit moves mid and base past today; mid's only base.
    assert order_by_knockouts(graph, schedules, due, day(15)) == ["top", "x", "base", "mid"]


def test_a_credit_too_small_to_move_a_card_knocks_nothing_out() -> None:
    graph = chain(weight=0.25)
    failed = Schedule(repetitions=0, easiness=2.2, interval=1, last_day=day(14))
    schedules = {"top": MATURE, "mid": failed}
    assert order_by_knockouts(graph, schedules, ["mid", "top"], day(15)) == ["mid", "top"]


def test_without_edges_the_order_is_kept() -> None:
    graph = PrerequisiteGraph({"a": [], "b": [], "c": []})
    schedules = dict.fromkeys("abc", MATURE)
    assert order_by_knockouts(graph, schedules, ["c", "a", "b"], day(15)) == ["c", "a", "b"]


# --- unlocking --------------------------------------------------------------------------------


def test_new_skills_unlock_in_prerequisite_order() -> None:
    graph = PrerequisiteGraph(
        {"top": ["mid"], "mid": ["base"], "base": [], "z": ["gone"], "w": ["mid", "base"]}
    )
    learned = {"base": MATURE}
    assert unlocked(graph, ["mid", "top", "z", "w"], learned) == ["mid", "z"]
    # A prerequisite failed since its last pass is not learned.
    relapsed = {"base": Schedule(0, 2.3, 1, D0)}
    assert unlocked(graph, ["mid", "top", "z"], relapsed) == ["z"]
    assert unlocked(graph, ["w"], {"base": MATURE, "mid": MATURE}) == ["w"]


# --- invariants -------------------------------------------------------------------------------

schedules_st = st.builds(
    Schedule,
    repetitions=st.integers(0, 12),
    easiness=st.integers(130, 300).map(lambda h: h / 100),
    interval=st.integers(1, 400),
    last_day=st.integers(0, 30).map(day),
)


@given(schedules_st, st.floats(0.01, 1.0), st.integers(0, 500))
def test_credit_moves_due_out_only_and_keeps_ef(s: Schedule, weight: float, offset: int) -> None:
    today = s.last_day + timedelta(days=offset)
    after = apply_credit(s, weight, today)
    assert after.due_day >= s.due_day
    assert after.easiness == s.easiness
    assert after.repetitions in (s.repetitions, s.repetitions + 1)


@given(schedules_st, st.floats(0.01, 1.0), st.integers(0, 500))
def test_penalty_pulls_in_only_and_never_before_tomorrow(
    s: Schedule, weight: float, offset: int
) -> None:
    today = s.last_day + timedelta(days=offset)
    after = apply_penalty(s, weight, today)
    assert after.due_day <= s.due_day
    if after != s:
        assert after.due_day >= today + timedelta(days=1)
        assert (after.repetitions, after.easiness, after.last_day) == (
            s.repetitions,
            s.easiness,
            s.last_day,
        )


# --- stored cards -----------------------------------------------------------------------------

BERLIN = SchedulingSettings(tz=ZoneInfo("Europe/Berlin"))


def test_a_stored_card_and_its_schedule() -> None:
    # 01:30 on 15 January in Berlin still belongs to the study day of 14 January.
    reviewed = datetime(2026, 1, 15, 1, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    card = CardInfo(
        1,
        "d",
        "t",
        repetitions=2,
        easiness=2.5,
        interval=6,
        due=datetime(2026, 1, 20, 3, 0, tzinfo=UTC),
        last_review=reviewed,
    )
    schedule = schedule_of(card, BERLIN)
    assert schedule == Schedule(2, 2.5, 6, date(2026, 1, 14))
    assert due_of(schedule, BERLIN) == card.due
    # A credit's new due instant is the start of the new due study day.
    credited = apply_credit(schedule, 1.0, date(2026, 1, 20))
    assert due_of(credited, BERLIN) == datetime(2026, 2, 4, 3, 0, tzinfo=UTC)


def test_new_cards_have_no_schedule() -> None:
    assert schedule_of(CardInfo(1, "d", "t"), BERLIN) is None


@given(
    st.lists(st.integers(0, 5), min_size=1, max_size=8),
    st.lists(st.integers(1, 60 * 24 * 40), min_size=8, max_size=8),
)
def test_schedule_of_agrees_with_schedule_after(qualities: list[int], gaps: list[int]) -> None:
    card = CardInfo(1, "d", "t")
    now = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
    for quality, gap in zip(qualities, gaps, strict=False):
        kind = "learn" if card.is_new else "review"
        update = schedule_after(card, quality, now, kind, BERLIN)
        card = CardInfo(
            1,
            "d",
            "t",
            update.repetitions,
            update.easiness,
            update.interval,
            update.due,
            update.lapses,
            False,
            update.leech,
            update.last_review,
        )
        schedule = schedule_of(card, BERLIN)
        assert schedule is not None
        assert due_of(schedule, BERLIN) == card.due
        now += timedelta(minutes=gap)
