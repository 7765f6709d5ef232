"""Spare problems stored with their cards, and a worker that never delays quitting."""

from __future__ import annotations

import os
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mathdrill.decks.catalog import read_catalog
from mathdrill.scheduling.queue import SchedulingSettings
from mathdrill.storage import open_database
from mathdrill.usecases.drill import DrillOptions, DrillSession
from mathdrill.usecases.problems import WorkerProblems, skills_from_catalog
from tests.drill.drillkit import ARITH, LocalProblems, solve

NOW = datetime(2026, 11, 21, 9, tzinfo=UTC)


@pytest.fixture
def deck(tmp_path: Path) -> Path:
    copy = tmp_path / "arith.yaml"
    copy.write_bytes(ARITH.read_bytes())
    return copy


class NoMaking(LocalProblems):
    """Problems that must not be made: the session has to open with a spare."""

    def generate(self, skill, seed):
        raise AssertionError("the spare should have been used")


class Counting(LocalProblems):
    """Problems made here, counted."""

    def __init__(self) -> None:
        super().__init__()
        self.made: list[tuple[str, int]] = []

    def generate(self, skill, seed):
        self.made.append((skill.key, seed))
        return super().generate(skill, seed)


def _session(db, deck: Path, now: datetime, **kwargs) -> DrillSession:
    skills = skills_from_catalog(read_catalog([deck]))
    return DrillSession(
        db=db,
        skills=skills,
        problems=kwargs.pop("problems", None) or LocalProblems(),
        settings=SchedulingSettings(tz=UTC, rollover_hour=4),
        options=DrillOptions(**kwargs.pop("options", {})),
        clock=lambda: now,
        rng=random.Random(kwargs.pop("seed", 1)),
        **kwargs,
    )


def _answer_first(session: DrillSession) -> None:
    problem = session.next_problem()
    right, _ = solve(problem.view.prompt)
    session.submit(str(right), 3.0)


def test_a_session_leaves_a_spare_that_the_next_one_opens_with(tmp_path: Path, deck: Path) -> None:
    with open_database(str(tmp_path / "m.db")) as db:
        first = _session(db, deck, NOW)
        _answer_first(first)
        assert first.stock_spares() >= 1
        upcoming = first.queue_info.items[1][0]

        second = _session(db, deck, NOW + timedelta(hours=1), problems=NoMaking(), seed=2)
        opening = second.next_problem()
        assert second.queue_info.items[0][0] == upcoming
        # It is judged against the very instance shown (made again from its seed) ...
        right, _ = solve(opening.view.prompt)
        assert second.submit(str(right), 2.0).verdict.correct
        # ... and used once: the card no longer holds it.
        assert db.take_spare(upcoming) is None


def test_a_spare_of_an_edited_template_is_not_shown(tmp_path: Path, deck: Path) -> None:
    with open_database(str(tmp_path / "m.db")) as db:
        first = _session(db, deck, NOW)
        _answer_first(first)
        first.stock_spares()
        # Edit every template's text: the spares were made from the old texts.
        deck.write_text(deck.read_text(encoding="utf-8").replace("title:", "title: Edited"))
        problems = Counting()
        second = _session(db, deck, NOW + timedelta(hours=1), problems=problems, seed=2)
        opening = second.next_problem()
        assert problems.made[0] == (opening.card, opening.view.seed)
        assert "Edited" in opening.title


@pytest.mark.parametrize("junk", ["not json", "{}", '{"deck": "arith"}', "[1, 2]"])
def test_a_damaged_spare_is_ignored(tmp_path: Path, deck: Path, junk: str) -> None:
    with open_database(str(tmp_path / "m.db")) as db:
        probe = _session(db, deck, NOW)
        first_card = probe.queue_info.items[0][0]
        db.put_spare(first_card, junk)
        problems = Counting()
        session = _session(db, deck, NOW, problems=problems)
        opening = session.next_problem()
        assert problems.made == [(opening.card, opening.view.seed)]
        assert db.take_spare(first_card) is None


def test_a_replay_neither_uses_nor_leaves_spares(tmp_path: Path, deck: Path) -> None:
    with open_database(str(tmp_path / "m.db")) as db:
        first = _session(db, deck, NOW)
        _answer_first(first)
        first.stock_spares()
        upcoming = first.queue_info.items[1][0]
        problems = Counting()
        replay = _session(db, deck, NOW + timedelta(hours=1), problems=problems, spares=False)
        replay.next_problem()
        assert len(problems.made) == 1
        assert replay.stock_spares() == 0
        assert db.take_spare(upcoming) is not None  # the earlier session's spare is still there


def _children() -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        found |= {int(pid) for pid in (task / "children").read_text().split()}
    return found


@pytest.mark.slow
def test_quitting_while_the_worker_is_still_starting_leaves_no_process(deck: Path) -> None:
    before = _children()
    problems = WorkerProblems()  # starts the worker in the background
    problems.close()  # at once: it may not even have started importing sympy
    assert not problems.ready
    deadline = time.monotonic() + 30
    while _children() - before and time.monotonic() < deadline:
        time.sleep(0.05)  # the background start sees the close and stops its process
    assert not _children() - before


@pytest.mark.slow
def test_a_killed_worker_is_replaced_and_makes_the_problem_again_from_its_seed(
    deck: Path,
) -> None:
    import signal

    skill = skills_from_catalog(read_catalog([deck]))[0]
    problems = WorkerProblems()
    try:
        view = problems.generate(skill, 11)
        first = problems.worker_pid
        os.kill(first, signal.SIGKILL)
        right, wrong = solve(view.prompt)
        assert problems.check(skill, 11, str(right)).correct
        assert problems.worker_pid != first
        assert problems.check(skill, 11, str(wrong)).mistake is not None
    finally:
        problems.close()
