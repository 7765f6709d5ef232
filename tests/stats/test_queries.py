"""Storage aggregation queries against real SQLite files, answers computed independently here."""

from __future__ import annotations

import random
import sqlite3
import statistics
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pytest

from mathdrill.storage import aggregates as q
from mathdrill.storage import open_database as q_open
from mathdrill.usecases.progress import figures_by_day, median_of_histogram

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
    got = figures_by_day(db, zone, rollover)
    assert {d: a.reviews for d, a in got.items()} == dict(expected)


def test_day_figures_count_kinds_accuracy_and_time(db, history):
    zone = ZoneInfo("Europe/Berlin")
    a = history.card("d", "a", NOW - timedelta(days=10))
    b = history.card("d", "b", NOW - timedelta(days=10))
    day1 = datetime(2026, 5, 30, 18, 0, tzinfo=zone)
    history.review(a, day1, kind="learn", correct=False, seconds=30)
    history.review(a, day1 + timedelta(minutes=5), kind="repeat", correct=True, seconds=5)
    history.review(b, day1 + timedelta(hours=8), kind="learn", correct=True, seconds=None)  # 02:00
    history.review(b, day1 + timedelta(hours=11), kind="cram", correct=True, seconds=7)  # 05:00
    got = figures_by_day(db, zone, 4)
    assert got == {
        date(2026, 5, 30): q.DayFigures(3, 2, 2, 1, 35.0),
        date(2026, 5, 31): q.DayFigures(1, 0, 0, 0, 7.0),
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
    per_day = {d: f.retention for d, f in figures_by_day(db, zone, 4).items()}
    assert per_day[date(2026, 5, 31)] == q.RetentionCounts(1, 0, 1, 1)
    assert per_day[date(2026, 6, 1)] == q.RetentionCounts(young=1, young_correct=1)
    assert per_day[date(2026, 5, 1)] == q.RetentionCounts()  # learn reviews: never counted
    # The same from a scope as from the whole log.
    scoped = figures_by_day(db, zone, 4, q.Scope(decks=("d",)))
    assert {d: f.retention for d, f in scoped.items()} == per_day


def test_scopes_filter_by_deck_and_skill(db, history):
    a = history.card("alpha", "one", NOW - timedelta(days=5))
    b = history.card("alpha", "two", NOW - timedelta(days=5))
    c = history.card("beta", "one", NOW - timedelta(days=5))
    for card, n in ((a, 1), (b, 2), (c, 4)):
        for i in range(n):
            history.review(card, NOW - timedelta(hours=i + 1), kind="cram", interval=None)

    def count(scope: q.Scope) -> int:
        return sum(f.reviews for f in figures_by_day(db, UTC, 0, scope).values())

    assert count(q.Scope()) == 7
    assert count(q.Scope(decks=("alpha",))) == 3
    assert count(q.Scope(keys=(("alpha", "two"), ("beta", "one")))) == 6
    assert count(q.Scope(decks=("beta",), keys=(("alpha", "two"),))) == 0
    assert count(q.Scope(keys=())) == 0


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
    edges = [NOW, NOW + timedelta(days=30)]
    skills = [("beta", "one"), ("beta", "never"), ("alpha", "two")]
    overview = q.card_overview(db, edges, 2, since, skills=skills)
    by_deck = overview.deck_summaries
    assert by_deck["alpha"].first_try == 4
    assert by_deck["alpha"].first_try_correct == 3
    alpha_times = [12.0, 30.5, 7.25, 3.0]
    assert median_of_histogram(by_deck["alpha"].seconds_histogram) == pytest.approx(
        # SQLite's round() goes half away from zero (7.25 → 7.3), Python's round() to even.
        statistics.median(
            [float(Decimal(str(t)).quantize(Decimal("0.1"), ROUND_HALF_UP)) for t in alpha_times]
        )
    )
    by_skill = overview.skill_summaries
    assert set(by_skill) == {("beta", "one"), ("alpha", "two")}  # "never" has no first try
    assert by_skill[("beta", "one")].first_try == 2
    assert by_skill[("alpha", "two")].seconds_histogram == ((3.0, 1),)
    assert q.merge_summaries(by_skill.values()) == q.ReviewSummary(
        3, 2, 3, ((3.0, 1), (40.0, 1), (41.0, 1))
    )
    assert q.merge_summaries([]) is None
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
    counts = overview.decks
    assert counts["beta"] == q.CardCounts(total=2, seen=1, mastered=1, suspended=0, leeches=0)
    assert counts["alpha"] == q.CardCounts(total=2, seen=2, mastered=0, suspended=0, leeches=1)
    assert overview.skills == {
        ("beta", "one"): q.CardCounts(1, 1, 1, 0, 0),
        ("beta", "never"): q.CardCounts(1, 0, 0, 0, 0),
        ("alpha", "two"): q.CardCounts(1, 1, 0, 0, 1),
    }
    assert [x.id for x in overview.lowest_ease] == [b, a]
    assert [x.id for x in overview.most_lapses] == [b]
    assert [x.id for x in overview.leeches] == [b]
    assert overview.intervals == {2: 2, 25: 1}
    # a's last review was 3 days ago with interval 2 → overdue; b's likewise; c due in 22 days.
    assert overview.due_before == [2, 3]
    beta = q.card_overview(db, [NOW], 2, since, q.Scope(decks=("beta",)))
    assert beta.due_before == [0]
    assert set(beta.deck_summaries) == {"beta"}


@pytest.mark.parametrize("values", [[1], [1, 2], [3, 1, 2], [5, 5, 5, 1], [0.5, 9.9, 2.2, 2.2, 7]])
def test_median_of_histogram_agrees_with_statistics(values):
    histogram = sorted(Counter(values).items())
    assert median_of_histogram(histogram) == pytest.approx(statistics.median(values))


def test_median_of_empty_histogram_is_none():
    assert median_of_histogram([]) is None


def test_card_overview_agrees_with_sorting_every_card(tmp_path):
    """Top-k lists, counts, intervals and due counts against a plain sort of all cards."""
    path = tmp_path / "cards.db"
    db = q_open(str(path))
    try:
        rng = random.Random(11)
        keys = [(f"deck-{i % 7}", f"t{i}") for i in range(300)]
        db.ensure_cards(keys, NOW - timedelta(days=400))
        conn = sqlite3.connect(path)
        cards_state = []
        for card_id in range(1, 301):
            due = None if rng.random() < 0.2 else NOW + timedelta(hours=rng.randrange(-500, 900))
            values = (
                rng.choice([130, 150, 170, 250]),  # ties in EF on purpose
                rng.choice([0, 0, 1, 2, 3]),
                rng.random() < 0.1,
                rng.random() < 0.15,
                rng.choice([0, 1, 5, 21, 30]),
                None if due is None else due.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f"),
            )
            conn.execute(
                "UPDATE cards SET easiness_x100=?, lapses=?, leech=?, suspended=?,"
                " interval_days=?, due=? WHERE id=?",
                (*values, card_id),
            )
            cards_state.append((card_id, keys[card_id - 1], values, due))
        conn.commit()
        conn.close()
        edges = [NOW + timedelta(days=d) for d in range(0, 40, 3)]
        got = q.card_overview(db, edges, 6, NOW, skills=keys[:50])
    finally:
        db.close()
    active = [c for c in cards_state if c[3] is not None and not c[2][3]]
    lowest = sorted(active, key=lambda c: (c[2][0], -c[2][1], c[0]))[:6]
    lapsed = sorted((c for c in active if c[2][1] > 0), key=lambda c: (-c[2][1], c[2][0], c[0]))
    leeches = sorted((c for c in active if c[2][2]), key=lambda c: (-c[2][1], c[2][0], c[0]))
    assert [c.id for c in got.lowest_ease] == [c[0] for c in lowest]
    assert [c.id for c in got.most_lapses] == [c[0] for c in lapsed[:6]]
    assert [c.id for c in got.leeches] == [c[0] for c in leeches[:6]]
    assert got.intervals == dict(Counter(c[2][4] for c in active))
    assert got.due_before == [sum(c[3] < e for c in active) for e in edges]
    deck0 = [c for c in cards_state if c[1][0] == "deck-0"]
    assert got.decks["deck-0"] == q.CardCounts(
        len(deck0),
        sum(c[3] is not None for c in deck0),
        sum(c[3] is not None and c[2][4] >= 21 for c in deck0),
        sum(c[2][3] for c in deck0),
        sum(c[2][2] for c in deck0),
    )
    assert set(got.skills) == set(keys[:50])
