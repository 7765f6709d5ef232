"""parse_author keeps the text work of an expression but always uses this call's bindings."""

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


def test_notes_survive_the_cache() -> None:
    notes = [parse_author("1/2x", symbols=["x"]).notes for _ in range(2)]
    assert notes[0] == notes[1]
    assert notes[0]


def test_samplers_shadow_built_in_functions_of_the_same_name() -> None:
    # A deck callable named like a built-in (here `max`) wins, and the built-in comes back
    # when the callable is gone.
    assert parse_author("max(1, 5)", functions={"max": lambda a, b: a - b}).value == -4
    assert parse_author("max(1, 5)").value == 5


def test_learner_readings_are_reused_and_errors_are_not_remembered() -> None:
    from mathdrill.errors import MathSyntaxError
    from mathdrill.mathlang import parse
    from mathdrill.mathlang import parser as parser_module

    first = parse("2x + sin(x)", symbols=["x"])
    assert parse("2x + sin(x)", symbols=("x",)) is first
    # Other symbols or another imaginary-unit setting are another reading.
    assert parse("2x + sin(x)", symbols=["x", "y"]) is not first
    for _ in range(2):
        with pytest.raises(MathSyntaxError):
            parse("2x +", symbols=["x"])
    assert ("2x +", ("x",), False, parser_module.LEARNER_LIMITS) not in parser_module._PARSED
    # Unhashable arguments still get the parser's own error, never a TypeError.
    with pytest.raises(MathSyntaxError):
        parse("x", symbols=[["x"]])


def test_the_function_argument_limit_holds_for_values_seen_before() -> None:
    from mathdrill.errors import LimitExceededError

    x = sympy.Symbol("x")
    small, big = 7 * x + 2, sympy.Integer(10) ** 350 * x + 1
    for _ in range(2):
        assert parse_author("sin(u)", names={"u": small}, symbols=["x"]).value == sympy.sin(small)
        with pytest.raises(LimitExceededError, match="function argument limit"):
            parse_author("sin(u)", names={"u": big}, symbols=["x"])


def test_the_built_in_table_and_another_table_are_told_apart() -> None:
    from mathdrill.errors import MathSyntaxError
    from mathdrill.mathlang import parser as parser_module
    from mathdrill.mathlang.functions import AUTHOR_FUNCTIONS
    from mathdrill.mathlang.limits import AUTHOR_LIMITS

    def read(functions):
        return parser_module._read(
            "sin(a) + 1",
            author=True,
            symbols=(),
            names={"a": sympy.Integer(0)},
            functions=functions,
            allow_imaginary=True,
            limits=AUTHOR_LIMITS,
        ).value

    assert read(AUTHOR_FUNCTIONS) == 1
    assert read(AUTHOR_FUNCTIONS) == 1  # the remembered reading
    without_sin = {k: v for k, v in AUTHOR_FUNCTIONS.items() if k != "sin"}
    with pytest.raises(MathSyntaxError, match="sin"):
        read(without_sin)
    assert read(dict(AUTHOR_FUNCTIONS)) == 1  # another table with the same names: read afresh
