"""Storage aggregation queries against real SQLite files, answers computed independently here."""

from __future__ import annotations

import random
import statistics
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pytest

from mathdrill.progress import day_rule, median_of_histogram
from mathdrill.storage import stats as q

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def naive_study_day(moment: datetime, zone: ZoneInfo, rollover: int) -> date:
    """The definition, written out: local calendar date, one day earlier before the rollover."""
    local = moment.astimezone(zone)
    return local.date() - timedelta(days=1) if local.hour < rollover else local.date()


@pytest.mark.parametrize(
    ("zone_name", "rollover"),
    [
        ("Europe/Berlin", 4),
        ("America/New_York", 0),
        ("Asia/Kolkata", 4),  # +05:30, no DST
        ("Australia/Lord_Howe", 3),  # a 30-minute DST shift
        ("UTC", 23),
    ],
)
def test_day_buckets_match_the_definition_across_dst(db, history, zone_name, rollover):
    zone = ZoneInfo(zone_name)
    rng = random.Random(zone_name)
    card = history.card("d", "t", NOW - timedelta(days=400))
    start = NOW - timedelta(days=365)
    instants = sorted(start + timedelta(seconds=rng.randrange(365 * 86400)) for _ in range(150))
    # Add instants within a minute of every rollover around each DST change, where bugs hide.
    for moment in (start + timedelta(hours=h) for h in range(0, 365 * 24, 6)):
        before = (moment - timedelta(hours=6)).astimezone(zone).utcoffset()
        if moment.astimezone(zone).utcoffset() != before:
            instants += [moment + timedelta(minutes=m) for m in range(-1500, 1500, 30)]
    instants = sorted(set(instants))
    for at in instants:
        history.review(card, at, kind="cram", interval=None)
    expected = Counter(naive_study_day(at, zone, rollover) for at in instants)
    rule = day_rule(zone, rollover, instants[0], NOW)
    got = q.day_activity(db, rule, instants[0] - timedelta(days=2))
    assert {d: a.reviews for d, a in got.items()} == dict(expected)
    assert all(rule.day_of(at) == naive_study_day(at, zone, rollover) for at in instants)


def test_day_activity_counts_kinds_accuracy_and_time(db, history):
    zone = ZoneInfo("Europe/Berlin")
    a = history.card("d", "a", NOW - timedelta(days=10))
    b = history.card("d", "b", NOW - timedelta(days=10))
    day1 = datetime(2026, 5, 30, 18, 0, tzinfo=zone)
    history.review(a, day1, kind="learn", correct=False, seconds=30)
    history.review(a, day1 + timedelta(minutes=5), kind="repeat", correct=True, seconds=5)
    history.review(b, day1 + timedelta(hours=8), kind="learn", correct=True, seconds=None)  # 02:00
    history.review(b, day1 + timedelta(hours=11), kind="cram", correct=True, seconds=7)  # 05:00
    rule = day_rule(zone, 4, day1, NOW)
    got = q.day_activity(db, rule, day1 - timedelta(days=1))
    assert got == {
        date(2026, 5, 30): q.DayActivity(3, 2, 2, 1, 35.0),
        date(2026, 5, 31): q.DayActivity(1, 0, 0, 0, 7.0),
    }


def test_retention_counts_first_review_per_card_and_day_young_and_mature(db, history):
    zone = ZoneInfo("Europe/Berlin")
    young = history.card("d", "young", NOW - timedelta(days=100))
    mature = history.card("d", "mature", NOW - timedelta(days=100))
    t0 = datetime(2026, 5, 1, 10, 0, tzinfo=zone)
    history.review(young, t0, kind="learn", interval=3)  # learn: never counted
    history.review(mature, t0, kind="learn", interval=30)
    day = datetime(2026, 5, 31, 20, 0, tzinfo=zone)
    # young: wrong first, then right the same study day (01:00 is still that day): counts wrong.
    history.review(young, day, correct=False, interval=1)
    history.review(young, day + timedelta(hours=5), correct=True, interval=1)
    history.review(young, day + timedelta(minutes=1), kind="repeat", correct=True)
    # mature: right, then a second review the same day, wrong: counts right.
    history.review(mature, day, correct=True, interval=60)
    history.review(mature, day + timedelta(hours=1), correct=False, interval=1)
    # the next study day (after 04:00): young again, its interval before is 1 → young, right.
    history.review(young, day + timedelta(hours=9), correct=True, interval=2)
    rule = day_rule(zone, 4, t0, NOW)
    today_start = datetime(2026, 6, 1, 4, 0, tzinfo=zone)
    got = q.retention(db, rule, [today_start, today_start - timedelta(days=6)])
    assert got[0] == q.RetentionCounts(young=1, young_correct=1)
    assert got[1] == q.RetentionCounts(2, 1, 1, 1)
    assert got[2] == got[1]  # all time: nothing older than a week was a review


def test_scopes_filter_by_deck_and_skill(db, history):
    a = history.card("alpha", "one", NOW - timedelta(days=5))
    b = history.card("alpha", "two", NOW - timedelta(days=5))
    c = history.card("beta", "one", NOW - timedelta(days=5))
    for card, n in ((a, 1), (b, 2), (c, 4)):
        for i in range(n):
            history.review(card, NOW - timedelta(hours=i + 1), kind="cram", interval=None)
    assert q.count_reviews(db) == 7
    assert q.count_reviews(db, q.Scope(decks=("alpha",))) == 3
    assert q.count_reviews(db, q.Scope(keys=(("alpha", "two"), ("beta", "one")))) == 6
    assert q.count_reviews(db, q.Scope(decks=("beta",), keys=(("alpha", "two"),))) == 0
    assert q.count_reviews(db, q.Scope(keys=())) == 0


def test_summaries_mistakes_and_card_states(db, history):
    a = history.card("alpha", "one", NOW - timedelta(days=50))
    b = history.card("alpha", "two", NOW - timedelta(days=50))
    c = history.card("beta", "one", NOW - timedelta(days=50))
    history.card("beta", "never", NOW - timedelta(days=50))
    times = {a: [12.0, 30.5, 7.25], b: [3.0], c: [40.0, 41.0]}
    for card, values in times.items():
        for i, s in enumerate(values):
            history.review(
                card,
                NOW - timedelta(days=3, hours=i),
                kind="learn" if i == 0 else "review",
                correct=i % 2 == 0,
                seconds=s,
                mistake=None if i % 2 == 0 else "sign",
                interval=25 if card == c else 2,
                ef=1.3 if card == b else 2.5,
                lapses=3 if card == b else 0,
                leech=card == b,
            )
    history.review(a, NOW - timedelta(days=1), kind="repeat", mistake="sign", seconds=99)
    history.review(c, NOW - timedelta(days=1), kind="cram", mistake="drop", seconds=99)
    since = NOW - timedelta(days=10)
    by_deck = q.review_summaries(db, since, by_skill=False)
    assert by_deck["alpha"].first_try == 4
    assert by_deck["alpha"].first_try_correct == 3
    alpha_times = [12.0, 30.5, 7.25, 3.0]
    assert median_of_histogram(by_deck["alpha"].seconds_histogram) == pytest.approx(
        # SQLite's round() goes half away from zero (7.25 → 7.3), Python's round() to even.
        statistics.median(
            [float(Decimal(str(t)).quantize(Decimal("0.1"), ROUND_HALF_UP)) for t in alpha_times]
        )
    )
    by_skill = q.review_summaries(db, since, by_skill=True)
    assert by_skill[("beta", "one")].first_try == 2
    mistakes = q.frequent_mistakes(db, since, 10)
    assert mistakes == [
        q.MistakeCount("alpha", "one", "sign", 2),
        q.MistakeCount("beta", "one", "drop", 1),
        q.MistakeCount("beta", "one", "sign", 1),
    ]
    assert q.frequent_mistakes(db, NOW - timedelta(days=2), 1) == [
        q.MistakeCount("alpha", "one", "sign", 1)
    ]
    assert q.top_mistake_per_card(db, [a, b, c]) == {a: ("sign", 2), c: ("drop", 1)}
    counts = q.card_counts(db, by_skill=False)
    assert counts["beta"] == q.CardCounts(total=2, seen=1, mastered=1, suspended=0, leeches=0)
    assert counts["alpha"] == q.CardCounts(total=2, seen=2, mastered=0, suspended=0, leeches=1)
    weakest = q.weakest_cards(db, 2)
    assert [x.id for x in weakest["lowest_ease"]] == [b, a]
    assert [x.id for x in weakest["most_lapses"]] == [b]
    assert [x.id for x in weakest["leeches"]] == [b]
    assert q.interval_histogram(db) == {2: 2, 25: 1}
    # a's last review was 3 days ago with interval 2 → overdue; b's likewise; c due in 22 days.
    assert q.due_before(db, [NOW, NOW + timedelta(days=30)]) == [2, 3]
    assert q.due_before(db, [NOW], q.Scope(decks=("beta",))) == [0]


@pytest.mark.parametrize("values", [[1], [1, 2], [3, 1, 2], [5, 5, 5, 1], [0.5, 9.9, 2.2, 2.2, 7]])
def test_median_of_histogram_agrees_with_statistics(values):
    histogram = sorted(Counter(values).items())
    assert median_of_histogram(histogram) == pytest.approx(statistics.median(values))


def test_median_of_empty_histogram_is_none():
    assert median_of_histogram([]) is None
