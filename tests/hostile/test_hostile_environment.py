"""Hostile environments: clocks at the calendar's edge, odd zones, foreign and read-only files.

Part of the hostile corpus (issue 16): each case once broke mathdrill or surprised a learner.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mathdrill.scheduling.queue import (
    CardInfo,
    SchedulingSettings,
    next_due,
    schedule_after,
)
from mathdrill.scheduling.sm2 import MAX_INTERVAL_DAYS, SM2State, review
from mathdrill.storage.migrations import SCHEMA_VERSION
from mathdrill.vocabulary import EARLIEST_NOW, FIRST_YEAR, LAST_YEAR, LATEST_NOW

EDGES = ["0001-01-01T02:00", "0001-01-01T10:00", "9999-12-31T10:00", "9999-12-31T23:59:59Z"]


@pytest.mark.parametrize("now", EDGES)
@pytest.mark.parametrize("command", [["due"], ["stats"], ["drill", "--json", "--limit", "1"]])
def test_a_clock_at_the_calendars_edge_is_refused_with_the_range(md, tmp_path, now, command):
    done = md("--now", now, *command, stdin="q\n")
    assert done.code == 2, done.stderr
    assert "--now" in done.stderr
    assert EARLIEST_NOW.date().isoformat() in done.stderr
    assert not (tmp_path / "home" / "mathdrill.db").exists()


def test_the_clock_range_leaves_room_for_every_interval():
    assert EARLIEST_NOW < LATEST_NOW
    latest = next_due(LATEST_NOW, MAX_INTERVAL_DAYS)
    # Everything the drill stores stays importable (the import's range is FIRST_YEAR-LAST_YEAR).
    assert latest.year <= LAST_YEAR
    assert EARLIEST_NOW.year >= FIRST_YEAR
    assert next_due(EARLIEST_NOW, 0) <= EARLIEST_NOW + timedelta(days=1)


@pytest.mark.parametrize("interval", [MAX_INTERVAL_DAYS, 2**31 - 1, 10**30])
def test_sm2_intervals_stop_at_the_documented_maximum(interval):
    after = review(SM2State(repetitions=5, easiness=2.5, interval=interval), 5)
    assert after.interval == MAX_INTERVAL_DAYS
    assert review(SM2State(repetitions=5, easiness=1.3, interval=100), 5).interval == 130


@pytest.mark.parametrize("interval", [MAX_INTERVAL_DAYS + 1, 2**31 - 1, 10**30])
def test_due_dates_clamp_instead_of_overflowing(interval):
    now = datetime(2026, 12, 7, 10, tzinfo=UTC)
    assert next_due(now, interval) == next_due(now, MAX_INTERVAL_DAYS)
    assert next_due(LATEST_NOW, interval) == next_due(LATEST_NOW, MAX_INTERVAL_DAYS)


def test_a_correct_answer_on_an_imported_huge_interval_is_scheduled():
    card = CardInfo(
        card_id=1,
        deck="d",
        template="t",
        repetitions=9,
        easiness=2.5,
        interval=2**31 - 1,
        due=datetime(2026, 1, 1, 4, tzinfo=UTC),
        last_review=datetime(2025, 1, 1, tzinfo=UTC),
    )
    update = schedule_after(card, 5, LATEST_NOW, "review", SchedulingSettings())
    assert update.interval == MAX_INTERVAL_DAYS
    assert update.due == next_due(LATEST_NOW, MAX_INTERVAL_DAYS)


@pytest.mark.parametrize(
    ("tz", "now", "day"),
    [
        ("UTC+14", "2026-06-01T05:00:00Z", "2026-05-31"),
        ("<+10>-10", "2026-06-01T20:00:00Z", "2026-06-02"),
        ("EST5EDT,M3.2.0,M11.1.0", "2026-06-01T07:00:00Z", "2026-05-31"),
    ],
)
def test_a_posix_tz_string_is_followed_and_named_once(run_md, md_env, tz, now, day):
    # POSIX reads UTC+14 as 14 hours *behind* UTC: 05:00Z is 15:00 the day before. In UTC
    # (what these strings silently became) every one of these study days would differ.
    md_env["TZ"] = tz
    assert run_md("--now", now, "due").returncode == 0
    done = run_md("--now", now, "stats", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["today"]["day"] == day
    assert done.stderr.count(f"TZ={tz!r}") == 1, done.stderr


def test_an_unknown_tz_name_is_named_not_silently_utc(run_md, md_env):
    md_env["TZ"] = "Mars/Olympus_Mons"
    done = run_md("--now", "2026-06-01T05:00:00Z", "due")
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("TZ='Mars/Olympus_Mons'") == 1, done.stderr
    assert "Europe/Berlin" in done.stderr  # how to fix it


def test_a_known_tz_name_says_nothing(run_md, md_env):
    md_env["TZ"] = "Europe/Berlin"
    done = run_md("--now", "2026-06-01T05:00:00Z", "due")
    assert done.returncode == 0, done.stderr
    assert "TZ" not in done.stderr


# --- other programs' files, read-only media, special files --------------------------------


def _foreign(path: Path, version: str) -> bytes:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
    conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (version,))
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    conn.execute("INSERT INTO notes (body) VALUES ('not mathdrill')")
    conn.commit()
    conn.close()
    return path.read_bytes()


@pytest.mark.parametrize("version", ["1", str(SCHEMA_VERSION)])
@pytest.mark.parametrize("command", [["stats"], ["due"], ["doctor"], ["export", "all"]])
def test_a_foreign_database_with_a_schema_version_is_left_untouched(md, tmp_path, version, command):
    path = tmp_path / "other.db"
    before = _foreign(path, version)
    done = md("--db", str(path), *command)
    assert done.code != 0, done.stdout
    assert "not a mathdrill database" in done.stdout + done.stderr
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("other")) == ["other.db"]


@contextlib.contextmanager
def _read_only(folder: Path) -> Iterator[Path]:
    """Make ``folder`` (and what is in it) unwritable, even for root: a read-only bind mount."""
    if os.geteuid() != 0:
        for item in [folder, *folder.rglob("*")]:
            item.chmod(0o555 if item.is_dir() else 0o444)
        try:
            yield folder
        finally:
            for item in [folder, *folder.rglob("*")]:
                item.chmod(0o755 if item.is_dir() else 0o644)
        return
    mount = folder.with_name(folder.name + "-ro")
    mount.mkdir()
    subprocess.run(["mount", "--bind", str(folder), str(mount)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(mount)], check=True)
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


@pytest.mark.slow
def test_reading_commands_work_on_read_only_media(md, tmp_path, monkeypatch):
    home = tmp_path / "home"
    now = "2026-06-01T10:00"
    assert md("--now", now, "drill", "--json", "--limit", "1", stdin="!\nq\n").code == 0
    before = (home / "mathdrill.db").read_bytes()
    with _read_only(home) as frozen:
        monkeypatch.setenv("MATHDRILL_HOME", str(frozen))
        for command in (["stats", "--json"], ["export", "all"], ["due", "--json"], ["doctor"]):
            done = md("--now", now, *command)
            assert done.code == 0, (command, done.stderr)
        assert json.loads(md("--now", now, "stats", "--json").stdout)["total_reviews"] == 1
        assert json.loads(md("--now", now, "due", "--json").stdout)["due_now"] == 0
        written = md("--now", now, "drill", "--json", "--limit", "1", stdin="!\nq\n")
        assert written.code == 3, written.stdout
        assert "read-only" in written.stderr
    assert (home / "mathdrill.db").read_bytes() == before


def test_stats_and_db_do_not_create_the_data_folder(md, tmp_path, monkeypatch):
    home = tmp_path / "home"
    db = tmp_path / "elsewhere.db"
    assert md("--db", str(db), "due").code == 0
    assert md("--db", str(db), "stats").code == 0
    assert not home.exists()
    assert md("stats").code == 3  # no database yet: said so, and nothing was created for it
    assert not home.exists()


@pytest.mark.parametrize("kind", ["folder", "fifo", "device"])
def test_importing_a_special_file_says_what_it_is(md, tmp_path, kind):
    if kind == "folder":
        path, word = tmp_path / "folder", "folder"
        path.mkdir()
    elif kind == "fifo":
        path, word = tmp_path / "pipe", "pipe"
        os.mkfifo(path)
    else:
        path, word = Path("/dev/zero"), "device"
    done = md("import", str(path))
    assert done.code == 2, done.stderr
    assert word in done.stderr
    assert "no such file" not in done.stderr


def test_reviews_dated_at_the_calendars_edge_do_not_break_stats(md, tmp_path):
    # What an import from an older mathdrill (before dates were validated) may have left.
    now = "2026-06-01T10:00"
    assert md("--now", now, "drill", "--json", "--limit", "1", stdin="!\nq\n").code == 0
    path = tmp_path / "home" / "mathdrill.db"
    conn = sqlite3.connect(path)
    names = [r[1] for r in conn.execute("PRAGMA table_info(reviews)") if r[1] not in ("id",)]
    others = ", ".join(n for n in names if n != "reviewed_at")
    for stamp in ("0001-01-01 00:00:00.000000", "9999-12-31 23:00:00.000000"):
        conn.execute(
            f"INSERT INTO reviews (reviewed_at, {others}) SELECT ?, {others} FROM reviews LIMIT 1",
            (stamp,),
        )
    conn.commit()
    conn.close()
    done = md("--now", now, "stats", "--json")
    assert done.code == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["today"]["reviewed"] == 1
    assert md("--now", now, "stats").code == 0
