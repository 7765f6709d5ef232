"""The terminal drill fits 80×24: compact matrices, the solution behind ``w`` when too tall."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import sympy

from mathdrill import mathlang
from mathdrill.answers import Verdict
from mathdrill.cli.drill_cmd import TerminalUI
from mathdrill.usecases.drill import Outcome
from tests.cli.test_drill_screen_text import _problem

WRONG = Verdict(status="wrong", reason="not equal to the reference", read_as="0")


def _terminal(tmp_path: Path, height: int = 24) -> tuple[TerminalUI, io.StringIO]:
    from rich.console import Console

    ui = TerminalUI(tmp_path)
    out = io.StringIO()
    ui._console = Console(file=out, width=80, height=height, color_system=None)
    return ui, out


def test_matrices_lose_the_blank_rows_between_their_rows(tmp_path: Path) -> None:
    grid = mathlang.to_pretty(sympy.Matrix([[1, 2, 3], [4, 5, 6], [7, 8, 9]]))
    assert len(grid.splitlines()) == 5, "sympy's grid has a blank row between rows"
    problem = _problem()
    problem = replace(problem, view=replace(problem.view, prompt=f"A =\n{grid}\n\nFind det A."))
    ui, out = _terminal(tmp_path)
    ui.show_problem(problem)
    rows = [
        line for line in out.getvalue().splitlines() if "⎡" in line or "⎢" in line or "⎣" in line
    ]
    assert len(rows) == 3, out.getvalue()
    assert "1  2  3" in rows[0]
    assert "4  5  6" in rows[1]
    assert "7  8  9" in rows[2]


def test_a_short_solution_follows_a_wrong_answer_at_once(tmp_path: Path) -> None:
    ui, out = _terminal(tmp_path)
    problem = _problem()
    ui.show_problem(problem)
    ui.show_outcome(problem, Outcome(verdict=WRONG, graded=True, quality=1, derived_quality=1))
    assert "worked solution" in out.getvalue()


def test_a_solution_too_tall_for_the_screen_waits_behind_w(tmp_path: Path) -> None:
    tall = "\n".join(f"step {i}" for i in range(1, 16))
    problem = _problem()
    problem = replace(problem, view=replace(problem.view, solution=tall))
    ui, out = _terminal(tmp_path)
    ui.show_problem(problem)
    ui.show_outcome(problem, Outcome(verdict=WRONG, graded=True, quality=1, derived_quality=1))
    assert "worked solution" not in out.getvalue()
    assert "✗ not correct" in out.getvalue()
    ui, out = _terminal(tmp_path, height=60)
    ui.show_problem(problem)
    ui.show_outcome(problem, Outcome(verdict=WRONG, graded=True, quality=1, derived_quality=1))
    assert "step 15" in out.getvalue(), "on a taller screen it fits and is shown"
