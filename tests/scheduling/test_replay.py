"""The schedule as a fold over the log: golden sequences by hand, then the drill's own rule.

Each golden test writes out the expected state by hand (SM-2 as pinned in docs/architecture.md,
due dates at 04:00 UTC study-day starts); the property test checks that replaying a log gives
what applying ``schedule_after`` one answer at a time, as the drill does, gives.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mathdrill.errors import UsageError
from mathdrill.scheduling.queue import CardInfo, SchedulingSettings, schedule_after
from mathdrill.scheduling.replay import CardState, Entry, replay

SETTINGS = SchedulingSettings(tz=UTC, rollover_hour=4)
DAY1 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def at(day: int, hour: int = 12) -> datetime:
    """Noon (or ``hour``) UTC of day ``day`` (day 1 is 2026-03-01)."""
    return DAY1 + timedelta(days=day - 1, hours=hour - 12)


def start_of(day: int) -> datetime:
    """04:00 UTC of day ``day``: when a card due that study day becomes due."""
    return DAY1.replace(hour=4) + timedelta(days=day - 1)


def review(ref: int, when: datetime, quality: int | None, kind: str = "review") -> Entry:
    return Entry(at=when, kind=kind, ref=ref, quality=quality)


def test_an_empty_log_is_a_new_card() -> None:
    assert replay([], SETTINGS) == replay([], SETTINGS)
    assert replay([], SETTINGS).state == CardState()
    assert replay([], SETTINGS).state.due is None


def test_six_fives_give_the_published_intervals_and_due_days() -> None:
    # Each review is on the day the previous one fell due: day 1, 2, 8, 25, 73, 213.
    # intervals 1, 6, 17, 48, 140, 420 (docs: "six 5s"), EF 2.6 … 3.1.
    days = [1, 2, 8, 25, 73, 213]
    log = [review(i + 1, at(day), 5, "learn" if i == 0 else "review") for i, day in enumerate(days)]
    result = replay(log, SETTINGS)
    assert [s.interval_after for s in result.steps] == [1, 6, 17, 48, 140, 420]
    assert [s.easiness_after_x100 for s in result.steps] == [260, 270, 280, 290, 300, 310]
    assert [s.interval_before for s in result.steps] == [0, 1, 6, 17, 48, 140]
    assert result.state == CardState(
        repetitions=6,
        easiness_x100=310,
        interval_days=420,
        due=start_of(213 + 420),
        lapses=0,
        last_review=at(213),
    )


def test_a_fail_after_learning_counts_a_lapse_and_restarts() -> None:
    # 4 → n=1, I=1, EF 2.5; 1 → lapse, n=0, I=1, EF 2.5−0.54=1.96; 3 → n=1, I=1, EF 1.82.
    log = [review(1, at(1), 4, "learn"), review(2, at(2), 1), review(3, at(3), 3)]
    state = replay(log, SETTINGS).state
    assert state == CardState(
        repetitions=1,
        easiness_x100=182,
        interval_days=1,
        due=start_of(4),
        lapses=1,
        last_review=at(3),
    )


def test_repeats_cram_and_ungraded_reviews_move_nothing() -> None:
    learned = replay([review(1, at(1), 5, "learn")], SETTINGS).state
    log = [
        review(1, at(1), 5, "learn"),
        review(2, at(1, 13), 0, "repeat"),
        review(3, at(1, 14), 0, "cram"),
        review(4, at(1, 15), None),
    ]
    result = replay(log, SETTINGS)
    assert result.state == learned
    # Each row records the state it left unchanged: before == after.
    assert [(s.interval_before, s.interval_after) for s in result.steps[1:]] == [(1, 1)] * 3


def test_a_reset_makes_the_card_new_and_keeps_suspension_and_last_review() -> None:
    log = [
        review(1, at(1), 5, "learn"),
        Entry(at=at(1, 13), kind="suspend", ref=1, after_review=1),
        Entry(at=at(1, 14), kind="reset", ref=2, after_review=1),
    ]
    assert replay(log, SETTINGS).state == CardState(suspended=True, last_review=at(1))


def test_a_learn_after_a_reset_starts_sm2_afresh() -> None:
    log = [
        review(1, at(1), 1, "learn"),  # EF 1.96
        Entry(at=at(2), kind="reset", ref=1, after_review=1),
        review(2, at(3), 4, "learn"),
    ]
    state = replay(log, SETTINGS).state
    assert (state.easiness_x100, state.interval_days, state.due) == (250, 1, start_of(4))


def test_events_at_the_same_instant_keep_the_order_they_were_recorded_in() -> None:
    # A frozen clock: learn, reset, learn again, all at one instant. The reset was recorded
    # after review 1 and before review 2.
    moment = at(1)
    log = [
        review(2, moment, 3, "learn"),
        Entry(at=moment, kind="reset", ref=1, after_review=1),
        review(1, moment, 0, "learn"),
    ]
    state = replay(log, SETTINGS).state
    # Only review 2 counts: EF 2.5 − 0.14 = 2.36, interval 1, no lapse (review 1 was erased).
    assert (state.easiness_x100, state.interval_days, state.lapses) == (236, 1, 0)


def test_adopt_takes_the_whole_state_and_later_reviews_fold_on_it() -> None:
    adopted = CardState(
        repetitions=3, easiness_x100=280, interval_days=17, due=start_of(20), last_review=at(3)
    )
    log = [
        review(1, at(1), 1, "learn"),
        Entry(at=at(5), kind="adopt", ref=1, after_review=1, adopted=adopted),
        review(2, at(20), 5),
    ]
    state = replay(log, SETTINGS).state
    # ceil(17 × 2.8 = 47.6) = 48; EF 2.9; n = 4.
    assert (state.repetitions, state.easiness_x100, state.interval_days) == (4, 290, 48)
    assert state.due == start_of(20 + 48)


def test_eight_lapses_make_a_leech_and_a_reset_clears_it() -> None:
    log = [review(1, at(1), 5, "learn")]
    ref = 1
    for day in range(2, 18, 2):  # 8 × (fail, pass): 8 lapses
        ref += 1
        log.append(review(ref, at(day), 0))
        ref += 1
        log.append(review(ref, at(day + 1), 4))
    result = replay(log, SETTINGS)
    assert (result.state.lapses, result.state.leech) == (8, True)
    assert sum(s.leech_warning for s in result.steps) == 1
    log.append(Entry(at=at(30), kind="reset", ref=1, after_review=ref))
    assert replay(log, SETTINGS).state.leech is False


def test_the_order_of_the_input_does_not_matter() -> None:
    log = [review(1, at(1), 4, "learn"), review(2, at(2), 5), review(3, at(8), 3)]
    assert replay(reversed(log), SETTINGS) == replay(log, SETTINGS)


def test_unknown_kinds_are_refused() -> None:
    with pytest.raises(UsageError):
        replay([Entry(at=at(1), kind="credit", ref=1)], SETTINGS)


def test_a_further_event_kind_plugs_in_through_extra() -> None:
    # The place implicit credit will use: a function from (state, entry) to state.
    def credit(state: CardState, entry: Entry) -> CardState:
        assert state.due is not None
        return CardState(**{**state.__dict__, "due": state.due + timedelta(days=2)})

    log = [review(1, at(1), 4, "learn"), Entry(at=at(1, 13), kind="credit", ref=1, after_review=1)]
    state = replay(log, SETTINGS, extra={"credit": credit}).state
    assert state.due == start_of(2) + timedelta(days=2)


# --- the fold is the drill's rule --------------------------------------------------------------

grades = st.lists(
    st.tuples(st.sampled_from(["first", "repeat", "cram"]), st.integers(0, 5), st.integers(0, 72)),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(grades)
def test_replaying_a_log_gives_what_the_drill_computed_step_by_step(steps) -> None:
    card = CardInfo(card_id=1, deck="d", template="t")
    when = DAY1
    log = []
    for ref, (what, quality, hours) in enumerate(steps, start=1):
        when += timedelta(hours=hours)
        kind = what if what != "first" else ("learn" if card.is_new else "review")
        update = schedule_after(card, quality, when, kind, SETTINGS)  # what the drill stores
        card = CardInfo(
            card_id=1,
            deck="d",
            template="t",
            repetitions=update.repetitions,
            easiness=update.easiness,
            interval=update.interval,
            due=update.due,
            lapses=update.lapses,
            leech=update.leech,
            last_review=update.last_review,
        )
        log.append(Entry(at=when, kind=kind, ref=ref, quality=quality))
    state = replay(log, SETTINGS).state
    assert state == CardState(
        repetitions=card.repetitions,
        easiness_x100=round(card.easiness * 100),
        interval_days=card.interval,
        due=card.due,
        lapses=card.lapses,
        leech=card.leech,
        last_review=card.last_review,
    )
