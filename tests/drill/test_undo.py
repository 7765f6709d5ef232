"""The drill's ``u``: the last graded answer is taken back and the database is as before it.

In process on a real SQLite file (``DrillSession`` with the worker's own code, no process),
and through the JSON-lines protocol; the terminal at 80×24 is in ``test_drill_screen.py``.
"""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mathdrill.decks.catalog import read_catalog
from mathdrill.errors import UsageError
from mathdrill.scheduling.queue import SchedulingSettings
from mathdrill.storage import open_database
from mathdrill.usecases.drill import DrillOptions, DrillSession
from mathdrill.usecases.problems import skills_from_catalog
from tests.drill.drillkit import ARITH, LocalProblems, drill_args, reviews, solve
from tests.drill.test_session import Clock


def session(db, library, clock, seed: int = 1, **options) -> DrillSession:
    """A session on the fixture deck whose problem making never counts as slow.

    The timer is a parameter: on a loaded machine the first problem (sympy's import) could
    take over the slow-template budget and skip the deck.
    """
    return DrillSession(
        db=db,
        skills=library,
        problems=LocalProblems(),
        settings=SchedulingSettings(tz=UTC, rollover_hour=4),
        options=DrillOptions(**options),
        clock=clock,
        rng=random.Random(seed),
        timer=lambda: 0.0,
    )


def dump(path: Path) -> list[str]:
    """Every table and row of a database, as SQL text (the WAL included)."""
    with sqlite3.connect(path) as conn:
        return list(conn.iterdump())


@pytest.fixture
def library():
    return skills_from_catalog(read_catalog([ARITH]))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "drill.db"


@pytest.fixture
def db(db_path: Path):
    database = open_database(str(db_path))
    yield database
    database.close()


def test_undo_of_a_wrong_first_answer_leaves_the_database_as_before(db, db_path, library) -> None:
    clock = Clock(datetime(2026, 11, 21, 9, tzinfo=UTC))
    drill = session(db, library, clock)
    first = drill.next_problem()
    assert first is not None
    before = dump(db_path)
    _, wrong = solve(first.view.prompt)
    outcome = drill.submit(str(wrong), seconds=5.0)
    assert outcome.saved
    assert outcome.will_repeat
    assert dump(db_path) != before
    second = drill.next_problem()
    assert second is not None
    assert second.card != first.card
    undone = drill.undo()
    assert undone is not None
    assert (undone.card, undone.review_kind, undone.quality) == (first.card, "learn", 2)
    assert dump(db_path) == before
    # The undone skill comes again now, a fresh instance, with its number and kind.
    again = drill.next_problem()
    assert again is not None
    assert (again.card, again.number, again.review_kind) == (first.card, 1, "learn")
    assert again.view.answer_plain != first.view.answer_plain
    # Its repeat was dropped: answering everything right shows each skill once.
    right, _ = solve(again.view.prompt)
    drill.submit(str(right), seconds=5.0)
    cards = [again.card]
    while (problem := drill.next_problem()) is not None:
        cards.append(problem.card)
        drill.submit(str(solve(problem.view.prompt)[0]), seconds=5.0)
    assert sorted(cards) == sorted({first.card, second.card})
    summary = drill.summary()
    assert (summary.answered, summary.first_showings, summary.first_try_correct) == (2, 2, 2)
    assert summary.needs_work == ()


def test_undo_of_a_review_restores_the_schedule_it_moved(db, db_path, library) -> None:
    clock = Clock(datetime(2026, 11, 21, 9, tzinfo=UTC))
    first_day = session(db, library, clock)
    while (problem := first_day.next_problem()) is not None:
        first_day.submit(str(solve(problem.view.prompt)[0]), seconds=5.0)
    clock.now += timedelta(days=1)
    drill = session(db, library, clock, seed=2)
    problem = drill.next_problem()
    assert problem is not None
    assert problem.review_kind == "review"
    before = dump(db_path)
    drill.give_up(seconds=3.0)
    assert dump(db_path) != before
    undone = drill.undo()
    assert undone is not None
    assert undone.quality == 0
    assert dump(db_path) == before
    assert drill.undo() is None, "one answer back, not more"


def test_nothing_to_undo_before_an_answer_and_not_while_a_grade_waits(db, library) -> None:
    clock = Clock(datetime(2026, 11, 21, 9, tzinfo=UTC))
    drill = session(db, library, clock, self_grade=True)
    problem = drill.next_problem()
    assert problem is not None
    assert drill.undo() is None
    drill.submit(str(solve(problem.view.prompt)[0]), seconds=5.0)
    drill.self_grade(4)
    problem = drill.next_problem()
    assert problem is not None
    drill.submit(str(solve(problem.view.prompt)[0]), seconds=5.0)
    with pytest.raises(UsageError):
        drill.undo()


def test_json_protocol_u_emits_undone_and_leaves_the_database_as_before(md, home) -> None:
    # What the database holds with the first problem on screen: the same session, quit there.
    quit_at_once = md(*drill_args("2026-11-21T09:00", "--seed", "8", "--json"), stdin="q\n")
    assert quit_at_once.returncode == 0, quit_at_once.stderr
    before = dump(home / "mathdrill.db")
    (home / "mathdrill.db").rename(home / "first.db")
    for extra in ("-wal", "-shm"):
        (home / f"mathdrill.db{extra}").unlink(missing_ok=True)
    done = md(*drill_args("2026-11-21T09:00", "--seed", "8", "--json"), stdin="0\nu\nq\n")
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    names = [e["event"] for e in events]
    assert names[:6] == ["session", "problem", "verdict", "problem", "undone", "problem"]
    problem, verdict, undone, again = events[1], events[2], events[4], events[5]
    assert verdict["saved"]
    assert not verdict["correct"]
    assert undone["card"] == problem["card"]
    assert (undone["review_kind"], undone["quality"]) == ("learn", verdict["quality"])
    assert undone["text"].startswith("Undone:")
    assert (again["card"], again["number"]) == (problem["card"], 1)
    assert again["seed"] != problem["seed"]
    assert reviews(home) == []
    assert dump(home / "mathdrill.db") == before


def test_json_protocol_u_with_nothing_to_undo_keeps_the_problem(md, home) -> None:
    done = md(*drill_args("2026-11-21T09:00", "--seed", "8", "--json"), stdin="u\nq\n")
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    assert [e["event"] for e in events] == ["session", "problem", "undone", "summary"]
    assert events[2]["card"] is None
    assert "Nothing to undo" in events[2]["text"]


def test_a_spare_taken_by_the_problem_on_screen_is_put_back(db, db_path, library) -> None:
    clock = Clock(datetime(2026, 11, 21, 9, tzinfo=UTC))
    drill = session(db, library, clock)
    first = drill.next_problem()
    assert first is not None
    # A problem an earlier session made ahead for the other skill (the second of the queue).
    other = next(s for s in library if s.key != first.card)
    card = db.card(other.deck, other.id)
    spare = LocalProblems().generate(other, 4242)
    db.put_spare(card.id, json.dumps(spare.to_dict()))
    before = dump(db_path)
    drill.submit(str(solve(first.view.prompt)[0]), seconds=5.0)
    second = drill.next_problem()
    assert second is not None
    assert second.view.seed == 4242, "the second problem is the spare"
    assert drill.undo() is not None
    assert dump(db_path) == before
