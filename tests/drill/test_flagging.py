"""Flagging a problem in the drill (``f [comment]``): stored at once with the card, the seed, the
session's clock, the comment and the last answer; ungraded; the same problem stays."""

from __future__ import annotations

import json
import random
import sqlite3
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mathdrill.cli.drill_cmd import f_answer_spelling, flag_comment
from mathdrill.decks.catalog import read_catalog
from mathdrill.errors import UsageError
from mathdrill.scheduling.queue import SchedulingSettings
from mathdrill.storage import open_database
from mathdrill.storage.records import MAX_COMMENT
from mathdrill.usecases.drill import DrillOptions, DrillSession, Problem
from mathdrill.usecases.problems import skills_from_catalog
from tests.drill.drillkit import ARITH, LocalProblems, drill_args, reviews, solve

NOW = datetime(2026, 11, 21, 9, tzinfo=UTC)


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def db(tmp_path: Path):
    database = open_database(str(tmp_path / "drill.db"))
    yield database
    database.close()


def _session(db, clock: Clock) -> DrillSession:
    return DrillSession(
        db=db,
        skills=skills_from_catalog(read_catalog([ARITH])),
        problems=LocalProblems(),
        settings=SchedulingSettings(tz=UTC, rollover_hour=4),
        options=DrillOptions(),
        clock=clock,
        rng=random.Random(3),
    )


@pytest.mark.parametrize(
    ("line", "comment"),
    [
        ("f", ""),
        ("F", ""),
        ("flag", ""),
        ("f the   reference\tlooks wrong", "the reference looks wrong"),
        ("flag too easy", "too easy"),
        ("f(x)", None),
        ("f*x", None),
        ("f'", None),
        ("fx", None),
        ("2f", None),
        ("flagged", None),
        ("false", None),
        ("", None),
    ],
)
def test_what_is_a_flag_command(line: str, comment: str | None) -> None:
    assert flag_comment(line) == comment


def test_the_confirmation_says_how_to_answer_what_f_would_mean(db) -> None:
    drill = _session(db, Clock(NOW))
    problem = drill.next_problem()
    assert problem is not None

    def as_kind(kind: str, variables: tuple[str, ...] = ()) -> Problem:
        return replace(problem, view=replace(problem.view, kind=kind, variables=variables))

    assert f_answer_spelling(as_kind("number")) is None
    assert f_answer_spelling(as_kind("expression", ("x",))) is None
    assert f_answer_spelling(as_kind("expression", ("f", "x"))) == "to answer f itself, type (f)"
    assert f_answer_spelling(as_kind("boolean")) == "to answer false, type no"
    assert f_answer_spelling(as_kind("choice")) == "to answer option f, type f)"


def test_a_flag_is_stored_ungraded_and_the_problem_stays(db) -> None:
    clock = Clock(NOW)
    drill = _session(db, clock)
    problem = drill.next_problem()
    assert problem is not None
    clock.now = datetime(2026, 11, 21, 9, 5, tzinfo=UTC)
    flag = drill.flag("  the sum looks odd ")
    assert (flag.card, flag.seed, flag.flagged_at) == (problem.card, problem.view.seed, clock.now)
    assert (flag.comment, flag.answer) == ("the sum looks odd", None)
    assert db.flags() == [flag]
    assert db.count_reviews() == 0
    with pytest.raises(UsageError):
        drill.next_problem()  # still on the flagged problem
    right, _ = solve(problem.view.prompt)
    outcome = drill.submit(str(right), seconds=4.0)
    assert outcome.saved
    assert outcome.verdict is not None
    assert outcome.verdict.correct
    (review,) = db.history(db.card(*problem.card.split("/")).id)
    assert review.seed == flag.seed


def test_a_flag_keeps_the_last_answer_typed_even_an_unreadable_one(db) -> None:
    drill = _session(db, Clock(NOW))
    problem = drill.next_problem()
    assert problem is not None
    assert not drill.submit("1/*2", seconds=1.0).graded
    flag = drill.flag("")
    assert (flag.answer, flag.comment) == ("1/*2", "")
    long = drill.flag("x" * (MAX_COMMENT + 50) + "\ud800")
    assert long.comment == "x" * MAX_COMMENT
    assert [f.id for f in db.flags()] == [long.id, flag.id]


def test_while_the_verdict_is_shown_the_answered_problem_is_flagged(db) -> None:
    drill = _session(db, Clock(NOW))
    first = drill.next_problem()
    assert first is not None
    _, wrong = solve(first.view.prompt)
    assert drill.submit(str(wrong), seconds=3.0).saved
    disputed = drill.flag("I think this is right")
    assert (disputed.card, disputed.seed, disputed.answer) == (
        first.card,
        first.view.seed,
        str(wrong),
    )
    second = drill.next_problem()
    assert second is not None
    assert drill.flag("").seed == second.view.seed
    assert db.count_reviews() == 1


def test_no_flag_without_a_problem_on_screen(db) -> None:
    drill = _session(db, Clock(NOW))
    with pytest.raises(UsageError):
        drill.flag("nothing here")


def _flags(home: Path) -> list[sqlite3.Row]:
    with sqlite3.connect(home / "mathdrill.db") as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute(
            "SELECT f.*, c.deck || '/' || c.template AS card FROM flags f "
            "JOIN cards c ON c.id = f.card_id ORDER BY f.id"
        ).fetchall()


def test_json_protocol_flagged_event_then_the_same_problem(md, md_env) -> None:
    home = Path(md_env["MATHDRILL_HOME"])
    ran = md(*drill_args("2026-11-21T09:00", "--seed", "4", "--json"), stdin="f too easy\n!\nq\n")
    assert ran.returncode == 0, ran.stderr
    events = [json.loads(line) for line in ran.stdout.splitlines()]
    names = [e["event"] for e in events]
    assert names[:4] == ["session", "problem", "flagged", "verdict"], names
    problem, flagged, verdict = events[1], events[2], events[3]
    assert flagged["card"] == problem["card"] == verdict["card"]
    assert flagged["seed"] == problem["seed"] == verdict["seed"]
    assert flagged["comment"] == "too easy"
    (stored,) = _flags(home)
    assert (stored["id"], stored["card"], stored["seed"]) == (
        flagged["id"],
        flagged["card"],
        flagged["seed"],
    )
    assert stored["flagged_at"].startswith("2026-11-21")
    assert [r["seed"] for r in reviews(home)] == [problem["seed"]]


def test_plain_text_flag_confirms_in_one_line_and_the_flags_command_lists_it(md, md_env) -> None:
    home = Path(md_env["MATHDRILL_HOME"])
    ran = md(*drill_args("2026-11-21T09:00", "--seed", "4"), stdin="1/*2\nf typo in prompt\nq\n")
    assert ran.returncode == 0, ran.stderr
    confirm = [line for line in ran.stdout.splitlines() if "Flagged" in line]
    assert len(confirm) == 1, confirm
    assert len(confirm[0]) <= 80, confirm
    assert "mathdrill flags" in confirm[0]
    (stored,) = _flags(home)
    assert (stored["comment"], stored["answer"]) == ("typo in prompt", "1/*2")
    assert reviews(home) == []
    listed = md("flags")
    assert listed.returncode == 0, listed.stderr
    assert f"[{stored['id']}] {stored['card']} · seed {stored['seed']}" in listed.stdout
    assert "comment: typo in prompt" in listed.stdout
    assert "your answer: 1/*2" in listed.stdout
    assert f"mathdrill deck preview {stored['card']} --seed {stored['seed']}" in listed.stdout
