"""Hostile deck files: ids too long to store, prerequisite cycles, slow and greedy templates.

Part of the hostile corpus (issue 16): each case once broke mathdrill or surprised a learner.
"""

from __future__ import annotations

import pytest

from mathdrill.decks.loader import parse_deck
from mathdrill.vocabulary import MAX_ID_LENGTH

LONG = "a" * (MAX_ID_LENGTH + 1)

TEMPLATE = """\
  - id: {tid}
    title: T
    tags: [{tag}]
    prompt: What is 1 + 1?
    answer:
      kind: number
      value: 2
    mistakes:
      - id: {mid}
        value: 3
        feedback: One too many.
"""


def _deck(deck: str = "d", tid: str = "t", tag: str = "x", mid: str = "m") -> bytes:
    text = f"deck: {deck}\ntitle: D\ntemplates:\n" + TEMPLATE.format(tid=tid, tag=tag, mid=mid)
    return text.encode()


def test_ids_of_the_longest_storable_length_load():
    fit = "b" * MAX_ID_LENGTH
    deck, problems = parse_deck(_deck(fit, fit, fit, fit), "fit.yaml")
    assert problems == []
    assert deck is not None


@pytest.mark.parametrize("field", ["deck", "tid", "tag", "mid"])
def test_an_id_longer_than_the_database_column_is_refused_where_it_is(field):
    _, problems = parse_deck(_deck(**{field: LONG}), "long.yaml")
    assert problems, field
    assert any(f"at most {MAX_ID_LENGTH}" in p.message for p in problems), problems
    assert all(p.path == "long.yaml" and p.line > 0 for p in problems), problems


def _requiring(deck: str, edges: dict[str, list[str]]) -> str:
    body = "".join(
        TEMPLATE.format(tid=tid, tag="x", mid="m").replace(
            "    title: T\n", f"    title: T\n    requires: [{', '.join(needs)}]\n"
        )
        for tid, needs in edges.items()
    )
    return f"deck: {deck}\ntitle: D\ntemplates:\n{body}"


def test_deck_check_names_a_prerequisite_cycle_as_a_failure(md, tmp_path):
    path = tmp_path / "cyc.yaml"
    path.write_text(_requiring("cyc", {"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}))
    done = md("deck", "check", str(path), "--samples", "1")
    assert done.code == 1, done.stdout + done.stderr
    text = done.stdout + done.stderr
    assert "cycle" in text
    assert "cyc/a → cyc/b → cyc/c → cyc/a" in text
    assert text.count("cycle") == 1  # d only leads into it


def test_deck_check_finds_a_cycle_across_decks(md, tmp_path):
    one = tmp_path / "one.yaml"
    two = tmp_path / "two.yaml"
    one.write_text(_requiring("one", {"p": ["two/q"]}))
    two.write_text(_requiring("two", {"q": ["one/p"]}))
    done = md("deck", "check", str(one), str(two), "--samples", "1")
    assert done.code == 1, done.stdout + done.stderr
    assert "one/p → two/q → one/p" in done.stdout + done.stderr


def test_a_chain_without_a_cycle_is_sound(md, tmp_path):
    path = tmp_path / "chain.yaml"
    path.write_text(_requiring("chain", {"a": [], "b": ["a"], "c": ["a", "b"]}))
    done = md("deck", "check", str(path), "--samples", "1")
    assert done.code == 0, done.stdout + done.stderr
    assert "cycle" not in done.stdout + done.stderr


# --- slow and greedy templates --------------------------------------------------------------

# About 0.3 s of CPU per instance on the machine this was written on: three times the 100 ms
# budget of `deck check`, yet well inside the 5 s cap of a single generation.
SLOW = """\
deck: slow
title: Slow
templates:
  - id: heavy-{n}
    title: Heavy
    symbols: [x]
    params:
      a: integer(2, 9)
    let:
      F: factor(expand((x+a)^90 - 1))
    prompt: Factor {{F}}.
    answer: {{kind: expression, value: F}}
"""


def test_deck_check_stops_a_template_after_a_few_seeds_over_budget():
    from mathdrill.decks.loader import load_deck
    from mathdrill.usecases.authoring import WHERE_STREAK, check_template

    template = load_deck(SLOW.format(n=1), "slow.yaml").templates[0]
    results = check_template(template, 40)
    assert len(results) == WHERE_STREAK


def test_deck_check_reports_the_stop_and_its_progress_off_a_terminal(md, tmp_path):
    path = tmp_path / "slow.yaml"
    path.write_text(SLOW.format(n=1))
    done = md("deck", "check", str(path), "--samples", "40", "--workers", "1")
    assert done.code == 1, done.stdout
    assert "stopped after 3 of 40 samples" in done.stdout
    # stderr is no terminal here: progress comes as plain lines, ending with the total.
    assert "checked 1 of 1 template" in done.stderr


def test_deck_check_workers_have_a_memory_cap():
    import resource

    from mathdrill.usecases.authoring import check_pool

    with check_pool(2) as pool:
        soft, _hard = pool.submit(resource.getrlimit, resource.RLIMIT_AS).result()
    assert soft != resource.RLIM_INFINITY


# --- the drill and slow templates -----------------------------------------------------------

FAST = """\
  - id: add-{n}
    title: Add
    params:
      a: integer(2, 9)
    prompt: What is {{a}} + {n}?
    answer: {{kind: number, value: a + {n}}}
"""


def _fast_deck(folder, deck: str, count: int):
    path = folder / f"{deck}.yaml"
    body = "".join(FAST.format(n=n) for n in range(count))
    path.write_text(f"deck: {deck}\ntitle: {deck}\ntemplates:\n{body}")
    return path


class Stopwatch:
    """The session's timer: it moves only when a stand-in worker says making took long."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class SlowProblems:
    """The worker boundary stood in: problems of ``slow_decks`` take ``cost`` seconds to make."""

    def __init__(self, watch: Stopwatch, slow_decks: set[str], cost: float) -> None:
        from tests.drill.drillkit import LocalProblems

        self.inner = LocalProblems()
        self.watch, self.slow_decks, self.cost = watch, slow_decks, cost
        self.made: list[str] = []
        self.ready = True

    def generate(self, skill, seed):
        self.made.append(skill.key)
        if skill.deck in self.slow_decks:
            self.watch.now += self.cost
        return self.inner.generate(skill, seed)

    def check(self, skill, seed, text):
        return self.inner.check(skill, seed, text)

    def close(self) -> None:
        pass


def _session(tmp_path, files, problems, watch, cache):
    import random
    from datetime import UTC, datetime

    from mathdrill.decks.catalog import read_catalog
    from mathdrill.scheduling.queue import SchedulingSettings
    from mathdrill.storage import open_database
    from mathdrill.usecases.drill import DrillOptions, DrillSession
    from mathdrill.usecases.problems import skills_from_catalog

    db = open_database(str(tmp_path / "drill.db"))
    session = DrillSession(
        db=db,
        skills=skills_from_catalog(read_catalog(files, cache=cache)),
        problems=problems,
        settings=SchedulingSettings(tz=UTC, rollover_hour=4),
        options=DrillOptions(new=20),
        clock=lambda: datetime(2026, 6, 1, 10, tzinfo=UTC),
        rng=random.Random(1),
        spares=False,
        timer=watch,
    )
    return db, session


def _run(session) -> int:
    shown = 0
    while session.next_problem() is not None:
        shown += 1
        session.skip()
    return shown


def test_slow_templates_spend_a_budget_then_are_skipped_and_remembered(tmp_path):
    from mathdrill.decks.catalog import remember_slow
    from mathdrill.usecases.drill import MAKING_BUDGET_SECONDS, SLOW_PROBLEM_SECONDS

    slow = _fast_deck(tmp_path, "sluggish", 8)
    fine = _fast_deck(tmp_path, "brisk", 2)
    cache = tmp_path / "catalog.json"
    watch = Stopwatch()
    cost = SLOW_PROBLEM_SECONDS + 1
    problems = SlowProblems(watch, {"sluggish"}, cost)
    db, session = _session(tmp_path, [slow, fine], problems, watch, cache)
    with db:
        shown = _run(session)
        slow_made = [k for k in problems.made if k.startswith("sluggish/")]
        # Making stops once the budget is spent: not all 8 slow templates were tried ...
        assert len(slow_made) == int(MAKING_BUDGET_SECONDS // cost) + 1
        # ... while the other deck's problems were all made and shown.
        assert sum(k.startswith("brisk/") for k in problems.made) == 2
        assert shown == len(problems.made)
        summary = session.summary()
        assert sum("too slow" in line for line in summary.broken) == 8 - len(slow_made)
        found = session.slow_skills
        assert [s.key for s in found] == slow_made
        remember_slow(cache, found)

    # The next session skips the remembered ones at once.
    watch2 = Stopwatch()
    again = SlowProblems(watch2, {"sluggish"}, cost)
    db, session = _session(tmp_path, [slow, fine], again, watch2, cache)
    with db:
        _run(session)
        assert not set(again.made) & set(slow_made)

    # Until the deck file changes.
    slow.write_text(slow.read_text() + "\n")
    watch3 = Stopwatch()
    third = SlowProblems(watch3, set(), cost)
    db, session = _session(tmp_path, [slow, fine], third, watch3, cache)
    with db:
        _run(session)
        assert set(slow_made) <= set(third.made)
