"""The array kinds: ``vector`` and ``matrix`` (entry by entry) and ``direction`` (parallel).

Entries are compared with the scalar rule; a typed decimal in an entry gets that decimal's own
rounding allowance. Whole-array near misses (a sign flip, a constant factor, a transpose) are
named when the entries alone do not explain the difference.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import mpmath

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
from mathdrill.answers.display import as_rows, as_vector, display_value, shape_words
from mathdrill.answers.evaluation import MpNumber, Undefined, evaluate, realify
from mathdrill.answers.numeric import (
    EXACT_EPS,
    MIN_FIGURES,
    NO_ALLOWANCE,
    NUMBER_DPS,
    Allowance,
    Outcome,
    allowance_from,
    entry_allowance,
    vector_allowances,
)
from mathdrill.answers.scalars import compare_scalar
from mathdrill.answers.verdict import AnswerSpec
from mathdrill.errors import InputError
from mathdrill.mathlang import Parsed, Sequence

#: Up to this many wrong entries are named one by one; more are counted.
NAMED_ENTRIES = 4


def entries_outcome(
    spec: AnswerSpec,
    expected: list[Any],
    answer: list[Any],
    numbers: tuple[Any, ...],
    label: Callable[[int], str],
    decide_only: bool = False,
) -> Outcome:
    """Compare entries pairwise; any wrong entry decides, and the reason names every one.

    ``label`` gives an entry's position ("2", "(1, 2)"). With ``decide_only`` the first wrong
    entry ends the comparison (only ``equal`` is wanted).
    """
    undecided: Outcome | None = None
    wrong: list[tuple[str, Outcome]] = []
    for index, (e, a) in enumerate(zip(expected, answer, strict=True)):
        outcome = compare_scalar(spec, e, a, entry_allowance(numbers, a), decide_only=decide_only)
        if outcome.equal is False:
            wrong.append((label(index), outcome))
            if decide_only:
                break
        if outcome.equal is None:
            undecided = undecided or Outcome(None, f"entry {label(index)}: {outcome.reason}")
    if wrong:
        near = next(
            (o.near_miss for _, o in wrong if o.near_miss and "significant" in o.near_miss), None
        )
        return Outcome(False, _wrong_entries_reason(wrong, len(expected)), near)
    if undecided is not None:
        return undecided
    return Outcome(True, "equal to the reference, entry by entry")


def _wrong_entries_reason(wrong: list[tuple[str, Outcome]], total: int) -> str:
    """The reason: "entry 2 is wrong: …", "entries 1 and 3 are wrong: …" or "5 of 6 …"."""
    first_label, first = wrong[0]
    if len(wrong) == 1:
        return f"entry {first_label} is wrong: {first.reason}"
    if len(wrong) > NAMED_ENTRIES:
        return f"{len(wrong)} of {total} entries are wrong, the first {first_label}: {first.reason}"
    labels = [position for position, _ in wrong]
    named = ", ".join(labels[:-1]) + f" and {labels[-1]}"
    if len({o.reason for _, o in wrong}) == 1:
        return f"entries {named} are wrong: {first.reason}"
    each = "; ".join(f"entry {position}: {o.reason}" for position, o in wrong)
    return f"entries {named} are wrong — {each}"


def _structure_near_miss(expected: list[Any], answer: list[Any]) -> str | None:
    """Sign flip or constant factor over all entries of a numeric vector/matrix."""
    try:
        a = numeric_vector(expected)
        b = numeric_vector(answer)
    except (Undefined, AttributeError, TypeError):
        return None
    if all(abs(x + y) <= EXACT_EPS * max(1, abs(x)) for x, y in zip(a, b, strict=True)) and any(a):
        return "off by a sign"
    pivot = max(range(len(a)), key=lambda i: abs(a[i])) if a else None
    if pivot is not None and a[pivot] and b[pivot]:
        ratio = b[pivot] / a[pivot]
        if all(
            abs(y - ratio * x) <= mpmath.mpf("1e-30") * max(1, abs(y))
            for x, y in zip(a, b, strict=True)
        ):
            return "off by a constant factor"
    return None


def numeric_vector(values: list[Any]) -> list[MpNumber]:
    """The values of constant entries at :data:`NUMBER_DPS` digits (Undefined when not finite)."""
    return [realify(evaluate(v, {}, NUMBER_DPS), NUMBER_DPS) for v in values]


def vector_norm(values: Iterable[Any]) -> mpmath.mpf:
    """The Euclidean norm of evaluated entries."""
    return mpmath.sqrt(sum(abs(v) ** 2 for v in values))


def too_few_figures(allowance: Allowance) -> Outcome:
    """Wrong, with the near miss "give at least 3 significant figures"."""
    return Outcome(
        False,
        f"{allowance.example} has only {allowance.figures} significant figure"
        f"{'s' if allowance.figures != 1 else ''}; give at least {MIN_FIGURES} or exact values",
        f"give at least {MIN_FIGURES} significant figures",
    )


def entries_key(spec: AnswerSpec, entries: Iterable[Any]) -> str:
    """The canonical text of a list of scalar entries (see :mod:`mathdrill.answers.canonical`)."""
    intervals = sampling_intervals(spec)
    return "[" + ", ".join(scalar_key(entry, intervals) for entry in entries) + "]"


def read_structured(spec: AnswerSpec, text: str, *, imaginary: bool = False) -> Parsed:
    """Read a structured answer (vector, matrix, set) with the spec's variables declared."""
    return parse_answer(spec, text, variable_names(spec), imaginary=imaginary)


def structured_reading(parsed: Parsed, value: Any) -> Reading:
    """The reading of a structured answer, each entry's decimals shown as typed."""
    numbers = parsed.numbers
    return Reading(
        value,
        lambda: display_value(value, numbers, "unicode"),
        lambda: display_value(value, numbers, "plain"),
        parsed.notes,
        allowance_from(numbers, single=False, entries=True),
        numbers,
    )


class VectorKind(AnswerKind):
    """A vector: same length, entries equal; rows and columns count as the same."""

    name = "vector"
    complex_values = True

    def describe_form(self, spec: AnswerSpec) -> str:  # noqa: D102
        size = as_vector(spec.expected)
        count = f" of {len(size)} entries" if size is not None else ""
        return f"a vector{count} such as [1, 2] or (1, 2)"

    def read(self, spec: AnswerSpec, text: str) -> Reading:  # noqa: D102
        parsed = read_structured(spec, text, imaginary=self.complex_values)
        if as_rows(parsed.value) is None:
            raise unreadable(text, "expected a vector such as [1, 2]")
        return structured_reading(parsed, parsed.value)

    def canonical(self, spec: AnswerSpec, value: Any) -> str:  # noqa: D102
        entries = as_vector(value)
        return self.render(spec, value, "plain") if entries is None else entries_key(spec, entries)

    def check_expected(self, value: Any, text: str) -> Expected:  # noqa: D102
        if as_vector(value) is None:
            raise InputError(f"expected answer {text!r} is not a vector")
        return value

    def outcome(  # noqa: D102
        self, spec: AnswerSpec, expected: Any, reading: Reading, *, decide_only: bool
    ) -> Outcome:
        e = as_vector(expected)
        a = as_vector(reading.value)
        if e is None:
            return Outcome(None, "the reference is not a vector — report this template")
        if a is None:
            return Outcome(
                False,
                f"expected a vector of length {len(e)}, got {shape_words(as_rows(reading.value))}",
            )
        if len(a) != len(e):
            return Outcome(False, f"expected a vector of length {len(e)}, got length {len(a)}")
        outcome = entries_outcome(spec, e, a, reading.numbers, lambda i: str(i + 1), decide_only)
        if outcome.equal is False and outcome.near_miss is None and not decide_only:
            return Outcome(False, outcome.reason, _structure_near_miss(e, a))
        return outcome


class MatrixKind(AnswerKind):
    """A matrix: same shape, entries equal."""

    name = "matrix"
    complex_values = False

    def describe_form(self, spec: AnswerSpec) -> str:  # noqa: D102
        rows = as_rows(spec.expected)
        size = f"a {len(rows)}×{len(rows[0])} matrix" if rows else "a matrix"
        return f"{size} as rows, e.g. [[1, 2], [3, 4]]"

    def read(self, spec: AnswerSpec, text: str) -> Reading:  # noqa: D102
        parsed = read_structured(spec, text, imaginary=self.complex_values)
        value = parsed.value
        if as_rows(value) is None:
            lengths = [
                len(item.items) if isinstance(item, Sequence) else 1
                for item in getattr(value, "items", ())
            ]
            if len(set(lengths)) > 1:
                raise unreadable(
                    text,
                    "the rows have different lengths ("
                    + ", ".join(str(n) for n in lengths)
                    + "); every row needs the same number of entries",
                )
            raise unreadable(text, "expected a matrix as rows, e.g. [[1, 2], [3, 4]]")
        return structured_reading(parsed, value)

    def canonical(self, spec: AnswerSpec, value: Any) -> str:  # noqa: D102
        rows = as_rows(value)
        if rows is None:
            return self.render(spec, value, "plain")
        return "[" + ", ".join(entries_key(spec, row) for row in rows) + "]"

    def check_expected(self, value: Any, text: str) -> Expected:  # noqa: D102
        if as_rows(value) is None:
            raise InputError(f"expected answer {text!r} is not a matrix")
        return value

    def outcome(  # noqa: D102
        self, spec: AnswerSpec, expected: Any, reading: Reading, *, decide_only: bool
    ) -> Outcome:
        e = as_rows(expected)
        a = as_rows(reading.value)
        if e is None:
            return Outcome(None, "the reference is not a matrix — report this template")
        if a is None:
            return Outcome(False, f"expected {shape_words(e)}, got something that is not a matrix")
        # A flat list typed for a one-column reference is that column.
        if len(a) == 1 and len(e) > 1 and all(len(r) == 1 for r in e) and len(a[0]) == len(e):
            a = [[v] for v in a[0]]
        if (len(a), len(a[0])) != (len(e), len(e[0])):
            transposed = (len(a), len(a[0])) == (len(e[0]), len(e))
            return Outcome(
                False,
                f"expected {shape_words(e)}, got {shape_words(a)}",
                "transposed shape" if transposed else None,
            )
        flat_e = [v for row in e for v in row]
        flat_a = [v for row in a for v in row]
        cols = len(e[0])
        outcome = entries_outcome(
            spec,
            flat_e,
            flat_a,
            reading.numbers,
            lambda i: f"({i // cols + 1}, {i % cols + 1})",
            decide_only,
        )
        if outcome.equal is False and outcome.near_miss is None and not decide_only:
            near = _structure_near_miss(flat_e, flat_a)
            if near is None and len(e) == len(e[0]):
                flipped = [a[j][i] for i in range(len(a)) for j in range(len(a))]
                check = entries_outcome(
                    spec, flat_e, flipped, reading.numbers, str, decide_only=True
                )
                if check.equal:
                    near = "transposed"
            return Outcome(False, outcome.reason, near)
        return outcome


def _half_units(
    entries: list[Any], values: list[Any], numbers: tuple[Any, ...], *, coarse: bool
) -> list[Any]:
    """How far each entry may be from the exact multiple: half a unit of its last digit.

    A correctly rounded decimal is within half a unit of its last digit of the value it rounds
    (0.707 for 0.70710…). An entry typed exactly (an integer, ``sqrt(2)/2``) may not move at
    all; a compound entry (``0.707*sqrt(2)``) may move by half the relative unit of its
    decimals. Without ``coarse`` a decimal of fewer than 3 significant figures counts at face
    value (0.5 is exactly 1/2); with it, it is allowed its rounding too (to name the near miss
    "give at least 3 significant figures").

    Args:
        entries: The answer's entries (sympy), to find the decimals typed for each.
        values: The same entries evaluated (mpmath).
        numbers: The answer's typed number literals.
        coarse: Allow decimals of fewer than 3 significant figures their rounding too.
    """
    units = []
    for entry, value in zip(entries, values, strict=True):
        allowance = entry_allowance(numbers, entry)
        if not allowance.any or (not coarse and (allowance.figures or 0) < MIN_FIGURES):
            units.append(mpmath.mpf(0))
        elif allowance.absolute is not None:
            units.append(allowance.absolute / 2)
        else:
            units.append(allowance.relative * abs(value) / 2)
    return units


def _common_multiple(ev: list[Any], av: list[Any], units: list[Any]) -> bool:
    """True when some nonzero c puts every ``av[i]`` within ``units[i]`` of ``c·ev[i]``.

    Real entries: the scales each entry allows form an interval, and the answer is parallel when
    the intervals meet. Complex entries: the scale is read off the reference's largest entry and
    the others must follow it within their units and the pivot's.
    """
    slack = EXACT_EPS
    if any(isinstance(v, mpmath.mpc) for v in ev + av):
        pivot = max(range(len(ev)), key=lambda i: abs(ev[i]))
        scale = av[pivot] / ev[pivot]
        if abs(scale) == 0:
            return False
        return all(
            abs(a - scale * e)
            <= u + units[pivot] * abs(e) / abs(ev[pivot]) + slack * max(1, abs(a))
            for e, a, u in zip(ev, av, units, strict=True)
        )
    low, high = -mpmath.inf, mpmath.inf
    for e, a, u in zip(ev, av, units, strict=True):
        if e == 0:
            if abs(a) > u + slack:
                return False
            continue
        ends = sorted(((a - u) / e, (a + u) / e))
        low, high = max(low, ends[0]), min(high, ends[1])
    if low > high + slack * max(1, abs(low), abs(high)):
        return False
    return not (low == high == 0)


class DirectionKind(VectorKind):
    """A nonzero vector parallel to the reference: any nonzero scale, including negative."""

    name = "direction"

    def describe_form(self, spec: AnswerSpec) -> str:  # noqa: D102
        return "any nonzero vector in that direction, e.g. [1, 2] (any nonzero multiple counts)"

    def canonical(self, spec: AnswerSpec, value: Any) -> str:
        """The direction scaled so that its first nonzero entry is 1 (sign and scale gone)."""
        entries = as_vector(value)
        if entries is None:
            return self.render(spec, value, "plain")
        pivot = next((entry for entry in entries if entry != 0), None)
        if pivot is None:
            return entries_key(spec, entries)
        return entries_key(spec, [entry / pivot for entry in entries])

    def outcome(  # noqa: D102
        self, spec: AnswerSpec, expected: Any, reading: Reading, *, decide_only: bool
    ) -> Outcome:
        e = as_vector(expected)
        a = as_vector(reading.value)
        if e is None:
            return Outcome(None, "the reference is not a vector — report this template")
        if a is None or len(a) != len(e):
            return Outcome(False, f"expected a vector of length {len(e)}")
        if any(v.free_symbols for v in e + a):
            return self._symbolic(spec, e, a)
        try:
            ev, av = numeric_vector(e), numeric_vector(a)
        except Undefined:
            return Outcome(False, "an entry of your vector has no finite value")
        if vector_norm(av) <= EXACT_EPS:
            return Outcome(False, "the zero vector has no direction — give a nonzero vector")
        if vector_norm(ev) <= EXACT_EPS:
            return Outcome(None, "the reference is the zero vector — report this template")
        numbers = reading.numbers
        with mpmath.workdps(NUMBER_DPS):
            if _common_multiple(ev, av, _half_units(a, av, numbers, coarse=False)):
                return Outcome(True, "parallel to the reference")
            coarse = _half_units(a, av, numbers, coarse=True)
            if any(coarse) and _common_multiple(ev, av, coarse):
                _, loose = vector_allowances(numbers)
                return too_few_figures(loose)
        return Outcome(False, "not parallel to the reference")

    @staticmethod
    def _symbolic(spec: AnswerSpec, e: list[Any], a: list[Any]) -> Outcome:
        if all(v == 0 for v in a):
            return Outcome(False, "the zero vector has no direction — give a nonzero vector")
        # Parallel iff every 2×2 minor of [e a] vanishes: e_i a_j = e_j a_i as functions.
        for i in range(len(e)):
            for j in range(i + 1, len(e)):
                outcome = compare_scalar(
                    spec, e[i] * a[j], e[j] * a[i], NO_ALLOWANCE, decide_only=True
                )
                if outcome.equal is not True:
                    return Outcome(
                        outcome.equal if outcome.equal is None else False,
                        "not parallel to the reference",
                    )
        return Outcome(True, "parallel to the reference")
