"""Spare problems, the quick read of the cards and a worker that never delays quitting."""

from __future__ import annotations

import json
import os
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mathdrill.decks.catalog import read_catalog
from mathdrill.scheduling.queue import SchedulingSettings
from mathdrill.storage import open_database
from mathdrill.storage.snapshot import read_snapshot
from mathdrill.usecases.drill import DeferredDatabase, DrillOptions, DrillSession
from mathdrill.usecases.problems import (
    LocalProblems,
    SpareShelf,
    WorkerProblems,
    skills_from_catalog,
)
from tests.drill.drillkit import ARITH, solve

NOW = datetime(2026, 11, 21, 9, tzinfo=UTC)


@pytest.fixture
def deck(tmp_path: Path) -> Path:
    copy = tmp_path / "arith.yaml"
    copy.write_bytes(ARITH.read_bytes())
    return copy


def _session(db_path: Path, deck: Path, now: datetime, **kwargs) -> DrillSession:
    skills = skills_from_catalog(read_catalog([deck]))
    return DrillSession(
        db=DeferredDatabase(lambda: open_database(str(db_path))),
        skills=skills,
        problems=kwargs.pop("problems", None) or LocalProblems(),
        settings=SchedulingSettings(tz=UTC, rollover_hour=4),
        options=DrillOptions(**kwargs.pop("options", {})),
        clock=lambda: now,
        rng=random.Random(kwargs.pop("seed", 1)),
        **kwargs,
    )


def test_a_session_leaves_a_spare_that_the_next_one_opens_with(tmp_path: Path, deck: Path) -> None:
    shelf_file = tmp_path / "spares.json"
    first = _session(tmp_path / "m.db", deck, NOW, spares=SpareShelf(shelf_file))
    problem = first.next_problem()
    right, _ = solve(problem.view.prompt)
    first.submit(str(right), 3.0)
    assert first.stock_spares() >= 1
    stocked = json.loads(shelf_file.read_text(encoding="utf-8"))["spares"]
    assert stocked

    # The next session's first problem is a stocked one, shown without generating anything.
    class NoMaking(LocalProblems):
        def generate(self, skill, seed):
            raise AssertionError("the spare should have been used")

    second = _session(
        tmp_path / "m.db",
        deck,
        NOW + timedelta(hours=1),
        spares=SpareShelf(shelf_file),
        problems=NoMaking(),
        seed=2,
    )
    opening = second.next_problem()
    assert opening.card in stocked
    assert opening.view.seed == stocked[opening.card]["view"]["seed"]
    # It is judged against the very instance shown (made again from its seed), and used once.
    right, _ = solve(opening.view.prompt)
    assert second.submit(str(right), 2.0).verdict.correct
    assert opening.card not in json.loads(shelf_file.read_text(encoding="utf-8"))["spares"]


def test_a_spare_of_a_deck_file_that_changed_is_thrown_away(tmp_path: Path, deck: Path) -> None:
    skill = skills_from_catalog(read_catalog([deck]))[0]
    view = LocalProblems().generate(skill, 5)
    shelf = SpareShelf(tmp_path / "spares.json")
    shelf.put(skill, view)
    shelf.save()
    assert SpareShelf(tmp_path / "spares.json").has(skill)
    later = time.time() + 10
    os.utime(deck, (later, later))
    reread = SpareShelf(tmp_path / "spares.json")
    assert not reread.has(skill)
    assert reread.take(skill) is None


def test_a_damaged_spare_file_reads_as_empty(tmp_path: Path, deck: Path) -> None:
    skill = skills_from_catalog(read_catalog([deck]))[0]
    path = tmp_path / "spares.json"
    for junk in ("not json", '{"format": 99, "spares": {}}', '{"format": 1, "spares": {"x": 1}}'):
        path.write_text(junk, encoding="utf-8")
        assert SpareShelf(path).take(skill) is None
    path.write_text(
        json.dumps(
            {"format": 1, "spares": {skill.key: {"path": skill.path, "stamp": [], "view": {}}}}
        ),
        encoding="utf-8",
    )
    assert SpareShelf(path).take(skill) is None


def test_the_queue_is_planned_from_the_quick_read_when_every_skill_has_a_card(
    tmp_path: Path, deck: Path
) -> None:
    db_path = tmp_path / "m.db"
    reads: list[datetime] = []

    def quick_read(since):
        reads.append(since)
        return read_snapshot(db_path, since, ["arith"])

    # A fresh database has no cards: the quick read is not enough, cards are created.
    first = _session(db_path, deck, NOW, quick_read=quick_read)
    assert first._snapshot is None
    problem = first.next_problem()
    right, _ = solve(problem.view.prompt)
    first.submit(str(right), 3.0)
    first._dbh.close()
    # Now every skill has a card: planning needs no database at all.
    second = _session(db_path, deck, NOW + timedelta(minutes=5), quick_read=quick_read)
    assert second._snapshot is not None
    assert second._dbh._db is None  # not opened yet
    assert [c for c, _ in second.queue_info.items] == [c for c, _ in first.queue_info.items][1:]
    shown = second.next_problem()
    second.problem_shown()  # opens the database in the background
    right, _ = solve(shown.view.prompt)
    assert second.submit(str(right), 2.0).saved
    second._dbh.close()
    assert len(reads) == 2


def test_quitting_while_the_worker_is_still_starting_does_not_wait_for_it(deck: Path) -> None:
    skill = skills_from_catalog(read_catalog([deck]))[0]
    problems = WorkerProblems()
    problems.prefetch(skill, 3)  # waits in the background for the worker to start
    started = time.monotonic()
    problems.close()
    assert time.monotonic() - started < 0.5
    assert not problems.ready


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
