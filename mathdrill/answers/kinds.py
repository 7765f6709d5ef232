"""The answer kinds of DESIGN.md ("Answer kinds"), the registry :data:`KINDS`, and :func:`judge`.

Each kind reads a learner's text into a value (:meth:`AnswerKind.read`), compares it with a
reference (:meth:`AnswerKind.compare`, also used for authored mistakes), and renders values
(:meth:`AnswerKind.render`). Learner text is read only with ``mathdrill.mathlang.parse`` (or the
small readers of :mod:`mathdrill.answers.forms`): never ``eval``/``sympify``.

:func:`judge` is pure and has no time cap; :class:`mathdrill.answers.worker.Judge` runs it in a
killable worker process under a cap.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import mpmath
import sympy
from sympy.matrices import MatrixBase

from mathdrill.answers.forms import (
    NEG_INF,
    POS_INF,
    IntervalValue,
    Piece,
    ShapeValue,
    letter_index,
    normalize_words,
    read_boolean,
    read_choice,
    read_interval,
    read_shape,
    split_pairs,
)
from mathdrill.answers.numeric import (
    EXACT_EPS,
    MIN_FIGURES,
    NO_ALLOWANCE,
    NUMBER_DPS,
    Allowance,
    Outcome,
    Undefined,
    allowance_from,
    compare_functions,
    compare_numbers,
    entry_allowance,
    evaluate,
    quick_match,
    realify,
    vector_allowances,
)
from mathdrill.answers.verdict import DEFAULT_INTERVAL, AnswerSpec, Verdict
from mathdrill.errors import InputError, MathSyntaxError, UsageError
from mathdrill.mathlang.values import Parsed, SetLiteral
from mathdrill.mathlang.values import Sequence as MathSequence

STYLES = ("unicode", "plain", "latex", "pretty")
UNDECIDED_REASON = "could not decide — simplify your answer"


class Reading:
    """A learner's answer as a kind read it.

    The two renderings may be given as functions: they are then rendered on first use (a
    verdict that does not show them, ``judge(..., explain=False)``, never pays for sympy's
    printers).

    Attributes:
        value: The kind's value (sympy expression, rows, pairs, ShapeValue …).
        read_as: One-line unicode rendering of what was read.
        read_as_plain: Plain ASCII rendering.
        notes: Notes from the parser on ambiguous spellings.
        allowance: Decimal rounding allowance from the typed literals (scalar kinds).
        numbers: The typed number literals (structured kinds derive per-entry allowances).
    """

    __slots__ = ("_read_as", "_read_as_plain", "allowance", "notes", "numbers", "value")

    def __init__(
        self,
        value: Any,
        read_as: str | Callable[[], str],
        read_as_plain: str | Callable[[], str],
        notes: tuple[str, ...] = (),
        allowance: Allowance = NO_ALLOWANCE,
        numbers: tuple[Any, ...] = (),
    ) -> None:
        self.value = value
        self._read_as = read_as
        self._read_as_plain = read_as_plain
        self.notes = notes
        self.allowance = allowance
        self.numbers = numbers

    @property
    def read_as(self) -> str:
        """One-line unicode rendering of what was read."""
        if not isinstance(self._read_as, str):
            self._read_as = self._read_as()
        return self._read_as

    @property
    def read_as_plain(self) -> str:
        """Plain ASCII rendering of what was read."""
        if not isinstance(self._read_as_plain, str):
            self._read_as_plain = self._read_as_plain()
        return self._read_as_plain

    def _fields(self) -> tuple[Any, ...]:
        return (
            self.value,
            self.read_as,
            self.read_as_plain,
            self.notes,
            self.allowance,
            self.numbers,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Reading):
            return NotImplemented
        return self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]  # equal by content, and the value may be a list

    def __repr__(self) -> str:
        return f"Reading(value={self.value!r}, read_as={self.read_as!r})"


# ---------------------------------------------------------------------------------------------
# Helpers shared by the kinds
# ---------------------------------------------------------------------------------------------


def _mathlang() -> Any:
    """Import the math language lazily (it pulls in sympy; the CLI imports this layer late)."""
    import mathdrill.mathlang as mathlang

    return mathlang


def variable_names(spec: AnswerSpec) -> tuple[str, ...]:
    """Return the symbol names a learner may use: declared variables plus the reference's.

    Args:
        spec: The answer spec.

    Returns:
        Sorted names.
    """
    names = set(spec.variables)
    names |= _free_names(spec.expected)
    return tuple(sorted(names))


def _free_names(value: Any) -> set[str]:
    if isinstance(value, sympy.Basic):
        return {s.name for s in value.free_symbols if isinstance(s, sympy.Symbol)}
    if isinstance(value, MathSequence | SetLiteral):
        names: set[str] = set()
        for item in value.items:
            names |= _free_names(item)
        return names
    if isinstance(value, list | tuple):
        names = set()
        for item in value:
            names |= _free_names(item)
        return names
    return set()


def _intervals(spec: AnswerSpec) -> dict[str, tuple[float, float]]:
    intervals = {name: DEFAULT_INTERVAL for name in variable_names(spec)}
    intervals.update({k: (float(v[0]), float(v[1])) for k, v in spec.variables.items()})
    return intervals


def _parse(spec: AnswerSpec, text: str, symbols: tuple[str, ...]) -> Parsed:
    return _mathlang().parse(text, symbols=symbols, allow_imaginary=spec.allow_imaginary)


def is_scalar(value: Any) -> bool:
    """Return True for a sympy scalar expression (not a matrix, set, boolean or container)."""
    return isinstance(value, sympy.Expr) and not isinstance(value, MatrixBase)


def _whole(text: str, message: str) -> MathSyntaxError:
    return MathSyntaxError(message, text, 0, max(1, len(text)))


def display_scalar(value: Any, numbers: tuple[Any, ...], style: str) -> str:
    """Render a learner's scalar, showing a typed decimal as typed (0.333, not 333/1000).

    Args:
        value: The sympy value read.
        numbers: The number literals typed in the answer.
        style: ``unicode`` or ``plain`` (``latex``/``pretty`` fall back to :func:`render_scalar`).

    Returns:
        The text.
    """
    if isinstance(value, sympy.Rational) and style in ("unicode", "plain"):
        for literal in numbers:
            if getattr(literal, "is_decimal", False) and literal.value == abs(value):
                sign = ("−" if style == "unicode" else "-") if value < 0 else ""
                return sign + literal.text
    return render_scalar(value, style)


def display_value(value: Any, numbers: tuple[Any, ...], style: str) -> str:
    """Like :func:`render_value` for a learner's value, with decimals shown as typed."""
    if not numbers:
        return render_value(value, style)
    if is_scalar(value):
        return display_scalar(value, numbers, style)
    if isinstance(value, MathSequence):
        rows = as_rows(value)
        if (
            rows is not None
            and len(rows) > 1
            and all(isinstance(i, MathSequence) for i in value.items)
        ):
            inner = ", ".join(
                "[" + ", ".join(display_scalar(v, numbers, style) for v in row) + "]"
                for row in rows
            )
            return f"[{inner}]"
        open_, close = ("(", ")") if value.bracket == "(" else ("[", "]")
        return open_ + ", ".join(display_value(v, numbers, style) for v in value.items) + close
    if isinstance(value, SetLiteral):
        return "{" + ", ".join(display_value(v, numbers, style) for v in value.items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(display_value(v, numbers, style) for v in value) + "]"
    return render_value(value, style)


def render_scalar(value: Any, style: str) -> str:
    """Render one sympy scalar in ``style`` with the math language's renderers.

    Args:
        value: A sympy expression.
        style: ``unicode``, ``plain``, ``latex`` or ``pretty``.

    Returns:
        The text.
    """
    mathlang = _mathlang()
    renderer = {
        "unicode": mathlang.to_unicode,
        "plain": mathlang.to_plain,
        "latex": mathlang.to_latex,
        "pretty": mathlang.to_pretty,
    }[style]
    return renderer(value)


def _render_list(items: list[Any], style: str, open_: str = "[", close: str = "]") -> str:
    inner_style = "unicode" if style == "pretty" else style
    parts = [render_value(item, inner_style) for item in items]
    if style == "latex":
        if open_ == "{":
            return r"\{" + ", ".join(parts) + r"\}"
        return r"\left" + open_ + ", ".join(parts) + r"\right" + close
    return open_ + ", ".join(parts) + close


def render_rows(rows: list[list[Any]], style: str) -> str:
    """Render a matrix given as rows.

    Args:
        rows: Lists of sympy scalars.
        style: A style name.

    Returns:
        ``[[1, 2], [3, 4]]`` (plain/unicode), a ``bmatrix`` (latex) or aligned rows (pretty).
    """
    if style == "latex":
        body = r" \\ ".join(" & ".join(render_scalar(v, "latex") for v in row) for row in rows)
        return r"\begin{bmatrix}" + body + r"\end{bmatrix}"
    if style == "pretty":
        cells = [[render_scalar(v, "unicode") for v in row] for row in rows]
        widths = [max(len(row[j]) for row in cells) for j in range(len(cells[0]))] if cells else []
        lines = []
        for i, row in enumerate(cells):
            left, right = ("[", "]") if len(cells) == 1 else _bracket_pair(i, len(cells))
            lines.append(
                left + "  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) + right
            )
        return "\n".join(lines)
    return (
        "["
        + ", ".join("[" + ", ".join(render_value(v, style) for v in row) + "]" for row in rows)
        + "]"
    )


def _bracket_pair(index: int, count: int) -> tuple[str, str]:
    if index == 0:
        return "⎡", "⎤"
    if index == count - 1:
        return "⎣", "⎦"
    return "⎢", "⎥"


def render_value(value: Any, style: str) -> str:
    """Render any value a kind uses: scalars, sequences, sets, matrices, booleans.

    Args:
        value: The value.
        style: ``unicode``, ``plain``, ``latex`` or ``pretty``.

    Returns:
        The text.
    """
    if isinstance(value, MatrixBase):
        return render_rows(value.tolist(), style)
    if isinstance(value, MathSequence):
        rows = as_rows(value)
        if (
            rows is not None
            and len(rows) > 1
            and all(isinstance(i, MathSequence) for i in value.items)
        ):
            return render_rows(rows, style)
        open_, close = ("(", ")") if value.bracket == "(" else ("[", "]")
        return _render_list(list(value.items), style, open_, close)
    if isinstance(value, SetLiteral):
        return _render_list(list(value.items), style, "{", "}")
    if isinstance(value, list | tuple):
        return _render_list(list(value), style)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if is_scalar(value):
        return render_scalar(value, style)
    if isinstance(value, sympy.Basic):
        return render_scalar(value, style)
    return str(value)


def as_rows(value: Any) -> list[list[Any]] | None:
    """Return a matrix-like value as rows of scalars; None when it is not matrix-like.

    A flat sequence is one row; a scalar is a 1×1 matrix; ragged rows give None.

    Args:
        value: A sympy Matrix, a (nested) ``Sequence``, or a scalar.

    Returns:
        The rows, or None.
    """
    if isinstance(value, MatrixBase):
        return [list(row) for row in value.tolist()]
    if is_scalar(value):
        return [[value]]
    if isinstance(value, MathSequence | list | tuple):
        items = list(value.items if isinstance(value, MathSequence) else value)
        if not items:
            return None
        if all(isinstance(i, MathSequence | list | tuple | MatrixBase) for i in items):
            rows = []
            for item in items:
                inner = as_rows(item)
                if inner is None:
                    return None
                if len(inner) == 1:
                    rows.append(inner[0])
                elif all(len(r) == 1 for r in inner):
                    rows.append([r[0] for r in inner])
                else:
                    return None
            if any(len(r) != len(rows[0]) for r in rows) or not all(
                is_scalar(v) for r in rows for v in r
            ):
                return None
            return rows
        if all(is_scalar(i) for i in items):
            return [items]
    return None


def as_vector(value: Any) -> list[Any] | None:
    """Return a row or column vector as a flat list of scalars; None for anything else."""
    rows = as_rows(value)
    if rows is None:
        return None
    if len(rows) == 1:
        return rows[0]
    if all(len(r) == 1 for r in rows):
        return [r[0] for r in rows]
    return None


def _shape_words(rows: list[list[Any]] | None) -> str:
    if rows is None:
        return "something that is not a matrix"
    return f"a {len(rows)}×{len(rows[0])} matrix"


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
        intervals=_intervals(spec),
        rtol=spec.rtol,
        atol=spec.atol,
        up_to_constant=spec.up_to_constant,
        allow_imaginary=spec.allow_imaginary,
        decide_only=decide_only,
    )


def _entries_outcome(
    spec: AnswerSpec,
    expected: list[Any],
    answer: list[Any],
    numbers: tuple[Any, ...],
    label: Callable[[int], str],
    decide_only: bool = False,
) -> Outcome:
    """Compare entries pairwise; the first wrong entry decides."""
    undecided: Outcome | None = None
    near_misses: set[str | None] = set()
    for index, (e, a) in enumerate(zip(expected, answer, strict=True)):
        outcome = compare_scalar(spec, e, a, entry_allowance(numbers, a), decide_only=decide_only)
        if outcome.equal is False:
            near = (
                outcome.near_miss
                if outcome.near_miss and "significant" in outcome.near_miss
                else None
            )
            return Outcome(False, f"{label(index)} is wrong: {outcome.reason}", near)
        if outcome.equal is None:
            undecided = undecided or Outcome(None, f"{label(index)}: {outcome.reason}")
        near_misses.add(outcome.near_miss)
    if undecided is not None:
        return undecided
    return Outcome(True, "equal to the reference, entry by entry")


def _structure_near_miss(spec: AnswerSpec, expected: list[Any], answer: list[Any]) -> str | None:
    """Sign flip or constant factor over all entries of a numeric vector/matrix."""
    try:
        a = [realify(evaluate(v, {}, NUMBER_DPS), NUMBER_DPS) for v in expected]
        b = [realify(evaluate(v, {}, NUMBER_DPS), NUMBER_DPS) for v in answer]
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


# ---------------------------------------------------------------------------------------------
# Kinds
# ---------------------------------------------------------------------------------------------


class AnswerKind:
    """Base class of the answer kinds; subclasses set :attr:`name` and override the hooks."""

    name: ClassVar[str] = ""

    def describe_form(self, spec: AnswerSpec) -> str:
        """Return what the learner should type, in words.

        Args:
            spec: The answer spec.

        Returns:
            A phrase such as "an exact number such as 1/3 or sqrt(2)/2, or a decimal …".
        """
        raise NotImplementedError

    def read(self, spec: AnswerSpec, text: str) -> Reading:
        """Read the learner's text.

        Args:
            spec: The answer spec.
            text: The learner's text (non-blank).

        Returns:
            The reading.

        Raises:
            MathSyntaxError: When the text cannot be read (the learner may retype).
        """
        raise NotImplementedError

    def compare(self, spec: AnswerSpec, expected: Any, reading: Reading) -> Outcome:
        """Compare a reading with a reference (or an authored mistake) value.

        Args:
            spec: The answer spec.
            expected: The reference or mistake value.
            reading: The learner's reading.

        Returns:
            The outcome.
        """
        raise NotImplementedError

    def decide(self, spec: AnswerSpec, expected: Any, reading: Reading) -> bool | None:
        """Decide only whether a reading equals a value: :meth:`compare`'s ``equal``.

        Kinds override it to skip what only the explanation needs (the worst test point, near
        misses); the decision itself never differs from :meth:`compare`'s.

        Args:
            spec: The answer spec.
            expected: The reference or mistake value.
            reading: The learner's reading.

        Returns:
            True (equal), False (not equal) or None (could not decide).
        """
        return self.compare(spec, expected, reading).equal

    def matches(self, spec: AnswerSpec, value: Any, reading: Reading) -> bool:
        """Return True when a reading equals an authored mistake's value (:meth:`decide` is True).

        Kinds may first look for a quick proof of "not equal" that :meth:`decide` could not
        use for a reference (it must tell "not equal" from "could not decide"); the answer is
        never True where :meth:`decide` would not be.

        Args:
            spec: The answer spec.
            value: The mistake's value.
            reading: The learner's reading.

        Returns:
            Whether the reading is that mistake.
        """
        return self.decide(spec, value, reading) is True

    def parse_expected(self, text: str, variables: Mapping[str, tuple[float, float]]) -> Any:
        """Read an author's reference text with the author function table.

        Args:
            text: The author's text.
            variables: Declared variables.

        Returns:
            The reference value.

        Raises:
            MathSyntaxError: When the text cannot be read.
            InputError: When it does not fit the kind.
        """
        parsed = _mathlang().parse_author(text, symbols=tuple(variables))
        return self.check_expected(parsed.value, text)

    def check_expected(self, value: Any, text: str) -> Any:
        """Check that an author's value fits the kind and return it (normalised).

        Args:
            value: The value read from ``text``.
            text: The author's text, for messages.

        Returns:
            The value to store as ``AnswerSpec.expected``.

        Raises:
            InputError: When the value does not fit the kind.
        """
        return value

    def render(self, value: Any, style: str) -> str:
        """Render a reference value.

        Args:
            value: The reference.
            style: ``unicode``, ``plain``, ``latex`` or ``pretty``.

        Returns:
            The text.
        """
        return render_value(value, style)


class NumberKind(AnswerKind):
    """A single number: exact forms compared exactly, decimals by the rounding rule."""

    name = "number"

    def describe_form(self, spec: AnswerSpec) -> str:  # noqa: D102
        if spec.rtol is not None or spec.atol is not None:
            return "a number (exact such as 1/3 or sqrt(2)/2, or a decimal)"
        return (
            "an exact number such as 1/3 or sqrt(2)/2, or a decimal with at least"
            f" {MIN_FIGURES} significant figures (0.333, 33.3%, 2e-3)"
        )

    def read(self, spec: AnswerSpec, text: str) -> Reading:  # noqa: D102
        parsed = _parse(spec, text, ())
        value = parsed.value
        if not is_scalar(value):
            raise _whole(text, "expected one number, not a list or a set")
        if value.free_symbols:
            raise _whole(text, "expected a number, not a formula")
        numbers = tuple(parsed.numbers)
        return Reading(
            value,
            lambda: display_scalar(value, numbers, "unicode"),
            lambda: display_scalar(value, numbers, "plain"),
            tuple(parsed.notes),
            allowance_from(parsed.numbers, single=parsed.single_number),
        )

    def check_expected(self, value: Any, text: str) -> Any:  # noqa: D102
        if not is_scalar(value) or value.free_symbols:
            raise InputError(f"expected answer {text!r} is not a single number")
        return value

    def compare(self, spec: AnswerSpec, expected: Any, reading: Reading) -> Outcome:  # noqa: D102
        return compare_numbers(
            expected, reading.value, allowance=reading.allowance, rtol=spec.rtol, atol=spec.atol
        )

    def decide(self, spec: AnswerSpec, expected: Any, reading: Reading) -> bool | None:  # noqa: D102
        return compare_numbers(
            expected,
            reading.value,
            allowance=reading.allowance,
            rtol=spec.rtol,
            atol=spec.atol,
            decide_only=True,
        ).equal


class ExpressionKind(AnswerKind):
    """A formula in the declared variables, compared as a function."""

    name = "expression"

    def describe_form(self, spec: AnswerSpec) -> str:  # noqa: D102
        names = ", ".join(variable_names(spec)) or "no variables"
        extra = " (any antiderivative: a constant may be added)" if spec.up_to_constant else ""
        return f"a formula in {names}, e.g. 2*x*cos(x^2){extra}"

    def read(self, spec: AnswerSpec, text: str) -> Reading:  # noqa: D102
        parsed = _parse(spec, text, variable_names(spec))
        value = parsed.value
        if not is_scalar(value):
            raise _whole(text, "expected one formula, not a list or a set")
        return Reading(
            value,
            lambda: render_scalar(value, "unicode"),
            lambda: render_scalar(value, "plain"),
            tuple(parsed.notes),
            NO_ALLOWANCE,  # decimals in a formula count at face value: 0.5x is x/2
            tuple(parsed.numbers),
        )

    def check_expected(self, value: Any, text: str) -> Any:  # noqa: D102
        if not is_scalar(value):
            raise InputError(f"expected answer {text!r} is not a single formula")
        return value

    def compare(self, spec: AnswerSpec, expected: Any, reading: Reading) -> Outcome:  # noqa: D102
        return self._compare(spec, expected, reading, decide_only=False)

    def decide(self, spec: AnswerSpec, expected: Any, reading: Reading) -> bool | None:  # noqa: D102
        return self._compare(spec, expected, reading, decide_only=True).equal

    def matches(self, spec: AnswerSpec, value: Any, reading: Reading) -> bool:  # noqa: D102
        if not spec.up_to_constant:
            quick = quick_match(
                value,
                reading.value,
                intervals=_intervals(spec),
                rtol=spec.rtol,
                atol=spec.atol,
                allow_imaginary=spec.allow_imaginary,
            )
            if quick is not None:
                return quick
        return self.decide(spec, value, reading) is True

    @staticmethod
    def _compare(spec: AnswerSpec, expected: Any, reading: Reading, decide_only: bool) -> Outcome:
        return compare_functions(
            expected,
            reading.value,
            intervals=_intervals(spec),
            rtol=spec.rtol,
            atol=spec.atol,
            up_to_constant=spec.up_to_constant,
            allow_imaginary=spec.allow_imaginary,
            decimals=any(getattr(n, "is_decimal", False) for n in reading.numbers),
            decide_only=decide_only,
        )


def _read_structured(spec: AnswerSpec, text: str) -> tuple[Parsed, Any]:
    parsed = _parse(spec, text, variable_names(spec))
    return parsed, parsed.value


def _structured_reading(parsed: Parsed, value: Any) -> Reading:
    numbers = tuple(parsed.numbers)
    return Reading(
        value,
        lambda: display_value(value, numbers, "unicode"),
        lambda: display_value(value, numbers, "plain"),
        tuple(parsed.notes),
        allowance_from(parsed.numbers, single=False, entries=True),
        tuple(parsed.numbers),
    )


class VectorKind(AnswerKind):
    """A vector: same length, entries equal; rows and columns count as the same."""

    name = "vector"

    def describe_form(self, spec: AnswerSpec) -> str:  # noqa: D102
        size = as_vector(spec.expected)
        count = f" of {len(size)} entries" if size is not None else ""
        return f"a vector{count} such as [1, 2] or (1, 2)"

    def read(self, spec: AnswerSpec, text: str) -> Reading:  # noqa: D102
        parsed, value = _read_structured(spec, text)
        if as_rows(value) is None:
            raise _whole(text, "expected a vector such as [1, 2]")
        return _structured_reading(parsed, value)

    def check_expected(self, value: Any, text: str) -> Any:  # noqa: D102
        if as_vector(value) is None:
            raise InputError(f"expected answer {text!r} is not a vector")
        return value

    def compare(self, spec: AnswerSpec, expected: Any, reading: Reading) -> Outcome:  # noqa: D102
        return self._compare(spec, expected, reading, decide_only=False)

    def decide(self, spec: AnswerSpec, expected: Any, reading: Reading) -> bool | None:  # noqa: D102
        return self._compare(spec, expected, reading, decide_only=True).equal

    @staticmethod
    def _compare(spec: AnswerSpec, expected: Any, reading: Reading, decide_only: bool) -> Outcome:
        e = as_vector(expected)
        a = as_vector(reading.value)
        if e is None:
            return Outcome(None, "the reference is not a vector — report this template")
        if a is None:
            return Outcome(
                False,
                f"expected a vector of length {len(e)}, got {_shape_words(as_rows(reading.value))}",
            )
        if len(a) != len(e):
            return Outcome(False, f"expected a vector of length {len(e)}, got length {len(a)}")
        outcome = _entries_outcome(
            spec, e, a, reading.numbers, lambda i: f"entry {i + 1}", decide_only
        )
        if outcome.equal is False and outcome.near_miss is None and not decide_only:
            return Outcome(False, outcome.reason, _structure_near_miss(spec, e, a))
        return outcome


class MatrixKind(AnswerKind):
    """A matrix: same shape, entries equal."""

    name = "matrix"

    def describe_form(self, spec: AnswerSpec) -> str:  # noqa: D102
        rows = as_rows(spec.expected)
        size = f"a {len(rows)}×{len(rows[0])} matrix" if rows else "a matrix"
        return f"{size} as rows, e.g. [[1, 2], [3, 4]]"

    def read(self, spec: AnswerSpec, text: str) -> Reading:  # noqa: D102
        parsed, value = _read_structured(spec, text)
        if as_rows(value) is None:
            lengths = [
                len(item.items) if isinstance(item, MathSequence) else 1
                for item in getattr(value, "items", ())
            ]
            if len(set(lengths)) > 1:
                raise _whole(
                    text,
                    "the rows have different lengths ("
                    + ", ".join(str(n) for n in lengths)
                    + "); every row needs the same number of entries",
                )
            raise _whole(text, "expected a matrix as rows, e.g. [[1, 2], [3, 4]]")
        return _structured_reading(parsed, value)

    def check_expected(self, value: Any, text: str) -> Any:  # noqa: D102
        if as_rows(value) is None:
            raise InputError(f"expected answer {text!r} is not a matrix")
        return value

    def compare(self, spec: AnswerSpec, expected: Any, reading: Reading) -> Outcome:  # noqa: D102
        return self._compare(spec, expected, reading, decide_only=False)

    def decide(self, spec: AnswerSpec, expected: Any, reading: Reading) -> bool | None:  # noqa: D102
        return self._compare(spec, expected, reading, decide_only=True).equal

    @staticmethod
    def _compare(spec: AnswerSpec, expected: Any, reading: Reading, decide_only: bool) -> Outcome:
        e = as_rows(expected)
        a = as_rows(reading.value)
        if e is None:
            return Outcome(None, "the reference is not a matrix — report this template")
        if a is None:
            return Outcome(False, f"expected {_shape_words(e)}, got something that is not a matrix")
        # A flat list typed for a one-column reference is that column.
        if len(a) == 1 and len(e) > 1 and all(len(r) == 1 for r in e) and len(a[0]) == len(e):
            a = [[v] for v in a[0]]
        if (len(a), len(a[0])) != (len(e), len(e[0])):
            transposed = (len(a), len(a[0])) == (len(e[0]), len(e))
            return Outcome(
                False,
                f"expected {_shape_words(e)}, got {_shape_words(a)}",
                "transposed shape" if transposed else None,
            )
        flat_e = [v for row in e for v in row]
        flat_a = [v for row in a for v in row]
        cols = len(e[0])
        outcome = _entries_outcome(
            spec,
            flat_e,
            flat_a,
            reading.numbers,
            lambda i: f"entry ({i // cols + 1}, {i % cols + 1})",
            decide_only,
        )
        if outcome.equal is False and outcome.near_miss is None and not decide_only:
            near = _structure_near_miss(spec, flat_e, flat_a)
            if near is None and len(e) == len(e[0]):
                transposed = [a[j][i] for i in range(len(a)) for j in range(len(a))]
                check = _entries_outcome(
                    spec, flat_e, transposed, reading.numbers, str, decide_only=True
                )
                if check.equal:
                    near = "transposed"
            return Outcome(False, outcome.reason, near)
        return outcome


def _set_items(value: Any) -> list[Any] | None:
    if isinstance(value, SetLiteral | MathSequence):
        return list(value.items)
    if isinstance(value, sympy.FiniteSet):
        return list(value.args)
    if isinstance(value, list | tuple):
        return list(value)
    if is_scalar(value):
        return [value]
    if isinstance(value, sympy.Set) and value.is_empty:
        return []
    return None


_EMPTY_WORDS = frozenset({"{}", "∅", "empty", "empty set", "none", "[]", "()"})


def _element_equal(spec: AnswerSpec, e: Any, a: Any, numbers: tuple[Any, ...]) -> bool | None:
    if is_scalar(e) and is_scalar(a):
        # Only the decision is used: no near misses are looked for.
        return compare_scalar(spec, e, a, entry_allowance(numbers, a), decide_only=True).equal
    ev, av = as_vector(e), as_vector(a)
    if ev is None or av is None or len(ev) != len(av):
        return False
    return _entries_outcome(spec, ev, av, numbers, str, decide_only=True).equal


def _match(pairs: list[list[bool | None]], n_left: int, n_right: int) -> int:
    """Size of a maximum bipartite matching over True cells (augmenting paths; tiny inputs)."""
    owner: list[int | None] = [None] * n_right

    def augment(i: int, seen: list[bool]) -> bool:
        for j in range(n_right):
            if pairs[i][j] and not seen[j]:
                seen[j] = True
                if owner[j] is None or augment(owner[j], seen):
                    owner[j] = i
                    return True
        return False

    return sum(1 for i in range(n_left) if augment(i, [False] * n_right))


class SetKind(AnswerKind):
    """A set: the same elements in any order; repeated elements count once."""

    name = "set"
    multiset: ClassVar[bool] = False

    def describe_form(self, spec: AnswerSpec) -> str:  # noqa: D102
        extra = " (repeat an element as often as it occurs)" if self.multiset else ""
        return f"the elements in any order, e.g. {{1, 3}} or 1, 3{extra}; ∅ for none"

    def read(self, spec: AnswerSpec, text: str) -> Reading:  # noqa: D102
        if normalize_words(text) in _EMPTY_WORDS:
            return Reading([], "∅", "{}")
        parsed, value = _read_structured(spec, text)
        items = _set_items(value)
        if items is None:
            raise _whole(text, "expected elements such as {1, 3} or 1, 3")
        shown = SetLiteral(tuple(items))
        return Reading(
            items,
            display_value(shown, tuple(parsed.numbers), "unicode"),
            display_value(shown, tuple(parsed.numbers), "plain"),
            tuple(parsed.notes),
            allowance_from(parsed.numbers, single=False, entries=True),
            tuple(parsed.numbers),
        )

    def check_expected(self, value: Any, text: str) -> Any:  # noqa: D102
        if _set_items(value) is None:
            raise InputError(f"expected answer {text!r} is not a set of elements")
        return value

    def parse_expected(self, text: str, variables: Mapping[str, tuple[float, float]]) -> Any:  # noqa: D102
        if normalize_words(text) in _EMPTY_WORDS:
            return SetLiteral(())
        return super().parse_expected(text, variables)

    def render(self, value: Any, style: str) -> str:  # noqa: D102
        items = _set_items(value)
        if items is None:
            return render_value(value, style)
        if not items:
            return {"plain": "{}", "latex": r"\emptyset"}.get(style, "∅")
        return render_value(SetLiteral(tuple(items)), style)

    def compare(self, spec: AnswerSpec, expected: Any, reading: Reading) -> Outcome:  # noqa: D102
        e = _set_items(expected)
        if e is None:
            return Outcome(None, "the reference is not a set — report this template")
        a = list(reading.value)
        cells = [[_element_equal(spec, x, y, reading.numbers) for y in a] for x in e]
        if any(cell is None for row in cells for cell in row):
            return Outcome(None, UNDECIDED_REASON)
        if self.multiset:
            matched = _match(cells, len(e), len(a))
            if matched == len(e) == len(a):
                return Outcome(True, "the same elements with the same multiplicities")
            if len(a) != len(e):
                return Outcome(False, f"expected {len(e)} elements (with repeats), got {len(a)}")
            return Outcome(False, f"{len(e) - matched} of your elements do not match the reference")
        stray = [j for j in range(len(a)) if not any(cells[i][j] for i in range(len(e)))]
        missing = [i for i in range(len(e)) if not any(cells[i])]
        if not stray and not missing:
            return Outcome(True, "the same elements")
        if stray:
            shown = render_value(a[stray[0]], "unicode")
            return Outcome(False, f"{shown} is not in the reference set")
        return Outcome(
            False, f"your set is missing {len(missing)} element{'s' if len(missing) > 1 else ''}"
        )


class MultisetKind(SetKind):
    """A multiset: the same elements in any order, with multiplicity (eigenvalues, roots)."""

    name = "multiset"
    multiset = True


def _numeric_vector(values: list[Any]) -> list[Any]:
    return [realify(evaluate(v, {}, NUMBER_DPS), NUMBER_DPS) for v in values]


def _norm(values: list[Any]) -> Any:
    return mpmath.sqrt(sum(abs(v) ** 2 for v in values))


def _too_few_figures(allowance: Allowance) -> Outcome:
    return Outcome(
        False,
        f"{allowance.example} has only {allowance.figures} significant figure"
        f"{'s' if allowance.figures != 1 else ''}; give at least {MIN_FIGURES} or exact values",
        f"give at least {MIN_FIGURES} significant figures",
    )


def _decimal_tolerance(allowance: Allowance, scale: Any) -> Any:
    """Relative tolerance for parallelism/residual tests: exact → tiny, decimals → their unit."""
    if allowance.any and allowance.absolute is not None:
        return 4 * allowance.absolute / max(scale, mpmath.mpf("1e-30"))
    return mpmath.mpf("1e-30")


class DirectionKind(AnswerKind):
    """A nonzero vector parallel to the reference: any nonzero scale, including negative."""

    name = "direction"

    def describe_form(self, spec: AnswerSpec) -> str:  # noqa: D102
        return "any nonzero vector in that direction, e.g. [1, 2] (any nonzero multiple counts)"

    def read(self, spec: AnswerSpec, text: str) -> Reading:  # noqa: D102
        return VectorKind().read(spec, text)

    def check_expected(self, value: Any, text: str) -> Any:  # noqa: D102
        return VectorKind().check_expected(value, text)

    def compare(self, spec: AnswerSpec, expected: Any, reading: Reading) -> Outcome:  # noqa: D102
        e = as_vector(expected)
        a = as_vector(reading.value)
        if e is None:
            return Outcome(None, "the reference is not a vector — report this template")
        if a is None or len(a) != len(e):
            return Outcome(False, f"expected a vector of length {len(e)}")
        if any(v.free_symbols for v in e + a):
            return self._symbolic(spec, e, a, reading.allowance)
        try:
            ev, av = _numeric_vector(e), _numeric_vector(a)
        except Undefined:
            return Outcome(False, "an entry of your vector has no finite value")
        if _norm(av) <= EXACT_EPS:
            return Outcome(False, "the zero vector has no direction — give a nonzero vector")
        if _norm(ev) <= EXACT_EPS:
            return Outcome(None, "the reference is the zero vector — report this template")
        fine, coarse = vector_allowances(reading.numbers)
        with mpmath.workdps(NUMBER_DPS):
            ue = [v / _norm(ev) for v in ev]
            ua = [v / _norm(av) for v in av]
            pivot = max(range(len(ue)), key=lambda i: abs(ue[i]))
            phase = ua[pivot] / ue[pivot] if ue[pivot] else 0
            if phase == 0:
                return Outcome(False, "not parallel to the reference")
            phase = phase / abs(phase)
            gap = max(abs(x * phase - y) for x, y in zip(ue, ua, strict=True))
            biggest = max(abs(v) for v in av)
            if gap <= _decimal_tolerance(fine, biggest):
                return Outcome(True, "parallel to the reference")
            if coarse.any and gap <= _decimal_tolerance(coarse, biggest):
                return _too_few_figures(coarse)
        return Outcome(False, "not parallel to the reference")

    def _symbolic(
        self, spec: AnswerSpec, e: list[Any], a: list[Any], allowance: Allowance
    ) -> Outcome:
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


@dataclass(frozen=True)
class EigenPairs:
    """A learner's eigenpairs: each value with one or more vectors."""

    pairs: tuple[tuple[Any, tuple[tuple[Any, ...], ...]], ...]
    numbers: tuple[Any, ...] = field(default=())


class EigenpairsKind(AnswerKind):
    """Eigenvalue → eigenvector pairs of the reference matrix.

    Accepted forms: ``2: [1, 1]; 3: [1, -2]`` (also ``->``, ``→``, pairs separated by ``;``, new
    lines or commas, ``λ1 = 2, v1 = (1, 1)``, an optional
    ``λ =`` prefix), several vectors for one value ``1: [1, 0], [0, 1]``, or tuples
    ``[(2, [1, 1]), (3, [1, -2])]``. Correct when every pair satisfies Av = λv with v ≠ 0 and
    every eigenvalue appears; for an eigenvalue whose eigenspace has dimension g the learner gives
    g independent vectors (for a diagonalizable matrix that is its algebraic multiplicity; a value
    may be repeated once per vector).
    """

    name = "eigenpairs"

    def describe_form(self, spec: AnswerSpec) -> str:  # noqa: D102
        return "eigenvalue: eigenvector pairs, e.g. 2: [1, 1]; 3: [1, -2]"

    def check_expected(self, value: Any, text: str) -> Any:  # noqa: D102
        rows = as_rows(value)
        if (
            rows is None
            or len(rows) != len(rows[0])
            or any(v.free_symbols for r in rows for v in r)
        ):
            raise InputError(f"expected answer {text!r} is not a square numeric matrix")
        return value

    def read(self, spec: AnswerSpec, text: str) -> Reading:  # noqa: D102
        pieces = split_pairs(text)
        numbers: list[Any] = []
        notes: list[str] = []
        pairs: list[tuple[Any, tuple[tuple[Any, ...], ...]]] = []
        if pieces is None:
            parsed = _parse(spec, text, ())
            numbers.extend(parsed.numbers)
            notes.extend(parsed.notes)
            items = parsed.value.items if isinstance(parsed.value, MathSequence) else None
            if (
                items
                and len(items) == 2
                and is_scalar(items[0])
                and as_vector(items[1]) is not None
            ):
                items = (parsed.value,)
            if not items:
                raise _whole(
                    text, "write pairs as eigenvalue: eigenvector, e.g. 2: [1, 1]; 3: [1, -2]"
                )
            for item in items:
                inner = item.items if isinstance(item, MathSequence) else ()
                vector = as_vector(inner[1]) if len(inner) == 2 else None
                if len(inner) != 2 or not is_scalar(inner[0]) or vector is None:
                    raise _whole(
                        text, "write pairs as eigenvalue: eigenvector, e.g. 2: [1, 1]; 3: [1, -2]"
                    )
                pairs.append((inner[0], (tuple(vector),)))
        else:
            for piece in pieces:
                value_parsed = self._sub(spec, text, piece.value_text, piece.value_start)
                if not is_scalar(value_parsed.value) or value_parsed.value.free_symbols:
                    raise MathSyntaxError(
                        "an eigenvalue must be one number",
                        text,
                        piece.value_start,
                        piece.value_start + max(1, len(piece.value_text)),
                    )
                vectors_parsed = self._sub(spec, text, piece.vectors_text, piece.vectors_start)
                vectors = self._vectors(vectors_parsed.value)
                if vectors is None:
                    raise MathSyntaxError(
                        "expected an eigenvector such as [1, -2] (or several separated by commas)",
                        text,
                        piece.vectors_start,
                        piece.vectors_start + max(1, len(piece.vectors_text)),
                    )
                numbers.extend(value_parsed.numbers)
                numbers.extend(vectors_parsed.numbers)
                notes.extend(value_parsed.notes)
                notes.extend(vectors_parsed.notes)
                pairs.append((value_parsed.value, vectors))
        value = EigenPairs(tuple(pairs), tuple(numbers))
        return Reading(
            value,
            self._show(value, "unicode"),
            self._show(value, "plain"),
            tuple(notes),
            NO_ALLOWANCE,
            tuple(numbers),
        )

    @staticmethod
    def _sub(spec: AnswerSpec, text: str, part: str, start: int) -> Parsed:
        lead = len(part) - len(part.lstrip())
        try:
            return _parse(spec, part.strip(), ())
        except MathSyntaxError as error:
            raise MathSyntaxError(
                error.message, text, start + lead + error.start, start + lead + error.end
            ) from None

    @staticmethod
    def _vectors(value: Any) -> tuple[tuple[Any, ...], ...] | None:
        single = as_vector(value)
        if single is not None and not (
            isinstance(value, MathSequence)
            and all(isinstance(i, MathSequence) for i in value.items)
            and len(value.items) > 1
        ):
            return (tuple(single),)
        if isinstance(value, MathSequence) and all(
            isinstance(i, MathSequence) for i in value.items
        ):
            vectors = [as_vector(i) for i in value.items]
            if all(v is not None for v in vectors):
                return tuple(tuple(v) for v in vectors if v is not None)
        return None

    @staticmethod
    def _show(value: EigenPairs, style: str) -> str:
        parts = []
        for lam, vectors in value.pairs:
            shown = ", ".join(render_value(list(v), style) for v in vectors)
            parts.append(f"{render_scalar(lam, style)}: {shown}")
        return "; ".join(parts)

    def render(self, value: Any, style: str) -> str:
        """Render the eigenpairs of the reference matrix (``2: [1, -2]; 5: [1, 1]``).

        Args:
            value: The reference matrix.
            style: A style name.

        Returns:
            One pair per eigenvector; the matrix itself when sympy cannot find them exactly.
        """
        rows = as_rows(value)
        try:
            triples = sympy.Matrix(rows).eigenvects() if rows is not None else None
        except (ValueError, TypeError, ArithmeticError, NotImplementedError):
            triples = None
        if not triples:
            return render_value(value, style)
        pairs = tuple(
            (lam, tuple(tuple(_integer_scaled(list(vector))) for vector in basis))
            for lam, _multiplicity, basis in triples
        )
        inner = "unicode" if style == "pretty" else style
        return self._show(EigenPairs(pairs), inner)

    def compare(self, spec: AnswerSpec, expected: Any, reading: Reading) -> Outcome:  # noqa: D102
        rows = as_rows(expected)
        if rows is None or len(rows) != len(rows[0]):
            return Outcome(None, "the reference is not a square matrix — report this template")
        answer: EigenPairs = reading.value
        fine, coarse = vector_allowances(answer.numbers)
        outcome = self._check(rows, answer, fine)
        if outcome.equal is False and coarse.any and self._check(rows, answer, coarse).equal:
            return _too_few_figures(coarse)
        return outcome

    def _check(self, rows: list[list[Any]], answer: EigenPairs, allowance: Allowance) -> Outcome:
        n = len(rows)
        with mpmath.workdps(NUMBER_DPS):
            facts = _eigen_facts(rows)
            if facts is None:
                return Outcome(
                    None, "the reference matrix has no finite value — report this template"
                )
            matrix, clusters, scale, geometric_of = facts
            used: dict[int, list[list[Any]]] = {i: [] for i in range(len(clusters))}
            for lam_expr, vectors in answer.pairs:
                try:
                    lam = realify(evaluate(lam_expr, {}, NUMBER_DPS), NUMBER_DPS)
                except Undefined:
                    return Outcome(False, "an eigenvalue has no finite value")
                for vector in vectors:
                    if len(vector) != n:
                        return Outcome(False, f"eigenvectors of a {n}×{n} matrix have {n} entries")
                    try:
                        v = [realify(evaluate(x, {}, NUMBER_DPS), NUMBER_DPS) for x in vector]
                    except Undefined:
                        return Outcome(False, "an eigenvector entry has no finite value")
                    norm = _norm(v)
                    if norm <= EXACT_EPS:
                        return Outcome(False, "an eigenvector must be nonzero")
                    index = _nearest_cluster(clusters, lam, allowance, scale)
                    shown = render_scalar(lam_expr, "unicode") if index is None else ""
                    if index is None:
                        return Outcome(False, f"{shown} is not an eigenvalue")
                    mu = clusters[index][0]
                    residual = mpmath.norm(matrix * mpmath.matrix(v) - mu * mpmath.matrix(v))
                    tolerance = (
                        8 * allowance.absolute * scale * n
                        if allowance.any and allowance.absolute is not None
                        else mpmath.mpf("1e-15") * scale * norm
                    )
                    if residual > tolerance:
                        shown = render_scalar(lam_expr, "unicode")
                        return Outcome(
                            False,
                            f"the vector given for {shown} is not an eigenvector for it (Av ≠ λv)",
                        )
                    used[index].append(v)
            for index, (_mu, algebraic) in enumerate(clusters):
                geometric = geometric_of[index]
                vectors = used[index]
                if not vectors:
                    return Outcome(False, "not every eigenvalue is listed")
                if _rank(
                    mpmath.matrix(vectors), mpmath.mpf("1e-6") * max(_norm(x) for x in vectors)
                ) < len(vectors):
                    return Outcome(
                        False, "the eigenvectors given for one eigenvalue are not independent"
                    )
                if len(vectors) < geometric:
                    return Outcome(
                        False,
                        f"an eigenvalue of multiplicity {algebraic} needs {geometric} independent"
                        " eigenvectors",
                    )
        return Outcome(True, "every pair satisfies Av = λv and every eigenvalue is given")


def _eigen_facts(rows: list[list[Any]]) -> tuple[Any, list[tuple[Any, int]], Any, list[int]] | None:
    """Return what eigenpairs are checked against: the matrix, its clusters and multiplicities.

    The matrix at NUMBER_DPS, its eigenvalue clusters, its scale and each cluster's geometric
    multiplicity (None when an entry has no finite value). Call inside
    ``mpmath.workdps(NUMBER_DPS)``.
    """
    n = len(rows)
    try:
        matrix = mpmath.matrix([[evaluate(v, {}, NUMBER_DPS) for v in row] for row in rows])
    except Undefined:
        return None
    clusters = _eigen_clusters(matrix)
    scale = mpmath.mnorm(matrix, 1) + 1
    geometric = [
        n - _rank(matrix - mu * mpmath.eye(n), mpmath.mpf("1e-15") * scale) for mu, _ in clusters
    ]
    return matrix, clusters, scale, geometric


def _integer_scaled(vector: list[Any]) -> list[Any]:
    """Scale a rational vector to coprime integers (eigenvectors read better that way)."""
    if not all(getattr(v, "is_Rational", False) for v in vector):
        return vector
    denominator = sympy.ilcm(*[v.q for v in vector]) if vector else 1
    scaled = [v * denominator for v in vector]
    divisor = sympy.igcd(*[int(v) for v in scaled]) if any(scaled) else 1
    return [v / divisor for v in scaled] if divisor else scaled


def _eigen_clusters(matrix: Any) -> list[tuple[Any, int]]:
    """Eigenvalues of ``matrix`` grouped by value: (value, algebraic multiplicity)."""
    values = mpmath.eig(matrix, left=False, right=False)
    scale = mpmath.mnorm(matrix, 1) + 1
    clusters: list[list[Any]] = []
    for value in values:
        value = realify(value, NUMBER_DPS - 20)
        for cluster in clusters:
            if abs(cluster[0] - value) <= mpmath.mpf("1e-12") * scale:
                cluster.append(value)
                break
        else:
            clusters.append([value])
    return [(sum(c) / len(c), len(c)) for c in clusters]


def _nearest_cluster(
    clusters: list[tuple[Any, int]], lam: Any, allowance: Allowance, scale: Any
) -> int | None:
    best = min(range(len(clusters)), key=lambda i: abs(clusters[i][0] - lam))
    gap = abs(clusters[best][0] - lam)
    limit = mpmath.mpf("1e-12") * scale
    if allowance.any and allowance.absolute is not None:
        limit = max(limit, allowance.absolute * (1 + mpmath.mpf("1e-20")))
    return best if gap <= limit else None


def _rank(matrix: Any, tolerance: Any) -> int:
    singular = (
        mpmath.svd_r(matrix, compute_uv=False)
        if not _is_complex(matrix)
        else mpmath.svd_c(matrix, compute_uv=False)
    )
    return sum(1 for s in singular if abs(s) > tolerance)


def _is_complex(matrix: Any) -> bool:
    return any(
        isinstance(matrix[i, j], mpmath.mpc) for i in range(matrix.rows) for j in range(matrix.cols)
    )


class ChoiceKind(AnswerKind):
    """One of the options: by letter (a, b, … any case, with or without ")") or by its text."""

    name = "choice"

    def describe_form(self, spec: AnswerSpec) -> str:  # noqa: D102
        if spec.choices:
            last = chr(ord("a") + len(spec.choices) - 1)
            return f"the letter of an option (a–{last}) or its text"
        return "the option's text"

    def parse_expected(self, text: str, variables: Mapping[str, tuple[float, float]]) -> Any:  # noqa: D102
        if not text.strip():
            raise InputError("the expected option is empty")
        return text.strip()

    def read(self, spec: AnswerSpec, text: str) -> Reading:  # noqa: D102
        choice = read_choice(text, tuple(spec.choices))
        shown = self._label(spec, choice)
        return Reading(choice, shown, shown)

    @staticmethod
    def _label(spec: AnswerSpec, choice: int | str) -> str:
        if isinstance(choice, int):
            return f"{chr(ord('a') + choice)}) {spec.choices[choice]}"
        return choice

    @staticmethod
    def expected_index(spec: AnswerSpec, expected: Any) -> int | str | None:
        """Resolve an expected option (index, letter or text) against the spec's choices."""
        if isinstance(expected, int) and not isinstance(expected, bool):
            return expected
        text = str(expected)
        if not spec.choices:
            return normalize_words(text)
        normalized = [normalize_words(c) for c in spec.choices]
        if normalize_words(text) in normalized:
            return normalized.index(normalize_words(text))
        index = letter_index(text)
        if index is not None and index < len(spec.choices):
            return index
        return None

    def render(self, value: Any, style: str) -> str:  # noqa: D102
        return str(value)

    def compare(self, spec: AnswerSpec, expected: Any, reading: Reading) -> Outcome:  # noqa: D102
        index = self.expected_index(spec, expected)
        if index is None:
            return Outcome(
                None, "the expected option is not among the choices — report this template"
            )
        if reading.value == index:
            return Outcome(True, "the right option")
        return Outcome(False, "not the right option")


def _expected_with(reader: Callable[[str], Any], text: str) -> Any:
    """Read an author's reference with a kind's own text reader (yes/no, shapes).

    Raises:
        InputError: The reference cannot be read, with the reader's reason.
    """
    try:
        return reader(text)
    except MathSyntaxError as error:
        raise InputError(f"expected answer {text!r}: {error.message}") from None


class BooleanKind(AnswerKind):
    """Yes or no: yes/no/true/false/y/n/t/f/1/0."""

    name = "boolean"

    def describe_form(self, spec: AnswerSpec) -> str:  # noqa: D102
        return "yes or no"

    def parse_expected(self, text: str, variables: Mapping[str, tuple[float, float]]) -> Any:  # noqa: D102
        return _expected_with(read_boolean, text)

    def read(self, spec: AnswerSpec, text: str) -> Reading:  # noqa: D102
        value = read_boolean(text)
        shown = "yes" if value else "no"
        return Reading(value, shown, shown)

    def render(self, value: Any, style: str) -> str:  # noqa: D102
        return "yes" if _truth(value) else "no"

    def compare(self, spec: AnswerSpec, expected: Any, reading: Reading) -> Outcome:  # noqa: D102
        truth = _truth(expected)
        if truth is None:
            return Outcome(None, "the reference is not yes or no — report this template")
        if truth == reading.value:
            return Outcome(True, "right")
        return Outcome(False, "the opposite of the reference")


def _truth(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if value is sympy.true:
        return True
    if value is sympy.false:
        return False
    if isinstance(value, str):
        try:
            return read_boolean(value)
        except MathSyntaxError:
            return None
    if isinstance(value, int):
        return bool(value) if value in (0, 1) else None
    return None


def _shape_of(value: Any) -> ShapeValue | None:
    if isinstance(value, ShapeValue):
        return value
    if isinstance(value, str):
        try:
            return read_shape(value)
        except MathSyntaxError:
            return None
    if isinstance(value, tuple | list) and all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        return ShapeValue(tuple(value))
    if isinstance(value, MathSequence) and all(
        getattr(v, "is_Integer", False) for v in value.items
    ):
        return ShapeValue(tuple(int(v) for v in value.items))
    return None


class ShapeKind(AnswerKind):
    """An array shape such as (3, 4), or ``error`` (broadcasting drills)."""

    name = "shape"

    def describe_form(self, spec: AnswerSpec) -> str:  # noqa: D102
        return "a shape such as (3, 4) or 3x4, () for a scalar, or error if it fails"

    def parse_expected(self, text: str, variables: Mapping[str, tuple[float, float]]) -> Any:  # noqa: D102
        return _expected_with(read_shape, text)

    def read(self, spec: AnswerSpec, text: str) -> Reading:  # noqa: D102
        value = read_shape(text)
        shown = value.render()
        return Reading(value, shown, shown)

    def render(self, value: Any, style: str) -> str:  # noqa: D102
        shape = _shape_of(value)
        return shape.render() if shape is not None else str(value)

    def compare(self, spec: AnswerSpec, expected: Any, reading: Reading) -> Outcome:  # noqa: D102
        e = _shape_of(expected)
        if e is None:
            return Outcome(None, "the reference is not a shape — report this template")
        a: ShapeValue = reading.value
        if e.error or a.error:
            if e.error and a.error:
                return Outcome(True, "right: this raises an error")
            if e.error:
                return Outcome(
                    False, "this operation raises an error (the shapes are incompatible)"
                )
            return Outcome(False, f"this works; the result has shape {e.render()}")
        if e.dims == a.dims:
            return Outcome(True, "the same shape")
        near = None
        if a.dims is not None and e.dims is not None and sorted(a.dims) == sorted(e.dims):
            near = "the right dimensions in the wrong order"
        return Outcome(False, "not the reference shape", near)


def _interval_of(value: Any, text: str = "") -> IntervalValue | None:
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


def _endpoint_text(value: Any, closed: bool, side: str, style: str) -> str:
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
        lo = _endpoint_text(piece.lo, piece.lo_closed, "lo", style)
        hi = _endpoint_text(piece.hi, piece.hi_closed, "hi", style)
        if typed and style in ("plain", "unicode"):
            lo = piece.lo_text if piece.lo_text and piece.lo != NEG_INF else lo
            hi = piece.hi_text if piece.hi_text and piece.hi != POS_INF else hi
        parts.append(f"{left}{lo}, {hi}{right}")
    joiner = {"plain": " U ", "latex": r" \cup "}.get(style, " ∪ ")
    return joiner.join(parts)


class IntervalKind(AnswerKind):
    """An interval (or union of intervals): same endpoints and the same open/closed ends."""

    name = "interval"

    def describe_form(self, spec: AnswerSpec) -> str:  # noqa: D102
        return "an interval such as [0, 1) or (-oo, 2] (or 0 <= x < 1); join several with U"

    def parse_expected(self, text: str, variables: Mapping[str, tuple[float, float]]) -> Any:  # noqa: D102
        def read_math(part: str) -> tuple[Any, tuple[Any, ...]]:
            parsed = _mathlang().parse_author(part, symbols=tuple(variables))
            if not is_scalar(parsed.value):
                raise MathSyntaxError("an endpoint must be one number", part, 0, max(1, len(part)))
            return parsed.value, tuple(parsed.numbers)

        return read_interval(text, read_math)

    def check_expected(self, value: Any, text: str) -> Any:  # noqa: D102
        if _interval_of(value) is None:
            raise InputError(f"expected answer {text!r} is not an interval")
        return value

    def read(self, spec: AnswerSpec, text: str) -> Reading:  # noqa: D102
        def read_math(part: str) -> tuple[Any, tuple[Any, ...]]:
            parsed = _parse(spec, part, ())
            if not is_scalar(parsed.value) or parsed.value.free_symbols:
                raise MathSyntaxError("an endpoint must be one number", part, 0, max(1, len(part)))
            return parsed.value, tuple(parsed.numbers)

        value = read_interval(text, read_math)
        numbers = [n for piece in value.pieces for n in piece.numbers]
        return Reading(
            value,
            render_interval(value, "unicode", typed=True),
            render_interval(value, "plain", typed=True),
            (),
            allowance_from(numbers, single=False, entries=True),
            tuple(numbers),
        )

    def render(self, value: Any, style: str) -> str:  # noqa: D102
        interval = _interval_of(value)
        return render_interval(interval, style) if interval is not None else str(value)

    def compare(self, spec: AnswerSpec, expected: Any, reading: Reading) -> Outcome:  # noqa: D102
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


KINDS: Mapping[str, AnswerKind] = {
    kind.name: kind
    for kind in (
        NumberKind(),
        ExpressionKind(),
        VectorKind(),
        MatrixKind(),
        SetKind(),
        MultisetKind(),
        DirectionKind(),
        EigenpairsKind(),
        ChoiceKind(),
        BooleanKind(),
        ShapeKind(),
        IntervalKind(),
    )
}


def get_kind(name: str) -> AnswerKind:
    """Return the kind called ``name``.

    Args:
        name: A kind name.

    Returns:
        The kind.

    Raises:
        UsageError: When no kind has that name.
    """
    try:
        return KINDS[name]
    except KeyError:
        raise UsageError(f"unknown answer kind {name!r}; known kinds: {', '.join(KINDS)}") from None


def judge(spec: AnswerSpec, text: str, *, explain: bool = True) -> Verdict:
    """Judge a learner's text against a spec. Pure, in-process, no time cap.

    Never raises because of the learner's text: unreadable text gives ``status="unreadable"``
    with the message and caret echo in ``error``; a comparison that fails unexpectedly gives
    ``status="undecided"``. Not for concurrent use from several threads of one process: mpmath's
    working precision is process-wide (``Judge`` runs each check in its own process).

    Authored mistakes are only *decided* (:meth:`AnswerKind.decide`): the first one equal to
    the answer is named, as :meth:`AnswerKind.compare` would find it.

    Args:
        spec: What the answer should be.
        text: The learner's answer as typed.
        explain: False when only the status and the mistake matter (``deck check``): the
            reference is then decided too, a wrong verdict's reason is a short one without a
            near miss, and ``read_as``/``read_as_plain`` are left empty. Status, mistake and
            feedback are the same.

    Returns:
        The verdict.

    Raises:
        UsageError: When ``spec.kind`` is not a known kind (an author/programming error).
    """
    kind = get_kind(spec.kind)
    if not isinstance(text, str) or not text.strip():
        return Verdict(
            "unreadable",
            "no answer given",
            error=f"type {kind.describe_form(spec)}",
        )
    try:
        reading = kind.read(spec, text)
        if explain:
            # Rendered here, so a value the printers cannot show is "could not read" as ever.
            base = {
                "read_as": reading.read_as,
                "read_as_plain": reading.read_as_plain,
                "notes": tuple(reading.notes),
            }
        else:
            base = {"read_as": "", "read_as_plain": "", "notes": tuple(reading.notes)}
    except MathSyntaxError as error:
        return Verdict("unreadable", error.message, error=error.describe())
    except RecursionError:
        return Verdict("unreadable", "too deeply nested to read", error="too deeply nested to read")
    except Exception:
        return Verdict(
            "unreadable", "could not read this answer", error="could not read this answer"
        )
    try:
        if explain:
            outcome = kind.compare(spec, spec.expected, reading)
        else:
            decided = kind.decide(spec, spec.expected, reading)
            outcome = Outcome(decided, _DECIDED_REASONS[decided])
    except Exception:
        outcome = Outcome(None, UNDECIDED_REASON)
    if outcome.equal is True:
        return Verdict("correct", outcome.reason, **base)
    if outcome.equal is None:
        return Verdict("undecided", outcome.reason, **base)
    for mistake in spec.mistakes:
        try:
            matched = kind.matches(spec, mistake.value, reading)
        except Exception:
            matched = False
        if matched:
            return Verdict(
                "wrong",
                outcome.reason,
                mistake=mistake.name,
                feedback=mistake.feedback,
                near_miss=outcome.near_miss,
                **base,
            )
    return Verdict("wrong", outcome.reason, near_miss=outcome.near_miss, **base)


_DECIDED_REASONS = {
    True: "equal to the reference",
    False: "not equal to the reference",
    None: UNDECIDED_REASON,
}


def parse_expected(
    kind: str, text: str, variables: Mapping[str, tuple[float, float]] | None = None
) -> Any:
    """Read an author's reference text (e.g. ``mathdrill check --expected``) for ``kind``.

    Formulas are read with ``parse_author`` (the deck table: ``diff``, ``Matrix``, ``eigenvals`` …);
    shapes, booleans, intervals and choices with this layer's own readers.

    Args:
        kind: A kind name.
        text: The author's text.
        variables: Declared variables (names → intervals; only the names matter here).

    Returns:
        A value fit for ``AnswerSpec.expected``.

    Raises:
        UsageError: When the kind is unknown.
        MathSyntaxError: When the text cannot be read (with the caret echo).
        InputError: When the value does not fit the kind.
    """
    answer_kind = get_kind(kind)
    return answer_kind.parse_expected(text, dict(variables or {}))


def render_reference(spec: AnswerSpec, style: str = "unicode") -> str:
    """Render the spec's reference answer for the learner (solution, "the answer was …").

    Args:
        spec: The spec.
        style: ``unicode``, ``plain``, ``latex`` or ``pretty``.

    Returns:
        The text.

    Raises:
        UsageError: When the kind or the style is unknown.
    """
    return render_reference_value(spec, spec.expected, style)


def render_reference_value(spec: AnswerSpec, value: Any, style: str = "unicode") -> str:
    """Render a reference-like value (the reference or a mistake's value) as the spec's kind.

    The same as :func:`render_reference` of the spec with ``expected=value``, without building
    that spec (a generated instance renders its reference and every mistake this way).

    Args:
        spec: The spec (its kind, and its options for ``choice``).
        value: The value, in the form ``spec.expected`` would hold it.
        style: ``unicode``, ``plain``, ``latex`` or ``pretty``.

    Returns:
        The text.

    Raises:
        UsageError: When the kind or the style is unknown.
    """
    if style not in STYLES:
        raise UsageError(f"unknown style {style!r}; known: {', '.join(STYLES)}")
    kind = get_kind(spec.kind)
    if isinstance(kind, ChoiceKind):
        index = kind.expected_index(spec, value)
        return kind._label(spec, index) if isinstance(index, int) else str(value)
    return kind.render(value, style)
