"""``bench/simulate.py`` in short form (a few learners, a few weeks), so that it cannot rot.

The figures themselves are the benchmark's business (bench/README.md); these tests check the
facts the comparison rests on: the same learners meet the same skills under both schedulers,
every showing is counted, nothing is shown before what it requires, the runs replay exactly.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("simulate", REPO / "bench" / "simulate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["simulate"] = module
    spec.loader.exec_module(module)
    return module


simulate = _load()
DAYS = 30
NEW_PER_DAY = 4
SEEDS = (3, 4)


@pytest.fixture(scope="module")
def curriculum() -> Any:
    return simulate.load_curriculum(REPO / "decks")


@pytest.fixture(scope="module")
def runs(curriculum: Any) -> dict[tuple[str, int], Any]:
    return {
        (name, seed): simulate.simulate(curriculum, name, seed, DAYS, NEW_PER_DAY)
        for name in ("sm2", "graph")
        for seed in SEEDS
    }


def test_the_curriculum_is_the_built_in_graph(curriculum: Any) -> None:
    assert len(curriculum.order) == len(curriculum.requires) > 100
    assert sorted(curriculum.order) == sorted(curriculum.requires)
    assert any(curriculum.requires.values())
    # Cross-deck edges are resolved to deck/id keys of real skills.
    edges = [p for prereqs in curriculum.requires.values() for p in prereqs]
    assert all(p in curriculum.requires for p in edges)
    assert any(
        p.split("/")[0] != k.split("/")[0] for k, ps in curriculum.requires.items() for p in ps
    )


def test_both_schedulers_introduce_the_same_skills(runs: Any) -> None:
    for seed in SEEDS:
        sm2, graph = runs["sm2", seed], runs["graph", seed]
        assert sm2.introduced == graph.introduced
        assert len(sm2.introduced) == DAYS * NEW_PER_DAY
        assert sm2.learns == graph.learns == DAYS * NEW_PER_DAY


def test_every_showing_is_counted(runs: Any, curriculum: Any) -> None:
    for run in runs.values():
        kinds = [kind for _, _, kind, _ in run.log]
        assert kinds.count("review") == run.reviews > 0
        assert kinds.count("learn") == run.learns
        assert run.seconds == pytest.approx(sum(curriculum.seconds[k] for _, k, _, _ in run.log))
        assert all(0 <= quality <= 5 for *_, quality in run.log)


def test_retention_is_a_probability(runs: Any) -> None:
    for run in runs.values():
        assert 0 < run.retention <= 1


def test_nothing_is_shown_before_what_it_requires(runs: Any, curriculum: Any) -> None:
    for run in runs.values():
        introduced: set[str] = set()
        for _, key, kind, _ in run.log:
            if kind == "learn":
                introduced.add(key)
            assert key in introduced
            assert set(curriculum.requires[key]) <= introduced


def test_a_skill_is_reviewed_at_most_once_a_day(runs: Any) -> None:
    for run in runs.values():
        shown = [(day, key) for day, key, _, _ in run.log]
        assert len(shown) == len(set(shown))


def test_only_the_graph_scheduler_gives_credit(runs: Any) -> None:
    for seed in SEEDS:
        assert runs["sm2", seed].credits == 0
        assert runs["graph", seed].credits > 0


def test_a_run_replays_exactly(runs: Any, curriculum: Any) -> None:
    again = simulate.simulate(curriculum, "graph", SEEDS[0], DAYS, NEW_PER_DAY)
    assert again.log == runs["graph", SEEDS[0]].log
    assert again.retention == runs["graph", SEEDS[0]].retention


def test_the_learners_differ(runs: Any) -> None:
    assert runs["sm2", SEEDS[0]].log != runs["sm2", SEEDS[1]].log


def test_the_report(capsys: pytest.CaptureFixture[str]) -> None:
    assert simulate.main(["--learners", "2", "--days", "8", "--new-per-day", "3"]) == 0
    out = capsys.readouterr().out
    for row in ("sm2", "graph", "reviews/day", "minutes/day", "retention", "target"):
        assert row in out
