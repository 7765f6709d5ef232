"""Canonical forms of answer values: equal text for values a kind judges equal.

``deck check`` counts how many different answers a template asks for (docs/decks.md,
"Variety"): two instances whose references the learner would answer the same way count once.
Each kind's :meth:`~mathdrill.answers.answer_kind.AnswerKind.canonical` builds on the keys here:

* a number is its value (50 digits, shown to :data:`DIGITS` significant figures), so
  ``sqrt(2)/2`` and ``1/sqrt(2)`` are one answer, and a complex value shows both parts;
* a formula is its values at fixed points of each variable's interval (the points do not depend
  on the formula, so equal functions give equal keys), less its value at the first point when
  the kind accepts any added constant.

Pure: no clock, no global random generator.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import mpmath
import sympy

from mathdrill.answers.evaluation import Undefined, compile_expr, evaluate, realify, run_compiled

#: Significant figures a value is shown with in a key: far below the 50 digits values are
#: computed with (equal values agree), far above what separates two instances of a template.
DIGITS = 12
#: Fixed points (fractions of each variable's interval) a formula is evaluated at.
POINTS = (0.1377, 0.3819, 0.6180, 0.8623)
#: Working precision of a key.
KEY_DPS = 30


def number_key(value: Any) -> str:
    """The key of an evaluated number (mpmath real or complex)."""
    if isinstance(value, mpmath.mpc):
        return f"{_real_key(value.real)}{_real_key(value.imag, signed=True)}i"
    return _real_key(value)


def _real_key(value: Any, *, signed: bool = False) -> str:
    if abs(value) <= mpmath.mpf(10) ** (-(KEY_DPS - 5)):
        text = "0"
    else:
        text = mpmath.nstr(value, DIGITS, min_fixed=-5, max_fixed=DIGITS)
    if signed and not text.startswith("-"):
        text = "+" + text
    return text


def scalar_key(
    value: Any,
    intervals: Mapping[str, tuple[float, float]],
    *,
    up_to_constant: bool = False,
) -> str:
    """The key of a scalar: its value, or for a formula its values at the fixed points.

    Args:
        value: A sympy scalar.
        intervals: The sampling interval of every variable the formula may hold.
        up_to_constant: Formulas that differ by a constant share a key.

    Returns:
        The key (``"undefined"`` for a number without a finite value).
    """
    if not isinstance(value, sympy.Basic):
        return str(value)
    names = sorted(s.name for s in value.free_symbols if isinstance(s, sympy.Symbol))
    if not names:
        try:
            return number_key(realify(evaluate(value, {}, KEY_DPS), KEY_DPS))
        except Undefined:
            return "undefined"
    function = compile_expr(value, KEY_DPS)
    shown: list[str] = []
    first: Any = None
    for fraction in POINTS:
        env = {}
        for offset, name in enumerate(names):
            lo, hi = intervals.get(name, (-2.0, 2.0))
            # A different fraction for each variable, so x - y is not 0 at every point.
            share = (fraction + 0.2718 * offset) % 1.0
            env[name] = mpmath.mpf(lo + (hi - lo) * share)
        try:
            point = realify(run_compiled(function, env, KEY_DPS), KEY_DPS)
        except Undefined:
            shown.append("u")
            continue
        if up_to_constant:
            if first is None:
                first = point
                shown.append("c")
                continue
            point = point - first
        shown.append(number_key(point))
    return "f(" + ",".join(shown) + ")"
