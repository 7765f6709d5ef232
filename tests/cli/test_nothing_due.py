"""The nothing-due screen names both ways to go on: more new skills (``--new N``) or ``--cram``."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from mathdrill.cli.drill_cmd import TerminalUI
from mathdrill.usecases.drill import QueuePlan
from tests.drill.drillkit import drill_args

#: A plan with nothing in it: nothing due, every new skill of the day introduced.
EMPTY = QueuePlan(
    items=(),
    due_total=0,
    new_total=5,
    leeches=(),
    new_per_day=3,
    reviews_per_day=20,
    new_limit=0,
    review_limit=20,
    new_done_today=3,
)


def test_plain_nothing_due_suggests_new_and_cram(md) -> None:
    done = md(*drill_args("2026-11-21T09:00", "--new", "0"), stdin="")
    assert done.returncode == 0, done.stderr
    assert "Nothing is due now" in done.stdout
    assert "mathdrill drill --new " in done.stdout
    assert "mathdrill drill --cram" in done.stdout


def test_terminal_nothing_due_suggests_new_and_cram(tmp_path: Path) -> None:
    ui = TerminalUI(tmp_path)
    out = io.StringIO()
    ui._console = Console(file=out, width=80, highlight=False, no_color=True)
    ui.nothing_due(datetime(2026, 11, 22, 4, tzinfo=UTC), EMPTY)
    text = " ".join(out.getvalue().split())
    assert "Nothing is due now" in text
    assert "Today's 3 new skills are introduced" in text
    assert "mathdrill drill --new " in text
    assert "mathdrill drill --cram" in text


def test_terminal_nothing_due_says_the_cap_holds_reviews_back(tmp_path: Path) -> None:
    ui = TerminalUI(tmp_path)
    out = io.StringIO()
    ui._console = Console(file=out, width=80, highlight=False, no_color=True)
    capped = QueuePlan(
        items=(),
        due_total=12,
        new_total=0,
        leeches=(),
        held_back=12,
        new_per_day=3,
        reviews_per_day=20,
        new_limit=3,
        review_limit=0,
        reviews_done_today=20,
    )
    ui.nothing_due(datetime(2026, 11, 22, 4, tzinfo=UTC), capped)
    text = " ".join(out.getvalue().split())
    assert "Nothing is due now" not in text
    assert "the cap of 20 a day is reached (20 reviewed today)" in text
    assert "12 more wait for the next days" in text
    assert "mathdrill drill --reviews 12" in text
    assert "MATHDRILL_REVIEWS_PER_DAY" in text
