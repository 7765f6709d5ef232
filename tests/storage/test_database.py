"""The Database API on real SQLite files and PostgreSQL: cards, queues, reviews, timestamps."""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import create_engine

from mathdrill.errors import NotFoundError, StorageError
from mathdrill.storage import (
    SCHEMA_VERSION,
    CardUpdate,
    Database,
    Review,
    easiness_to_x100,
    open_database,
)
from tests.factories import NOW, make_review, schedule


def _raw(path: Path, sql: str, *args: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql, args).fetchall()


def _stored(url: str, sql: str) -> list[tuple[object, ...]]:
    """Rows of a query run on the database itself, past mathdrill's storage code."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.exec_driver_sql(sql)]
    finally:
        engine.dispose()


# -- cards -------------------------------------------------------------------------------------


def test_ensure_cards_creates_missing_and_keeps_progress(db: Database) -> None:
    assert db.ensure_cards([("d", "a"), ("d", "b"), ("d", "a")], NOW) == 2
    a = schedule(db, ("d", "a"), NOW + timedelta(days=1))
    assert db.ensure_cards([("d", "a"), ("d", "b"), ("e", "c")], NOW + timedelta(days=5)) == 1
    again = db.card("d", "a")
    assert again == a  # progress untouched
    assert again.repetitions == 1
    assert [c.key for c in db.cards()] == [("d", "a"), ("d", "b"), ("e", "c")]
    assert [c.key for c in db.cards("e")] == [("e", "c")]
    assert db.card("nope", "a") is None
    assert db.ensure_cards([], NOW) == 0


def test_new_card_defaults(db: Database) -> None:
    db.ensure_cards([("d", "a")], NOW)
    card = db.card("d", "a")
    assert card is not None
    assert (card.repetitions, card.easiness, card.interval, card.lapses) == (0, 2.5, 0, 0)
    assert card.due is None
    assert card.is_new
    assert card.last_review is None
    assert (card.suspended, card.leech) == (False, False)
    assert card.created == NOW
    assert db.cards() == [card]


def test_returned_objects_are_frozen_dataclasses(db: Database) -> None:
    db.ensure_cards([("d", "a")], NOW)
    card = db.card("d", "a")
    review = db.record_review(make_review(card.id), None)
    for obj in (card, review, db.history(card.id)[0]):
        assert dataclasses.is_dataclass(obj)
        assert type(obj).__module__ == "mathdrill.storage.records"
        with pytest.raises(dataclasses.FrozenInstanceError):
            obj.id = 99  # type: ignore[misc]
    assert isinstance(review, Review)


def test_bad_keys_rejected(db: Database) -> None:
    with pytest.raises(ValueError):
        db.ensure_cards([("d", "")], NOW)
    with pytest.raises(ValueError):
        db.ensure_cards(["da"], NOW)  # type: ignore[list-item]
    with pytest.raises(ValueError):
        db.ensure_cards([("d", "a")], datetime(2026, 1, 1))  # naive


# -- reviews -----------------------------------------------------------------------------------


def test_record_review_updates_card_and_logs_before_after(db: Database, db_url: str) -> None:
    db.ensure_cards([("d", "a")], NOW)
    card = db.card("d", "a")
    due = NOW + timedelta(days=6)
    review = db.record_review(
        make_review(card.id, quality=5, mistake=None),
        CardUpdate(2, 2.6, 6, due, 0, last_review=NOW, leech=True),
    )
    assert (review.easiness_before_x100 / 100, review.easiness_after) == (2.5, 2.6)
    assert (review.interval_before, review.interval_after) == (0, 6)
    assert (review.deck, review.template) == ("d", "a")
    after = db.card("d", "a")
    assert (after.repetitions, after.easiness, after.interval, after.due) == (2, 2.6, 6, due)
    assert after.leech is True
    assert after.last_review == NOW
    assert db.history(card.id) == [review]
    rows = _stored(db_url, "SELECT easiness_before_x100, easiness_after_x100, seed FROM reviews")
    assert rows == [(250, 260, 12345)]


def test_repeat_without_state_does_not_moveschedule(db: Database) -> None:
    db.ensure_cards([("d", "a")], NOW)
    before = schedule(db, ("d", "a"), NOW + timedelta(days=1))
    later = NOW + timedelta(minutes=3)
    review = db.record_review(make_review(before.id, later, kind="repeat", quality=2), None)
    assert db.card("d", "a") == before  # last_review included: it tracks scheduling reviews
    assert review.easiness_before_x100 / 100 == review.easiness_after == before.easiness
    assert review.interval_before == review.interval_after == before.interval


@pytest.mark.parametrize("easiness", [1.3, 1.96, 2.36, 2.5, 2.8, 3.18])
def test_easiness_stored_exactly_in_hundredths(db: Database, db_url: str, easiness: float) -> None:
    db.ensure_cards([("d", "a")], NOW)
    card = db.card("d", "a")
    db.record_review(make_review(card.id), CardUpdate(1, easiness, 1, NOW, 0, last_review=NOW))
    (raw,) = _stored(db_url, "SELECT easiness_x100 FROM cards")[0]
    assert raw == round(easiness * 100)
    assert isinstance(raw, int)
    back = db.card("d", "a")
    assert back.easiness == easiness
    assert repr(back.easiness) == repr(easiness)
    assert back.easiness_x100 == raw


def test_last_review_written_as_given(db: Database) -> None:
    db.ensure_cards([("d", "a")], NOW)
    card = db.card("d", "a")
    # A cram of a new card: the scheduler says the card stays new, last_review stays None.
    stays_new = CardUpdate(0, 2.5, 0, None, 0, last_review=None, leech=False)
    db.record_review(make_review(card.id, kind="cram"), stays_new)
    assert db.card("d", "a") == card
    earlier = NOW - timedelta(days=3)
    db.record_review(make_review(card.id), CardUpdate(1, 2.5, 1, NOW, 0, last_review=earlier))
    assert db.card("d", "a").last_review == earlier


@pytest.mark.parametrize(
    "fields",
    [
        {"easiness": 2.505},  # off the 0.01 grid
        {"due": datetime(2026, 1, 1)},  # naive
        {"last_review": datetime(2026, 1, 1)},  # naive
        {"repetitions": -1},
        {"interval": -1},
        {"lapses": -1},
    ],
)
def test_impossible_card_update_refused(fields: dict[str, Any]) -> None:
    valid: dict[str, Any] = {
        "repetitions": 1,
        "easiness": 2.5,
        "interval": 1,
        "due": NOW,
        "lapses": 0,
        "last_review": NOW,
    }
    CardUpdate(**valid)
    with pytest.raises(ValueError):
        CardUpdate(**{**valid, **fields})


def test_review_is_atomic_when_the_insert_fails(db: Database) -> None:
    db.ensure_cards([("d", "a")], NOW)
    card = db.card("d", "a")
    record = make_review(card.id)
    # Simulate a bug past validation: the NOT NULL constraint fails AFTER the card update.
    object.__setattr__(record, "fingerprint", None)
    with pytest.raises(StorageError):
        db.record_review(record, CardUpdate(1, 2.6, 1, NOW + timedelta(days=1), 0, last_review=NOW))
    assert db.card("d", "a") == card  # the card update was rolled back too
    assert db.count_reviews() == 0


def test_easiness_below_minimum_is_a_storage_error(db: Database) -> None:
    db.ensure_cards([("d", "a")], NOW)
    card = db.card("d", "a")
    with pytest.raises(StorageError):
        db.record_review(make_review(card.id), CardUpdate(1, 1.2, 1, NOW, 0, last_review=NOW))
    assert db.count_reviews() == 0


def test_review_of_unknown_card(db: Database) -> None:
    with pytest.raises(NotFoundError):
        db.record_review(make_review(4242), None)
    assert db.count_reviews() == 0


def test_review_record_validation() -> None:
    with pytest.raises(ValueError):
        make_review(1, datetime(2026, 1, 1))  # naive
    with pytest.raises(ValueError):
        make_review(1, kind="skim")
    with pytest.raises(ValueError):
        make_review(1, seed=2**63)
    with pytest.raises(ValueError):
        make_review(1, quality=6)
    with pytest.raises(ValueError):
        make_review(1, seconds=float("nan"))


def test_history_newest_first_and_reset_keeps_it(db: Database) -> None:
    db.ensure_cards([("d", "a"), ("d", "b")], NOW)
    a, b = db.card("d", "a"), db.card("d", "b")
    for i in range(5):
        db.record_review(make_review(a.id, NOW + timedelta(days=i), seed=i), None)
    db.record_review(make_review(b.id), None)
    history = db.history(a.id, limit=3)
    assert [r.seed for r in history] == [4, 3, 2]
    schedule(db, ("d", "a"), NOW + timedelta(days=9))
    reset = db.reset_card("d", "a")
    assert reset.is_new
    assert reset.repetitions == 0
    assert reset.easiness == 2.5
    assert len(db.history(a.id, limit=100)) == 6
    with pytest.raises(NotFoundError):
        db.reset_card("d", "zzz")


# -- timestamps --------------------------------------------------------------------------------


def test_timestamps_stored_utc_returned_aware(db: Database) -> None:
    tokyo = timezone(timedelta(hours=9))
    local = datetime(2026, 3, 2, 8, 30, 0, 123456, tzinfo=tokyo)  # 2026-03-01 23:30 UTC
    db.ensure_cards([("d", "a")], local)
    card = db.card("d", "a")
    assert card.created == local
    assert card.created.tzinfo == UTC
    assert card.created.microsecond == 123456
    review = db.record_review(
        make_review(card.id, local), CardUpdate(1, 2.5, 1, local, 0, last_review=local)
    )
    assert review.reviewed_at.tzinfo == UTC
    assert db.history(card.id)[0].reviewed_at == local
    with pytest.raises(ValueError):
        db.count_due(datetime(2026, 1, 1))


def test_sqlite_stores_timestamps_as_fixed_width_utc_text(file_db: Database, db_path: Path) -> None:
    file_db.ensure_cards(
        [("d", "a")], datetime(2026, 3, 2, 8, 30, tzinfo=timezone(timedelta(hours=9)))
    )
    assert _raw(db_path, "SELECT created FROM cards") == [("2026-03-01 23:30:00.000000",)]


def test_postgresql_stores_timestamps_with_their_zone(pg_url: str) -> None:
    with open_database(pg_url) as database:
        database.ensure_cards(
            [("d", "a")], datetime(2026, 3, 2, 8, 30, tzinfo=timezone(timedelta(hours=9)))
        )
    engine = create_engine(pg_url)
    try:
        with engine.connect() as conn:
            kind = conn.exec_driver_sql(
                "SELECT data_type FROM information_schema.columns "
                "WHERE table_name = 'cards' AND column_name = 'created'"
            ).scalar_one()
            conn.exec_driver_sql("SET TIME ZONE 'UTC'")
            text = conn.exec_driver_sql("SELECT created::text FROM cards").scalar_one()
    finally:
        engine.dispose()
    assert (kind, text) == ("timestamp with time zone", "2026-03-01 23:30:00+00")


# -- queues ------------------------------------------------------------------------------------


def test_due_new_and_suspended(db: Database) -> None:
    keys = [("d", f"t{i}") for i in range(6)]
    db.ensure_cards(keys, NOW)
    schedule(db, keys[0], NOW - timedelta(days=1))
    schedule(db, keys[1], NOW - timedelta(days=3))
    schedule(db, keys[2], NOW)  # due exactly now counts
    schedule(db, keys[3], NOW + timedelta(seconds=1))  # not yet
    db.set_suspended(*keys[0], True)
    db.set_suspended(*keys[4], True)
    assert db.count_due(NOW) == 2
    assert [c.template for c in db.cards() if c.is_new and not c.suspended] == ["t5"]
    assert [c.suspended for c in db.cards()] == [True, False, False, False, True, False]
    db.set_suspended(*keys[0], False)
    assert db.count_due(NOW) == 3
    with pytest.raises(NotFoundError):
        db.set_suspended("d", "missing", True)


def test_orphaned(db: Database) -> None:
    db.ensure_cards([("d", "a"), ("d", "b"), ("old", "c")], NOW)
    assert [c.key for c in db.orphaned([("d", "a"), ("d", "b")])] == [("old", "c")]
    assert db.orphaned([("d", "a"), ("d", "b"), ("old", "c")]) == []


# -- meta, lifecycle ---------------------------------------------------------------------------


def test_a_fresh_database_has_the_current_schema_version(db: Database) -> None:
    assert db.schema_version() == SCHEMA_VERSION


def test_fresh_database_is_wal_with_integrity_ok(file_db: Database, db_path: Path) -> None:
    assert file_db.integrity_check() == []
    assert file_db.path == str(db_path)
    assert file_db.backup_path is None
    assert _raw(db_path, "PRAGMA journal_mode") == [("wal",)]


def test_close_is_idempotent_and_use_after_close_fails(db_path: Path) -> None:
    with open_database(str(db_path)) as database:
        database.ensure_cards([("d", "a")], NOW)
    database.close()
    with pytest.raises(StorageError, match="closed"):
        database.cards()
    with open_database(f"sqlite:///{db_path}", create=False) as again:
        assert [c.key for c in again.cards()] == [("d", "a")]


def test_in_memory_database_works() -> None:
    with open_database("sqlite://") as database:
        database.ensure_cards([("d", "a")], NOW)
        assert [c.key for c in database.cards()] == [("d", "a")]
        assert database.path == ":memory:"
        assert database.integrity_check() == []


@pytest.mark.parametrize(("options", "level"), [({}, 1), ({"fsync_each_commit": True}, 2)])
def test_connection_settings(db_path: Path, options: dict[str, bool], level: int) -> None:
    database = open_database(str(db_path), busy_timeout=7.5, **options)
    with database, database._live().connect() as conn:  # white-box: per-connection pragmas
        pragma = {
            name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("synchronous", "busy_timeout", "foreign_keys", "journal_mode")
        }
    assert pragma == {
        "synchronous": level,  # 2 = FULL, 1 = NORMAL
        "busy_timeout": 7500,
        "foreign_keys": 1,
        "journal_mode": "wal",
    }


def test_next_due_ignores_past_suspended_and_new(db: Database) -> None:
    keys = [("d", str(i)) for i in range(4)]
    db.ensure_cards(keys, NOW)
    assert db.next_due(NOW) is None
    schedule(db, keys[0], NOW - timedelta(hours=1))  # already due: not "next"
    schedule(db, keys[1], NOW + timedelta(hours=5))
    schedule(db, keys[2], NOW + timedelta(hours=2))
    db.set_suspended(*keys[2], True)
    assert db.next_due(NOW) == NOW + timedelta(hours=5)


def test_counts_since_counts_distinct_learned_and_reviewed_cards(db: Database) -> None:
    db.ensure_cards([("d", "a"), ("d", "b"), ("e", "c")], NOW)
    a, b, c = (db.card(*k) for k in [("d", "a"), ("d", "b"), ("e", "c")])
    start = NOW - timedelta(hours=2)
    db.record_review(make_review(a.id, start - timedelta(minutes=1), kind="learn"), None)
    db.record_review(make_review(a.id, start, kind="review"), None)  # at start: counts
    db.record_review(make_review(a.id, NOW, kind="review"), None)  # same card again
    db.record_review(make_review(a.id, NOW, kind="repeat"), None)
    db.record_review(make_review(b.id, NOW, kind="learn"), None)
    db.record_review(make_review(c.id, NOW, kind="learn"), None)
    db.record_review(make_review(c.id, NOW, kind="cram"), None)
    assert db.counts_since(start) == (2, 1)
    assert db.counts_since(start, [("d", "a"), ("d", "b")]) == (1, 1)
    assert db.counts_since(NOW + timedelta(seconds=1)) == (0, 0)


def test_solve_seconds_newest_first_capped(db: Database) -> None:
    db.ensure_cards([("d", "a"), ("d", "b"), ("d", "c")], NOW)
    a, b, c = (db.card("d", t) for t in "abc")
    for i in range(5):
        db.record_review(make_review(a.id, NOW + timedelta(minutes=i), seconds=float(10 + i)), None)
    db.record_review(make_review(b.id, seconds=None), None)
    assert db.solve_seconds([a.id, b.id, c.id], per_card=3) == {a.id: [14.0, 13.0, 12.0]}
    assert db.solve_seconds([]) == {}


def test_review_days_use_local_study_days(db: Database) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    db.ensure_cards([("d", "a")], NOW)
    card = db.card("d", "a")
    for moment in [
        datetime(2026, 3, 10, 3, 59, tzinfo=berlin),  # before 04:00 → 9 March
        datetime(2026, 3, 10, 4, 0, tzinfo=berlin),  # 10 March
        datetime(2026, 3, 10, 23, 30, tzinfo=berlin),  # 10 March (22:30 UTC)
        datetime(2026, 3, 12, 12, 0, tzinfo=berlin),
    ]:
        db.record_review(make_review(card.id, moment), None)
    assert db.review_days(4, berlin) == {date(2026, 3, 9), date(2026, 3, 10), date(2026, 3, 12)}
    assert db.review_days(0, UTC) == {date(2026, 3, 10), date(2026, 3, 12)}
    since = datetime(2026, 3, 11, tzinfo=UTC)
    assert db.review_days(4, berlin, since=since) == {date(2026, 3, 12)}
    with pytest.raises(ValueError):
        db.review_days(24, berlin)


@given(st.integers(min_value=130, max_value=10_000))
def test_easiness_hundredths_round_trip_exactly(x100: int) -> None:
    easiness = x100 / 100  # what Card.easiness holds
    assert easiness_to_x100(easiness) == x100
    assert easiness_to_x100(Decimal(x100) / 100) == x100
    assert easiness_to_x100(Fraction(x100, 100)) == x100
    assert round(easiness * 100) == x100
    assert len(repr(easiness).split(".")[1]) <= 2  # prints with at most two decimals


@pytest.mark.parametrize("bad", [2.505, Fraction(1, 3), Decimal("2.001"), float("nan"), True])
def test_easiness_off_grid_rejected(bad: object) -> None:
    with pytest.raises(ValueError):
        easiness_to_x100(bad)  # type: ignore[arg-type]
