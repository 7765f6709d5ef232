"""Study days, due dates, leeches, today's queue and schedule_after, with real time zones."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from mathdrill.errors import UsageError
from mathdrill.scheduling.queue import (
    LEECH_THRESHOLD,
    CardInfo,
    SchedulingSettings,
    build_daily_queue,
    day_start,
    leech_warning,
    next_due,
    order_new_cards,
    schedule_after,
    study_day,
)
from mathdrill.scheduling.session import SessionQueue

BERLIN = ZoneInfo("Europe/Berlin")
SANTIAGO = ZoneInfo("America/Santiago")  # DST changes at local midnight
SETTINGS = SchedulingSettings(tz=BERLIN)


def berlin(y: int, mo: int, d: int, h: int = 0, mi: int = 0, fold: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=BERLIN, fold=fold)


# --- study days -------------------------------------------------------------------------------


def test_rollover_at_four_local() -> None:
    assert study_day(berlin(2026, 1, 15, 3, 59), 4, BERLIN) == date(2026, 1, 14)
    assert study_day(berlin(2026, 1, 15, 4, 0), 4, BERLIN) == date(2026, 1, 15)
    # The same instants given in UTC (Berlin is UTC+1 in January) land on the same days.
    assert study_day(datetime(2026, 1, 15, 2, 59, tzinfo=UTC), 4, BERLIN) == date(2026, 1, 14)
    assert study_day(datetime(2026, 1, 15, 3, 0, tzinfo=UTC), 4, BERLIN) == date(2026, 1, 15)


def test_rollover_hour_zero_is_plain_midnight() -> None:
    assert study_day(berlin(2026, 1, 15, 0, 0), 0, BERLIN) == date(2026, 1, 15)
    assert study_day(berlin(2026, 1, 14, 23, 59), 0, BERLIN) == date(2026, 1, 14)


def test_day_start_across_dst() -> None:
    # 2026-03-29: Berlin springs forward 02:00 CET → 03:00 CEST; 04:00 exists, now UTC+2.
    assert day_start(date(2026, 3, 29), 4, BERLIN) == datetime(2026, 3, 29, 2, 0, tzinfo=UTC)
    # The study day of 28 March is 23 hours long.
    length = day_start(date(2026, 3, 29), 4, BERLIN) - day_start(date(2026, 3, 28), 4, BERLIN)
    assert length == timedelta(hours=23)
    # 2026-10-25 03:00 CEST → 02:00 CET, inside the study day of 24 October: 25 hours long.
    length = day_start(date(2026, 10, 25), 4, BERLIN) - day_start(date(2026, 10, 24), 4, BERLIN)
    assert length == timedelta(hours=25)


def test_day_start_when_the_rollover_wall_time_is_missing_or_doubled() -> None:
    # 02:00 does not exist on 2026-03-29 in Berlin: the day starts when the gap ends (03:00 CEST).
    start = day_start(date(2026, 3, 29), 2, BERLIN)
    assert start == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    local = start.astimezone(BERLIN)
    assert (local.hour, local.utcoffset()) == (3, timedelta(hours=2))
    # 02:00 happens twice on 2026-10-25: the first one (CEST, 00:00 UTC).
    assert day_start(date(2026, 10, 25), 2, BERLIN) == datetime(2026, 10, 25, 0, 0, tzinfo=UTC)
    # The second 02:30 (fold=1, CET) still belongs to 25 October.
    assert study_day(berlin(2026, 10, 25, 2, 30, fold=1), 2, BERLIN) == date(2026, 10, 25)


@given(
    st.datetimes(
        min_value=datetime(2025, 1, 1),
        max_value=datetime(2028, 12, 31),
        timezones=st.just(UTC),
    ),
    st.integers(0, 23),
    st.sampled_from([BERLIN, SANTIAGO, UTC]),
)
def test_every_instant_lies_in_its_study_day(t: datetime, hour: int, tz: ZoneInfo) -> None:
    day = study_day(t, hour, tz)
    assert day_start(day, hour, tz) <= t < day_start(day + timedelta(days=1), hour, tz)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(UsageError, match="time zone"):
        study_day(datetime(2026, 1, 1, 12), 4, BERLIN)
    with pytest.raises(UsageError, match="rollover_hour"):
        study_day(berlin(2026, 1, 1), 24, BERLIN)
    with pytest.raises(UsageError, match="tzinfo"):
        study_day(berlin(2026, 1, 1), 4, "Europe/Berlin")  # type: ignore[arg-type]


# --- due dates --------------------------------------------------------------------------------


def test_due_tomorrow_means_from_four_tomorrow() -> None:
    assert next_due(berlin(2026, 1, 15, 9, 30), 1, 4, BERLIN) == berlin(2026, 1, 16, 4)
    assert next_due(berlin(2026, 1, 15, 23, 59), 1, 4, BERLIN) == berlin(2026, 1, 16, 4)
    # 01:30 still belongs to the 14th's study day: interval 1 is due the same morning at 04:00.
    assert next_due(berlin(2026, 1, 15, 1, 30), 1, 4, BERLIN) == berlin(2026, 1, 15, 4)
    assert next_due(berlin(2026, 1, 15, 3, 59), 6, 4, BERLIN) == berlin(2026, 1, 20, 4)
    assert next_due(berlin(2026, 1, 15, 4, 0), 6, 4, BERLIN) == berlin(2026, 1, 21, 4)


def test_due_dates_keep_local_four_across_dst() -> None:
    due = next_due(berlin(2026, 3, 28, 21), 1, 4, BERLIN)
    assert due == berlin(2026, 3, 29, 4)
    assert due.astimezone(BERLIN).utcoffset() == timedelta(hours=2)
    assert due.utcoffset() == timedelta(0)  # returned in UTC
    due = next_due(berlin(2026, 3, 1, 12), 48, 4, BERLIN)  # 1 March + 48 days = 18 April
    assert due == berlin(2026, 4, 18, 4)


# --- leeches ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "warn"),
    [
        (6, 7, False),
        (7, 8, True),
        (8, 9, False),
        (10, 11, False),
        (11, 12, True),
        (15, 16, True),
        (8, 8, False),
        (6, 9, True),  # jumped over 8
        (0, 0, False),
    ],
)
def test_leech_warning_points(before: int, after: int, warn: bool) -> None:
    assert leech_warning(before, after) is warn


def test_leech_warning_refuses_impossible_counts() -> None:
    with pytest.raises(UsageError):
        leech_warning(5, 4)
    with pytest.raises(UsageError):
        leech_warning(-1, 0)


# --- today's queue ----------------------------------------------------------------------------

NOW = berlin(2026, 3, 10, 9, 0)


def card(card_id: int, due: datetime | None = None, **kw: object) -> CardInfo:
    fields: dict = {"deck": "d", "template": f"t{card_id}", "due": due}
    if due is not None:
        fields.update(repetitions=2, interval=6, last_review=due - timedelta(days=6))
    fields.update(kw)
    return CardInfo(card_id=card_id, **fields)


def test_due_cards_most_overdue_first_ties_by_id() -> None:
    cards = [
        card(1, berlin(2026, 3, 9, 4)),
        card(2, berlin(2026, 3, 1, 4)),
        card(3, berlin(2026, 3, 9, 4)),
        card(4, berlin(2026, 3, 11, 4)),  # tomorrow: not due
        card(5, berlin(2026, 3, 10, 20)),  # later today: due today
    ]
    q = build_daily_queue(cards, {}, NOW, SETTINGS)
    assert [c.card_id for c in q.due] == [2, 1, 3, 5]
    assert q.due_total == 4
    assert q.day == date(2026, 3, 10)


def test_rollover_decides_what_is_due() -> None:
    cards = [card(1, berlin(2026, 3, 10, 4))]
    before = build_daily_queue(cards, {}, berlin(2026, 3, 10, 3, 59), SETTINGS)
    after = build_daily_queue(cards, {}, berlin(2026, 3, 10, 4, 0), SETTINGS)
    assert before.due == ()
    assert [c.card_id for c in after.due] == [1]


def test_caps_subtract_what_was_done_today() -> None:
    cards = [card(i, berlin(2026, 3, 1, 4) + timedelta(hours=i)) for i in range(1, 8)]
    cards += [card(i) for i in range(100, 110)]
    settings = SchedulingSettings(tz=BERLIN, new_per_day=4, review_cap=5)
    q = build_daily_queue(cards, {}, NOW, settings, new_done_today=1, reviews_done_today=2)
    assert [c.card_id for c in q.due] == [1, 2, 3]
    assert [c.card_id for c in q.new] == [100, 101, 102]
    assert (q.due_total, q.new_total) == (7, 10)
    over = build_daily_queue(cards, {}, NOW, settings, new_done_today=9, reviews_done_today=50)
    assert (over.due, over.new) == ((), ())


def test_suspended_cards_are_never_queued_and_leeches_are_listed() -> None:
    cards = [
        card(1, berlin(2026, 3, 1, 4), suspended=True),
        card(2, berlin(2026, 3, 1, 4), leech=True, lapses=9),
        card(3, berlin(2026, 3, 2, 4), leech=True, lapses=12),
        card(4, suspended=True),
        card(5, berlin(2026, 3, 2, 4), leech=True, lapses=20, suspended=True),
        card(6),
    ]
    q = build_daily_queue(cards, {}, NOW, SETTINGS)
    assert [c.card_id for c in q.due] == [2, 3]
    assert [c.card_id for c in q.new] == [6]
    assert [c.card_id for c in q.leeches] == [3, 2]
    assert q.suspended == 3


def test_new_cards_come_after_their_new_prerequisites() -> None:
    cards = [card(1, template="chain"), card(2, template="power"), card(3, template="product")]
    requires = {"d/chain": {"d/power", "d/product"}, "d/product": {"d/power"}}
    q = build_daily_queue(cards, requires, NOW, SETTINGS)
    assert [c.template for c in q.new] == ["power", "product", "chain"]
    # With room for one, the prerequisite is the one introduced.
    one = build_daily_queue(cards, requires, NOW, replace(SETTINGS, new_per_day=1))
    assert [c.template for c in one.new] == ["power"]


def test_learned_suspended_or_unknown_prerequisites_impose_nothing() -> None:
    cards = [
        card(1, template="b"),
        card(2, berlin(2026, 3, 20, 4), template="learned"),
        card(3, template="hidden", suspended=True),
        card(4, template="a"),
    ]
    requires = {"d/b": {"d/learned", "d/hidden", "other/missing"}}
    q = build_daily_queue(cards, requires, NOW, SETTINGS)
    assert [c.template for c in q.new] == ["b", "a"]


def test_cycles_do_not_crash_and_cards_behind_them_wait() -> None:
    # x → (y ↔ z): x requires y; y and z require each other; w is free.
    cards = [
        card(1, template="x"),
        card(2, template="y"),
        card(3, template="z"),
        card(4, template="w"),
    ]
    requires = {"d/x": {"d/y"}, "d/y": {"d/z"}, "d/z": {"d/y"}}
    order = [c.template for c in order_new_cards(cards, requires)]
    # w is free; then the y↔z cycle is broken at its earliest card, y (not at x, which merely
    # waits behind the cycle); y frees x and z, which follow in input order.
    assert order == ["w", "y", "x", "z"]


def test_new_cards_are_interleaved_across_decks_round_robin() -> None:
    cards = [
        card(1, deck="bayes", template="b1"),
        card(2, deck="bayes", template="b2"),
        card(3, deck="bayes", template="b3"),
        card(4, deck="eigen", template="e1"),
        card(5, deck="eigen", template="e2"),
        card(6, deck="odes", template="o1"),
    ]
    order = [c.template for c in order_new_cards(cards, {})]
    assert order == ["b1", "e1", "o1", "b2", "e2", "b3"]


def test_interleaving_keeps_prerequisites_first_and_does_not_burst() -> None:
    # e1 waits on b2 (another deck); once free, eigen takes its turn again, not a run of eigen.
    cards = [
        card(1, deck="bayes", template="b1"),
        card(2, deck="bayes", template="b2"),
        card(3, deck="bayes", template="b3"),
        card(4, deck="bayes", template="b4"),
        card(5, deck="eigen", template="e1"),
        card(6, deck="eigen", template="e2"),
        card(7, deck="eigen", template="e3"),
    ]
    requires = {"eigen/e1": {"bayes/b2"}, "eigen/e2": {"eigen/e1"}, "eigen/e3": {"eigen/e1"}}
    order = [c.template for c in order_new_cards(cards, requires)]
    assert order == ["b1", "b2", "e1", "b3", "e2", "b4", "e3"]


def test_self_requirement_is_ignored() -> None:
    cards = [card(1, template="a"), card(2, template="b")]
    order = order_new_cards(cards, {"d/a": {"d/a"}})
    assert [c.template for c in order] == ["a", "b"]


def test_duplicate_template_keys_are_refused() -> None:
    with pytest.raises(UsageError, match="share"):
        order_new_cards([card(1, template="a"), card(2, template="a")], {})


def test_session_items_feed_a_session_queue() -> None:
    cards = [card(1, berlin(2026, 3, 1, 4)), card(2)]
    q = build_daily_queue(cards, {}, NOW, SETTINGS)
    assert q.session_items() == [(1, "review"), (2, "learn")]
    session = SessionQueue(q.session_items())
    first = session.next()
    assert first is not None
    assert (first.card_id, first.kind) == (1, "review")


def test_naive_due_is_refused() -> None:
    with pytest.raises(UsageError, match="card 1"):
        build_daily_queue([card(1, datetime(2026, 3, 1, 4))], {}, NOW, SETTINGS)


keys = st.integers(0, 14)
card_lists = st.lists(
    st.builds(
        lambda due_offset, suspended, leech, lapses: (due_offset, suspended, leech, lapses),
        st.one_of(st.none(), st.integers(-30 * 24, 30 * 24)),
        st.booleans(),
        st.booleans(),
        st.integers(0, 20),
    ),
    max_size=30,
)


@given(
    card_lists,
    st.dictionaries(keys, st.sets(keys, max_size=3), max_size=10),
    st.integers(0, 12),
    st.integers(0, 12),
    st.integers(0, 12),
    st.integers(0, 12),
)
def test_queue_properties(
    raw: list, req: dict, new_per_day: int, review_cap: int, new_done: int, reviews_done: int
) -> None:
    cards = [
        card(
            i,
            None if off is None else NOW + timedelta(hours=off),
            suspended=susp,
            leech=leech,
            lapses=lapses,
        )
        for i, (off, susp, leech, lapses) in enumerate(raw)
    ]
    requires = {f"d/t{k}": {f"d/t{v}" for v in vs} for k, vs in req.items()}
    settings = SchedulingSettings(tz=BERLIN, new_per_day=new_per_day, review_cap=review_cap)
    q = build_daily_queue(
        cards, requires, NOW, settings, new_done_today=new_done, reviews_done_today=reviews_done
    )
    assert len(q.due) <= max(0, review_cap - reviews_done)
    assert len(q.new) <= max(0, new_per_day - new_done)
    queued = [*q.due, *q.new]
    assert not any(c.suspended for c in queued)
    assert len({c.card_id for c in queued}) == len(queued)
    dues = [(c.due.astimezone(UTC), c.card_id) for c in q.due if c.due is not None]
    assert len(dues) == len(q.due)
    assert dues == sorted(dues)
    tomorrow = day_start(q.day + timedelta(days=1), 4, BERLIN)
    assert all(c.due is not None and c.due < tomorrow for c in q.due)
    assert all(c.is_new for c in q.new)
    # Every queued new card comes after each of its prerequisites that is queued too,
    # unless they sit on a requires-cycle among the new cards.
    full = order_new_cards([c for c in cards if c.is_new and not c.suspended], requires)
    assert list(q.new) == full[: len(q.new)]
    assert {c.card_id for c in q.leeches} == {
        c.card_id for c in cards if c.leech and not c.suspended
    }


def _reachable(start: str, requires: dict[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    stack = [start]
    while stack:
        for nxt in requires.get(stack.pop(), set()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


@given(st.integers(1, 12), st.dictionaries(keys, st.sets(keys, max_size=3), max_size=12))
# Found by hypothesis: the cycle 0 <-> 4 also waits on the cycle 1 <-> 6 (0 requires 6); the
# cycle that waits on nothing outside itself must be released first.
@example(7, {0: {0, 4, 6}, 2: set(), 4: {0}, 1: {1, 6}, 3: set(), 6: {1}})
def test_new_order_respects_every_acyclic_requirement(n: int, req: dict) -> None:
    cards = [card(i) for i in range(n)]
    requires = {f"d/t{k}": {f"d/t{v}" for v in vs} for k, vs in req.items()}
    order = order_new_cards(cards, requires)
    assert sorted(c.card_id for c in order) == list(range(n))
    position = {c.key: i for i, c in enumerate(order)}
    for c in cards:
        for pre in requires.get(c.key, set()):
            if pre in position and c.key not in _reachable(pre, requires):
                assert position[pre] < position[c.key]


decks = st.sampled_from(["a", "b", "c"])


@given(
    st.lists(decks, min_size=1, max_size=12),
    st.dictionaries(keys, st.sets(keys, max_size=3), max_size=12),
)
def test_interleaved_order_respects_every_acyclic_requirement_across_decks(
    deck_of: list[str], req: dict
) -> None:
    cards = [card(i, deck=d) for i, d in enumerate(deck_of)]
    key = {i: c.key for i, c in enumerate(cards)}
    requires = {key[k]: {key[v] for v in vs if v in key} for k, vs in req.items() if k in key}
    order = order_new_cards(cards, requires)
    assert sorted(c.card_id for c in order) == list(range(len(cards)))
    position = {c.key: i for i, c in enumerate(order)}
    for c in cards:
        for pre in requires.get(c.key, set()):
            if c.key not in _reachable(pre, requires):
                assert position[pre] < position[c.key]
    # Each deck's own cards keep their file order when nothing is required.
    if not any(requires.values()):
        for d in set(deck_of):
            mine = [c.card_id for c in order if c.deck == d]
            assert mine == sorted(mine)


# --- schedule_after ---------------------------------------------------------------------------


def test_learning_a_new_card() -> None:
    new = card(1)
    up = schedule_after(new, 5, NOW, "learn", SETTINGS)
    assert (up.repetitions, up.easiness, up.interval, up.lapses) == (1, 2.6, 1, 0)
    assert up.due == berlin(2026, 3, 11, 4)
    assert up.last_review == NOW
    assert up.moved
    assert not up.leech_warning


def test_a_lapse_counts_and_the_eighth_flags_a_leech() -> None:
    learned = card(1, berlin(2026, 3, 9, 4), lapses=LEECH_THRESHOLD - 1)
    up = schedule_after(learned, 1, NOW, "review", SETTINGS)
    # EF 2.5 − 0.54 = 1.96; fail: n = 0, interval 1.
    assert (up.repetitions, up.easiness, up.interval) == (0, 1.96, 1)
    assert up.lapses == LEECH_THRESHOLD
    assert up.leech
    assert up.leech_warning
    relearned = replace(learned, lapses=8, leech=True, repetitions=0, interval=1)
    again = schedule_after(relearned, 0, NOW, "review", SETTINGS)
    assert again.lapses == 8  # not learned since the last fail: not a lapse
    assert again.leech
    assert not again.leech_warning


@pytest.mark.parametrize("kind", ["repeat", "cram"])
@pytest.mark.parametrize("quality", [0, 5])
def test_repeat_and_cram_never_move_the_schedule(kind: str, quality: int) -> None:
    c = card(1, berlin(2026, 3, 20, 4), easiness=2.1, lapses=3)
    up = schedule_after(c, quality, NOW, kind, SETTINGS)  # type: ignore[arg-type]
    assert not up.moved
    assert (up.repetitions, up.easiness, up.interval, up.due, up.lapses, up.leech) == (
        c.repetitions,
        c.easiness,
        c.interval,
        c.due,
        c.lapses,
        c.leech,
    )
    assert up.last_review == c.last_review


def test_schedule_after_refuses_mismatched_kinds() -> None:
    with pytest.raises(UsageError, match="'review'"):
        schedule_after(card(1, berlin(2026, 3, 1, 4)), 4, NOW, "learn", SETTINGS)
    with pytest.raises(UsageError, match="'learn'"):
        schedule_after(card(1), 4, NOW, "review", SETTINGS)
    with pytest.raises(UsageError, match="Unknown review kind"):
        schedule_after(card(1), 4, NOW, "test", SETTINGS)  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="quality"):
        schedule_after(card(1), 9, NOW, "learn", SETTINGS)


def test_settings_are_validated() -> None:
    with pytest.raises(UsageError, match="new_per_day"):
        SchedulingSettings(tz=BERLIN, new_per_day=-1)
    with pytest.raises(UsageError, match="rollover_hour"):
        SchedulingSettings(tz=BERLIN, rollover_hour=24)
