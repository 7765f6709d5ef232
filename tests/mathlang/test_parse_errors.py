"""Malformed input: every class is refused with a clear message and a caret at the right place."""

from __future__ import annotations

import pytest

from mathdrill.errors import LimitExceededError, MathSyntaxError
from mathdrill.mathlang import parse

SYMS = ("x", "y", "n")

# (input, part of the message, start, end) — the span is in the original input.
ERRORS = [
    ("", "empty input", 0, 1),
    ("   ", "empty input", 0, 3),
    ("(x+1", "'(' is never closed", 0, 1),
    ("x+1)", "unmatched ')'", 3, 4),
    ("(x+1]", "'(' is closed by ']'", 0, 5),
    ("[1, 2", "'[' is never closed", 0, 1),
    ("|x", "'|' is never closed", 0, 1),
    ("2*/x", "'/' cannot follow '*'", 2, 3),
    ("x+", "'+' needs something after it", 1, 2),
    ("x^", "'^' needs something after it", 1, 2),
    ("*x", "'*' needs something before it", 0, 1),
    ("(x-)", "'-' needs something after it", 2, 3),
    ("foo", "unknown name 'foo'", 0, 3),
    ("2z + 1", "unknown name 'z'", 1, 2),
    ("foo(x)", "unknown function 'foo'", 0, 3),
    ("sin(x, y)", "sin takes 1 argument, got 2", 0, 9),
    ("log()", "log takes 1 to 2 arguments, got 0", 0, 5),
    ("binomial(5)", "binomial takes 2 arguments, got 1", 0, 11),
    ("sin", "sin needs an argument", 0, 3),
    ("x + sin", "sin needs an argument", 4, 7),
    ("sin^-1 x", "ambiguous", 0, 6),
    ("x < 2", "comparisons are not accepted", 0, 5),
    ("x and y", "'and' is not accepted", 2, 5),
    ("x[0]", "indexing", 0, 4),
    ("x = 2", "'=' is not accepted", 2, 3),
    ("x.y", "attributes", 1, 2),
    ("lambda: 0", "':'", 6, 7),
    ("'a'", "strings are not accepted", 0, 1),
    ("x @ y", "'@'", 2, 3),
    ("2 # comment", "'#'", 2, 3),
    ("x ; y", "';'", 2, 3),
    ("2 3", "two numbers in a row", 0, 3),
    ("1.2.3", "only one decimal point", 3, 4),
    ("5 % 2", "'%' is only accepted right after a number", 2, 3),
    ("()", "empty parentheses", 0, 2),
    ("(, 1)", "missing an entry before ','", 1, 2),
    ("!x", "'!' needs a number before it", 0, 1),
    ("x ¿", "unexpected character", 2, 3),
    ("__import__", "names starting with '_'", 0, 10),
    ("for", "'for' is not allowed", 0, 3),
    ("i", "i (the imaginary unit) is not accepted here", 0, 1),
    ("3 + 2i", "i (the imaginary unit) is not accepted here", 5, 6),
    ("x²⁻", "not accepted", 0, 0),  # placeholder row replaced below
    ("√", "√ needs something after it", 0, 1),
    ("{1, 2} + 1", "sets cannot be used in arithmetic", 0, 10),
    ("[1, 2] * [3, 4]", "dot(u, v)", 0, 15),
    ("[1, 2] + [1, 2, 3]", "lengths 2 and 3", 0, 18),
    ("sin([1, 2])", "sin takes a number or an expression here, not a list", 0, 11),
    ("x $ y", "'$'", 2, 3),
    ("\\foo", "unknown LaTeX command '\\foo'", 0, 4),
    ("\\frac{1}", "\\frac needs an argument", 8, 9),
    ("x^{2", "'{' is never closed", 2, 3),
    ("\\left( x \\right]", "'(' is closed by ']'", 0, 16),
    ("\\begin{bmatrix} 1 & 2", "never closed by \\end{bmatrix}", 0, 15),
    ("\\begin{cases} x \\end{cases}", "only bmatrix", 0, 13),
    ("\\text{hi}", "is not accepted", 0, 9),
    ("x \\\\ y", "only used inside a matrix", 2, 4),
    ("sinx", "unknown name 'sinx': write sin(x) or sin x", 0, 4),
    ("2 lnx", "write ln(x) or ln x", 2, 5),
    ("ln ln ln " * 20 + "x", "functions nested more than 50 deep", 150, 152),
    ("2" + "!" * 60, "nested more than 50 deep", 10, 11),
    ("√" * 60 + "2", "nested more than 50 deep", 51, 52),
]
ERRORS = [row for row in ERRORS if row[0] != "x²⁻"]


@pytest.mark.parametrize(("text", "message", "start", "end"), ERRORS)
def test_error_message_and_caret(text: str, message: str, start: int, end: int) -> None:
    with pytest.raises(MathSyntaxError) as info:
        parse(text, symbols=SYMS)
    err = info.value
    assert message in err.message
    assert (err.start, err.end) == (start, end), err.describe()
    assert err.text == text
    assert isinstance(err, LimitExceededError) == ("deep" in message)


def test_caret_echo_points_under_the_span() -> None:
    with pytest.raises(MathSyntaxError) as info:
        parse("2*/x", symbols=("x",))
    assert info.value.caret() == "2*/x\n  ^"


def test_unknown_name_lists_declared_variables() -> None:
    with pytest.raises(MathSyntaxError) as info:
        parse("t + 1", symbols=("x", "y"))
    assert "variables here: x, y" in info.value.message


def test_superscript_sign_without_digits() -> None:
    with pytest.raises(MathSyntaxError) as info:
        parse("x⁻", symbols=("x",))
    assert "superscript needs digits" in info.value.message
    assert (info.value.start, info.value.end) == (1, 2)


def test_bad_declared_symbol_is_a_syntax_error() -> None:
    with pytest.raises(MathSyntaxError, match="cannot be a variable name"):
        parse("x", symbols=("__class__",))


def test_a_declared_symbol_that_is_not_text_is_a_syntax_error() -> None:
    with pytest.raises(MathSyntaxError, match="variable names must be text"):
        parse("x", symbols=[["x"]])  # type: ignore[list-item]
