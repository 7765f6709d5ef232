"""The text printers remember every sub-expression's text; the texts must stay the printers' own."""

from __future__ import annotations

import random
from typing import Any

import sympy
from sympy import Float, Rational, cos, exp, log, pi, sin, sqrt, symbols
from sympy.printing.printer import Printer

from mathdrill.mathlang import render as render_module
from mathdrill.mathlang import to_latex, to_plain, to_unicode

x, y, lam = symbols("x y lambda")


class _FreshPlain(render_module._PlainPrinter):
    _print = Printer._print  # the same printer, remembering nothing


class _FreshUnicode(render_module._UnicodePrinter):
    _print = Printer._print


def _corpus() -> list[Any]:
    """Expressions sharing sub-terms, in contexts that print them differently."""
    rng = random.Random(7)
    atoms = [
        x,
        y,
        lam,
        sqrt(x),
        sin(x),
        exp(-x),
        log(x),
        pi,
        Rational(3, 4),
        Float(0.5),  # full precision alone, shortened inside an expression
        Float("2.25", 5),
        sqrt(2),
        x**2,
        -x,
    ]
    found = list(atoms)
    for _ in range(250):
        a, b = rng.choice(found), rng.choice(atoms)
        op = rng.randrange(6)
        if op == 0:
            value = a + b
        elif op == 1:
            value = a * b
        elif op == 2:
            value = a ** rng.choice([2, 3, -1, Rational(1, 2)])
        elif op == 3:
            value = a / (b + 1)
        elif op == 4:
            value = rng.choice([sin, cos, exp])(a)
        else:
            value = a - rng.randint(1, 9) * b
        found.append(value)
    rng.shuffle(found)
    return found


def test_plain_and_unicode_texts_are_the_printers_own() -> None:
    render_module._TEXTS.clear()
    plain, unicode = _FreshPlain(), _FreshUnicode()
    for value in _corpus():
        assert to_plain(value) == plain.doprint(value), value
        line = unicode.doprint(value).replace("**", "^").replace("*", "·").replace("-", "−")
        assert to_unicode(value) == line, value


def test_latex_and_srepr_texts_are_sympys() -> None:
    render_module._TEXTS.clear()
    for value in _corpus():
        assert to_latex(value) == sympy.latex(value), value
        assert render_module.to_srepr(value) == sympy.srepr(value), value


def test_a_float_prints_in_full_alone_and_shortened_inside_an_expression() -> None:
    render_module._TEXTS.clear()
    half = Float(0.5)
    assert to_plain(x + half) == "x + 0.5"  # nested first: the short text is remembered
    assert to_plain(half) == "0.500000000000000"
    assert to_plain(y * half) == "0.5*y"


def test_a_function_under_a_power_is_not_its_text_alone_in_latex() -> None:
    # LaTeX draws sin(x)**2 by passing exp= to the sine's printer: that text must not be
    # remembered as the sine's.
    render_module._TEXTS.clear()
    assert to_latex(sin(x)) == r"\sin{\left(x \right)}"
    assert to_latex(sin(x) ** 2 + 1) == sympy.latex(sin(x) ** 2 + 1)
    assert r"\sin^{2}" in to_latex(sin(x) ** 2 + 1)
    assert to_latex(sin(x) + 1) == sympy.latex(sin(x) + 1)


def test_each_printer_remembers_its_own_texts() -> None:
    render_module._TEXTS.clear()
    assert to_plain(sqrt(x) + 1) == "sqrt(x) + 1"
    assert to_unicode(2 * sqrt(x) + y) == "2·√x + y"
    assert to_latex(sqrt(x) + y) == r"\sqrt{x} + y"
    assert to_plain(sqrt(x) * y) == "sqrt(x)*y"


def test_forget_texts_empties_every_cache_and_texts_come_back_the_same() -> None:
    value = 3 * sqrt(x) * sin(x) ** 2 - Rational(1, 2) * y + Float(0.25)
    grid = sympy.ImmutableMatrix([[x**2, -1], [Rational(1, 3), y]])
    before = (to_plain(value), to_unicode(value), to_latex(value), render_module.to_pretty(grid))
    render_module.forget_texts()
    assert not render_module._TEXTS
    assert not render_module._TERMS
    assert not render_module._CELLS
    assert not render_module._COMPLEX
    assert not render_module._PLAIN._node_texts
    assert not render_module._LATEX._node_texts
    after = (to_plain(value), to_unicode(value), to_latex(value), render_module.to_pretty(grid))
    assert after == before
    assert before[2] == sympy.latex(value)


def test_the_remembered_texts_are_bounded(monkeypatch) -> None:
    monkeypatch.setattr(render_module, "_NODE_TEXTS_SIZE", 50)
    render_module.forget_texts()
    for k in range(200):
        value = k * x + Rational(1, k + 2)
        assert to_plain(value) == _FreshPlain().doprint(value)
        assert len(render_module._PLAIN._node_texts) <= 50
    assert to_plain(3 * x + Rational(1, 5)) == "3*x + 1/5"
