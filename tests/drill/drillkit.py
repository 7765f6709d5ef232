"""Helpers for the drill's end-to-end tests: the fixture deck, its answers, DB readers."""

from __future__ import annotations

import re
import sqlite3
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect

from mathdrill.answers.verdict import Preview, Verdict
from mathdrill.usecases.problems import ProblemMaker, ProblemView, Skill

ARITH = Path(__file__).resolve().parent / "fixtures" / "arith.yaml"
ADD = re.compile(r"What is (\d+) \+ (\d+)\?")
TIMES = re.compile(r"What is (\d+) × (\d+)\?")


def solve(prompt: str) -> tuple[int, int]:
    """Return (correct answer, the authored mistake's value) for an arith prompt."""
    if match := ADD.search(prompt):
        a, b = int(match[1]), int(match[2])
        return a + b, a - b
    match = TIMES.search(prompt)
    assert match, f"not an arith prompt: {prompt!r}"
    a, b = int(match[1]), int(match[2])
    return a * b, a + b


def drill_args(now: str, *extra: str) -> list[str]:
    """The arguments of ``mathdrill drill`` on the arith deck at a fixed time."""
    return ["--now", now, "drill", "--decks", str(ARITH), "--deck", "arith", *extra]


def drill_argv(now: str, *extra: str) -> list[str]:
    """The argv of ``mathdrill drill`` on the arith deck at a fixed time, as a real process."""
    return [sys.executable, "-m", "mathdrill", *drill_args(now, *extra)]


_REVIEWS = (
    "SELECT r.*, c.template AS template FROM reviews r JOIN cards c ON c.id = r.card_id "
    "ORDER BY r.id"
)


def reviews(home: Path | str) -> list[Any]:
    """Every review in the home's database (or the one at a URL), oldest first, with its card's
    template id; each row indexed by column name.
    """
    if isinstance(home, str):
        engine = create_engine(home)
        try:
            with engine.connect() as conn:
                if not inspect(conn).has_table("reviews"):
                    return []
                return [dict(row._mapping) for row in conn.exec_driver_sql(_REVIEWS)]
        finally:
            engine.dispose()
    db = home / "mathdrill.db"
    if not db.exists():
        return []
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute(_REVIEWS).fetchall()


def integrity(home: Path) -> str:
    """SQLite's own integrity check of the home's database."""
    with sqlite3.connect(home / "mathdrill.db") as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


class LocalProblems:
    """A :class:`ProblemSource` that makes problems in this process (no worker, no time cap).

    The worker's own code without the process; the drill itself uses ``WorkerProblems``.
    """

    def __init__(self) -> None:
        self._maker = ProblemMaker()

    @property
    def ready(self) -> bool:
        """Always: nothing has to start."""
        return True

    def generate(self, skill: Skill, seed: int) -> ProblemView:
        """Make the problem of ``skill`` for ``seed``.

        Args:
            skill: The skill.
            seed: The seed.

        Returns:
            The problem.

        Raises:
            SkillBroken: The skill cannot produce a problem.
        """
        return self._maker.generate(skill.path, skill.id, seed)

    def check(self, skill: Skill, seed: int, text: str) -> Verdict:
        """Judge ``text`` against the problem of ``skill`` for ``seed``.

        Args:
            skill: The skill.
            seed: The seed of the problem shown.
            text: The learner's answer.

        Returns:
            The verdict.

        Raises:
            SkillBroken: The problem cannot be made again.
        """
        return self._maker.check(skill.path, skill.id, seed, text)

    def preview(self, skill: Skill, seed: int, text: str) -> Preview:
        """Say how ``text`` is read for the problem of ``skill`` for ``seed``.

        Args:
            skill: The skill.
            seed: The seed of the problem shown.
            text: The learner's text.

        Returns:
            The preview.
        """
        return self._maker.preview(skill.path, skill.id, seed, text)

    def close(self) -> None:
        """Nothing to release."""
