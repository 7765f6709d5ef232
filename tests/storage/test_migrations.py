"""Migrations: a version-1 database upgrades to the same schema as a fresh one, with a backup."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect

from mathdrill.errors import StorageError
from mathdrill.storage import SCHEMA_VERSION, migrations, open_database
from mathdrill.storage.migrations import Migration, create_v1_schema

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _dump(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _build_v1(path: Path) -> None:
    """A version-1 database as v1 code wrote it: frozen DDL, rollback journal, some data."""
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        create_v1_schema(conn)
    engine.dispose()
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO cards (id, deck, template, repetitions, easiness_x100, interval_days, "
            "due, lapses, suspended, leech, created, last_review) VALUES "
            "(1, 'deriv', 'chain', 3, 236, 17, '2026-03-05 04:00:00.000000', 1, 0, 0, "
            "'2026-01-01 09:00:00.000000', '2026-02-16 08:00:00.000000'),"
            "(2, 'deriv', 'power', 0, 250, 0, NULL, 0, 1, 0, '2026-01-01 09:00:00.000000', NULL)"
        )
        conn.execute(
            "INSERT INTO reviews (card_id, reviewed_at, kind, seed, fingerprint, answer, read_as, "
            "status, correct, mistake, hints, seconds, quality, easiness_before_x100, "
            "easiness_after_x100, interval_before, interval_after, session_id) VALUES "
            "(1, '2026-02-16 08:00:00.000000', 'review', 987654321, 'fp', 'cos(x)', 'cos(x)', "
            "'wrong', 0, 'dropped-inner', 1, 31.5, 2, 250, 236, 6, 1, 'sess')"
        )
    # The index v2 adds is not there yet, so the test would notice a no-op migration.
    assert "ix_reviews_time" not in {
        i["name"] for i in inspect(create_engine(f"sqlite:///{path}")).get_indexes("reviews")
    }


def _schema(path: Path | str) -> dict[str, Any]:
    engine = create_engine(path if isinstance(path, str) else f"sqlite:///{path}")
    try:
        insp = inspect(engine)
        out: dict[str, Any] = {}
        for table in sorted(insp.get_table_names()):
            out[table] = {
                "columns": [
                    (c["name"], str(c["type"]), c["nullable"], c.get("default"))
                    for c in insp.get_columns(table)
                ],
                "pk": insp.get_pk_constraint(table)["constrained_columns"],
                "indexes": sorted(
                    (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                    for i in insp.get_indexes(table)
                ),
                "unique": sorted(
                    (u["name"], tuple(u["column_names"]))
                    for u in insp.get_unique_constraints(table)
                ),
                "fks": sorted(
                    (
                        tuple(f["constrained_columns"]),
                        f["referred_table"],
                        tuple(f["referred_columns"]),
                    )
                    for f in insp.get_foreign_keys(table)
                ),
                "checks": sorted(
                    (c["name"], " ".join(c["sqltext"].split()))
                    for c in insp.get_check_constraints(table)
                ),
            }
        return out
    finally:
        engine.dispose()


def test_v1_database_migrates_to_the_fresh_schema(tmp_path: Path) -> None:
    old, fresh = tmp_path / "old" / "mathdrill.db", tmp_path / "fresh" / "mathdrill.db"
    old.parent.mkdir()
    _build_v1(old)
    with sqlite3.connect(old) as conn:  # an older version's statistics cache, dropped by v3
        conn.execute("CREATE TABLE stats_days (rule TEXT, day DATE, reviews INTEGER)")
        conn.execute("CREATE TABLE stats_state (rule TEXT, review_id INTEGER)")
    before = _dump(old)
    with open_database(str(old), now=NOW) as db:
        assert db.schema_version() == SCHEMA_VERSION == 7
        assert db.learner.name == "default"
        backup = db.backup_path
        cards = {c.template: c for c in db.cards()}
        history = db.history(cards["chain"].id)
    open_database(str(fresh)).close()
    assert _schema(old) == _schema(fresh)
    # The backup is a complete v1 copy (same SQL dump), named after the old version and UTC time.
    assert backup is not None
    assert backup == old.with_name("mathdrill.db.bak-v1-20260301T120000Z")
    assert _dump(backup) == before
    with sqlite3.connect(backup) as conn:
        assert conn.execute("SELECT value FROM meta").fetchall() == [("1",)]
    # Data survived, with exact easiness and aware timestamps.
    chain = cards["chain"]
    assert (chain.repetitions, chain.easiness, chain.interval, chain.lapses) == (3, 2.36, 17, 1)
    assert chain.due == datetime(2026, 3, 5, 4, 0, tzinfo=UTC)
    assert cards["power"].suspended
    assert cards["power"].is_new
    assert len(history) == 1
    assert (history[0].seed, history[0].mistake, history[0].easiness_after) == (
        987654321,
        "dropped-inner",
        2.36,
    )
    with sqlite3.connect(old) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_current_database_is_not_backed_up_again(tmp_path: Path) -> None:
    path = tmp_path / "mathdrill.db"
    open_database(str(path)).close()
    with open_database(str(path)) as db:
        assert db.backup_path is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mathdrill.db"]


def test_backup_names_never_collide(tmp_path: Path) -> None:
    file = tmp_path / "mathdrill.db"
    first = migrations.backup_name(file, 1, NOW)
    first.write_bytes(b"x")
    second = migrations.backup_name(file, 1, NOW)
    assert second != first
    assert second.name == "mathdrill.db.bak-v1-20260301T120000Z-2"


def test_newer_database_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "mathdrill.db"
    open_database(str(path)).close()
    with sqlite3.connect(path) as conn:
        conn.execute(
            "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),)
        )
    conn.close()
    before = _digest(path)
    with pytest.raises(StorageError) as info:
        open_database(str(path))
    assert (
        f"was written by a newer mathdrill (schema {SCHEMA_VERSION + 1}, this version knows up to "
        f"{SCHEMA_VERSION}): "
        "upgrade mathdrill" in str(info.value)
    )
    assert str(path) in str(info.value)
    assert _digest(path) == before


def test_failed_migration_rolls_back_everything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "mathdrill.db"
    _build_v1(path)

    def explode(_conn: object) -> None:
        raise RuntimeError("step 3 is broken")

    steps = (*migrations.MIGRATIONS, Migration(3, "a broken step", explode))
    monkeypatch.setattr(migrations, "pending", lambda v: [s for s in steps if s.version > v])
    with pytest.raises(StorageError) as info:
        open_database(str(path), now=NOW)
    message = str(info.value)
    assert "schema 3" in message
    assert "left at schema 1" in message
    assert "bak-v1-20260301T120000Z" in message
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT value FROM meta").fetchall() == [("1",)]
        names = {
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")
        }
    assert "ix_reviews_time" not in names  # the v2 step ran, then was rolled back with step 3
    monkeypatch.undo()
    with open_database(str(path), now=NOW) as db:
        assert db.schema_version() == SCHEMA_VERSION


@pytest.mark.parametrize("value", [None, "two"])
def test_meta_without_valid_version_refused(tmp_path: Path, value: str | None) -> None:
    path = tmp_path / "mathdrill.db"
    open_database(str(path)).close()
    with sqlite3.connect(path) as conn:
        if value is None:
            conn.execute("DELETE FROM meta")
        else:
            conn.execute("UPDATE meta SET value = ?", (value,))
    conn.close()
    with pytest.raises(StorageError, match="no valid schema version"):
        open_database(str(path))


def test_on_postgresql_an_upgraded_database_has_the_fresh_schema(pg_url: str, pg_server) -> None:
    engine = create_engine(pg_url)
    try:
        with engine.begin() as conn:
            create_v1_schema(conn)
    finally:
        engine.dispose()
    open_database(pg_url, now=NOW, backed_up="1").close()
    fresh = pg_server.database()
    fresh_url = next(fresh)
    try:
        open_database(fresh_url).close()
        upgraded, created = _schema(pg_url), _schema(fresh_url)
    finally:
        fresh.close()
    # PostgreSQL's ALTER TABLE … ADD COLUMN appends (schema 4's learner_id comes last after an
    # upgrade); mathdrill names every column it reads or writes, so only the set must agree.
    for schema in (upgraded, created):
        for table in schema.values():
            table["columns"] = sorted(table["columns"])
    assert upgraded == created
