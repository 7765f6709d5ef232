"""The drill's terminal screen shows deck texts as text: emphasis rendered, never rich markup."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from pathlib import Path

import pytest
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


def _words_on(screen: str) -> str:
    """The screen's text without box drawing, words joined by single spaces."""
    return " ".join(
        word for word in re.split(r"[\s│─╭╮╰╯]+", re.sub(r"\x1b\[[0-9;]*m", "", screen)) if word
    )


@pytest.mark.parametrize(
    ("deck_title", "title"),
    [
        ("Probability and statistics for machine learning", "Posterior odds after two tests"),
        ("Linear algebra", "The eigenvalues of a symmetric two by two matrix and their vectors"),
        (
            "Optimisation: gradients, convexity and duality in machine learning",
            "Lagrange multipliers of a quadratic programme with two linear constraints",
        ),
    ],
)
def test_problem_titles_are_never_cut_at_80_columns(
    tmp_path: Path, deck_title: str, title: str
) -> None:
    ui = TerminalUI(tmp_path)
    out = io.StringIO()
    ui._console = Console(file=out, force_terminal=True, width=80, highlight=False)
    problem = replace(_problem(), deck_title=deck_title, title=title)
    ui.show_problem(problem)
    screen = out.getvalue()
    assert "…" not in screen
    words = _words_on(screen)
    assert deck_title in words
    assert title in words
    assert max(len(re.sub(r"\x1b\[[0-9;]*m", "", line)) for line in screen.splitlines()) <= 80


def test_a_short_title_stays_in_the_panel_border(tmp_path: Path) -> None:
    ui = TerminalUI(tmp_path)
    out = io.StringIO()
    ui._console = Console(file=out, force_terminal=True, width=80, highlight=False)
    ui.show_problem(replace(_problem(), deck_title="Bayes", title="Odds"))
    first = next(line for line in out.getvalue().splitlines() if line.strip())
    assert "Bayes · Odds" in first
