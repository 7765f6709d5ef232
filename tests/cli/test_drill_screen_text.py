"""The drill's terminal screen shows deck texts as text: emphasis rendered, never rich markup."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from mathdrill.cli.drill_cmd import TerminalUI
from mathdrill.usecases.drill import Outcome, Problem
from mathdrill.usecases.problems import ProblemView

ITALIC = "\x1b[3m"


def _problem() -> Problem:
    view = ProblemView(
        deck="d",
        template="t",
        seed=1,
        fingerprint="f",
        prompt="The posterior *odds* of [red]A[/red]?",
        prompt_plain="",
        prompt_latex="",
        expected_form="a number",
        kind="number",
        variables=(),
        hints=("Use the *prior* odds [b]twice[/b].",),
        solution="Multiply [i]both[/i] by *three*.",
        answer_unicode="3",
        answer_plain="3",
        expected_seconds=30.0,
    )
    return Problem(
        number=1,
        total=1,
        card="d/t",
        deck_title="Deck [bold]",
        title="Odds [u]x[/u]",
        review_kind="learn",
        repeat=0,
        view=view,
        hints_total=1,
    )


def _screen(tmp_path: Path) -> tuple[TerminalUI, io.StringIO]:
    ui = TerminalUI(tmp_path)
    out = io.StringIO()
    ui._console = Console(file=out, force_terminal=True, width=100, highlight=False)
    return ui, out


def test_prompt_title_and_hint_keep_brackets_and_render_emphasis(tmp_path: Path) -> None:
    ui, out = _screen(tmp_path)
    problem = _problem()
    ui.show_problem(problem)
    ui.show_hint(problem, problem.view.hints[0], 1)
    screen = out.getvalue()
    assert "[red]A[/red]" in screen
    assert "[b]twice[/b]" in screen
    assert "Deck [bold]" in screen
    assert "Odds [u]x[/u]" in screen
    assert "*odds*" not in screen
    assert f"{ITALIC}odds" in screen
    assert f"{ITALIC}prior" in screen


def test_worked_solution_keeps_brackets(tmp_path: Path) -> None:
    ui, out = _screen(tmp_path)
    ui.show_outcome(_problem(), Outcome(verdict=None, graded=True, gave_up=True))
    screen = out.getvalue()
    assert "Multiply [i]both[/i] by" in screen
    assert f"{ITALIC}three" in screen
