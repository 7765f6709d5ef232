"""The program entry starts the drill's problem worker before the command line, and only then."""

from __future__ import annotations

from typing import ClassVar

import pytest

from mathdrill.cli import launch


@pytest.mark.parametrize(
    ("args", "name"),
    [
        ([], None),
        (["--help"], None),
        (["drill", "--limit", "3"], "drill"),
        (["--now", "2026-11-21T09:00", "--db", "drill.db", "stats"], "stats"),
        (["--debug", "deck", "check", "decks/"], "deck"),
        (["--", "drill"], "drill"),
    ],
)
def test_the_command_name_is_found_after_the_root_options(args, name) -> None:
    assert launch.command_name(args) == name


class FakeWorker:
    """Stands in for the worker process (a boundary): records that it was started and closed."""

    started: ClassVar[list[FakeWorker]] = []
    ready = False  # never asked for a problem: --limit 0 plans none

    def __init__(self) -> None:
        self.closed = False
        FakeWorker.started.append(self)

    def close(self) -> None:
        self.closed = True


@pytest.mark.parametrize(
    ("args", "starts"),
    [
        (["drill", "--help"], False),
        (["--help"], False),
        (["deck", "list"], False),
        (["drill", "--limit", "0"], True),
    ],
)
def test_only_a_drill_gets_a_worker_started_ahead_and_it_is_closed(
    monkeypatch, md_env, args, starts
) -> None:
    import mathdrill.usecases.problems as problems

    FakeWorker.started = []
    monkeypatch.setattr(problems, "WorkerProblems", FakeWorker)
    for key, value in md_env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SystemExit) as done:
        launch.main(args)
    assert done.value.code in (0, None)
    assert len(FakeWorker.started) == int(starts)
    assert all(worker.closed for worker in FakeWorker.started)
