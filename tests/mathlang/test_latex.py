"""The LaTeX subset reads to the same values as plain input, with spans in the LaTeX text."""

from __future__ import annotations

import pytest
import sympy
from sympy import Abs, Integer, Rational, exp, log, oo, pi, sqrt, symbols

from mathdrill.errors import MathSyntaxError
from mathdrill.mathlang import Sequence, SetLiteral, parse

x, y, r, alpha, x1, x12 = symbols("x y r alpha x_1 x_12")
SYMS = ("x", "y", "r", "alpha", "x_1", "x_12", "a", "b", "c", "d")

LATEX = [
    (r"\frac{1}{2}", Rational(1, 2)),
    (r"\dfrac{x+1}{x-1}", (x + 1) / (x - 1)),
    (r"\tfrac{1}{3}", Rational(1, 3)),
    (r"\frac12", Rational(1, 2)),
    (r"\frac{\pi}{2}", pi / 2),
    (r"\frac\pi2", pi / 2),
    (r"\sqrt{x+1}", sqrt(x + 1)),
    (r"\sqrt2", sqrt(2)),
    (r"\sqrt[3]{8}", Integer(2)),
    (r"\sqrt[3]{x}", sympy.root(x, 3)),
    ("e^{-x}", exp(-x)),
    ("x^{10}", x**10),
    (r"x^2 \cdot 3", 3 * x**2),
    (r"2^{3^{2}}", Integer(512)),
    (r"x_1 + x_{12}", x1 + x12),
    (r"2 \cdot x", 2 * x),
    (r"2 \times x", 2 * x),
    (r"x \div 2", x / 2),
    (r"\left( x + 1 \right)^2", (x + 1) ** 2),
    (r"\left[ x \right]", Sequence((x,), "[")),
    (r"\sin x + \cos^2 x", sympy.sin(x) + sympy.cos(x) ** 2),
    (r"\sin^{2}(x)", sympy.sin(x) ** 2),
    (r"\tan(x)", sympy.tan(x)),
    (r"\ln x", log(x)),
    (r"\log(x)", log(x)),
    (r"\log_2 8", Integer(3)),
    (r"\log_{10}(x)", log(x, 10)),
    (r"\exp(x)", exp(x)),
    (r"\pi r^2", pi * r**2),
    (r"\infty", oo),
    (r"-\infty", -oo),
    (r"\sigma(x)", 1 / (1 + exp(-x))),
    (r"\alpha x", alpha * x),
    (r"\left| x \right|", Abs(x)),
    (r"\lvert x \rvert", Abs(x)),
    (r"15\%", Rational(3, 20)),
    (r"\operatorname{relu}(x)", sympy.Max(0, x)),
    (r"\frac{d}{dx}", None),
    (r"2\,x", 2 * x),
    (r"\arcsin(x)", sympy.asin(x)),
    (r"\max(x, 1)", sympy.Max(x, 1)),
]


@pytest.mark.parametrize(("text", "expected"), [row for row in LATEX if row[1] is not None])
def test_latex_form(text: str, expected: object) -> None:
    parsed = parse(text, symbols=SYMS)
    assert parsed.latex
    value = parsed.value
    assert value == expected or sympy.simplify(value - expected) == 0, (text, value)


def test_plain_input_is_not_latex() -> None:
    assert not parse("x^2", symbols=("x",)).latex
    assert not parse("{1, 2}").latex


def test_bmatrix_and_pmatrix_are_lists_of_rows() -> None:
    one, two, three, four = (Integer(v) for v in (1, 2, 3, 4))
    want = Sequence((Sequence((one, two), "["), Sequence((three, four), "[")), "[")
    assert parse(r"\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}").value == want
    assert parse(r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \\ \end{pmatrix}").value == want
    column = parse(r"\begin{bmatrix} x \\ y \end{bmatrix}", symbols=SYMS).value
    assert column == Sequence((Sequence((x,), "["), Sequence((y,), "[")), "[")


def test_matrix_entries_are_expressions() -> None:
    value = parse(r"\begin{bmatrix} \frac{1}{2} & x^2 \\ -1 & 0 \end{bmatrix}", symbols=SYMS).value
    assert value.items[0].items == (Rational(1, 2), x**2)
    assert value.items[1].items == (Integer(-1), Integer(0))


def test_latex_set() -> None:
    assert parse(r"\{1, 3\}").value == SetLiteral((Integer(1), Integer(3)))
    assert parse(r"\left\{ 1, 3 \right\}").value == SetLiteral((Integer(1), Integer(3)))


def test_latex_numbers_are_recorded_in_input_order() -> None:
    parsed = parse(r"\sqrt[3]{8} + 0.50")
    assert [(n.text, n.start) for n in parsed.numbers] == [("3", 6), ("8", 9), ("0.50", 14)]


def test_latex_percent_is_a_single_number() -> None:
    parsed = parse(r"33.3\%")
    assert parsed.single_number
    assert parsed.numbers[0].last_digit_unit == Rational(1, 1000)


@pytest.mark.parametrize(
    ("text", "message", "start", "end"),
    [
        (r"\frac{1}{x", "'{' is never closed", 8, 9),
        (r"\foo{x}", "unknown LaTeX command '\\foo'", 0, 4),
        (r"x + \sqrt", "\\sqrt needs an argument", 9, 10),
        (r"\begin{bmatrix} 1 & \end{bmatrix}", "empty matrix entry", 0, 33),
        (r"\begin{bmatrix} 1 \end{pmatrix}", "closed by \\end{pmatrix}", 18, 31),
        (r"\end{bmatrix}", "\\end without a matching \\begin", 0, 4),
        (r"\, x & y", "'&' is only used between matrix entries", 5, 6),
        (r"\,_1", "must follow a variable name", 2, 3),
        (r"\left x", "needs a delimiter", 0, 7),
        (r"\frac{}{2}", "empty braces", 5, 7),
        (r"\{1, 2", "'{' is never closed", 0, 2),
        (r"x^{2}}", "unmatched '}'", 5, 6),
    ],
)
def test_latex_errors_point_into_the_latex_text(
    text: str, message: str, start: int, end: int
) -> None:
    with pytest.raises(MathSyntaxError) as info:
        parse(text, symbols=SYMS)
    assert message in info.value.message
    assert (info.value.start, info.value.end) == (start, end), info.value.describe()


def test_walker_errors_in_latex_map_back() -> None:
    with pytest.raises(MathSyntaxError) as info:
        parse(r"1 + \sin(x, y)", symbols=SYMS)
    assert "sin takes 1 argument" in info.value.message
    assert info.value.start == 4
    assert info.value.end == 14
