"""Remembered number values: the same outcomes as evaluating afresh, whatever came before."""

from __future__ import annotations

import itertools

import mpmath
import sympy

from mathdrill.answers import numeric
from mathdrill.answers.numeric import Allowance, compare_numbers

# Equal-looking values of different types and precisions (none compares equal to another),
# values with no finite value, and values that differ far below double precision.
VALUES = [
    sympy.Rational(1, 10),
    sympy.Float(0.1),
    sympy.Float("0.1", 30),
    sympy.Rational(1, 2),
    sympy.Float(0.5),
    sympy.sqrt(2),
    sympy.sqrt(2) + sympy.Rational(1, 10**45),
    sympy.sqrt(2) / 2,
    sympy.Integer(-1) * sympy.sqrt(2),
    sympy.zoo,
    sympy.log(0),
    sympy.I * sympy.Rational(1, 10**60) + 1,
]
OPTIONS = [{}, {"rtol": 1e-3}, {"allowance": Allowance(absolute=sympy.Rational(1, 100))}]


def test_remembered_values_give_the_fresh_outcomes(monkeypatch) -> None:
    pairs = list(itertools.product(VALUES, VALUES, OPTIONS, (False, True)))
    with monkeypatch.context() as patch:  # every value evaluated afresh
        patch.setattr(numeric, "_number_value", numeric._evaluate_number)
        fresh = [compare_numbers(e, a, **o, decide_only=d) for e, a, o, d in pairs]
    numeric._NUMBER_VALUES.clear()
    for _ in range(2):  # warm: every value has been remembered, in every order
        warm = [compare_numbers(e, a, **o, decide_only=d) for e, a, o, d in pairs]
        assert warm == fresh


def test_deciding_gives_the_full_decision_without_the_near_miss() -> None:
    for e, a, o in itertools.product(VALUES, VALUES, OPTIONS):
        full = compare_numbers(e, a, **o)
        decided = compare_numbers(e, a, **o, decide_only=True)
        assert decided.equal == full.equal
        if decided.near_miss is not None:
            assert "significant" in decided.near_miss
    # The full comparison still names the near miss.
    assert compare_numbers(sympy.sqrt(2), -sympy.sqrt(2)).near_miss == "off by a sign"
    assert compare_numbers(sympy.sqrt(2), -sympy.sqrt(2), decide_only=True).near_miss is None


def test_the_working_precision_is_part_of_the_key() -> None:
    numeric._NUMBER_VALUES.clear()
    value = sympy.sqrt(3)
    outside = numeric._number_value(value)
    with mpmath.workdps(80):
        inside = numeric._number_value(value)
        assert inside == numeric._evaluate_number(value)
    assert numeric._number_value(value) is outside
    assert len(numeric._NUMBER_VALUES) == 2


def test_free_symbols_are_remembered_per_value() -> None:
    from mathdrill.answers import kinds

    x, y = sympy.symbols("x y")
    positive = sympy.Symbol("x", positive=True)
    kinds._FREE_SYMBOLS.clear()
    values = [x + 1, y + 1, positive + 1, sympy.Integer(2), sympy.sqrt(2) * x]
    first = [kinds._free_symbols(v) for v in values]
    assert first == [frozenset(v.free_symbols) for v in values]
    assert [kinds._free_symbols(v) for v in values] == first  # remembered, still right
    assert kinds._free_names(positive + 1) == {"x"}
    mutable = sympy.Matrix([[x, 1]])  # unhashable: computed, not remembered
    assert kinds._free_symbols(mutable) == frozenset({x})
    mutable[0, 0] = y
    assert kinds._free_symbols(mutable) == frozenset({y})
