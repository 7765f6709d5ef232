"""The drill's first lines say what the daily limits did (terminal and plain text alike)."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from mathdrill.cli.drill_cmd import PlainUI, TerminalUI
from mathdrill.usecases.drill import QueuePlan


def plan(**fields) -> QueuePlan:
    values: dict = {
        "items": (*((i, "review") for i in range(20)), (99, "learn")),
        "due_total": 120,
        "new_total": 40,
        "leeches": (),
        "planned_seconds": 1290.0,
        "held_back": 100,
        "new_per_day": 3,
        "reviews_per_day": 20,
        "new_limit": 1,
        "review_limit": 20,
        "new_done_today": 2,
    }
    values.update(fields)
    return QueuePlan(**values)


def terminal_start(tmp_path: Path, shown: QueuePlan, cram: bool = False) -> list[str]:
    ui = TerminalUI(tmp_path)
    out = io.StringIO()
    ui._console = Console(file=out, width=80, highlight=False, no_color=True)
    ui.start(shown, cram)
    return out.getvalue().splitlines()


def test_terminal_start_names_the_cap_and_the_new_skills_left(tmp_path: Path) -> None:
    lines = terminal_start(tmp_path, plan())
    assert lines[:3] == [
        "Today's drill: 21 problems, about 22 min.",
        "Reviews: 20 of 120 due; the cap of 20 a day keeps 100 for the next days.",
        "New skills: 1 (3 a day, 2 earlier today).",
    ]
    assert all(len(line) <= 80 for line in lines)


def test_no_new_skill_left_today_is_said(tmp_path: Path) -> None:
    shown = plan(items=((1, "review"),), held_back=0, due_total=1, new_limit=0, new_done_today=3)
    lines = terminal_start(tmp_path, shown)
    assert "Reviews: 1 of 1 due." in lines
    assert "New skills: none left today (3 a day, 3 earlier today)." in lines


def test_cramming_has_no_limit_lines(tmp_path: Path) -> None:
    shown = QueuePlan(
        items=((1, "cram"),), due_total=0, new_total=0, leeches=(), planned_seconds=30
    )
    lines = terminal_start(tmp_path, shown, cram=True)
    assert lines[0] == "Cram session (the schedule does not move): 1 problem, about 1 min."
    assert not any(line.startswith(("Reviews:", "New skills:")) for line in lines)


def test_plain_start_has_the_same_lines() -> None:
    out = io.StringIO()
    PlainUI(stdin=io.StringIO(), stdout=out).start(plan(), cram=False)
    assert out.getvalue().splitlines() == [
        "mathdrill drill: 21 problems, about 22 min. Type 'help' at the prompt.",
        "Reviews: 20 of 120 due; the cap of 20 a day keeps 100 for the next days.",
        "New skills: 1 (3 a day, 2 earlier today).",
    ]
