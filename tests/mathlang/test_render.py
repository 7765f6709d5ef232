"""Rendering: one-line unicode, 2-D pretty, plain ASCII (round trip) and LaTeX."""

from __future__ import annotations

from typing import Any

import pytest
import sympy
from sympy import Abs, E, ImmutableMatrix, Integer, Max, Rational, exp, log, pi, sin, sqrt, symbols

from mathdrill.mathlang import (
    Sequence,
    SetLiteral,
    parse,
    to_latex,
    to_plain,
    to_pretty,
    to_unicode,
)

x, y, lam, x1 = symbols("x y lambda x_1")
ONE, TWO, THREE, FOUR = (Integer(v) for v in (1, 2, 3, 4))
GRID = Sequence((Sequence((ONE, TWO), "["), Sequence((THREE, FOUR), "[")), "[")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (x**2 * sin(x), "x²·sin(x)"),
        (sqrt(2) / 2, "√2/2"),
        (exp(-x), "e^(−x)"),
        (exp(x), "e^x"),
        (1 / (1 + exp(-x)), "1/(1 + e^(−x))"),
        (pi * x**2, "π·x²"),
        (-(x**2), "−x²"),
        (sqrt(x + 1), "√(x + 1)"),
        (log(x), "ln(x)"),
        (Abs(x - 1), "|x − 1|"),
        (Max(0, x), "max(0, x)"),
        (lam * x1, "λ·x₁"),
        (sympy.oo, "∞"),
        (Rational(-1, 2), "−1/2"),
        (sympy.factorial(x), "x!"),
        (x ** Rational(1, 3), "x^(1/3)"),
        (Sequence((ONE, TWO), "["), "[1, 2]"),
        (Sequence((ONE, TWO), "("), "(1, 2)"),
        (SetLiteral((ONE, THREE)), "{1, 3}"),
        (GRID, "[[1, 2], [3, 4]]"),
        (ImmutableMatrix([[1, 2], [3, 4]]), "[[1, 2], [3, 4]]"),
        (sympy.Float(0.5), "0.5"),
        (sympy.Float(1) / 3, "0.3333333333"),
        (7, "7"),
        ("text", "text"),
        (True, "True"),
    ],
)
def test_to_unicode(value: Any, text: str) -> None:
    assert to_unicode(value) == text
    assert "\n" not in to_unicode(value)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (x**2 * sin(x), "x**2*sin(x)"),
        (sqrt(2) / 2, "sqrt(2)/2"),
        (exp(-x), "exp(-x)"),
        (E, "E"),
        (GRID, "[[1, 2], [3, 4]]"),
        (ImmutableMatrix([[1, 2], [3, 4]]), "[[1, 2], [3, 4]]"),
        (SetLiteral((ONE, THREE)), "{1, 3}"),
        (Sequence((ONE, THREE), ""), "1, 3"),
        (Sequence((ONE,), "("), "(1,)"),
        (Sequence((ONE,), ""), "1,"),
        (Sequence((ONE, Sequence((TWO, THREE), "")), "["), "[1, (2, 3)]"),
    ],
)
def test_to_plain(value: Any, text: str) -> None:
    assert to_plain(value) == text


@pytest.mark.parametrize(
    "value",
    [
        GRID,
        Sequence((ONE, TWO), "("),
        Sequence((ONE, TWO), ""),
        Sequence((ONE,), "("),
        Sequence((ONE,), ""),
        Sequence((), "["),
        SetLiteral((ONE, THREE, ONE)),
        SetLiteral(()),
        Sequence((Rational(1, 2), x**2, -sqrt(2)), "["),
        SetLiteral((Sequence((ONE, TWO), "("), Sequence((THREE, FOUR), "("))),
    ],
)
def test_to_plain_round_trips_collections_exactly(value: Any) -> None:
    assert parse(to_plain(value), symbols=("x",)).value == value


@pytest.mark.parametrize(
    "value",
    [lam * x1, Abs(x - 1), Max(0, x), sqrt(x + 1), x ** Rational(1, 3), exp(x**2), log(x, 2),
     sympy.factorial(x) / 2, (x + 1) ** -2, sympy.binomial(x, 2), -sympy.oo],
)  # fmt: skip
def test_unicode_echo_reads_back(value: Any) -> None:
    assert parse(to_unicode(value), symbols=("x", "lambda", "x_1")).value == value


def test_to_plain_is_ascii_for_greek_symbols() -> None:
    lam_char = sympy.Symbol("λ")
    text = to_plain(lam_char**2 + 1)
    assert text.isascii()
    assert parse(text, symbols=("λ",)).value == lam_char**2 + 1
    assert to_unicode(lam_char) == "λ"


def test_to_plain_of_a_matrix_reads_back_as_rows() -> None:
    matrix = ImmutableMatrix([[1, x], [Rational(1, 2), 4]])
    rows = parse(to_plain(matrix), symbols=("x",)).value
    assert ImmutableMatrix([list(r.items) for r in rows.items]) == matrix


def test_to_pretty_grids_and_fractions() -> None:
    grid = to_pretty(GRID)
    lines = grid.splitlines()
    assert len(lines) >= 2
    assert "1  2" in grid
    assert "3  4" in grid
    assert to_pretty(ImmutableMatrix([[1, 2], [3, 4]])) == grid
    frac = to_pretty(x**2 / 2)
    assert "─" in frac
    assert len(frac.splitlines()) >= 3
    assert to_pretty(SetLiteral((ONE, THREE))) == "{1, 3}"
    assert to_pretty(Sequence((ONE, THREE), "(")) == "(1, 3)"
    assert to_pretty("text") == "text"


def test_to_latex() -> None:
    assert to_latex(GRID) == r"\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}"
    assert to_latex(ImmutableMatrix([[1, 2], [3, 4]])) == to_latex(GRID)
    assert to_latex(Sequence((ONE, TWO), "[")) == r"\left[ 1, 2 \right]"
    assert to_latex(SetLiteral((ONE, THREE))) == r"\left\{ 1, 3 \right\}"
    assert to_latex(sqrt(2) / 2) == r"\frac{\sqrt{2}}{2}"
    assert to_latex(3) == "3"


def test_latex_output_reads_back() -> None:
    for value in (sqrt(2) / 2, x**2 + 1, GRID, SetLiteral((ONE, THREE))):
        assert parse(to_latex(value), symbols=("x",)).value == value


def test_floats_print_with_their_own_precision() -> None:
    assert to_plain(sympy.Float("0.5", 3)) == "0.500"
    assert to_plain(sympy.Float("0.5", 30)) == "0." + "5" + "0" * 29
    assert (to_plain(sympy.Float(2.0)), to_plain(Integer(2))) == ("2.00000000000000", "2")
    half = sympy.Float(0.5)
    assert to_plain(x + half) == "x + 0.5"  # shortened inside an expression
    assert to_plain(half) == "0.500000000000000"


def test_a_sum_has_sympys_term_order_in_every_form() -> None:
    total = 7 * x**3 - 2 * x * y + y**2 / 3 - 5
    assert to_plain(total) == "7*x**3 - 2*x*y + y**2/3 - 5"
    assert to_unicode(total) == "7·x³ − 2·x·y + y²/3 − 5"
    assert to_latex(total) == sympy.latex(total)
    assert to_pretty(total) == sympy.pretty(total, use_unicode=True)
    assert to_latex(sin(x) ** 2 + 1) == sympy.latex(sin(x) ** 2 + 1)
