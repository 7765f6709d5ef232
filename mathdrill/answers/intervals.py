"""The ``interval`` kind: an interval or a union of intervals, such as ``[0, 1) ∪ (2, ∞)``.

An answer is right with the same endpoints (compared by the number rule) and the same open and
closed ends. Its text is read by :func:`mathdrill.answers.forms.read_interval`; each endpoint is
read by the math language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import mpmath
import sympy

from mathdrill.answers.answer_kind import AnswerKind, Expected, Reading, ReadMath, parse_answer
from mathdrill.answers.display import is_scalar, render_scalar
from mathdrill.answers.evaluation import Undefined, evaluate
from mathdrill.answers.forms import NEG_INF, POS_INF, IntervalValue, Piece, read_interval
from mathdrill.answers.numeric import (
    Outcome,
    allowance_from,
    compare_numbers,
    entry_allowance,
)
from mathdrill.answers.verdict import AnswerSpec
from mathdrill.errors import InputError, MathSyntaxError
from mathdrill.mathlang import parse_author


def _interval_of(value: Any) -> IntervalValue | None:
    if isinstance(value, IntervalValue):
        return value
    if isinstance(value, sympy.Interval):
        lo, hi = value.start, value.end
        return IntervalValue(
            (
                Piece(
                    lo,
                    hi,
                    not value.left_open and lo != NEG_INF,
                    not value.right_open and hi != POS_INF,
                ),
            )
        )
    if isinstance(value, sympy.Union):
        pieces: list[Piece] = []
        for arg in value.args:
            inner = _interval_of(arg)
            if inner is None:
                return None
            pieces.extend(inner.pieces)
        return IntervalValue(tuple(pieces))
    if isinstance(value, sympy.Set) and value.is_empty:
        return IntervalValue(())
    return None


def _endpoint_text(value: Any, style: str) -> str:
    if value == NEG_INF:
        return "-oo" if style == "plain" else (r"-\infty" if style == "latex" else "−∞")
    if value == POS_INF:
        return "oo" if style == "plain" else (r"\infty" if style == "latex" else "∞")
    return render_scalar(value, "unicode" if style == "pretty" else style)


def render_interval(value: IntervalValue, style: str, *, typed: bool = False) -> str:
    """Render intervals as ``[0, 1) ∪ (2, ∞)`` (plain: ``[0, 1) U (2, oo)``).

    Args:
        value: The intervals.
        style: A style name.
        typed: Show finite endpoints as the learner typed them (``0.693``, not ``693/1000``).

    Returns:
        The text.
    """
    if not value.pieces:
        return "{}" if style == "plain" else (r"\emptyset" if style == "latex" else "∅")
    parts = []
    for piece in value.pieces:
        left = "[" if piece.lo_closed else "("
        right = "]" if piece.hi_closed else ")"
        lo = _endpoint_text(piece.lo, style)
        hi = _endpoint_text(piece.hi, style)
        if typed and style in ("plain", "unicode"):
            lo = piece.lo_text if piece.lo_text and piece.lo != NEG_INF else lo
            hi = piece.hi_text if piece.hi_text and piece.hi != POS_INF else hi
        parts.append(f"{left}{lo}, {hi}{right}")
    joiner = {"plain": " U ", "latex": r" \cup "}.get(style, " ∪ ")
    return joiner.join(parts)


def _endpoint_reader(read: Callable[[str], Any], numeric: bool) -> ReadMath:
    """Read one endpoint with ``read`` (a math reader), refusing anything but one number."""

    def read_math(part: str) -> tuple[Any, tuple[Any, ...]]:
        parsed = read(part)
        if not is_scalar(parsed.value) or (numeric and parsed.value.free_symbols):
            raise MathSyntaxError("an endpoint must be one number", part, 0, max(1, len(part)))
        return parsed.value, tuple(parsed.numbers)

    return read_math


class IntervalKind(AnswerKind):
    """An interval (or union of intervals): same endpoints and the same open/closed ends."""

    name = "interval"

    def describe_form(self, spec: AnswerSpec) -> str:  # noqa: D102
        return "an interval such as [0, 1) or (-oo, 2] (or 0 <= x < 1); join several with U"

    def parse_expected(  # noqa: D102
        self, text: str, variables: Mapping[str, tuple[float, float]]
    ) -> Expected:
        symbols = tuple(variables)
        return read_interval(
            text, _endpoint_reader(lambda part: parse_author(part, symbols=symbols), False)
        )

    def check_expected(self, value: Any, text: str) -> Expected:  # noqa: D102
        if _interval_of(value) is None:
            raise InputError(f"expected answer {text!r} is not an interval")
        return value

    def read_reference(
        self, text: str, evaluate: Callable[[], Any], read_math: ReadMath, options: tuple[str, ...]
    ) -> Expected:
        """Brackets and endpoints, each endpoint an expression of the instance's values."""
        return self.check_expected(read_interval(text, read_math), text)

    def read(self, spec: AnswerSpec, text: str) -> Reading:  # noqa: D102
        value = read_interval(
            text, _endpoint_reader(lambda part: parse_answer(spec, part, ()), True)
        )
        numbers = [n for piece in value.pieces for n in piece.numbers]
        return Reading(
            value,
            render_interval(value, "unicode", typed=True),
            render_interval(value, "plain", typed=True),
            (),
            allowance_from(numbers, single=False, entries=True),
            tuple(numbers),
        )

    def render(self, spec: AnswerSpec, value: Any, style: str) -> str:  # noqa: D102
        interval = _interval_of(value)
        return render_interval(interval, style) if interval is not None else str(value)

    def outcome(  # noqa: D102
        self, spec: AnswerSpec, expected: Any, reading: Reading, *, decide_only: bool
    ) -> Outcome:
        e = _interval_of(expected)
        if e is None:
            return Outcome(None, "the reference is not an interval — report this template")
        a: IntervalValue = reading.value
        if len(e.pieces) != len(a.pieces):
            return Outcome(
                False,
                f"expected {len(e.pieces)} interval{'s' if len(e.pieces) != 1 else ''},"
                f" got {len(a.pieces)}",
            )
        try:
            e_sorted = sorted(e.pieces, key=_piece_key)
            a_sorted = sorted(a.pieces, key=_piece_key)
        except Undefined:
            return Outcome(False, "an endpoint has no finite value")
        brackets_differ = False
        for pe, pa in zip(e_sorted, a_sorted, strict=True):
            for side in ("lo", "hi"):
                ve, va = getattr(pe, side), getattr(pa, side)
                infinite_e = ve in (POS_INF, NEG_INF)
                infinite_a = va in (POS_INF, NEG_INF)
                if infinite_e or infinite_a:
                    if infinite_e != infinite_a or ve != va:
                        return Outcome(False, "the endpoints differ from the reference")
                    continue
                outcome = compare_numbers(
                    ve,
                    va,
                    allowance=entry_allowance(reading.numbers, va),
                    rtol=spec.rtol,
                    atol=spec.atol,
                )
                if outcome.equal is not True:
                    return Outcome(
                        outcome.equal,
                        f"the endpoints differ from the reference ({outcome.reason})",
                        outcome.near_miss
                        if outcome.near_miss and "significant" in outcome.near_miss
                        else None,
                    )
            if (pe.lo_closed, pe.hi_closed) != (pa.lo_closed, pa.hi_closed):
                brackets_differ = True
        if brackets_differ:
            return Outcome(
                False,
                "the endpoints are right but an end is open where it should be closed"
                " (or the reverse)",
                "open/closed ends differ",
            )
        return Outcome(True, "the same interval")


def _piece_key(piece: Piece) -> Any:
    if piece.lo == NEG_INF:
        return -mpmath.inf
    return mpmath.re(evaluate(piece.lo, {}, 30))
