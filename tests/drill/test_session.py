"""DrillSession in-process, on a real SQLite file and the real fixture deck.

The checker is the real, uncapped ``mathdrill.answers.judge`` (the capped worker is exercised by
the end-to-end tests); the clock is a settable stand-in, because time is a parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from mathdrill.answers import judge
from mathdrill.decks.generate import generate
from mathdrill.decks.library import DeckSource, load_library
from mathdrill.drill import DrillOptions, DrillSession
from mathdrill.errors import UsageError
from mathdrill.scheduling.queue import SchedulingSettings
from mathdrill.storage import open_database
from tests.drill.drillkit import ARITH, solve


class InProcessJudge:
    """The real checker without the worker process (same verdicts, no time cap)."""

    def check(self, spec, text):
        return judge(spec, text)


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def library():
    return load_library([DeckSource(ARITH, "--decks", required=True)])


@pytest.fixture
def db(tmp_path: Path):
    database = open_database(str(tmp_path / "drill.db"))
    yield database
    database.close()


def session(db, library, clock: Clock, seed: int = 1, **options) -> DrillSession:
    return DrillSession(
        db=db,
        templates=library.templates(),
        deck_titles={d.id: d.title for d in library.decks.values()},
        judge=InProcessJudge(),
        settings=SchedulingSettings(tz=UTC, rollover_hour=4),
        options=DrillOptions(**options),
        clock=clock,
        rng=np.random.default_rng(seed),
        generate=generate,
    )


def answer_all(drill: DrillSession, *, correct: bool = True) -> list:
    outcomes = []
    while (problem := drill.next_problem()) is not None:
        right, wrong = solve(problem.instance.prompt)
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
    right, _ = solve(second.instance.prompt)
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
    right, _ = solve(problem.instance.prompt)
    assert drill.submit(str(right), seconds=2.0).saved
    assert len(db.history(db.card("arith", problem.card.split("/")[1]).id)) == 1


def test_hints_lower_the_grade(db, library) -> None:
    drill = session(db, library, Clock(datetime(2026, 11, 21, 9, tzinfo=UTC)))
    problem = drill.next_problem()
    assert drill.hint() is not None
    right, _ = solve(problem.instance.prompt)
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
    right, _ = solve(problem.instance.prompt)
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
            right, wrong = solve(problem.instance.prompt)
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
    library = load_library(
        [DeckSource(ARITH, "--decks"), DeckSource(broken, "--decks")], trial=False
    )
    assert not library.errors
    drill = session(db, library, Clock(datetime(2026, 11, 21, 9, tzinfo=UTC)), decks=("broken",))
    assert drill.next_problem() is None
    summary = drill.summary()
    assert summary.answered == 0
    assert len(summary.broken) == 1
    assert "broken.yaml:" in summary.broken[0]
    assert "division by zero" in summary.broken[0]
    assert db.count_reviews() == 0


def test_texts_are_rendered_in_the_background_while_the_learner_thinks(db, library) -> None:
    drill = session(db, library, Clock(datetime(2026, 11, 21, 9, tzinfo=UTC)))
    problem = drill.next_problem()
    assert problem is not None
    assert drill.rendering is not None
    drill.rendering.join(timeout=30)
    assert not drill.rendering.is_alive()
    cached = problem.instance.__dict__  # functools.cached_property stores rendered texts here
    for name in ("hints", "solution", "answer_unicode", "prompt_plain", "prompt_latex"):
        assert name in cached, f"{name} was not rendered ahead"
    assert problem.hints_total == len(cached["hints"])
