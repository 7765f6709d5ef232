"""DrillSession in-process, on a real SQLite file or PostgreSQL database and the fixture deck.

Problems come from :class:`tests.drill.drillkit.LocalProblems` — the worker's own code (real
deck loading, generation and the real uncapped checker) without the process, which the end-to-end
tests exercise; the clock is a settable stand-in, because time is a parameter.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mathdrill.decks.catalog import read_catalog
from mathdrill.errors import UsageError
from mathdrill.scheduling.queue import SchedulingSettings
from mathdrill.storage import open_database
from mathdrill.usecases.drill import DrillOptions, DrillSession
from mathdrill.usecases.problems import skills_from_catalog
from tests.drill.drillkit import ARITH, LocalProblems, solve


class RecordingProblems(LocalProblems):
    """LocalProblems that remembers which problems were asked for, and how."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, str, int]] = []

    def generate(self, skill, seed):
        self.calls.append(("generate", skill.key, seed))
        return super().generate(skill, seed)


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def library():
    return skills_from_catalog(read_catalog([ARITH]))


@pytest.fixture
def db(db_url: str):
    database = open_database(db_url)
    yield database
    database.close()


def session(db, library, clock: Clock, seed: int = 1, problems=None, **options) -> DrillSession:
    return DrillSession(
        db=db,
        skills=library,
        problems=problems or LocalProblems(),
        settings=SchedulingSettings(tz=UTC, rollover_hour=4),
        options=DrillOptions(**options),
        clock=clock,
        rng=random.Random(seed),
    )


def answer_all(drill: DrillSession, *, correct: bool = True) -> list:
    outcomes = []
    while (problem := drill.next_problem()) is not None:
        right, wrong = solve(problem.view.prompt)
        outcomes.append(drill.submit(str(right if correct else wrong), seconds=5.0))
    return outcomes


def test_first_session_learns_new_skills_in_prerequisite_order(db, library) -> None:
    drill = session(db, library, Clock(datetime(2026, 11, 21, 9, tzinfo=UTC)))
    first = drill.next_problem()
    assert first is not None
    assert first.card == "arith/add"  # `times` requires `add`
    assert first.review_kind == "learn"
    drill.skip()
    second = drill.next_problem()
    assert second is not None
    assert second.card == "arith/times"
    right, _ = solve(second.view.prompt)
    outcome = drill.submit(str(right), seconds=3.0)
    assert outcome.saved
    assert outcome.quality == 5  # fast (under expected_seconds), first try, no hint
    assert drill.next_problem() is None
    summary = drill.summary()
    assert summary.answered == 1
    assert summary.skipped == 1
    assert summary.streak == 1


def test_unreadable_and_undecided_are_not_answers(db, library) -> None:
    drill = session(db, library, Clock(datetime(2026, 11, 21, 9, tzinfo=UTC)))
    problem = drill.next_problem()
    assert problem is not None
    outcome = drill.submit("12 +* 3", seconds=1.0)
    assert not outcome.graded
    assert not outcome.saved
    assert outcome.verdict.status == "unreadable"
    right, _ = solve(problem.view.prompt)
    assert drill.submit(str(right), seconds=2.0).saved
    assert len(db.history(db.card("arith", problem.card.split("/")[1]).id)) == 1


def test_hints_lower_the_grade(db, library) -> None:
    drill = session(db, library, Clock(datetime(2026, 11, 21, 9, tzinfo=UTC)))
    problem = drill.next_problem()
    assert drill.hint() is not None
    right, _ = solve(problem.view.prompt)
    assert drill.submit(str(right), seconds=2.0).quality == 3


def test_cram_is_logged_but_never_moves_the_schedule(db, library) -> None:
    clock = Clock(datetime(2026, 11, 21, 9, tzinfo=UTC))
    answer_all(session(db, library, clock))
    before = {c.template: c for c in db.cards()}
    clock.now += timedelta(hours=2)
    outcomes = answer_all(session(db, library, clock, seed=2, cram=True), correct=False)
    assert outcomes
    assert all(o.saved for o in outcomes)
    after = {c.template: c for c in db.cards()}
    for template, card in before.items():
        assert (after[template].due, after[template].interval, after[template].easiness) == (
            card.due,
            card.interval,
            card.easiness,
        )
    kinds = {r.kind for c in after.values() for r in db.history(c.id)}
    assert kinds == {"learn", "cram", "repeat"}


def test_self_grade_waits_for_the_learners_grade(db, library) -> None:
    drill = session(db, library, Clock(datetime(2026, 11, 21, 9, tzinfo=UTC)), self_grade=True)
    problem = drill.next_problem()
    right, _ = solve(problem.view.prompt)
    pending = drill.submit(str(right), seconds=1.0)
    assert pending.quality is None
    assert not pending.saved
    assert pending.derived_quality == 5
    with pytest.raises(UsageError):
        drill.self_grade(6)
    saved = drill.self_grade(3)
    assert saved.saved
    assert saved.quality == 3
    card = db.card("arith", problem.card.split("/")[1])
    assert db.history(card.id)[0].quality == 3


def test_a_wrong_answer_cannot_be_self_graded_as_remembered(db, library) -> None:
    drill = session(db, library, Clock(datetime(2026, 11, 21, 9, tzinfo=UTC)), self_grade=True)
    drill.next_problem()
    pending = drill.submit("123456789", seconds=1.0)
    assert pending.verdict is not None
    assert not pending.verdict.correct
    with pytest.raises(UsageError, match="at most 2"):
        drill.self_grade(4)
    assert not pending.saved
    saved = drill.self_grade(2)
    assert (saved.saved, saved.quality) == (True, 2)


def test_limit_new_and_minutes_shape_the_plan(db, library) -> None:
    clock = Clock(datetime(2026, 11, 21, 9, tzinfo=UTC))
    assert len(session(db, library, clock, limit=1).queue_info.items) == 1
    assert len(session(db, library, clock, new=0).queue_info.items) == 0
    # Both skills expect 30 s: a one-minute session fits both, 40 seconds fits one.
    assert len(session(db, library, clock, minutes=1.0).queue_info.items) == 2
    assert len(session(db, library, clock, minutes=40 / 60).queue_info.items) == 1


def test_unknown_deck_is_a_usage_error(db, library) -> None:
    with pytest.raises(UsageError, match="no deck named nope"):
        session(db, library, Clock(datetime(2026, 11, 21, 9, tzinfo=UTC)), decks=("nope",))


def test_a_skill_failed_every_other_day_becomes_a_leech(db, library) -> None:
    clock = Clock(datetime(2026, 11, 1, 9, tzinfo=UTC))
    warned: list[str] = []
    for day in range(40):
        clock.now = datetime(2026, 11, 1, 9, tzinfo=UTC) + timedelta(days=day)
        drill = session(db, library, clock, seed=day, decks=("arith",), tags=("sums",))
        # Even days pass (learn, relearn), odd days fail the first showing: a lapse every two
        # days, since a fail only counts as a lapse once the card had been learned again.
        while (problem := drill.next_problem()) is not None:
            right, wrong = solve(problem.view.prompt)
            fail = day % 2 == 1 and problem.repeat == 0
            drill.submit(str(wrong if fail else right), seconds=5.0)
        warned.extend(drill.summary().leeches)
        card = db.card("arith", "add")
        if card.lapses >= 8:
            break
    assert card.lapses >= 8
    assert card.leech
    assert warned == ["Add two numbers"]


def test_a_template_that_cannot_generate_is_skipped_and_reported(db) -> None:
    broken = ARITH.parent / "broken" / "broken.yaml"
    library = skills_from_catalog(read_catalog([ARITH, broken]))
    drill = session(db, library, Clock(datetime(2026, 11, 21, 9, tzinfo=UTC)), decks=("broken",))
    assert drill.next_problem() is None
    summary = drill.summary()
    assert summary.answered == 0
    assert len(summary.broken) == 1
    assert "broken.yaml:" in summary.broken[0]
    assert "division by zero" in summary.broken[0]
    assert db.count_reviews() == 0


def test_a_repeat_is_a_fresh_instance_of_the_failed_skill(db, library) -> None:
    problems = RecordingProblems()
    # One skill only: a failed answer queues its repeat right behind it, with a new seed.
    drill = session(
        db, library, Clock(datetime(2026, 11, 21, 9, tzinfo=UTC)), problems=problems, limit=1
    )
    problem = drill.next_problem()
    _, wrong = solve(problem.view.prompt)
    assert drill.submit(str(wrong), seconds=2.0).will_repeat
    again = drill.next_problem()
    assert again.repeat == 1
    assert again.card == problem.card
    assert again.view.seed != problem.view.seed
    # Seed 1 draws 46 + 19 first and 32 + 33 next (also 65): that draw is not shown.
    assert again.view.answer_plain != problem.view.answer_plain
    assert [c[0] for c in problems.calls] == ["generate", "generate", "generate"]
    assert problems.calls[-1][2] == again.view.seed


def _variant(tmp_path: Path, old: str, new: str) -> list:
    """The arith deck as deck ``bad`` with one text replaced, as skills."""
    text = ARITH.read_text(encoding="utf-8").replace("deck: arith", "deck: bad")
    assert old in text
    path = tmp_path / "bad.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return skills_from_catalog(read_catalog([path]))


def test_a_template_naming_something_unknown_is_skipped_and_the_others_drilled(
    db, tmp_path
) -> None:
    library = _variant(tmp_path, "value: a + b", "value: a + nosuchname")
    drill = session(db, library, Clock(datetime(2026, 11, 21, 9, tzinfo=UTC)))
    problem = drill.next_problem()
    assert problem is not None
    assert problem.card == "bad/times"
    drill.skip()
    assert drill.next_problem() is None
    (broken,) = drill.summary().broken
    assert "bad.yaml:" in broken
    assert "nosuchname" in broken


def test_a_deck_file_that_does_not_load_is_reported_once_not_per_template(db, tmp_path) -> None:
    library = _variant(tmp_path, "kind: number", "kind: numbr")
    assert len(library) == 2
    drill = session(db, library, Clock(datetime(2026, 11, 21, 9, tzinfo=UTC)))
    assert drill.next_problem() is None
    (broken,) = drill.summary().broken
    assert "bad.yaml:" in broken
    assert "numbr" in broken
    assert db.count_reviews() == 0


#: A one-skill deck with six possible answers: a repeat drawn at random would often repeat one.
FEW_ANSWERS = """\
deck: few
title: Few answers
templates:
  - id: pick
    title: Pick a number
    params:
      a: integer(1, 6)
    prompt: "Type {a}."
    answer:
      kind: number
      value: a
    expected_seconds: 30
"""


@pytest.mark.parametrize("seed", range(6))
def test_every_repeat_differs_from_every_instance_shown_in_the_session(
    db, tmp_path: Path, seed: int
) -> None:
    path = tmp_path / "few.yaml"
    path.write_text(FEW_ANSWERS, encoding="utf-8")
    library = skills_from_catalog(read_catalog([path]))
    drill = session(db, library, Clock(datetime(2026, 11, 21, 9, tzinfo=UTC)), seed=seed)
    shown: list[tuple[str, str]] = []
    while (problem := drill.next_problem()) is not None:
        shown.append((problem.view.prompt, problem.view.answer_plain))
        drill.submit("0", seconds=2.0)  # always wrong: the first showing and 3 repeats
    assert len(shown) == 4
    assert len({prompt for prompt, _ in shown}) == 4
    assert len({answer for _, answer in shown}) == 4


def test_first_day_interleaves_the_new_skills_of_two_decks(db, tmp_path: Path) -> None:
    path = tmp_path / "other.yaml"
    path.write_text(
        ARITH.read_text(encoding="utf-8").replace("deck: arith", "deck: other"), encoding="utf-8"
    )
    library = skills_from_catalog(read_catalog([ARITH, path]))
    # All four skills: the daily default (3) would stop after three.
    drill = session(db, library, Clock(datetime(2026, 11, 21, 9, tzinfo=UTC)), new=4)
    cards = []
    while (problem := drill.next_problem()) is not None:
        cards.append(problem.card)
        drill.skip()
    assert cards == ["arith/add", "other/add", "arith/times", "other/times"]
