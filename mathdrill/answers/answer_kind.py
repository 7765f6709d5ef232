"""The base of every answer kind, and a learner's answer as a kind read it.

A kind reads a learner's text into a value (:meth:`AnswerKind.read`), compares it with a
reference or an authored mistake (:meth:`AnswerKind.outcome`, behind ``compare``, ``decide`` and
``matches``), reads an author's reference, and shows values. What a deck needs to know about a
kind — how its reference is written, what a learner types for it — is asked of the kind, so no
layer above tests a kind's name. Learner text is read only with ``mathdrill.mathlang.parse`` (or
the small readers of :mod:`mathdrill.answers.forms`): never ``eval``/``sympify``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeAlias

import sympy

from mathdrill.answers.display import render_value
from mathdrill.answers.forms import IntervalValue, ShapeValue
from mathdrill.answers.numeric import NO_ALLOWANCE, Allowance, Outcome
from mathdrill.answers.verdict import DEFAULT_INTERVAL, AnswerSpec
from mathdrill.errors import MathSyntaxError
from mathdrill.mathlang import MathValue, Parsed, Sequence, SetLiteral, parse, parse_author

UNDECIDED_REASON = "could not decide — simplify your answer"

#: Reads one endpoint of an interval: (sympy value, its number literals).
ReadMath = Callable[[str], tuple[Any, tuple[Any, ...]]]

#: A kind's reference (``AnswerSpec.expected``) or an authored mistake's value: a math value
#: for most kinds, a ``bool`` (boolean), an option's text or index (choice), a
#: :class:`ShapeValue` or an :class:`IntervalValue`.
Expected: TypeAlias = "MathValue | bool | int | str | ShapeValue | IntervalValue"


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


def variable_names(spec: AnswerSpec) -> tuple[str, ...]:
    """Return the symbol names a learner may use: declared variables plus the reference's.

    Args:
        spec: The answer spec.

    Returns:
        Sorted names.
    """
    return tuple(sorted(set(spec.variables) | _free_names(spec.expected)))


def _free_names(value: Any) -> set[str]:
    if isinstance(value, sympy.Basic):
        return {s.name for s in value.free_symbols if isinstance(s, sympy.Symbol)}
    if isinstance(value, Sequence | SetLiteral):
        value = value.items
    names: set[str] = set()
    if isinstance(value, list | tuple):
        for item in value:
            names |= _free_names(item)
    return names


def sampling_intervals(spec: AnswerSpec) -> dict[str, tuple[float, float]]:
    """Return the interval test points are drawn from, for every name a learner may use."""
    intervals = {name: DEFAULT_INTERVAL for name in variable_names(spec)}
    intervals.update({k: (float(v[0]), float(v[1])) for k, v in spec.variables.items()})
    return intervals


def parse_answer(
    spec: AnswerSpec, text: str, symbols: tuple[str, ...], *, imaginary: bool = False
) -> Parsed:
    """Read learner text with the learner table, ``symbols`` declared.

    ``i``, ``j`` and ``I`` are the imaginary unit when the spec allows imaginary values or the
    kind takes complex values (``imaginary``, :attr:`AnswerKind.complex_values`); a declared
    symbol of that name stays the symbol.
    """
    return parse(text, symbols=symbols, allow_imaginary=spec.allow_imaginary or imaginary)


def unreadable(text: str, message: str) -> MathSyntaxError:
    """A syntax error that points at the whole of ``text``."""
    return MathSyntaxError(message, text, 0, max(1, len(text)))


class AnswerKind:
    """Base class of the answer kinds; subclasses set :attr:`name` and override the hooks."""

    name: ClassVar[str] = ""
    complex_values: ClassVar[bool] = False
    """The kind's values may be complex (eigenvalues of a rotation, roots): a learner's ``i``,
    ``j`` and ``I`` are the imaginary unit without the template's ``allow_imaginary``. Kinds
    whose answers are formulas or ordered (``expression``, ``matrix``, ``interval``) leave it
    False: there ``i`` is more often a typo or an index than a number."""

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

    def outcome(
        self, spec: AnswerSpec, expected: Any, reading: Reading, *, decide_only: bool
    ) -> Outcome:
        """Compare a reading with a reference (or an authored mistake) value.

        Args:
            spec: The answer spec.
            expected: The reference or mistake value.
            reading: The learner's reading.
            decide_only: Only ``equal`` is wanted: a kind may then skip what only the
                explanation needs (the worst test point, near misses). ``equal`` is the same.

        Returns:
            The outcome.
        """
        raise NotImplementedError

    def compare(self, spec: AnswerSpec, expected: Any, reading: Reading) -> Outcome:
        """Compare a reading with a value and explain the outcome (see :meth:`outcome`)."""
        return self.outcome(spec, expected, reading, decide_only=False)

    def decide(self, spec: AnswerSpec, expected: Any, reading: Reading) -> bool | None:
        """Decide only whether a reading equals a value: :meth:`compare`'s ``equal``.

        Returns:
            True (equal), False (not equal) or None (could not decide).
        """
        return self.outcome(spec, expected, reading, decide_only=True).equal

    def matches(self, spec: AnswerSpec, value: Any, reading: Reading) -> bool:
        """Return True when a reading equals an authored mistake's value (:meth:`decide` is True).

        Kinds may first look for a quick proof of "not equal" that :meth:`decide` could not
        use for a reference (it must tell "not equal" from "could not decide"); the answer is
        never True where :meth:`decide` would not be.
        """
        return self.decide(spec, value, reading) is True

    def parse_expected(self, text: str, variables: Mapping[str, tuple[float, float]]) -> Expected:
        """Read an author's reference text on its own (``mathdrill check --expected``).

        Args:
            text: The author's text.
            variables: Declared variables.

        Returns:
            The reference value.

        Raises:
            MathSyntaxError: When the text cannot be read.
            InputError: When it does not fit the kind.
        """
        parsed = parse_author(text, symbols=tuple(variables))
        return self.check_expected(parsed.value, text)

    def check_expected(self, value: Any, text: str) -> Expected:
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

    def read_reference(
        self, text: str, evaluate: Callable[[], Any], read_math: ReadMath, options: tuple[str, ...]
    ) -> Expected:
        """Read a deck's reference or mistake for one instance.

        Most kinds take the text as an expression of the instance's values; a kind whose
        answers are words or brackets the math parser would misread reads them itself.

        Args:
            text: The reference as written in the deck (stripped).
            evaluate: Evaluates ``text`` with the instance's values.
            read_math: Reads one interval endpoint with the instance's values.
            options: The template's option texts (``choice``), stripped.

        Returns:
            The value to store as ``AnswerSpec.expected`` (or a mistake's value).

        Raises:
            MathSyntaxError: The text cannot be read.
            InputError: The value does not fit the kind.
        """
        return self.check_expected(evaluate(), text)

    def reference_hint(self, text: str, options: tuple[str, ...]) -> str | None:
        """What to tell a deck author whose reference text cannot be read as an expression.

        Returns:
            A message in place of the expression's own error, or None to keep that error.
        """
        return None

    def render(self, spec: AnswerSpec, value: Any, style: str) -> str:
        """Render a reference-like value (the reference or a mistake's value).

        Args:
            spec: The spec (its options, for ``choice``).
            value: The value.
            style: ``unicode``, ``plain``, ``latex`` or ``pretty``.

        Returns:
            The text.
        """
        return render_value(value, style)

    def answer_text(self, spec: AnswerSpec, value: Any) -> str:
        """Return what a learner would type to give ``value``: the checker reads it back as it.

        Args:
            spec: The spec.
            value: The reference or a mistake's value.

        Returns:
            The text (the plain rendering, for most kinds).
        """
        return self.render(spec, value, "plain")

    def canonical(self, spec: AnswerSpec, value: Any) -> str:
        """Return one text for every value this kind judges equal to ``value``.

        ``deck check`` counts a template's distinct answers with it. The default is the plain
        rendering; kinds whose equal values are written in many ways (numbers, formulas,
        collections, directions, eigenpairs) override it.

        Args:
            spec: The spec (variables and their intervals, options).
            value: The reference or a value of the same form.

        Returns:
            The canonical text.
        """
        return self.render(spec, value, "plain")

    def shows_answer_text(self, form: str) -> bool:
        """Return True when a deck shows the reference in ``form`` as :meth:`answer_text`.

        Args:
            form: A placeholder form (``display``, ``unicode``, ``plain``, ``latex`` …).

        Returns:
            False for most kinds: they render the value in that form.
        """
        return False
