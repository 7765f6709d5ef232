"""The collection kinds: ``set`` and ``multiset``.

A set has the same elements in any order, repeats counting once; a multiset counts each
element's multiplicity. Elements are scalars or vectors, matched with the scalar rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import sympy

from mathdrill.answers.answer_kind import (
    UNDECIDED_REASON,
    AnswerKind,
    Expected,
    Reading,
    sampling_intervals,
    unreadable,
)
from mathdrill.answers.arrays import entries_key, entries_outcome, read_structured
from mathdrill.answers.canonical import scalar_key
from mathdrill.answers.display import as_vector, display_value, is_scalar, render_value
from mathdrill.answers.forms import normalize_words
from mathdrill.answers.numeric import Outcome, allowance_from, entry_allowance
from mathdrill.answers.scalars import compare_scalar
from mathdrill.answers.verdict import AnswerSpec
from mathdrill.errors import InputError
from mathdrill.mathlang import Sequence, SetLiteral

_EMPTY_WORDS = frozenset({"{}", "∅", "empty", "empty set", "none", "[]", "()"})


def _set_items(value: Any) -> list[Any] | None:
    if isinstance(value, SetLiteral | Sequence):
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


def _element_equal(spec: AnswerSpec, e: Any, a: Any, numbers: tuple[Any, ...]) -> bool | None:
    if is_scalar(e) and is_scalar(a):
        # Only the decision is used: no near misses are looked for.
        return compare_scalar(spec, e, a, entry_allowance(numbers, a), decide_only=True).equal
    ev, av = as_vector(e), as_vector(a)
    if ev is None or av is None or len(ev) != len(av):
        return False
    return entries_outcome(spec, ev, av, numbers, str, decide_only=True).equal


def _match(pairs: list[list[bool | None]], n_left: int, n_right: int) -> int:
    """Size of a maximum bipartite matching over True cells (augmenting paths; tiny inputs)."""
    owner: list[int | None] = [None] * n_right

    def augment(i: int, seen: list[bool]) -> bool:
        for j in range(n_right):
            if pairs[i][j] and not seen[j]:
                seen[j] = True
                holder = owner[j]
                if holder is None or augment(holder, seen):
                    owner[j] = i
                    return True
        return False

    return sum(1 for i in range(n_left) if augment(i, [False] * n_right))


class SetKind(AnswerKind):
    """A set: the same elements in any order; repeated elements count once."""

    name = "set"
    complex_values = True
    multiset: ClassVar[bool] = False

    def describe_form(self, spec: AnswerSpec) -> str:  # noqa: D102
        extra = " (repeat an element as often as it occurs)" if self.multiset else ""
        return f"the elements in any order, e.g. {{1, 3}} or 1, 3{extra}; ∅ for none"

    def read(self, spec: AnswerSpec, text: str) -> Reading:  # noqa: D102
        if normalize_words(text) in _EMPTY_WORDS:
            return Reading([], "∅", "{}")
        parsed = read_structured(spec, text, imaginary=self.complex_values)
        items = _set_items(parsed.value)
        if items is None:
            raise unreadable(text, "expected elements such as {1, 3} or 1, 3")
        shown = SetLiteral(tuple(items))
        return Reading(
            items,
            display_value(shown, parsed.numbers, "unicode"),
            display_value(shown, parsed.numbers, "plain"),
            parsed.notes,
            allowance_from(parsed.numbers, single=False, entries=True),
            parsed.numbers,
        )

    def canonical(self, spec: AnswerSpec, value: Any) -> str:
        """The elements' canonical texts, sorted; repeats kept only for a multiset."""
        items = _set_items(value)
        if items is None:
            return self.render(spec, value, "plain")
        intervals = sampling_intervals(spec)
        keys = []
        for item in items:
            vector = None if is_scalar(item) else as_vector(item)
            keys.append(
                entries_key(spec, vector) if vector is not None else scalar_key(item, intervals)
            )
        unique = keys if self.multiset else set(keys)
        return "{" + ", ".join(sorted(unique)) + "}"

    def check_expected(self, value: Any, text: str) -> Expected:  # noqa: D102
        if _set_items(value) is None:
            raise InputError(f"expected answer {text!r} is not a set of elements")
        return value

    def parse_expected(  # noqa: D102
        self, text: str, variables: Mapping[str, tuple[float, float]]
    ) -> Expected:
        if normalize_words(text) in _EMPTY_WORDS:
            return SetLiteral(())
        return super().parse_expected(text, variables)

    def render(self, spec: AnswerSpec, value: Any, style: str) -> str:  # noqa: D102
        items = _set_items(value)
        if items is None:
            return render_value(value, style)
        if not items:
            return {"plain": "{}", "latex": r"\emptyset"}.get(style, "∅")
        return render_value(SetLiteral(tuple(items)), style)

    def outcome(  # noqa: D102
        self, spec: AnswerSpec, expected: Any, reading: Reading, *, decide_only: bool
    ) -> Outcome:
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
