"""``mathdrill stats`` reads the log live and never writes: the numbers follow the definitions.

Real SQLite files; reviews are written through the public Database API, and the statistics are
compared with per-day figures computed here from the raw rows by the written definitions.
"""

from __future__ import annotations

import random
import sqlite3
import tempfile
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from mathdrill.cli.app import app
from mathdrill.decks.catalog import read_catalog
from mathdrill.storage import CardUpdate, open_database
from mathdrill.usecases.progress import build_stats
from tests.factories import make_review

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=BERLIN)
CATALOG = read_catalog([])
KINDS = ("learn", "review", "review", "review", "repeat", "cram")


def _record(rng: random.Random, db, card_id: int, at: datetime) -> None:
    kind = rng.choice(KINDS)
    correct = rng.random() < 0.6
    record = make_review(
        card_id,
        at,
        kind=kind,
        seed=rng.randrange(1 << 30),
        fingerprint="sha256:test",
        answer="x",
        status="correct" if correct else "wrong",
        correct=correct,
        quality=4 if correct else 1,
        mistake=None if correct else rng.choice(["slip", "sign"]),
        seconds=None if rng.random() < 0.2 else round(rng.uniform(0.5, 90), 3),
        read_as=None,
        session_id=None,
    )
    state = None
    if kind in ("learn", "review"):
        interval = rng.choice([1, 3, 9, 20, 21, 22, 40])
        state = CardUpdate(
            1, 2.5, interval, at + timedelta(days=interval), 0, last_review=at, leech=False
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


def _stats(db, now: datetime = NOW):
    return build_stats(db, CATALOG, now, zone=BERLIN, rollover_hour=4, days=60)


def _naive_study_day(moment: datetime) -> date:
    local = moment.astimezone(BERLIN)
    return local.date() - timedelta(days=1) if local.hour < 4 else local.date()


def _expected(path: Path) -> tuple[Counter, Counter]:
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
        day = _naive_study_day(at)
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
    stats = _stats(db, now)
    per_day, retention = _expected(path)
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


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(seed=st.integers(0, 2**32 - 1))
def test_statistics_follow_the_definitions_through_daily_use_and_imports(seed):
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mathdrill.db"
        with open_database(str(path)) as db:
            _history(rng, db, rng.randrange(20, 80), NOW - timedelta(days=90), NOW)
            _check_definitions(db, path)
            # The next days, then reviews with old timestamps (as an import appends them).
            later = NOW + timedelta(days=2, hours=5)
            _history(rng, db, 4, later - timedelta(hours=4), later)
            _history(rng, db, 15, NOW - timedelta(days=60), NOW - timedelta(days=2))
            _check_definitions(db, path, later)


def test_stats_never_writes_the_database(tmp_path):
    home = tmp_path / "home"
    path = home / "mathdrill.db"
    with open_database(str(path)) as db:
        _history(random.Random(4), db, 60, NOW - timedelta(days=40), NOW)
    before = path.read_bytes()
    assert not (home / "mathdrill.db-wal").exists()
    runner = CliRunner()
    env = {"MATHDRILL_HOME": str(home), "MATHDRILL_DB": "", "NO_COLOR": "1"}
    plot = tmp_path / "figure.png"
    for args in (["stats"], ["stats", "--json"], ["stats", "--plot", str(plot)], ["stats"]):
        result = runner.invoke(app, ["--now", NOW.isoformat(), *args], env=env)
        assert result.exit_code == 0, result.output
        assert path.read_bytes() == before, args
        assert not (home / "mathdrill.db-wal").exists(), args
        # Nothing else either, but the deck catalogue's own cache (shared with the drill).
        written = {p.relative_to(home).as_posix() for p in home.rglob("*") if p.is_file()}
        assert written <= {"mathdrill.db", "cache/catalog.json"}, written
    assert plot.stat().st_size > 0


def test_old_cache_tables_are_ignored_and_left_alone(tmp_path):
    path = tmp_path / "mathdrill.db"
    with open_database(str(path)) as db:
        _history(random.Random(6), db, 50, NOW - timedelta(days=30), NOW)
        expected = _stats(db)
    # What an older mathdrill left behind: its per-day rollup, here with nonsense in it.
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE stats_days (rule TEXT, day DATE, reviews INTEGER)")
    conn.execute("INSERT INTO stats_days VALUES ('Europe/Berlin@4', '2026-05-20', 999)")
    conn.execute("CREATE TABLE stats_state (rule TEXT, review_id INTEGER)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with open_database(str(path), create=False) as db:
        assert _stats(db) == expected
    assert path.read_bytes() == before


def test_a_read_only_database_gets_its_statistics(tmp_path):
    path = tmp_path / "mathdrill.db"
    with open_database(str(path)) as db:
        _history(random.Random(5), db, 40, NOW - timedelta(days=30), NOW)
        expected = _stats(db)
    before = path.read_bytes()
    with open_database(f"sqlite:///file:{path}?mode=ro&uri=true", create=False) as ro:
        assert _stats(ro) == expected
    assert path.read_bytes() == before


@pytest.mark.slow
def test_statistics_are_read_while_another_process_writes(tmp_path):
    path = tmp_path / "mathdrill.db"
    with open_database(str(path), busy_timeout=0.05) as db:
        _history(random.Random(9), db, 40, NOW - timedelta(days=30), NOW)
        expected = _stats(db)
        blocker = sqlite3.connect(path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")  # another writer holds the lock throughout
        try:
            assert _stats(db) == expected
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
