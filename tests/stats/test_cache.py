"""The per-day stats cache: cached statistics equal a live computation, whatever the log did.

Every check builds real SQLite files, writes reviews through the public Database API, and
compares ``build_stats`` with the cache (cold, warm, after new reviews, after an import of old
reviews, after the log was replaced) against ``build_stats(cache=False)``, which reads only the
log, and against per-day figures computed here from the raw rows by the written definitions.
"""

from __future__ import annotations

import random
import sqlite3
import tempfile
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mathdrill.decks.catalog import read_catalog
from mathdrill.storage import CardState, ReviewRecord, open_database
from mathdrill.usecases.progress import build_stats

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=BERLIN)
CATALOG = read_catalog([])
KINDS = ("learn", "review", "review", "review", "repeat", "cram")


def _record(rng: random.Random, db, card_id: int, at: datetime) -> None:
    kind = rng.choice(KINDS)
    correct = rng.random() < 0.6
    record = ReviewRecord(
        card_id=card_id,
        reviewed_at=at,
        kind=kind,
        seed=rng.randrange(1 << 30),
        fingerprint="sha256:test",
        answer="x",
        status="correct" if correct else "wrong",
        correct=correct,
        quality=4 if correct else 1,
        mistake=None if correct else rng.choice(["slip", "sign"]),
        seconds=None if rng.random() < 0.2 else round(rng.uniform(0.5, 90), 3),
    )
    state = None
    if kind in ("learn", "review"):
        interval = rng.choice([1, 3, 9, 20, 21, 22, 40])
        state = CardState(
            repetitions=1,
            easiness=2.5,
            interval=interval,
            due=at + timedelta(days=interval),
            lapses=0,
            leech=False,
        )
    db.record_review(record, state)


def _history(rng: random.Random, db, n: int, start: datetime, end: datetime) -> None:
    keys = [("d", f"t{i}") for i in range(5)]
    db.ensure_cards(keys, start - timedelta(days=1))
    ids = [db.card(*k).id for k in keys]
    span = int((end - start).total_seconds())
    instants = sorted(start + timedelta(seconds=rng.randrange(span)) for _ in range(n))
    # Bursts: the same card again within hours, so "first review of a card per day" matters.
    for at in instants:
        card = rng.choice(ids)
        _record(rng, db, card, at)
        if rng.random() < 0.3:
            _record(rng, db, card, at + timedelta(minutes=rng.randrange(1, 600)))


def _stats(db, now: datetime = NOW, *, cache: bool, zone=BERLIN, rollover: int = 4):
    return build_stats(db, CATALOG, now, zone=zone, rollover_hour=rollover, days=60, cache=cache)


def _same(db, now: datetime = NOW, **kwargs) -> None:
    live = _stats(db, now, cache=False, **kwargs)
    cached = _stats(db, now, cache=True, **kwargs)
    assert cached == live
    assert _stats(db, now, cache=True, **kwargs) == live  # and again, now warm


def _naive_study_day(moment: datetime, zone: ZoneInfo, rollover: int) -> date:
    local = moment.astimezone(zone)
    return local.date() - timedelta(days=1) if local.hour < rollover else local.date()


def _expected(path: Path, zone: ZoneInfo, rollover: int) -> tuple[Counter, Counter]:
    """Reviews per day and all-time true-retention counts, from the raw rows by definition."""
    conn = sqlite3.connect(path)
    rows = conn.execute(
        "SELECT reviewed_at, id, card_id, kind, correct, interval_before FROM reviews"
    ).fetchall()
    conn.close()
    per_day: Counter = Counter()
    first: dict[tuple[int, date], tuple] = {}
    for at_text, id_, card, kind, correct, interval_before in rows:
        at = datetime.fromisoformat(at_text).replace(tzinfo=UTC)
        day = _naive_study_day(at, zone, rollover)
        per_day[day] += 1
        if kind == "review":
            key = (card, day)
            if key not in first or (at, id_) < first[key][:2]:
                first[key] = (at, id_, correct, interval_before)
    retention: Counter = Counter()
    for _, _, correct, interval_before in first.values():
        group = "mature" if interval_before >= 21 else "young"
        retention[group] += 1
        retention[group + "_correct"] += bool(correct)
    return per_day, retention


def _check_definitions(db, path: Path, now: datetime = NOW) -> None:
    stats = _stats(db, now, cache=True)
    per_day, retention = _expected(path, BERLIN, 4)
    assert stats.total_reviews == sum(per_day.values())
    assert {p.day: p.reviews for p in stats.activity if p.reviews} == {
        d: n for d, n in per_day.items() if stats.activity[0].day <= d <= stats.today.day
    }
    every = stats.retention[-1]
    assert (every.young, every.young_correct, every.mature, every.mature_correct) == (
        retention["young"],
        retention["young_correct"],
        retention["mature"],
        retention["mature_correct"],
    )
    assert stats.today.active_days == len(per_day)


def _cache_rows(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        return dict(conn.execute("SELECT rule, count(*) FROM stats_days GROUP BY rule").fetchall())
    finally:
        conn.close()


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(seed=st.integers(0, 2**32 - 1))
def test_cache_equals_live_through_appends_imports_and_replacement(seed):
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mathdrill.db"
        db = open_database(str(path))
        try:
            _history(rng, db, rng.randrange(20, 80), NOW - timedelta(days=90), NOW)
            _same(db)  # cold (builds the cache), then warm
            assert sum(_cache_rows(path).values()) > 0
            _check_definitions(db, path)

            # Daily use: a few reviews today, then the next day and the one after.
            _history(rng, db, 5, NOW - timedelta(hours=3), NOW)
            _same(db)
            for later in (NOW + timedelta(days=1), NOW + timedelta(days=2, hours=5)):
                _history(rng, db, 4, later - timedelta(hours=4), later)
                _same(db, later)
            # An import: reviews with old timestamps (new, larger ids) land in cached days.
            _history(rng, db, 15, NOW - timedelta(days=60), NOW - timedelta(days=2))
            _same(db, NOW + timedelta(days=2, hours=5))
            _check_definitions(db, path, NOW + timedelta(days=2, hours=5))
        finally:
            db.close()

        # The log is replaced by another one with the same ids (a restore that kept the cache
        # tables): the watermark review no longer matches, so the cached rows must be ignored.
        other = Path(folder) / "other.db"
        db = open_database(str(other))
        try:
            _history(rng, db, 80, NOW - timedelta(days=200), NOW - timedelta(days=100))
        finally:
            db.close()
        conn = sqlite3.connect(path)
        conn.execute("ATTACH DATABASE ? AS other", (str(other),))
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("DELETE FROM reviews")
        conn.execute("INSERT INTO reviews SELECT * FROM other.reviews")
        conn.commit()
        conn.close()
        db = open_database(str(path))
        try:
            _same(db, NOW + timedelta(days=2, hours=5))
            _check_definitions(db, path, NOW + timedelta(days=2, hours=5))
        finally:
            db.close()


def test_each_rule_keeps_its_own_rows(tmp_path):
    path = tmp_path / "mathdrill.db"
    db = open_database(str(path))
    try:
        _history(random.Random(3), db, 60, NOW - timedelta(days=120), NOW)
        tokyo = ZoneInfo("Asia/Tokyo")
        _same(db)
        _same(db, rollover=0)
        _same(db, NOW.astimezone(tokyo), zone=tokyo)
        rules = _cache_rows(path)
        assert set(rules) == {"Europe/Berlin@4", "Europe/Berlin@0", "Asia/Tokyo@4"}
        # Back to the first rule: its rows were left alone and still agree with the log.
        _same(db)
        assert _cache_rows(path) == rules
    finally:
        db.close()


def test_read_only_database_still_gets_stats(tmp_path):
    path = tmp_path / "mathdrill.db"
    db = open_database(str(path))
    try:
        _history(random.Random(5), db, 40, NOW - timedelta(days=30), NOW)
        live = _stats(db, cache=False)
    finally:
        db.close()
    before = path.read_bytes()
    ro = open_database(f"sqlite:///file:{path}?mode=ro&uri=true", create=False)
    try:
        assert _stats(ro, cache=True) == live
    finally:
        ro.close()
    assert path.read_bytes() == before  # nothing was written, and nothing failed
    conn = sqlite3.connect(path)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    conn.close()
    assert "stats_days" not in tables


def test_cache_survives_a_locked_database(tmp_path):
    path = tmp_path / "mathdrill.db"
    db = open_database(str(path), busy_timeout=0.05)
    try:
        _history(random.Random(9), db, 40, NOW - timedelta(days=30), NOW)
        live = _stats(db, cache=False)
        blocker = sqlite3.connect(path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")  # another writer holds the lock throughout
        try:
            assert _stats(db, cache=True) == live
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        assert not _has_cache(path)  # the write waited 50 ms, gave up, and nothing failed
        assert _stats(db, cache=True) == live  # now it can write, and the rows agree
        assert sum(_cache_rows(path).values()) > 0
    finally:
        db.close()


def _has_cache(path: Path) -> bool:
    conn = sqlite3.connect(path)
    try:
        return bool(
            conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'stats_days'").fetchall()
        )
    finally:
        conn.close()
