"""The scalar comparisons every kind builds on, and the rounding allowance of typed decimals.

* :func:`compare_numbers` — the ``number`` rule: exact values are compared at 50 digits; typed
  decimals get the rounding allowance described in :class:`Allowance`.
* :func:`compare_functions` — the ``expression`` rule: both sides are evaluated at deterministic
  pseudo-random points of the declared domain at 30 digits, confirmed symbolically when the
  numeric test is inconclusive.

Values come from :mod:`mathdrill.answers.evaluation`. Nothing here prints, reads files, uses the
clock or a global random generator.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
import sympy

from mathdrill.answers.evaluation import (
    Undefined,
    compile_expr,
    evaluate,
    is_real,
    realify,
    run_compiled,
    to_mp,
)
from mathdrill.answers.verdict import DEFAULT_INTERVAL

#: Digits used for exact number comparison.
NUMBER_DPS = 50
#: Two exact values are equal when they differ by less than this, relative to max(1, |value|).
EXACT_EPS = mpmath.mpf("1e-40")
#: A reference holding floating-point numbers (a deck's ``decimal()`` draws are 15-digit Floats,
#: so ``exp(h)`` with h = 3.5 is evaluated in floating point) is only this accurate, relatively:
#: an exact answer such as ``exp(7/2)`` must still count as equal to it.
FLOAT_EPS = mpmath.mpf("1e-12")
#: Digits used to evaluate expressions at test points.
POINT_DPS = 30
#: Default relative tolerance of the expression test (30-digit evaluation leaves ~1e-28 noise,
#: so this is loose for rounding yet catches x² + 1e-9 against x²).
EXPRESSION_RTOL = 1e-10
#: Absolute floor for the expression test, for points where both sides are (nearly) zero.
EXPRESSION_ATOL = 1e-15
#: Test points wanted, the fewest accepted, and how many candidates to draw at most.
POINTS_WANTED = 10
POINTS_NEEDED = 6
POINTS_TRIED = 60
#: Digits for re-checking points whose difference is tiny (could it be rounding?).
RECHECK_DPS = 80
#: Relative differences up to this are re-checked at :data:`RECHECK_DPS` before saying "wrong".
RECHECK_BELOW = 1e-6
#: Fewest significant figures a typed approximation needs (0.333 for 1/3, not 0.33).
MIN_FIGURES = 3


@dataclass(frozen=True)
class Outcome:
    """What a comparison decided.

    Attributes:
        equal: True (correct), False (wrong) or None (could not decide).
        reason: The decision in words.
        near_miss: A recognised near miss in words, when wrong.
    """

    equal: bool | None
    reason: str
    near_miss: str | None = None


@dataclass(frozen=True)
class Allowance:
    """How far an answer with typed decimals may be from the exact value.

    The ``number`` rule (docs/architecture.md): a typed decimal with ≥ 3 significant figures lying
    within one unit of its last digit of the exact value is correct (0.333 and 0.3333 for 1/3,
    33.3 % for 1/3); one that equals the value exactly (0.5 for 1/2) is correct whatever its
    figures. For a compound answer containing decimals (``0.707*sqrt(2)``) each decimal may be off
    by one unit in its last digit, so the answer may be off by the largest *relative* uncertainty
    of its decimals (0.707 → 0.001/0.707 ≈ 0.14 %); the 3-figure minimum applies to every decimal
    that is not exactly the value written. Entries of vectors, matrices, sets and intervals use
    the absolute unit of the coarsest decimal typed anywhere in the answer. A whole number typed
    alone (``333``) is a rounding too (:func:`whole_number_unit`); a whole-number reference is
    never rounded, so :func:`compare_numbers` drops an absolute allowance against one.

    Attributes:
        absolute: Allowed absolute difference, or None.
        relative: Allowed relative difference, or None.
        figures: Fewest significant figures among the typed decimals, or None when none.
        example: The coarsest decimal as typed, for messages.
    """

    absolute: Any = None
    relative: Any = None
    figures: int | None = None
    example: str | None = None

    @property
    def any(self) -> bool:
        """Return True when the answer contained typed decimals."""
        return self.figures is not None


NO_ALLOWANCE = Allowance()


def allowance_from(numbers: Iterable[Any], *, single: bool, entries: bool = False) -> Allowance:
    """Derive the decimal allowance from the number literals of a parsed answer.

    Args:
        numbers: ``NumberLiteral`` objects (see ``mathdrill.mathlang.values``).
        single: True when the whole answer is one (signed) number literal.
        entries: True for structured answers (absolute unit of the coarsest decimal).

    Returns:
        The allowance; :data:`NO_ALLOWANCE` when no decimals were typed.
    """
    numbers = list(numbers)
    decimals = [n for n in numbers if getattr(n, "is_decimal", False)]
    if not decimals:
        if single and len(numbers) == 1 and numbers[0].value != 0:
            # One whole number typed alone ("333") is a rounding too: see whole_number_unit.
            whole = numbers[0]
            return Allowance(
                absolute=_number_mp(whole_number_unit(whole.value)),
                figures=whole.significant_figures,
                example=whole.text,
            )
        return NO_ALLOWANCE
    coarsest = min(decimals, key=lambda n: n.significant_figures)
    figures = coarsest.significant_figures
    if single or entries:
        widest = max(decimals, key=lambda n: _number_mp(n.last_digit_unit))
        return Allowance(
            absolute=_number_mp(widest.last_digit_unit), figures=figures, example=coarsest.text
        )
    relative = mpmath.mpf(0)
    for literal in decimals:
        value = abs(_number_mp(literal.value))
        if value:
            relative = max(relative, _number_mp(literal.last_digit_unit) / value)
    return Allowance(relative=relative, figures=figures, example=coarsest.text)


def whole_number_unit(value: Any) -> Any:
    """The unit of the last significant digit of a whole number typed without a point.

    Its trailing zeros are not significant (README.md, "the number rule"): a learner who rounds
    12345.6 to three figures writes 12300, while one who means five writes 12300. or 1.2300e4.
    So 12300 → 100 and 333 → 1.
    """
    digits = str(abs(int(value)))
    return sympy.Integer(10) ** (len(digits) - len(digits.rstrip("0")))


def entry_allowance(numbers: Iterable[Any], value: Any) -> Allowance:
    """The allowance for one entry of a vector, matrix, set or interval.

    An entry that is one typed decimal (possibly negated) gets that decimal's own ``number``
    rule: within one unit of its last digit, at least 3 significant figures unless exact. An
    entry that is an exact number typed without decimals gets none. A compound entry gets the
    compound rule over all the answer's decimals.

    Args:
        numbers: The answer's ``NumberLiteral`` objects.
        value: The entry's sympy value.

    Returns:
        The allowance.
    """
    decimals = [n for n in numbers if getattr(n, "is_decimal", False)]
    if not decimals:
        return NO_ALLOWANCE
    if isinstance(value, sympy.Rational):
        matches = [n for n in decimals if n.value == abs(value)]
        if not matches:
            return NO_ALLOWANCE
        coarsest = min(matches, key=lambda n: n.significant_figures)
        return Allowance(
            absolute=_number_mp(coarsest.last_digit_unit),
            figures=coarsest.significant_figures,
            example=coarsest.text,
        )
    return allowance_from(decimals, single=False)


def vector_allowances(numbers: Iterable[Any]) -> tuple[Allowance, Allowance]:
    """Allowances for tests over a whole vector (parallelism, eigen-residuals).

    Decimals with fewer than 3 significant figures count at face value (0.5 is exactly 1/2);
    the others may be off by one unit in their last digit.

    Args:
        numbers: The answer's ``NumberLiteral`` objects.

    Returns:
        ``(fine, coarse)``: ``fine`` allows the largest unit among decimals with at least 3
        figures (what decides "correct"); ``coarse`` the largest unit among all decimals (a match
        only under ``coarse`` is the near miss "give at least 3 significant figures").
    """
    decimals = [n for n in numbers if getattr(n, "is_decimal", False)]
    if not decimals:
        return NO_ALLOWANCE, NO_ALLOWANCE
    precise = [n for n in decimals if n.significant_figures >= MIN_FIGURES]
    coarsest = min(decimals, key=lambda n: n.significant_figures)
    coarse = Allowance(
        absolute=max(_number_mp(n.last_digit_unit) for n in decimals),
        figures=coarsest.significant_figures,
        example=coarsest.text,
    )
    if not precise:
        return NO_ALLOWANCE, coarse
    fine = Allowance(
        absolute=max(_number_mp(n.last_digit_unit) for n in precise),
        figures=min(n.significant_figures for n in precise),
        example=min(precise, key=lambda n: n.significant_figures).text,
    )
    return fine, coarse


def _number_mp(value: Any) -> Any:
    return to_mp(value, NUMBER_DPS)


def show(value: Any, digits: int = 6) -> str:
    """Format an mpmath number briefly for a reason text ("0.713", "1.5e-9", "2 + 1i")."""
    if isinstance(value, mpmath.mpc):
        return f"{show(value.real, digits)} + {show(value.imag, digits)}i"
    text = mpmath.nstr(value, digits, min_fixed=-4, max_fixed=7)
    return text[:-2] if text.endswith(".0") else text


def _simple_ratio(ratio: Any) -> str | None:
    """Describe a real ratio like 2, -1/2 or 10**3 when it is one; None otherwise."""
    if not is_real(ratio, POINT_DPS):
        return None
    r = mpmath.re(ratio)
    if r == 0:
        return None
    frac = Fraction(float(r)).limit_denominator(12)
    if frac != 1 and abs(float(r) - frac) <= 1e-9 * abs(float(r)):
        return str(frac)
    return None


def _ratio_near_miss(ratio: Any, *, factor: bool = True) -> str | None:
    """Name a near miss from the ratio answer/reference.

    ``factor`` False leaves out "off by a constant factor": for two plain numbers it is true of
    every wrong nonzero answer, so it names nothing (a sign or a power of 10 still does).
    """
    if not is_real(ratio, POINT_DPS):
        return None
    r = float(mpmath.re(ratio))
    if r == 0 or not math.isfinite(r):
        return None  # beyond floating point (500! against exp(1000)): no simple factor
    if abs(r + 1) <= 1e-9:
        return "off by a sign"
    if r > 0:
        k = round(math.log10(r))
        if k != 0 and abs(r - 10.0**k) <= 1e-9 * 10.0**k and abs(k) <= 6:
            return f"off by a factor of 10^{k} — check the decimal point or percent sign"
    simple = _simple_ratio(ratio) if factor else None
    if simple is not None:
        return f"off by a constant factor (your answer is {simple} times the reference)"
    return None


def compare_numbers(
    expected: Any,
    answer: Any,
    *,
    allowance: Allowance = NO_ALLOWANCE,
    rtol: float | None = None,
    atol: float | None = None,
    decide_only: bool = False,
) -> Outcome:
    """Compare two numeric sympy values by the ``number`` rule.

    Args:
        expected: The reference, a sympy expression without free symbols.
        answer: The learner's value, a sympy expression without free symbols.
        allowance: Rounding allowance from the learner's typed decimals.
        rtol: Template relative tolerance; with ``atol`` it replaces the decimal rule.
        atol: Template absolute tolerance.
        decide_only: Only ``equal`` is wanted: two exact rationals are then compared exactly
            when that settles the rule, and no near miss is named. ``equal`` is the same.

    Returns:
        The outcome; ``equal`` is None only when the reference has no finite value.
    """
    tolerance = rtol is not None or atol is not None
    typed = allowance
    if allowance.absolute is not None and _whole_number(expected):
        # A whole-number value (a count) is not rounded: a number typed alone must equal it
        # (README.md, "the number rule"); 333 is not 334, nor is 1.23e4 12345.
        allowance = NO_ALLOWANCE
    same = answer == expected  # the identical tree: the difference is exactly zero
    if same and isinstance(expected, sympy.Rational | sympy.Float):
        return Outcome(True, _EQUAL_WITHIN if tolerance else "equal to the reference")
    if (
        decide_only
        and not tolerance
        and not allowance.any
        and isinstance(expected, sympy.Rational)
        and isinstance(answer, sympy.Rational)
    ):
        # Different exact rationals: "equal" would need a relative difference within
        # EXACT_EPS (1e-40). Far beyond it (the usual case) settles it without mpmath; a
        # difference near that bound is left to the 50-digit rule. With a = p1/q1, b = p2/q2
        # (q > 0), |a - b| > 2e-40·max(1, |a|, |b|) is, times q1·q2, this integer inequality.
        p1, q1, p2, q2 = int(expected.p), int(expected.q), int(answer.p), int(answer.q)
        if abs(p1 * q2 - p2 * q1) * _TEN_TO_40 > 2 * max(q1 * q2, abs(p1) * q2, abs(p2) * q1):
            return Outcome(False, "not equal to the reference")
    a = _number_value(expected)
    if a is None:
        return Outcome(None, "the reference has no finite value — report this template")
    if same:
        return Outcome(True, _EQUAL_WITHIN if tolerance else "equal to the reference")
    b = _number_value(answer)
    if b is None:
        return Outcome(False, "your answer has no finite value (division by zero?)")
    inexact = isinstance(expected, sympy.Basic) and expected.has(sympy.Float)
    outcome = compare_values(
        a,
        b,
        allowance=allowance,
        rtol=rtol,
        atol=atol,
        inexact=inexact,
        near_misses=not decide_only,
    )
    if typed is not allowance and outcome.equal is False and not (decide_only or tolerance):
        rounded = compare_values(a, b, allowance=typed, inexact=inexact, near_misses=False)
        if rounded.equal or rounded.near_miss:
            return Outcome(
                False,
                "not equal to the reference: it is a whole number, give it exactly (not rounded)",
                outcome.near_miss,
            )
    return outcome


def _whole_number(expected: Any) -> bool:
    """True when an exact reference is a whole number, however it is written.

    ``33554588`` is one, and so is ``log(1024)/log(2)``: a count computed by an expression is
    still a count. A reference holding floating-point numbers is not exact, so never whole.
    """
    if isinstance(expected, sympy.Integer):
        return True
    if not isinstance(expected, sympy.Expr) or isinstance(expected, sympy.Rational):
        return False
    if expected.has(sympy.Float) or expected.free_symbols:
        return False
    value = _number_value(expected)
    if value is None or isinstance(value, mpmath.mpc):
        return False
    with mpmath.workdps(NUMBER_DPS):
        nearest = mpmath.nint(value)
        return bool(abs(value - nearest) <= EXACT_EPS * max(1, abs(nearest)))


def _number_value(expr: Any) -> Any:
    """``realify(evaluate(expr, {}, NUMBER_DPS))``; None when undefined."""
    try:
        return realify(evaluate(expr, {}, NUMBER_DPS), NUMBER_DPS)
    except Undefined:
        return None


def compare_values(
    a: Any,
    b: Any,
    *,
    allowance: Allowance = NO_ALLOWANCE,
    rtol: float | None = None,
    atol: float | None = None,
    inexact: bool = False,
    near_misses: bool = True,
) -> Outcome:
    """Compare two evaluated numbers (mpmath) by the ``number`` rule; see :func:`compare_numbers`.

    Args:
        a: The reference value.
        b: The learner's value.
        allowance: Rounding allowance from the learner's typed decimals.
        rtol: Template relative tolerance.
        atol: Template absolute tolerance.
        inexact: The reference was computed from floating-point numbers: "equal" then means
            within :data:`FLOAT_EPS` instead of :data:`EXACT_EPS`.
        near_misses: False when only ``equal`` is wanted: no sign, factor or closeness near
            miss is looked for (the "significant figures" one, part of the rule, still is).

    Returns:
        The outcome.
    """
    eps = FLOAT_EPS if inexact else EXACT_EPS
    near = _near_miss if near_misses else _no_near_miss
    with mpmath.workdps(NUMBER_DPS):
        diff = abs(a - b)
        scale = max(abs(a), abs(b))
        if rtol is not None or atol is not None:
            limit = mpmath.mpf(atol or 0) + mpmath.mpf(rtol or 0) * abs(a)
            if diff <= limit * (1 + EXACT_EPS) or diff <= eps * max(1, scale):
                return Outcome(True, _EQUAL_WITHIN)
            return Outcome(
                False,
                f"not within the template's tolerance (off by {show(diff, 3)})",
                near(a, b, diff, close=diff <= 10 * limit),
            )
        if diff <= eps * max(1, scale):
            return Outcome(True, "equal to the reference")
        if allowance.any:
            limit = (
                allowance.absolute
                if allowance.absolute is not None
                else allowance.relative * abs(a)
            )
            within = diff <= limit * (1 + EXACT_EPS)
            if within and allowance.figures is not None and allowance.figures < MIN_FIGURES:
                return Outcome(
                    False,
                    f"{allowance.example} has only {allowance.figures} significant figure"
                    f"{'s' if allowance.figures != 1 else ''}; give at least {MIN_FIGURES}"
                    " or the exact value",
                    f"give at least {MIN_FIGURES} significant figures",
                )
            if within:
                return Outcome(True, "equal to the reference within the rounding of your decimals")
            return Outcome(
                False,
                "not equal to the reference (your decimals are off by more than one unit"
                " in their last digit)",
                near(a, b, diff, close=diff <= max(10 * limit, abs(a) / 100)),
            )
        return Outcome(False, "not equal to the reference", near(a, b, diff, close=False))


_EQUAL_WITHIN = "equal to the reference within the template's tolerance"
_TEN_TO_40 = 10**40


def _no_near_miss(a: Any, b: Any, diff: Any, *, close: bool) -> None:
    return None


def _near_miss(a: Any, b: Any, diff: Any, *, close: bool) -> str | None:
    if a != 0 and b != 0:
        named = _ratio_near_miss(b / a, factor=False)
        if named is not None:
            return named
    if close or (a != 0 and diff <= abs(a) / 100):
        return "close but not within tolerance"
    return None


@dataclass(frozen=True)
class PointSample:
    """One test point and the two values there (``answer`` None when undefined)."""

    point: dict[str, Any]
    expected: Any
    answer: Any


def _seed(expected: Any, names: Iterable[str], intervals: Mapping[str, tuple[float, float]]) -> int:
    """A deterministic seed from the reference and the domain (never from the answer).

    The points depend only on the reference so every answer, and every authored mistake, is
    evaluated at the same points.
    """
    digest = hashlib.sha256()
    digest.update(sympy.srepr(expected).encode())
    for name in sorted(names):
        lo, hi = intervals.get(name, DEFAULT_INTERVAL)
        digest.update(f"|{name}:{lo!r}:{hi!r}".encode())
    return int.from_bytes(digest.digest()[:8], "big")


def sample_points(
    expected: Any,
    answer: Any,
    names: Iterable[str],
    intervals: Mapping[str, tuple[float, float]],
    *,
    allow_imaginary: bool,
    dps: int = POINT_DPS,
) -> list[PointSample]:
    """Evaluate both sides at deterministic random points where the reference is defined.

    Points where the reference is not finite, or not real for a real template, are skipped.

    Args:
        expected: Reference expression.
        answer: Learner expression.
        names: Variable names to sample.
        intervals: Name → (low, high); missing names use :data:`DEFAULT_INTERVAL`.
        allow_imaginary: Keep points where the reference is complex.
        dps: Working precision (the points do not depend on it).

    Returns:
        Up to :data:`POINTS_WANTED` samples.
    """
    names = sorted(names)
    answer_fn = compile_expr(answer, dps)
    samples: list[PointSample] = []
    for draws, env, a in _reference_points(expected, names, intervals, allow_imaginary, dps):
        try:
            b = realify(run_compiled(answer_fn, env, dps), dps)
        except Undefined:
            b = None
        if b is not None and not allow_imaginary and not is_real(b, dps):
            b = None
        samples.append(PointSample(draws, a, b))
    return samples


def _reference_points(
    expected: Any,
    names: list[str],
    intervals: Mapping[str, tuple[float, float]],
    allow_imaginary: bool,
    dps: int,
) -> list[tuple[dict[str, float], dict[str, Any], Any]]:
    """The test points of a reference and its values there (they never depend on the answer)."""
    return list(_iter_points(expected, names, intervals, allow_imaginary, dps))


def _iter_points(
    expected: Any,
    names: list[str],
    intervals: Mapping[str, tuple[float, float]],
    allow_imaginary: bool,
    dps: int,
) -> Iterator[tuple[dict[str, float], dict[str, Any], Any]]:
    """Yield the test points of a reference one by one, with its values there."""
    rng = np.random.default_rng(_seed(expected, names, intervals))
    expected_fn = compile_expr(expected, dps)
    found = 0
    for _ in range(POINTS_TRIED):
        draws = {}
        for name in names:
            lo, hi = intervals.get(name, DEFAULT_INTERVAL)
            # Round to 6 decimals so a reason can quote the point exactly.
            draws[name] = round(float(rng.uniform(lo, hi)), 6)
        env = {name: mpmath.mpf(value) for name, value in draws.items()}
        try:
            a = run_compiled(expected_fn, env, dps)
        except Undefined:
            continue
        if not allow_imaginary and not is_real(a, dps):
            continue
        yield draws, env, realify(a, dps)
        found += 1
        if found >= POINTS_WANTED or not names:
            break


def quick_match(
    expected: Any,
    answer: Any,
    *,
    intervals: Mapping[str, tuple[float, float]],
    rtol: float | None = None,
    atol: float | None = None,
    allow_imaginary: bool = False,
) -> bool | None:
    """Decide cheaply whether an answer is an authored mistake (the plain expression rule).

    The test points of ``expected`` are produced one at a time.
    The first point where ``answer`` is undefined, or differs beyond the tolerance and beyond
    :data:`RECHECK_BELOW` relatively, ends the search: False, usually after one evaluation of
    each side instead of ten of the mistake. :func:`compare_functions` could not say "equal"
    then (the re-check only rescues tiny differences, and two functions that differ where both
    are defined do not simplify to the same one); it could say "undecided", which for a
    mistake means the same: not matched. Agreement within the tolerance at every point, with
    enough points, is its "equal": True. Anything else is None: compare in full.

    Args:
        expected: The mistake's expression.
        answer: The learner's expression.
        intervals: Variable name → sampling interval.
        rtol: Relative tolerance (None: default).
        atol: Absolute tolerance (None: default).
        allow_imaginary: Compare complex values too.

    Returns:
        True (the mistake), False (not it) or None (not settled here).
    """
    if answer == expected:
        return True
    rtol_mp = mpmath.mpf(EXPRESSION_RTOL if rtol is None else rtol)
    atol_mp = mpmath.mpf(EXPRESSION_ATOL if atol is None else atol)
    names = sorted({s.name for s in expected.free_symbols} | {s.name for s in answer.free_symbols})
    needed = POINTS_NEEDED if names else 1
    dps = POINT_DPS
    answer_fn = compile_expr(answer, dps)
    beyond = False
    seen = 0
    for _draws, env, a in _iter_points(expected, names, intervals, allow_imaginary, dps):
        seen += 1
        try:
            b = realify(run_compiled(answer_fn, env, dps), dps)
        except Undefined:
            return False
        if not allow_imaginary and not is_real(b, dps):
            return False
        gap = abs(a - b)
        scale = max(abs(a), abs(b))
        if gap > rtol_mp * scale + atol_mp:
            if gap > RECHECK_BELOW * scale:
                return False
            beyond = True
    if seen < needed or beyond:
        return None
    return True


def _describe_point(point: Mapping[str, Any]) -> str:
    return ", ".join(f"{name} = {value:g}" for name, value in point.items())


def compare_functions(
    expected: Any,
    answer: Any,
    *,
    intervals: Mapping[str, tuple[float, float]],
    rtol: float | None = None,
    atol: float | None = None,
    up_to_constant: bool = False,
    allow_imaginary: bool = False,
    decimals: bool = False,
    decide_only: bool = False,
) -> Outcome:
    """Decide whether two expressions are the same function (the ``expression`` rule).

    Both are evaluated at up to 10 deterministic pseudo-random points of the domain (30 digits);
    a point counts when the reference is finite (and real, for a real template) there. All points
    agreeing within ``rtol`` (default 1e-10) relative plus ``atol`` (default 1e-15) → equal. A
    clear difference at some point → not equal, naming the point. Differences so small that they
    might be rounding (relative ≤ 1e-6) are re-checked at 80 digits, which decides. When fewer
    than 6 points are usable, ``simplify(a - b) == 0`` decides; if it cannot show equality the
    outcome is undecided ("could not check at enough points": fail closed).

    Args:
        expected: Reference expression.
        answer: Learner expression.
        intervals: Variable name → sampling interval.
        rtol: Relative tolerance (None: default).
        atol: Absolute tolerance (None: default).
        up_to_constant: Accept a constant difference (antiderivatives).
        allow_imaginary: Compare complex values too.
        decimals: The answer contains typed decimals (a "close" near miss then says to use
            exact values).
        decide_only: Only ``equal`` is wanted (an authored mistake is tried against the
            answer): stop at the first point that settles "not equal", with a short reason and
            no near miss. ``equal`` is the same as without it. (Up to a constant, the full
            comparison runs.)

    Returns:
        The outcome.
    """
    equal = (
        "equal to the reference up to a constant" if up_to_constant else "equal to the reference"
    )
    if answer == expected:
        # The identical tree has the same value wherever the reference is defined, and
        # simplify(0) is 0 where too few points are: every path below would say equal.
        return Outcome(True, equal)
    rtol_mp = mpmath.mpf(EXPRESSION_RTOL if rtol is None else rtol)
    atol_mp = mpmath.mpf(EXPRESSION_ATOL if atol is None else atol)
    names = {s.name for s in expected.free_symbols} | {s.name for s in answer.free_symbols}
    needed = POINTS_NEEDED if names else 1
    if decide_only and not up_to_constant:
        decided = _first_difference(
            expected, answer, names, intervals, rtol_mp, atol_mp, needed, allow_imaginary
        )
        if decided is not None:
            return decided
    samples = sample_points(expected, answer, names, intervals, allow_imaginary=allow_imaginary)
    if len(samples) < needed:
        if _symbolically_equal(expected, answer, names, up_to_constant=up_to_constant):
            return Outcome(True, "equal to the reference (shown symbolically)")
        return Outcome(
            None,
            "could not check at enough points of the domain — the reference is undefined at"
            " most of them",
        )
    undefined, worst, worst_sample = _scan(samples, rtol_mp, atol_mp, up_to_constant=up_to_constant)
    if undefined is not None:
        return Outcome(
            False,
            f"your answer is undefined at {_describe_point(undefined.point)}, where the"
            " reference is defined",
        )
    if worst_sample is None:
        return Outcome(True, equal)
    if worst <= RECHECK_BELOW:
        # Tiny differences: rounding in a cancelling expression, or a genuine tiny term
        # (x² + 1e-9)? More digits tell: rounding shrinks, a real difference stays.
        precise = sample_points(
            expected, answer, names, intervals, allow_imaginary=allow_imaginary, dps=RECHECK_DPS
        )
        if len(precise) >= needed:
            undefined, _, still = _scan(precise, rtol_mp, atol_mp, up_to_constant=up_to_constant)
            if undefined is None and still is None:
                return Outcome(True, f"{equal} (confirmed at {RECHECK_DPS} digits)")
    where = _describe_point(worst_sample.point)
    reason = f"differs from the reference at {where}" if where else "not equal to the reference"
    near = _function_near_miss(samples, up_to_constant=up_to_constant, decimals=decimals)
    return Outcome(False, reason, near)


def _first_difference(
    expected: Any,
    answer: Any,
    names: set[str],
    intervals: Mapping[str, tuple[float, float]],
    rtol: Any,
    atol: Any,
    needed: int,
    allow_imaginary: bool,
) -> Outcome | None:
    """Settle "not equal" at the first point that shows it, or return None to decide in full.

    Only for the plain comparison (not up to a constant): the first reference point where the
    answer is undefined, or differs by more than the tolerance and more than
    :data:`RECHECK_BELOW` relatively, decides exactly as the full scan would (that scan says
    "not equal" as soon as one such point exists among at least ``needed`` points), and so
    does agreement within the tolerance at every point ("equal"). Too few points or only tiny
    differences are left to the full comparison.
    """
    dps = POINT_DPS
    points = _reference_points(expected, sorted(names), intervals, allow_imaginary, dps)
    if len(points) < needed:
        return None
    answer_fn = compile_expr(answer, dps)
    beyond = False
    for draws, env, a in points:
        try:
            b = realify(run_compiled(answer_fn, env, dps), dps)
        except Undefined:
            b = None
        if b is None or (not allow_imaginary and not is_real(b, dps)):
            return Outcome(False, f"your answer is undefined at {_describe_point(draws)}")
        gap = abs(a - b)
        scale = max(abs(a), abs(b))
        if gap > rtol * scale + atol:
            if gap > RECHECK_BELOW * scale:
                return Outcome(False, f"differs from the reference at {_describe_point(draws)}")
            beyond = True
    # Every point within tolerance is the full scan's "equal" too; a tiny difference somewhere
    # needs its re-check at more digits.
    return None if beyond else Outcome(True, "equal to the reference")


def _scan(
    samples: list[PointSample], rtol: Any, atol: Any, *, up_to_constant: bool
) -> tuple[PointSample | None, Any, PointSample | None]:
    """Compare the samples.

    Returns:
        The first sample where the answer is undefined (or None), the worst relative difference
        beyond tolerance, and the sample where it occurs (None when every sample agrees).
    """
    worst = mpmath.mpf(0)
    worst_sample: PointSample | None = None
    first = samples[0]
    for sample in samples:
        a, b = sample.expected, sample.answer
        if b is None:
            return sample, worst, worst_sample
        if up_to_constant and first.answer is not None:
            gap = abs((b - a) - (first.answer - first.expected))
            scale = max(abs(a), abs(b), abs(first.expected), abs(first.answer))
        else:
            gap = abs(a - b)
            scale = max(abs(a), abs(b))
        relative = gap / scale if scale else (mpmath.mpf(0) if gap == 0 else mpmath.inf)
        if gap > rtol * scale + atol and relative >= worst:
            worst, worst_sample = relative, sample
    return None, worst, worst_sample


def _function_near_miss(
    samples: list[PointSample], *, up_to_constant: bool, decimals: bool = False
) -> str | None:
    """Name a near miss that holds at every sample: sign, constant factor, additive constant."""
    pairs = [(s.expected, s.answer) for s in samples if s.answer is not None]
    tol = mpmath.mpf("1e-9")
    nonzero = [(a, b) for a, b in pairs if abs(a) > tol]
    if nonzero and len(nonzero) == len([p for p in pairs if abs(p[0]) > tol]):
        ratios = [b / a for a, b in nonzero]
        r0 = ratios[0]
        if all(abs(r - r0) <= tol * max(1, abs(r0)) for r in ratios) and all(
            abs(b) <= tol for a, b in pairs if abs(a) <= tol
        ):
            named = _ratio_near_miss(r0)
            if named is not None:
                return named
    if not up_to_constant and pairs:
        d0 = pairs[0][1] - pairs[0][0]
        if all(abs((b - a) - d0) <= tol * max(1, abs(a), abs(b)) for a, b in pairs):
            return "off by an additive constant"
    if pairs and all(abs(b - a) <= abs(a) / 100 + tol for a, b in pairs):
        if decimals:
            return "close but not within tolerance — use exact values, not rounded decimals"
        return "close but not within tolerance"
    return None


def _symbolically_equal(
    expected: Any, answer: Any, names: Iterable[str], *, up_to_constant: bool
) -> bool:
    """Return True when ``simplify`` shows the difference is zero (or constant)."""
    difference = answer - expected
    try:
        if up_to_constant:
            symbols = [s for s in difference.free_symbols if s.name in set(names)]
            return all(sympy.simplify(sympy.diff(difference, s)) == 0 for s in symbols)
        return sympy.simplify(difference) == 0
    except (TypeError, ValueError, ArithmeticError, RecursionError, NotImplementedError):
        return False
