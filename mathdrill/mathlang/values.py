"""Plain value types the math language returns besides sympy expressions.

Scalars are sympy expressions. Bracketed input becomes a :class:`Sequence` (vectors, tuples, and —
nested — matrices), braces become a :class:`SetLiteral`. Answer kinds decide what a value means
(a ``Sequence`` of equal-length ``Sequence`` rows is a matrix to the ``matrix`` kind, a list of
elements to the ``set`` kind …), so the parser never guesses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

import sympy

Bracket = Literal["[", "(", ""]

#: What reading math text gives (:attr:`Parsed.value`), and what the walker computes with: a
#: sympy object (an expression, a boolean, a matrix, a set …), or a :class:`Sequence` or
#: :class:`SetLiteral` of such values. sympy ships no types, so to mypy the sympy half is ``Any``:
#: the alias still says what a function takes and gives, and code using a value as a sympy
#: object must rule out the two collections first.
MathValue: TypeAlias = "sympy.Basic | sympy.MatrixBase | Sequence | SetLiteral"


@dataclass(frozen=True)
class Sequence:
    """An ordered collection typed as ``[a, b]``, ``(a, b)`` or bare ``a, b``.

    Attributes:
        items: The elements, each a sympy expression or another value of this module.
        bracket: ``"["``, ``"("`` or ``""`` for a bare comma list.
    """

    items: tuple[Any, ...]
    bracket: Bracket = "["


@dataclass(frozen=True)
class SetLiteral:
    """A collection typed in braces, ``{1, 3}``. Duplicates are kept (multisets need them).

    Attributes:
        items: The elements in the order typed.
    """

    items: tuple[Any, ...]


@dataclass(frozen=True)
class NumberLiteral:
    """A number as the user typed it, kept so precision rules can see the digits.

    Attributes:
        text: The literal exactly as typed, e.g. ``"0.3330"``, ``"2e-3"``, ``"15%"``.
        start: Index of the literal in the original input.
        value: Its exact value as a ``sympy.Rational`` (``0.333`` is 333/1000; ``15%`` is 3/20).
        significant_figures: Significant figures of the written digits (``0.0330`` has 3;
            ``1200`` has 2 unless written ``1200.``; ``2e-3`` has 1).
        last_digit_unit: The value of one unit in the last written digit, as a Rational
            (``0.333`` → 1/1000, ``15%`` → 1/100, ``33.3%`` → 1/1000, ``2e-3`` → 1/1000).
        is_decimal: True when written with a decimal point, an exponent or a percent sign,
            i.e. when the author may have meant an approximation.
    """

    text: str
    start: int
    value: Any
    significant_figures: int
    last_digit_unit: Any
    is_decimal: bool


@dataclass(frozen=True)
class Parsed:
    """The result of reading one input.

    Attributes:
        value: A sympy expression, :class:`Sequence`, :class:`SetLiteral`, or (author table only)
            a sympy ``Matrix``/boolean/other sympy object.
        text: The input exactly as given.
        numbers: Every number literal in the input, in order.
        single_number: True when the whole input is one number literal, optionally signed
            (``-0.333``, ``15%``): the decimal-precision rule of the ``number`` kind applies then.
        latex: True when the input was read as LaTeX.
        notes: How ambiguous spellings were read, in words, e.g.
            ``"1/2x was read as (1/2)·x; write 1/(2x) for the other reading"``.
    """

    value: MathValue
    text: str
    numbers: tuple[NumberLiteral, ...] = ()
    single_number: bool = False
    latex: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)
