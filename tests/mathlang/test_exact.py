"""Exact rational arithmetic for deck expressions: the same values and errors as the walker."""

from __future__ import annotations

import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mathdrill.errors import MathSyntaxError
from mathdrill.mathlang import exact, parse_author, parser

NAMES = ("a", "b", "c")
RATIONALS = st.builds(sympy.Rational, st.integers(-12, 12), st.integers(1, 6)) | st.sampled_from(
    [sympy.Integer(0), sympy.Integer(1), sympy.Integer(-1)]
)
LEAVES = st.sampled_from([*NAMES, "0", "2", "3", "1/2", "0.5", "true", "false"])


def _binary(children):
    ops = st.sampled_from(["+", "-", "*", "/", "**", "==", "!=", "<", "<=", ">", ">=", "and", "or"])
    return st.tuples(children, ops, children).map(lambda t: f"({t[0]} {t[1]} {t[2]})")


def _unary(children):
    return st.tuples(st.sampled_from(["-", "not ", "abs", "max", "min"]), children).map(
        lambda t: f"{t[0]}({t[1]})" if t[0] in ("abs", "max", "min") else f"({t[0]}{t[1]})"
    )


EXPRESSIONS = st.recursive(LEAVES, lambda c: _binary(c) | _unary(c), max_leaves=8)


def _read(text: str, names: dict) -> tuple[str, object]:
    try:
        value = parse_author(text, names=names).value
    except MathSyntaxError as error:
        return ("error", error.message)
    return (type(value).__name__, value)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EXPRESSIONS, st.lists(RATIONALS, min_size=3, max_size=3))
def test_exact_values_are_the_walkers(text: str, values: list) -> None:
    names = dict(zip(NAMES, values, strict=True))
    first = _read(text, names)  # the first reading walks the tree and caches the text work
    again = _read(text, names)  # later readings may compute exactly
    real = parser.evaluate_exact
    try:
        parser.evaluate_exact = lambda *args: None  # every reading walks the tree
        walked = _read(text, names)
    finally:
        parser.evaluate_exact = real
    assert first == walked
    assert again == walked, text


def test_constraints_on_rationals_are_computed_exactly(monkeypatch) -> None:
    names = {"a": sympy.Integer(4), "b": sympy.Rational(-3, 2)}
    parse_author("a != abs(b) and a*b < 2", names=names)  # the first reading walks the tree
    parse_author("a**2/b - 1", names=names)
    used = []
    real = exact.evaluate_exact

    def spy(*args):
        result = real(*args)
        used.append(result)
        return result

    monkeypatch.setattr("mathdrill.mathlang.parser.evaluate_exact", spy)
    assert parse_author("a != abs(b) and a*b < 2", names=names).value is sympy.true
    assert parse_author("a**2/b - 1", names=names).value == sympy.Rational(-35, 3)
    assert used == [sympy.true, sympy.Rational(-35, 3)]


@pytest.mark.parametrize(
    "text",
    [
        "a/(b - b)",  # division by zero: sympy's zoo
        "x*a",  # a symbol
        "sqrt(a)",  # another function
        "a**(1/2)",  # a root
        "a**1000",  # a power near the walker's limits
        "[a, b]",  # a list
        "a*0.5",  # a decimal is exact, but 0.5 stays a Rational either way
    ],
)
def test_anything_else_is_left_to_the_walker(text: str, monkeypatch) -> None:
    names = {"a": sympy.Integer(4), "b": sympy.Integer(3)}
    first = parse_author(text, names=names, symbols=["x"]).value
    results = []
    real = exact.evaluate_exact

    def spy(*args):
        results.append(real(*args))
        return results[-1]

    monkeypatch.setattr("mathdrill.mathlang.parser.evaluate_exact", spy)
    assert parse_author(text, names=names, symbols=["x"]).value == first
    if text == "a*0.5":
        assert results == [sympy.Integer(2)]
    else:
        assert results in ([], [None])
