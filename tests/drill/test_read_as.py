"""The "read as" preview of the drill: the worker's ``read`` request, the session, ``--json``.

How a text is read, before it is graded: never judged, saved or counted as a try.
"""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mathdrill.answers.verdict import CANNOT_PREVIEW, Preview
from mathdrill.decks.catalog import read_catalog
from mathdrill.scheduling.queue import SchedulingSettings
from mathdrill.storage import open_database
from mathdrill.usecases.drill import DrillOptions, DrillSession
from mathdrill.usecases.problems import ProblemMaker, WorkerProblems, skills_from_catalog
from tests.drill.drillkit import LocalProblems, reviews
from tests.inprocess import invoke

CALCULUS = Path(__file__).resolve().parent / "fixtures" / "calculus.yaml"
NOW = datetime(2026, 11, 21, 9, tzinfo=UTC)


def calculus_args(*extra: str) -> list[str]:
    """``mathdrill drill`` on the one-template calculus deck at a fixed time."""
    return [
        "--now",
        "2026-11-21T09:00",
        "drill",
        "--decks",
        str(CALCULUS),
        "--deck",
        "calculus",
        *extra,
    ]


def read_request(text: str, changes: dict | None = None) -> dict:
    request = {"op": "read", "path": str(CALCULUS), "template": "chain", "seed": 3, "text": text}
    return {**request, **(changes or {})}


# ------------------------------------------------------------------------------- the worker


def test_the_worker_reads_a_text_for_the_problem_it_made_without_judging_it() -> None:
    maker = ProblemMaker()
    reply = maker.handle(read_request("2x cos(x^2)"))
    assert Preview.from_dict(reply["preview"]) == Preview(
        "read", read_as="2·x·cos(x²)", read_as_plain="2*x*cos(x**2)"
    )
    unreadable = Preview.from_dict(maker.handle(read_request("sinx"))["preview"])
    assert unreadable.status == "unreadable"
    assert "sinx" in (unreadable.error or "")
    assert (unreadable.start, unreadable.end) == (0, 4)


@pytest.mark.parametrize(
    ("changes", "reply_key"),
    [
        ({"text": 3}, "error"),
        ({"seed": "3"}, "error"),
        ({"template": "gone"}, "broken"),
        ({"path": "/nonexistent/deck.yaml"}, "broken"),
    ],
)
def test_a_bad_read_request_is_a_reply_not_a_crash(changes: dict, reply_key: str) -> None:
    reply = ProblemMaker().handle(read_request("x", changes))
    assert list(reply) == [reply_key]


# ------------------------------------------------------------------------------- the session


@pytest.fixture
def drill(tmp_path: Path):
    db = open_database(str(tmp_path / "drill.db"))
    session = DrillSession(
        db=db,
        skills=skills_from_catalog(read_catalog([CALCULUS])),
        problems=LocalProblems(),
        settings=SchedulingSettings(tz=UTC, rollover_hour=4),
        options=DrillOptions(),
        clock=lambda: NOW,
        rng=random.Random(1),
    )
    yield session, db
    db.close()


def test_a_preview_is_neither_a_try_nor_a_review(drill) -> None:
    session, db = drill
    assert session.preview("2x") == Preview(), "no problem on screen yet: nothing to read"
    problem = session.next_problem()
    assert problem is not None
    for text in ("sinx", "cos x^2", "2x cos(x^2)"):
        assert session.preview(text).status in ("read", "unreadable")
    assert session.preview("sin x^2").read_as == "sin(x²)"
    card = db.card("calculus", "chain")
    assert db.history(card.id) == [], "previews are not logged"
    outcome = session.submit(problem.view.answer_plain, seconds=5.0)
    assert outcome.saved
    assert outcome.quality == 5, "still the first try, quick, no hint"
    assert session.preview("x") == Preview(), "answered: nothing waits for a reading"


# ------------------------------------------------------------------------------- --json


def _events(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]


def test_json_read_lines_are_answered_ungraded_before_the_answer(md_env, tmp_path: Path) -> None:
    home = Path(md_env["MATHDRILL_HOME"])
    script = "?read 2x cos(x^2)\n?read sinx\n?read\n?read 1/2x\nq\n"
    ran = invoke(calculus_args("--json", "--seed", "2"), md_env, tmp_path, script)
    assert ran.returncode == 0, ran.stderr
    events = _events(ran.stdout)
    assert [e["event"] for e in events] == [
        "session",
        "problem",
        "read_as",
        "read_as",
        "read_as",
        "read_as",
        "summary",
    ]
    card = events[1]["card"]
    read, unreadable, empty, noted = events[2:6]
    assert read == {
        "event": "read_as",
        "card": card,
        "text": "2x cos(x^2)",
        "status": "read",
        "read_as": "2*x*cos(x**2)",
        "read_as_unicode": "2·x·cos(x²)",
        "error": None,
        "span": None,
        "notes": [],
    }
    assert unreadable["status"] == "unreadable"
    assert unreadable["read_as"] is None
    assert "sinx" in unreadable["error"]
    assert unreadable["span"] == [0, 4]
    assert (empty["status"], empty["text"], empty["read_as"], empty["error"]) == (
        "empty",
        "",
        None,
        None,
    )
    assert noted["notes"]
    assert events[-1]["answered"] == 0
    assert reviews(home) == [], "nothing read ahead was graded or saved"


def test_json_the_answer_after_read_lines_is_graded_as_a_first_try(md_env, tmp_path) -> None:
    home = Path(md_env["MATHDRILL_HOME"])
    first = invoke(calculus_args("--json", "--seed", "2"), md_env, tmp_path, "q\n")
    problem = _events(first.stdout)[1]
    match = re.search(r"sin\((\d+)", problem["prompt"])
    assert match, problem["prompt"]
    a = int(match[1])
    script = f"?read x\n?read {2 * a}x cos({a}x^2)\n{2 * a}x cos({a}x^2)\nq\n"
    ran = invoke(calculus_args("--json", "--seed", "2"), md_env, tmp_path, script)
    events = _events(ran.stdout)
    verdict = next(e for e in events if e["event"] == "verdict")
    assert verdict["correct"] is True
    assert verdict["quality"] == 5
    previews = [e for e in events if e["event"] == "read_as"]
    assert previews[1]["read_as"] == verdict["read_as"], "the same reading as the verdict's"
    assert len(reviews(home)) == 1


def test_plain_text_mode_has_no_preview_a_read_line_is_an_answer(md_env, tmp_path) -> None:
    ran = invoke(calculus_args("--seed", "2"), md_env, tmp_path, "?read x\nq\n")
    assert ran.returncode == 0, ran.stderr
    assert "Not counted — try again." in ran.stdout
    assert "read as" not in ran.stdout


# ------------------------------------------------------------------------------- a real worker


HEAVY = "*".join(f"(x+{101 + i})" for i in range(100))  # readable, tens of ms to read


@pytest.mark.slow
def test_the_worker_previews_and_a_capped_preview_costs_nothing_but_the_line() -> None:
    assert ProblemMaker().handle(read_request(HEAVY))["preview"]["status"] == "read"
    skill = skills_from_catalog(read_catalog([CALCULUS]))[0]
    # A wall cap no reply can meet: the worker is killed, as a hanging preview would be.
    source = WorkerProblems(timeout=5.0, preview_timeout=0.001)
    try:
        view = source.generate(skill, 3)
        capped = source.preview(skill, 3, HEAVY)
        assert capped == Preview("unknown", error=CANNOT_PREVIEW)
        verdict = source.check(skill, 3, view.answer_plain)
        assert verdict.correct, "the replacement worker makes the problem again and judges it"
    finally:
        source.close()
    assert source.preview(skill, 3, "x") == Preview("unknown", error=CANNOT_PREVIEW), (
        "a closed source says so quietly"
    )


@pytest.mark.slow
def test_the_worker_reads_what_the_verdict_reads() -> None:
    skill = skills_from_catalog(read_catalog([CALCULUS]))[0]
    source = WorkerProblems(timeout=5.0)
    try:
        source.generate(skill, 3)
        shown = source.preview(skill, 3, "2x cos(x^2)")
        verdict = source.check(skill, 3, "2x cos(x^2)")
        assert shown.status == "read"
        assert (shown.read_as, shown.read_as_plain) == (verdict.read_as, verdict.read_as_plain)
        assert source.preview(skill, 3, "  ") == Preview()
    finally:
        source.close()
