"""The drill's quick read (stdlib sqlite3) agrees with Database and steps aside when unsure."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from mathdrill.storage import CardState, Review, open_database
from mathdrill.storage.location import resolve_database, resolve_database_file
from mathdrill.storage.snapshot import read_snapshot

NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)


def _review(card_id: int, at: datetime, kind: str) -> Review:
    return Review(
        card_id=card_id,
        reviewed_at=at,
        kind=kind,
        seed=1,
        fingerprint="f",
        answer="1",
        status="correct",
        correct=True,
        quality=4,
    )


def _collection(path: Path) -> None:
    with open_database(str(path), now=NOW) as db:
        db.ensure_cards([("d", "a"), ("d", "b"), ("e", "c"), ("e", "d")], NOW - timedelta(days=9))
        cards = {c.template: c for c in db.cards()}
        state = CardState(1, 2.36, 1, NOW + timedelta(days=1, microseconds=7), 0)
        db.record_review(_review(cards["a"].id, NOW - timedelta(days=2), "learn"), state)
        db.record_review(_review(cards["b"].id, NOW - timedelta(hours=1), "learn"), state)
        db.record_review(_review(cards["a"].id, NOW - timedelta(minutes=5), "review"), state)
        db.record_review(_review(cards["c"].id, NOW - timedelta(minutes=4), "cram"))
        db.set_suspended("e", "d", True)


def test_the_snapshot_reads_what_database_reads(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    _collection(path)
    since = NOW - timedelta(hours=3)
    snapshot = read_snapshot(path, since, ["d", "e"])
    assert snapshot is not None
    only_d = read_snapshot(path, since, ["d", "nosuchdeck"])
    assert only_d is not None
    with open_database(str(path)) as db:
        assert list(snapshot.cards) == db.cards()
        assert list(only_d.cards) == db.cards("d")
        by_key = {(c.deck, c.template): c.id for c in db.cards()}
        assert (len(snapshot.learned), len(snapshot.reviewed)) == db.counts_since(since)
        assert snapshot.learned == {by_key["d", "b"]}
        assert snapshot.reviewed == {by_key["d", "a"]}
    assert any(c.suspended for c in snapshot.cards)
    assert all(c.created.tzinfo is UTC for c in snapshot.cards)


def test_anything_unusual_is_left_to_database(tmp_path: Path) -> None:
    since = NOW - timedelta(hours=3)
    assert read_snapshot(tmp_path / "missing.db", since, ["d"]) is None
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    assert read_snapshot(empty, since, ["d"]) is None
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    assert read_snapshot(junk, since, ["d"]) is None
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE t (x)")
    assert read_snapshot(foreign, since, ["d"]) is None
    older = tmp_path / "older.db"
    _collection(older)
    with sqlite3.connect(older) as conn:
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    assert read_snapshot(older, since, ["d"]) is None
    assert not (tmp_path / "missing.db").exists()  # never created by a quick read


def test_the_database_file_is_found_without_sqlalchemy_where_it_is_a_file(tmp_path: Path) -> None:
    env = {"MATHDRILL_HOME": str(tmp_path), "HOME": str(tmp_path)}
    assert resolve_database_file(None, env) == tmp_path / "mathdrill.db"
    assert resolve_database(None, env).endswith(str(tmp_path / "mathdrill.db"))
    assert resolve_database_file("~/x.db", env) == tmp_path / "x.db"
    assert resolve_database_file(None, {**env, "MATHDRILL_DB": "other.db"}) == Path("other.db")
    assert resolve_database_file("sqlite:////tmp/y.db", env) is None
