"""One deck expression read for instance after instance: each reading uses its own bindings."""

from __future__ import annotations

import pytest
import sympy

from mathdrill.mathlang import parse_author


def test_same_text_new_values() -> None:
    x = sympy.Symbol("x")
    first = parse_author("a*x**n + b", names={"a": 2, "n": 3, "b": -1}, symbols=["x"]).value
    second = parse_author("a*x**n + b", names={"a": 5, "n": 2, "b": 7}, symbols=["x"]).value
    assert sympy.simplify(first - (2 * x**3 - 1)) == 0
    assert sympy.simplify(second - (5 * x**2 + 7)) == 0


def test_same_text_new_functions() -> None:
    calls = []

    def first(k):
        calls.append(("first", k))
        return k + 1

    def second(k):
        calls.append(("second", k))
        return k * 10

    assert parse_author("draw(3) + 1", functions={"draw": first}).value == 5
    assert parse_author("draw(3) + 1", functions={"draw": second}).value == 31
    assert calls == [("first", 3), ("second", 3)]


def test_a_name_bound_now_but_not_before_is_read_afresh() -> None:
    # With `xy` unbound and x, y symbols the text means x·y; bound, it means the value.
    x, y = sympy.symbols("x y")
    assert parse_author("2xy", symbols=["x", "y"]).value == 2 * x * y
    assert parse_author("2xy", names={"xy": 7}, symbols=["x", "y"]).value == 14


def test_notes_are_the_same_on_every_reading() -> None:
    notes = [parse_author("1/2x", symbols=["x"]).notes for _ in range(2)]
    assert notes[0] == notes[1]
    assert notes[0]


def test_samplers_shadow_built_in_functions_of_the_same_name() -> None:
    # A deck callable named like a built-in (here `max`) wins, and the built-in comes back
    # when the callable is gone.
    assert parse_author("max(1, 5)", functions={"max": lambda a, b: a - b}).value == -4
    assert parse_author("max(1, 5)").value == 5


def test_the_function_argument_limit_holds_for_values_seen_before() -> None:
    from mathdrill.errors import LimitExceededError

    x = sympy.Symbol("x")
    small, big = 7 * x + 2, sympy.Integer(10) ** 350 * x + 1
    for _ in range(2):
        assert parse_author("sin(u)", names={"u": small}, symbols=["x"]).value == sympy.sin(small)
        with pytest.raises(LimitExceededError, match="function argument limit"):
            parse_author("sin(u)", names={"u": big}, symbols=["x"])
