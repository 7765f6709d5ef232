"""What is particular to a PostgreSQL server: the driver, reaching it, upgrades, losing it.

The backend-independent behaviour runs on both backends through ``db_url`` (tests/conftest.py);
this file covers what only a server has.
"""

from __future__ import annotations

import sys
import threading
from datetime import timedelta

import pytest
from sqlalchemy import create_engine

from mathdrill.errors import DriverMissingError, StorageError
from mathdrill.storage import SCHEMA_VERSION, CardUpdate, open_database
from mathdrill.storage.migrations import create_v1_schema
from tests.factories import NOW, make_review
from tests.pg import Cluster


def test_a_postgresql_url_without_the_driver_names_the_extra(md, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # `import psycopg` now fails
    done = md("--db", "postgresql://ada@localhost/mathdrill", "due")
    assert done.returncode == DriverMissingError.exit_code == 2
    assert "pip install 'mathdrill[postgres]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_plain_postgresql_url_means_psycopg_3(pg_url: str) -> None:
    plain = pg_url.replace("postgresql+psycopg://", "postgresql://")
    with open_database(plain) as db:
        assert db.schema_version() == SCHEMA_VERSION
        assert db.path.startswith("postgresql+psycopg://")


def test_a_server_that_is_not_there_is_named_with_what_to_do(md, tmp_path) -> None:
    url = f"postgresql+psycopg://ada@/mathdrill?host={tmp_path / 'no-server'}"
    done = md("--db", url, "due")
    assert done.returncode == StorageError.exit_code
    assert "Cannot reach the database server of postgresql+psycopg://ada@/mathdrill" in done.stderr
    assert "Check that the server is running" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_password_is_never_shown(md, tmp_path) -> None:
    done = md("--db", f"postgresql://ada:s3cret@/x?host={tmp_path}", "due")
    assert done.returncode == StorageError.exit_code
    assert "s3cret" not in done.stderr
    assert "***" in done.stderr


def test_an_upgrade_on_a_server_waits_for_a_backup_of_that_schema(pg_url: str) -> None:
    engine = create_engine(pg_url)
    try:
        with engine.begin() as conn:
            create_v1_schema(conn)
    finally:
        engine.dispose()
    with pytest.raises(StorageError) as refused:
        open_database(pg_url, now=NOW)
    message = str(refused.value)
    assert "pg_dump --format=custom --file mathdrill-v1.dump 'postgresql://" in message
    assert "MATHDRILL_BACKED_UP=1" in message
    assert "Nothing was changed" in message
    with pytest.raises(StorageError, match="MATHDRILL_BACKED_UP=1"):
        open_database(pg_url, now=NOW, backed_up="2")  # a backup of another schema
    with open_database(pg_url, now=NOW, create=False, backed_up="1") as db:
        assert db.schema_version() == SCHEMA_VERSION
        assert db.backup_path is None


# -- losing the server mid-session (a private cluster, stopped and started again) --------------


@pytest.mark.slow
def test_a_review_waits_for_a_restarting_server_and_is_stored_once(
    private_cluster: Cluster, private_pg_url: str
) -> None:
    with open_database(private_pg_url) as db:
        db.ensure_cards([("d", "a")], NOW)
        card = db.card("d", "a")
        assert card is not None
        db.retry_delays = (1.0, 2.0, 4.0, 8.0)
        private_cluster.stop("immediate")
        back = threading.Timer(1.5, private_cluster.start)
        back.start()
        try:
            stored = db.record_review(
                make_review(card.id),
                CardUpdate(1, 2.5, 1, NOW + timedelta(days=1), 0, last_review=NOW),
            )
        finally:
            back.join()
        assert [r.id for r in db.history(card.id)] == [stored.id]


@pytest.mark.slow
def test_a_review_is_refused_loudly_when_the_server_stays_away(
    private_cluster: Cluster, private_pg_url: str
) -> None:
    with open_database(private_pg_url) as db:
        db.ensure_cards([("d", "a")], NOW)
        card = db.card("d", "a")
        assert card is not None
        db.retry_delays = (0.1, 0.1)
        private_cluster.stop("immediate")
        try:
            with pytest.raises(StorageError, match="Cannot reach the database server"):
                db.record_review(make_review(card.id), None)
        finally:
            private_cluster.start()
        assert db.history(card.id) == []
        db.record_review(make_review(card.id), None)  # and it carries on once it is back
        assert len(db.history(card.id)) == 1
