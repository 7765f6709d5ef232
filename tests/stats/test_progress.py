"""The stats use case over real databases and real deck files."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from mathdrill.decks.catalog import catalog_files, read_catalog
from mathdrill.decks.library import deck_sources, load_library
from mathdrill.errors import UsageError
from mathdrill.usecases.progress import build_stats, stats_to_json, streaks
from tests.factories import write_deck

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=BERLIN)


def test_streaks_end_today_or_yesterday():
    d = date(2026, 6, 1)
    days = [d - timedelta(days=n) for n in (9, 8, 7, 6, 3, 2, 1)]
    assert streaks(days, d) == (3, 4)  # nothing today yet: the streak up to yesterday holds
    assert streaks([*days, d], d) == (4, 4)
    assert streaks(days[:4], d) == (0, 4)
    assert streaks([], d) == (0, 0)


def test_streak_follows_the_rollover_hour(db, history):
    card = history.card("d", "t", NOW - timedelta(days=30))
    # 23:30 on 29 May, 03:30 on 31 May (= study day 30 May), 10:00 on 31 May.
    for at in (
        datetime(2026, 5, 29, 23, 30, tzinfo=BERLIN),
        datetime(2026, 5, 31, 3, 30, tzinfo=BERLIN),
        datetime(2026, 5, 31, 10, 0, tzinfo=BERLIN),
    ):
        history.review(card, at, kind="cram", interval=None)
    stats = build_stats(db, read_catalog([]), NOW, zone=BERLIN, rollover_hour=4)
    assert (stats.today.current_streak, stats.today.longest_streak) == (3, 3)
    # With midnight rollover the 03:30 review is on 31 May: 30 May is empty, the run breaks.
    stats = build_stats(db, read_catalog([]), NOW, zone=BERLIN, rollover_hour=0)
    assert (stats.today.current_streak, stats.today.longest_streak) == (1, 1)
    # In Tokyo (+9 h) the same instants fall on 30, 31 (11:30) and 31 May (18:00).
    tokyo = ZoneInfo("Asia/Tokyo")
    stats = build_stats(db, read_catalog([]), NOW.astimezone(tokyo), zone=tokyo, rollover_hour=4)
    assert stats.today.active_days == 2


def test_empty_collection_is_empty_not_an_error(db):
    stats = build_stats(db, read_catalog([]), NOW, zone=BERLIN, rollover_hour=4)
    assert stats.empty
    data = stats_to_json(stats)
    assert data["total_reviews"] == 0
    assert data["today"]["current_streak"] == 0
    assert all(p["accuracy"] is None for p in data["activity"])
    assert len(data["activity"]) == 30


def _collection(tmp_path, db, history):
    decks = tmp_path / "decks"
    write_deck(decks, "alpha", "Alpha deck", [("one", "First", "calc"), ("two", "Second", "alg")])
    write_deck(decks, "beta", "Beta deck", [("one", "Beta one", "calc"), ("new", "Never", "alg")])
    catalog = read_catalog(sorted(decks.glob("*.yaml")))
    start = NOW - timedelta(days=40)
    ids = {
        k: history.card(*k, start) for k in [("alpha", "one"), ("alpha", "two"), ("beta", "one")]
    }
    history.review(ids["alpha", "one"], NOW - timedelta(days=2), kind="learn", seconds=20)
    history.review(
        ids["alpha", "one"], NOW - timedelta(hours=2), correct=False, mistake="one-slip", interval=1
    )
    history.review(ids["alpha", "two"], NOW - timedelta(days=1), kind="learn", interval=30)
    history.review(ids["beta", "one"], NOW - timedelta(days=35), kind="learn", interval=25)
    history.review(
        ids["beta", "one"], NOW - timedelta(hours=1), correct=False, mistake="one-slip", lapses=1
    )
    return catalog


def test_deck_and_tag_rows_and_filters(tmp_path, db, history):
    catalog = _collection(tmp_path, db, history)
    stats = build_stats(db, catalog, NOW, zone=BERLIN, rollover_hour=4)
    decks = {g.id: g for g in stats.decks}
    assert (decks["alpha"].skills, decks["alpha"].seen, decks["alpha"].mastered) == (2, 2, 1)
    assert (decks["beta"].skills, decks["beta"].seen) == (2, 1)  # "new" has no card yet
    assert decks["alpha"].title == "Alpha deck"
    assert (decks["alpha"].first_try, decks["alpha"].first_try_correct) == (3, 2)
    tags = {g.id: g for g in stats.tags}
    assert (tags["calc"].skills, tags["calc"].seen, tags["calc"].first_try) == (2, 2, 3)
    assert (tags["alg"].skills, tags["alg"].seen, tags["alg"].mastered) == (2, 1, 1)
    assert [(m.deck, m.template, m.mistake, m.count) for m in stats.mistakes] == [
        ("alpha", "one", "one-slip", 1),
        ("beta", "one", "one-slip", 1),
    ]
    assert stats.mistakes[0].feedback == "You forgot to add one to …."
    assert stats.mistakes[0].general_feedback == ""  # it speaks of one instance's {a}
    assert stats.today.reviewed == 2
    assert stats.total_reviews == 5

    only_alg = build_stats(db, catalog, NOW, zone=BERLIN, rollover_hour=4, tags=["alg"])
    assert only_alg.total_reviews == 1
    assert [g.id for g in only_alg.tags] == ["alg"]
    only_beta = build_stats(db, catalog, NOW, zone=BERLIN, rollover_hour=4, decks=["beta"])
    assert only_beta.total_reviews == 2
    assert [g.id for g in only_beta.decks] == ["beta"]
    assert {g.id: g.skills for g in only_beta.tags} == {"alg": 1, "calc": 1}
    with pytest.raises(UsageError, match="no loaded template carries"):
        build_stats(db, catalog, NOW, zone=BERLIN, rollover_hour=4, tags=["nope"])
    with pytest.raises(UsageError, match="--days"):
        build_stats(db, catalog, NOW, zone=BERLIN, rollover_hour=4, days=0)


def test_catalog_agrees_with_the_full_deck_loader():
    library = load_library(deck_sources(None), trial=False)
    catalog = read_catalog(catalog_files(None))
    assert not catalog.problems
    templates = library.templates()
    assert templates
    for t in templates:
        info = catalog.template(t.deck, t.id)
        assert info is not None, (t.deck, t.id)
        assert info.tags == t.tags
        assert info.title == t.title
        assert set(info.mistakes) == {m.name for m in t.mistakes}


def test_catalog_skips_unreadable_files_with_a_warning(tmp_path):
    write_deck(tmp_path, "good", "Good", [("a", "A", "x")])
    (tmp_path / "bad.yaml").write_text("deck: [unclosed\n", encoding="utf-8")
    (tmp_path / "foreign.yaml").write_text("just: a mapping\n", encoding="utf-8")
    catalog = read_catalog(sorted(tmp_path.glob("*.yaml")))
    assert list(catalog.decks) == ["good"]
    assert len(catalog.problems) == 2
    assert any("bad.yaml:" in p for p in catalog.problems)
    assert any("not a deck file" in p for p in catalog.problems)


def test_forecast_counts_due_cards_per_study_day(db, history):
    first = history.card("d", "a", NOW - timedelta(days=5))
    second = history.card("d", "b", NOW - timedelta(days=5))
    third = history.card("d", "c", NOW - timedelta(days=5))
    tomorrow_0430 = datetime(2026, 6, 2, 4, 30, tzinfo=BERLIN)
    history.review(first, NOW - timedelta(days=3), due=NOW - timedelta(days=1))  # overdue
    history.review(second, NOW - timedelta(days=3), due=tomorrow_0430)
    history.review(third, NOW - timedelta(days=3), due=NOW + timedelta(days=20))
    stats = build_stats(db, read_catalog([]), NOW, zone=BERLIN, rollover_hour=4)
    assert [n for _, n in stats.forecast] == [1, 1, 0, 0, 0, 0, 0]
    assert stats.forecast[0][0] == date(2026, 6, 1)
    assert stats.due_next_30_days == 3
    assert stats.today.still_due == 1
