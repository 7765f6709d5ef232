"""The printers order a sum's terms as sympy does, with the numbers' complex values remembered."""

from __future__ import annotations

import random

import sympy
from sympy import Float, I, O, Rational, exp, log, pi, sin, sqrt

from mathdrill.mathlang import render as render_module
from mathdrill.mathlang import to_latex, to_plain

x, y, z, lam = sympy.symbols("x y z lambda")
A, B = sympy.symbols("A B", commutative=False)
n = sympy.Symbol("n", integer=True)
ATOMS = [
    x, y, z, lam, x**2, y**3, x * y, sqrt(x), 1 / x, x**n, x ** Rational(1, 3), sin(x), exp(-x),
    log(y), Rational(3, 4), sympy.Integer(7), Float(0.25), Float("1.5", 30), sqrt(2), pi, I,
    2 * I + 1, A, B, A * B, exp(2), sympy.Integer(-3), x * sqrt(3), pi * y, (x + 1) ** 2,
]  # fmt: skip
COEFFICIENTS = [1, -1, 2, -Rational(1, 2), 3, sqrt(2), Float(0.1), I]


def _sums() -> list[sympy.Add]:
    rng = random.Random(11)
    found = []
    while len(found) < 1500:
        terms = [rng.choice(ATOMS) * rng.choice(COEFFICIENTS) for _ in range(rng.randint(2, 6))]
        value = sympy.Add(*terms)
        if rng.random() < 0.1:  # a series remainder: left to sympy
            value = sympy.Add(value.subs(n, 2), O(x**3))
        if rng.random() < 0.1:  # sympy's special case: 2 - 3*x keeps its order
            value = sympy.Add(rng.choice([2, 3, pi]), rng.choice([-3, -Rational(1, 2)]) * x)
        if isinstance(value, sympy.Add):
            found.append(value)
    return found


def test_terms_are_in_sympys_order() -> None:
    render_module._COMPLEX.clear()
    for value in _sums():
        assert render_module._ordered_terms(value, None) == value.as_ordered_terms(), value
    # The numbers' values were remembered, and again give sympy's order.
    assert render_module._COMPLEX
    for value in _sums()[:300]:
        assert render_module._ordered_terms(value, None) == value.as_ordered_terms(), value


def test_other_orders_are_sympys() -> None:
    value = 3 * x**2 * y - 2 * x * y**3 + z - 1
    for order in ("lex", "grlex", "rev-lex", "grevlex"):
        expected = value.as_ordered_terms(order=order)
        assert render_module._ordered_terms(value, order) == expected


def test_printed_sums_are_sympys() -> None:
    render_module._TEXTS.clear()
    render_module._TERMS.clear()
    for value in _sums()[:200]:
        assert to_latex(value) == sympy.latex(value), value
        if not value.has(O(x)) and not value.has(A):
            assert to_plain(value).replace(" ", "") == sympy.sstr(value).replace(" ", "")
