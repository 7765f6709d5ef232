"""A glued product after a signed exponent, or after a number exponent of e, is not guessed.

``e^-3x`` is e^(-3x) to most people and x·e^(-3) by precedence: a learner's answer is never
graded on one of the readings; the reader asks for parentheses instead (ungraded, like any
unreadable input). Authors write the deck's own notation and keep the precedence reading.
"""

from __future__ import annotations

import pytest
import sympy

from mathdrill.errors import MathSyntaxError
from mathdrill.mathlang import parse, parse_author

x, y = sympy.symbols("x y")


@pytest.mark.parametrize(
    ("text", "power", "product"),
    [
        ("e^-3x", "^(-3x)", "^(-3)·x"),
        ("e^2x", "^(2x)", "^(2)·x"),
        ("2^-x y", None, None),  # not glued to a number: nothing to ask
        ("x^-2y", "^(-2y)", "^(-2)·y"),
        ("e^+2x", "^(+2x)", "^(+2)·x"),
    ],
)
def test_ambiguous_powers_ask_for_parentheses(text: str, power: str | None, product: str) -> None:
    if power is None:
        parse(text, symbols=("x", "y"))
        return
    with pytest.raises(MathSyntaxError) as caught:
        parse(text, symbols=("x", "y"))
    message = str(caught.value)
    assert "ambiguous" in message
    assert power in message
    assert product in message


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("e^(-3x)", sympy.exp(-3 * x)),
        ("e^(-3)x", x * sympy.exp(-3)),
        ("e^-3 x", x * sympy.exp(-3)),
        ("e^-x", sympy.exp(-x)),
        ("x^2y", x**2 * y),
        ("x^2 y", x**2 * y),
        ("e^2", sympy.exp(2)),
    ],
)
def test_unambiguous_powers_read_as_written(text: str, value: sympy.Expr) -> None:
    assert sympy.simplify(parse(text, symbols=("x", "y")).value - value) == 0


def test_authors_keep_the_precedence_reading() -> None:
    assert sympy.simplify(parse_author("e^-3x", names={"x": x}).value - x * sympy.exp(-3)) == 0
