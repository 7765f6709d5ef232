"""The scalar kinds, ``number`` and ``expression``, and the comparison of two scalars.

``number`` compares exact forms exactly and typed decimals by the rounding rule; ``expression``
compares a formula as a function. The other kinds apply :func:`compare_scalar` entry by entry.
"""

from __future__ import annotations

from typing import Any

from mathdrill.answers.answer_kind import (
    AnswerKind,
    Expected,
    Reading,
    parse_answer,
    sampling_intervals,
    unreadable,
    variable_names,
)
from mathdrill.answers.canonical import scalar_key
from mathdrill.answers.display import display_scalar, is_scalar, render_scalar
from mathdrill.answers.numeric import (
    MIN_FIGURES,
    NO_ALLOWANCE,
    Allowance,
    Outcome,
    allowance_from,
    compare_functions,
    compare_numbers,
    quick_match,
)
from mathdrill.answers.verdict import AnswerSpec
from mathdrill.errors import InputError


def compare_scalar(
    spec: AnswerSpec,
    expected: Any,
    answer: Any,
    allowance: Allowance,
    *,
    decide_only: bool = False,
) -> Outcome:
    """Compare two scalars: as numbers when both are constant, else as functions.

    Args:
        spec: The spec (tolerances, domain, imaginary flag).
        expected: Reference scalar.
        answer: Learner scalar.
        allowance: Decimal allowance of the learner's answer.
        decide_only: Only ``equal`` is wanted (see :func:`compare_functions`).

    Returns:
        The outcome.
    """
    if not is_scalar(expected) or not is_scalar(answer):
        return Outcome(False, "not a single value")
    if not expected.free_symbols and not answer.free_symbols:
        return compare_numbers(
            expected,
            answer,
            allowance=allowance,
            rtol=spec.rtol,
            atol=spec.atol,
            decide_only=decide_only,
        )
    return compare_functions(
        expected,
        answer,
        intervals=sampling_intervals(spec),
        rtol=spec.rtol,
        atol=spec.atol,
        up_to_constant=spec.up_to_constant,
        allow_imaginary=spec.allow_imaginary,
        decide_only=decide_only,
    )


class NumberKind(AnswerKind):
    """A single number: exact forms compared exactly, decimals by the rounding rule."""

    name = "number"
    complex_values = True

    def describe_form(self, spec: AnswerSpec) -> str:  # noqa: D102
        if spec.rtol is not None or spec.atol is not None:
            return "a number (exact such as 1/3 or sqrt(2)/2, or a decimal)"
        return (
            "an exact number such as 1/3 or sqrt(2)/2, or one rounded to at least"
            f" {MIN_FIGURES} significant figures (0.333, 33.3%, 2e-3)"
        )

    def read(self, spec: AnswerSpec, text: str) -> Reading:  # noqa: D102
        parsed = parse_answer(spec, text, (), imaginary=self.complex_values)
        value = parsed.value
        if not is_scalar(value):
            raise unreadable(text, "expected one number, not a list or a set")
        if value.free_symbols:
            raise unreadable(text, "expected a number, not a formula")
        numbers = parsed.numbers
        return Reading(
            value,
            lambda: display_scalar(value, numbers, "unicode"),
            lambda: display_scalar(value, numbers, "plain"),
            parsed.notes,
            allowance_from(numbers, single=parsed.single_number),
        )

    def canonical(self, spec: AnswerSpec, value: Any) -> str:  # noqa: D102
        return scalar_key(value, sampling_intervals(spec))

    def check_expected(self, value: Any, text: str) -> Expected:  # noqa: D102
        if not is_scalar(value) or value.free_symbols:
            raise InputError(f"expected answer {text!r} is not a single number")
        return value

    def outcome(  # noqa: D102
        self, spec: AnswerSpec, expected: Any, reading: Reading, *, decide_only: bool
    ) -> Outcome:
        return compare_numbers(
            expected,
            reading.value,
            allowance=reading.allowance,
            rtol=spec.rtol,
            atol=spec.atol,
            decide_only=decide_only,
        )


class ExpressionKind(AnswerKind):
    """A formula in the declared variables, compared as a function."""

    name = "expression"

    def describe_form(self, spec: AnswerSpec) -> str:  # noqa: D102
        names = variable_names(spec)
        extra = " (any antiderivative: a constant may be added)" if spec.up_to_constant else ""
        if not names:
            return f"a formula without variables, e.g. 2*cos(1){extra}"
        # The example is written in the problem's own variables, so it can be typed as it is.
        first, last = names[0], names[min(1, len(names) - 1)]
        return f"a formula in {', '.join(names)}, e.g. 2*{first}*cos({last}^2){extra}"

    def read(self, spec: AnswerSpec, text: str) -> Reading:  # noqa: D102
        parsed = parse_answer(spec, text, variable_names(spec))
        value = parsed.value
        if not is_scalar(value):
            raise unreadable(text, "expected one formula, not a list or a set")
        return Reading(
            value,
            lambda: render_scalar(value, "unicode"),
            lambda: render_scalar(value, "plain"),
            parsed.notes,
            NO_ALLOWANCE,  # decimals in a formula count at face value: 0.5x is x/2
            parsed.numbers,
        )

    def canonical(self, spec: AnswerSpec, value: Any) -> str:  # noqa: D102
        return scalar_key(value, sampling_intervals(spec), up_to_constant=spec.up_to_constant)

    def check_expected(self, value: Any, text: str) -> Expected:  # noqa: D102
        if not is_scalar(value):
            raise InputError(f"expected answer {text!r} is not a single formula")
        return value

    def outcome(  # noqa: D102
        self, spec: AnswerSpec, expected: Any, reading: Reading, *, decide_only: bool
    ) -> Outcome:
        return compare_functions(
            expected,
            reading.value,
            intervals=sampling_intervals(spec),
            rtol=spec.rtol,
            atol=spec.atol,
            up_to_constant=spec.up_to_constant,
            allow_imaginary=spec.allow_imaginary,
            decimals=any(getattr(n, "is_decimal", False) for n in reading.numbers),
            decide_only=decide_only,
        )

    def matches(self, spec: AnswerSpec, value: Any, reading: Reading) -> bool:  # noqa: D102
        if not spec.up_to_constant:
            quick = quick_match(
                value,
                reading.value,
                intervals=sampling_intervals(spec),
                rtol=spec.rtol,
                atol=spec.atol,
                allow_imaginary=spec.allow_imaginary,
            )
            if quick is not None:
                return quick
        return self.decide(spec, value, reading) is True
