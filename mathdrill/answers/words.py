"""The kinds answered in words: ``choice``, ``boolean`` and ``shape``.

A choice is an option (by letter or text), a boolean yes or no, a shape an array's dimensions
or ``error``. Their texts are read by :mod:`mathdrill.answers.forms`, not by the math parser,
which would misread them (``3x4`` is 3·x4 to it); a deck's reference may still be an
expression of the instance's values (``case``, ``a > b``, ``(m, n)``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import sympy

from mathdrill.answers.answer_kind import AnswerKind, Expected, Reading, ReadMath
from mathdrill.answers.forms import (
    ERROR_WORDS,
    FALSE_WORDS,
    TRUE_WORDS,
    ShapeValue,
    letter_index,
    normalize_words,
    read_boolean,
    read_choice,
    read_shape,
)
from mathdrill.answers.numeric import Outcome
from mathdrill.answers.verdict import AnswerSpec
from mathdrill.errors import InputError, MathSyntaxError
from mathdrill.mathlang import Sequence


def _letter(index: int) -> str:
    return chr(ord("a") + index)


class ChoiceKind(AnswerKind):
    """One of the options: by letter (a, b, … any case, with or without ")") or by its text."""

    name = "choice"

    def describe_form(self, spec: AnswerSpec) -> str:  # noqa: D102
        if spec.choices:
            return f"the letter of an option (a–{_letter(len(spec.choices) - 1)}) or its text"
        return "the option's text"

    def parse_expected(  # noqa: D102
        self, text: str, variables: Mapping[str, tuple[float, float]]
    ) -> Expected:
        if not text.strip():
            raise InputError("the expected option is empty")
        return text.strip()

    def read_reference(
        self, text: str, evaluate: Callable[[], Any], read_math: ReadMath, options: tuple[str, ...]
    ) -> Expected:
        """The right option's index: from its text, its letter, or an expression of the values.

        An expression lets the right option depend on the instance — draw the case first
        (``case: integer(0, 3)``), build the problem from it, and answer ``value: case``. Its
        value must be a whole number from 0 (the first option) to the number of options minus
        one.
        """
        if text in options:
            return options.index(text)
        if len(text) == 1 and text.isalpha():  # a letter, even when a value has that name
            index = ord(text.lower()) - ord("a")
            if 0 <= index < len(options):
                return index
        value = evaluate()
        if isinstance(value, sympy.Basic) and value.is_Integer and 0 <= value < len(options):
            return int(value)
        raise InputError(
            f"'{text}' gives {value}, not an option index from 0 to {len(options) - 1}"
            " (0 is the first option)"
        )

    def reference_hint(self, text: str, options: tuple[str, ...]) -> str | None:  # noqa: D102
        last = _letter(max(len(options) - 1, 0))
        return (
            f"'{text}' is neither an option's text, nor its letter (a–{last}), "
            "nor an expression of the values giving the option's index"
        )

    def read(self, spec: AnswerSpec, text: str) -> Reading:  # noqa: D102
        choice = read_choice(text, tuple(spec.choices))
        shown = self._label(spec, choice)
        return Reading(choice, shown, shown)

    @staticmethod
    def _label(spec: AnswerSpec, choice: int | str) -> str:
        if isinstance(choice, int):
            return f"{_letter(choice)}) {spec.choices[choice]}"
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

    def render(self, spec: AnswerSpec, value: Any, style: str) -> str:
        """The option as ``b) its text`` in every style (the value itself when it is none)."""
        index = self.expected_index(spec, value)
        return self._label(spec, index) if isinstance(index, int) else str(value)

    def answer_text(self, spec: AnswerSpec, value: Any) -> str:
        """The option's letter."""
        if isinstance(value, int):
            return _letter(value)
        return self.render(spec, value, "plain")

    def shows_answer_text(self, form: str) -> bool:
        """Show the reference as its letter in every form but LaTeX."""
        return form != "latex"

    def outcome(  # noqa: D102
        self, spec: AnswerSpec, expected: Any, reading: Reading, *, decide_only: bool
    ) -> Outcome:
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


class BooleanKind(AnswerKind):
    """Yes or no: yes/no/true/false/y/n/t/f/1/0."""

    name = "boolean"

    def describe_form(self, spec: AnswerSpec) -> str:  # noqa: D102
        return "yes or no"

    def parse_expected(  # noqa: D102
        self, text: str, variables: Mapping[str, tuple[float, float]]
    ) -> Expected:
        return _expected_with(read_boolean, text)

    def read_reference(
        self, text: str, evaluate: Callable[[], Any], read_math: ReadMath, options: tuple[str, ...]
    ) -> Expected:
        """A yes/no word, or a condition on the instance's values (``a > b``)."""
        words = normalize_words(text)
        if words in TRUE_WORDS or words in FALSE_WORDS:
            return read_boolean(text)
        value = evaluate()
        if isinstance(value, sympy.logic.boolalg.BooleanAtom):
            value = bool(value)
        if not isinstance(value, bool):
            raise InputError(f"'{text}' is not true/false or a comparison")
        return value

    def read(self, spec: AnswerSpec, text: str) -> Reading:  # noqa: D102
        value = read_boolean(text)
        shown = "yes" if value else "no"
        return Reading(value, shown, shown)

    def render(self, spec: AnswerSpec, value: Any, style: str) -> str:  # noqa: D102
        return "yes" if _truth(value) else "no"

    def outcome(  # noqa: D102
        self, spec: AnswerSpec, expected: Any, reading: Reading, *, decide_only: bool
    ) -> Outcome:
        truth = _truth(expected)
        if truth is None:
            return Outcome(None, "the reference is not yes or no — report this template")
        if truth == reading.value:
            return Outcome(True, "right")
        return Outcome(False, "the opposite of the reference")


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
    if isinstance(value, Sequence) and all(getattr(v, "is_Integer", False) for v in value.items):
        return ShapeValue(tuple(int(v) for v in value.items))
    return None


def _dims(value: Any) -> tuple[int, ...] | None:
    """The dimensions in a deck's evaluated shape: ``(m, n)``, a matrix of them, or one."""
    items: Any
    if isinstance(value, Sequence):
        items = value.items
    elif isinstance(value, sympy.MatrixBase):
        items = list(value)
    elif isinstance(value, sympy.Basic) and value.is_Integer:
        items = (value,)
    else:
        return None
    dims = []
    for item in items:
        if not (isinstance(item, sympy.Basic) and item.is_Integer and item >= 0):
            return None
        dims.append(int(item))
    return tuple(dims)


class ShapeKind(AnswerKind):
    """An array shape such as (3, 4), or ``error`` (broadcasting drills)."""

    name = "shape"

    def describe_form(self, spec: AnswerSpec) -> str:  # noqa: D102
        return "a shape such as (3, 4) or 3x4, () for a scalar, or error if it fails"

    def parse_expected(  # noqa: D102
        self, text: str, variables: Mapping[str, tuple[float, float]]
    ) -> Expected:
        return _expected_with(read_shape, text)

    def read_reference(
        self, text: str, evaluate: Callable[[], Any], read_math: ReadMath, options: tuple[str, ...]
    ) -> Expected:
        """``error``, or dimensions computed from the instance's values (``(m, n)``)."""
        if normalize_words(text) in ERROR_WORDS:
            return ShapeValue(None, error=True)
        dims = _dims(evaluate())
        if dims is None:
            raise InputError(f"'{text}' is not a shape (m, n, …) of whole numbers ≥ 0")
        return ShapeValue(dims)

    def read(self, spec: AnswerSpec, text: str) -> Reading:  # noqa: D102
        value = read_shape(text)
        shown = value.render()
        return Reading(value, shown, shown)

    def render(self, spec: AnswerSpec, value: Any, style: str) -> str:  # noqa: D102
        shape = _shape_of(value)
        return shape.render() if shape is not None else str(value)

    def outcome(  # noqa: D102
        self, spec: AnswerSpec, expected: Any, reading: Reading, *, decide_only: bool
    ) -> Outcome:
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
