"""Flags in storage: stored, listed newest first, cleared; schema 3 databases gain the table;
orphaned cards leave with their reviews and flags after a backup, on a real SQLite file."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, update

from mathdrill.errors import NotFoundError
from mathdrill.storage import SCHEMA_VERSION, Flag, open_database
from mathdrill.storage.migrations import MIGRATIONS, create_v1_schema
from mathdrill.storage.records import storable_text
from mathdrill.storage.tables import SCHEMA_VERSION_KEY, meta
from tests.factories import NOW, make_review

LATER = NOW + timedelta(hours=1)


def _flag(card_id: int, at: datetime = NOW, **fields) -> Flag:
    values = {"card_id": card_id, "seed": 42, "flagged_at": at, "comment": "", "answer": None}
    values.update(fields)
    return Flag(**values)


def test_a_flag_is_stored_with_its_card_and_listed_newest_first(tmp_path: Path) -> None:
    with open_database(str(tmp_path / "m.db")) as db:
        db.ensure_cards([("d", "a"), ("d", "b")], NOW)
        a, b = db.card("d", "a"), db.card("d", "b")
        assert a is not None
        assert b is not None
        first = db.add_flag(_flag(a.id, NOW, seed=7, comment="reference looks wrong", answer="3"))
        second = db.add_flag(_flag(b.id, LATER, seed=2**63 - 1))
        assert (first.card, first.seed, first.comment, first.answer) == (
            "d/a",
            7,
            "reference looks wrong",
            "3",
        )
        assert first.id
        assert second.id
        assert first.id != second.id
        listed = db.flags()
    assert [f.id for f in listed] == [second.id, first.id]
    assert listed[1] == first
    assert listed[0].flagged_at == LATER
    assert listed[0].seed == 2**63 - 1
    assert listed[0].answer is None


def test_clearing_a_flag_removes_only_it(tmp_path: Path) -> None:
    with open_database(str(tmp_path / "m.db")) as db:
        db.ensure_cards([("d", "a")], NOW)
        card = db.card("d", "a")
        assert card is not None
        keep = db.add_flag(_flag(card.id, NOW))
        gone = db.add_flag(_flag(card.id, LATER, comment="bye"))
        assert db.clear_flag(gone.id).comment == "bye"
        assert [f.id for f in db.flags()] == [keep.id]
        with pytest.raises(NotFoundError, match="no flag 999"):
            db.clear_flag(999)
        assert db.card("d", "a") == card


def test_a_flag_needs_an_existing_card(tmp_path: Path) -> None:
    with open_database(str(tmp_path / "m.db")) as db, pytest.raises(NotFoundError):
        db.add_flag(_flag(12345))


def test_typed_text_is_made_storable() -> None:
    assert storable_text("a\ud800b", 10) == "a\ufffdb"
    assert storable_text("x" * 50, 20) == "x" * 20


def test_a_schema_4_database_gains_an_empty_flags_table_and_keeps_its_data(
    tmp_path: Path,
) -> None:
    path = tmp_path / "mathdrill.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        create_v1_schema(conn)
        for step in MIGRATIONS:
            if step.version <= 3:
                step.apply(conn)
        conn.execute(update(meta).where(meta.c.key == SCHEMA_VERSION_KEY).values(value="3"))
    engine.dispose()
    with open_database(str(path), now=NOW) as db:
        db.ensure_cards([("d", "a")], NOW)
        card = db.card("d", "a")
        assert card is not None
        db.record_review(make_review(card.id))
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE card_events")  # schema 6, after the flags
        conn.execute("DROP TABLE flags")  # as schema 4 (learners, before flags) left it
        conn.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    with open_database(str(path), now=LATER) as db:
        assert db.schema_version() == SCHEMA_VERSION
        assert db.backup_path is not None
        assert "bak-v4" in db.backup_path.name
        assert db.flags() == []
        assert len(db.history(card.id)) == 1
        db.add_flag(_flag(card.id))
        assert len(db.flags()) == 1


def _collection(path: Path) -> dict[str, int]:
    """Cards 'keep/x', 'gone/y', 'gone/z' with reviews and flags; returns their ids."""
    with open_database(str(path)) as db:
        db.ensure_cards([("keep", "x"), ("gone", "y"), ("gone", "z")], NOW)
        ids = {f"{c.deck}/{c.template}": c.id for c in db.cards()}
        for key, card_id in ids.items():
            db.record_review(make_review(card_id, NOW))
            db.record_review(make_review(card_id, LATER))
            db.add_flag(_flag(card_id, comment=key))
    return ids


def test_pruning_backs_up_then_removes_orphans_with_reviews_and_flags(tmp_path: Path) -> None:
    path = tmp_path / "mathdrill.db"
    ids = _collection(path)
    with open_database(str(path)) as db:
        removed, n_reviews, n_flags, backup = db.prune_orphans([("keep", "x")], LATER)
        assert [c.key for c in removed] == [("gone", "y"), ("gone", "z")]
        assert (n_reviews, n_flags) == (4, 2)
        assert [c.key for c in db.cards()] == [("keep", "x")]
        assert len(db.history(ids["keep/x"])) == 2
        assert [f.comment for f in db.flags()] == ["keep/x"]
        assert db.integrity_check() == []
    assert backup is not None
    assert backup.parent == tmp_path
    with sqlite3.connect(backup) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM cards").fetchone() == (3,)
        assert conn.execute("SELECT count(*) FROM reviews").fetchone() == (6,)
        assert conn.execute("SELECT count(*) FROM flags").fetchone() == (3,)


def test_pruning_without_orphans_changes_nothing_and_makes_no_backup(tmp_path: Path) -> None:
    path = tmp_path / "mathdrill.db"
    _collection(path)
    with open_database(str(path)) as db:
        keys = [c.key for c in db.cards()]
        assert db.prune_orphans(keys, LATER) == ([], 0, 0, None)
        assert len(db.cards()) == 3
    assert sorted(p.name for p in tmp_path.iterdir() if ".bak-" in p.name) == []


def test_flag_times_are_aware_utc(tmp_path: Path) -> None:
    with open_database(str(tmp_path / "m.db")) as db:
        db.ensure_cards([("d", "a")], NOW)
        card = db.card("d", "a")
        assert card is not None
        local = datetime(2026, 3, 1, 13, 0, tzinfo=UTC).astimezone()
        stored = db.add_flag(_flag(card.id, local))
        assert stored.flagged_at.tzinfo is UTC
        assert db.flags()[0].flagged_at == local
        with pytest.raises(ValueError, match="timezone-aware"):
            _flag(card.id, datetime(2026, 3, 1))
