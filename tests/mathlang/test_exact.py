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


@pytest.mark.parametrize(
    "text",
    [
        "A[0, 0]*r[1] + A[1, 2] - r[-1]",
        "A[-1, -2] != 0 or v[2] >= 3",
        "v[0] + v[1]*v[2]",
        "M[1][0] + M[0][1]",  # nested lists, one index at a time
        "A[2, 0]",  # out of range: the walker's error
        "A[0]",  # a whole row: a list, not a number
        "s[0]",  # sets cannot be indexed
        "c[1] + c[0]",  # a column vector takes one index
    ],
)
def test_indexed_entries_are_the_walkers(text: str) -> None:
    from mathdrill.mathlang.values import Sequence, SetLiteral

    def seq(*items):
        return Sequence(tuple(sympy.Integer(i) for i in items), "[")

    names = {
        "A": sympy.ImmutableMatrix([[1, -2, 3], [4, 5, sympy.Rational(1, 2)]]),
        "c": sympy.ImmutableMatrix([[7], [-1]]),
        "r": seq(3, 0, -4),
        "v": seq(1, 2, 5),
        "M": Sequence((seq(1, 2), seq(3, 4)), "["),
        "s": SetLiteral((sympy.Integer(1), sympy.Integer(2))),
    }
    first = _read(text, names)
    again = _read(text, names)
    real = parser.evaluate_exact
    try:
        parser.evaluate_exact = lambda *args: None
        walked = _read(text, names)
    finally:
        parser.evaluate_exact = real
    assert first == walked
    assert again == walked


@pytest.mark.parametrize("name", ["abs", "max", "min"])
def test_a_deck_callable_named_like_a_built_in_is_called_every_time(name: str) -> None:
    # The exact arithmetic knows the built-in abs/min/max only: a deck function of that name
    # must be called on every reading, not only on the first one (which walks the tree).
    calls = []

    def shadow(*args):
        calls.append(args)
        return sympy.Integer(-4)

    functions = {name: shadow}
    names = {"a": sympy.Integer(3)}
    values = [parse_author(f"{name}(a) + 1", names=names, functions=functions).value for _ in "ab"]
    assert values == [sympy.Integer(-3), sympy.Integer(-3)]
    assert len(calls) == 2
    # Without the deck function the built-in comes back, computed exactly on a second reading.
    assert parse_author(f"{name}(a) + 1", names=names).value == 4
    assert parse_author(f"{name}(a) + 1", names=names).value == 4


def test_new_values_give_new_results_from_the_same_compiled_text() -> None:
    text = "a*b - c/(a + 1) + abs(b)**2"
    results = []
    for a, b in [(1, 2), (3, -4), (sympy.Rational(1, 3), 5)]:
        names = {"a": sympy.Rational(a), "b": sympy.Integer(b), "c": sympy.Integer(6)}
        results.append(parse_author(text, names=names).value)
    assert results == [
        sympy.Integer(1 * 2 - 3 + 4),
        sympy.Rational(-12) - sympy.Rational(6, 4) + 16,
        sympy.Rational(5, 3) - sympy.Rational(9, 2) + 25,
    ]
