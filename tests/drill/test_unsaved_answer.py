"""An answer the database cannot take is never dropped silently: kept, retried, or refused aloud.

The plain-text front end in process, with the database's ``record_review`` failing as a lost
server makes it fail (the real server is stopped in ``tests/drill/test_drill_server.py``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mathdrill.errors import StorageError
from mathdrill.storage import Database
from tests.drill.drillkit import drill_args, reviews


@pytest.fixture
def failing_saves(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Make the next saves fail (as many as the list's first number); count the attempts."""
    state = [1, 0]  # failures still to come, attempts seen
    real = Database.record_review

    def record_review(self: Database, *args, **kwargs):
        state[1] += 1
        if state[0] > 0:
            state[0] -= 1
            raise StorageError("Cannot reach the database server of postgresql://x/y (test).")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Database, "record_review", record_review)
    return state


def test_a_failed_save_is_said_and_tried_again_on_enter(
    md, home: Path, failing_saves: list[int]
) -> None:
    done = md(*drill_args("2026-11-21T09:00", "--seed", "4"), stdin="0\n\n")
    assert done.returncode == 0, done.stderr
    assert "Cannot reach the database server" in done.stdout
    assert "This answer was NOT saved yet; it is kept" in done.stdout
    assert "Press Enter to try saving this answer again, or q to quit without it" in done.stdout
    stored = reviews(home)
    assert [(r["answer"], r["correct"]) for r in stored] == [("0", 0)]
    assert failing_saves[1] >= 2  # the failed attempt and the one that saved it


def test_quitting_after_a_failed_save_ends_the_session_without_that_answer(
    md, home: Path, failing_saves: list[int]
) -> None:
    failing_saves[0] = 5
    done = md(*drill_args("2026-11-21T09:00", "--seed", "4"), stdin="0\n\nq\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("NOT saved yet") == 2  # the first failure, then the retry's
    assert "Session over." in done.stdout
    assert "0 problems answered" in done.stdout
    assert reviews(home) == []
