"""Hostile environments: clocks at the calendar's edge, odd zones, foreign and read-only files.

Part of the hostile corpus (issue 16): each case once broke mathdrill or surprised a learner.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from mathdrill.scheduling.queue import (
    EARLIEST_NOW,
    LATEST_NOW,
    CardInfo,
    SchedulingSettings,
    next_due,
    schedule_after,
)
from mathdrill.scheduling.sm2 import MAX_INTERVAL_DAYS, SM2State, review

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
    assert latest.year < 9999
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
