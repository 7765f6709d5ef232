"""What decks ask of a kind: one list of kind names, reading a reference, showing it as typed."""

from __future__ import annotations

from typing import Any

import pytest
import sympy

from mathdrill.answers import KINDS, AnswerSpec, judge
from mathdrill.answers.forms import IntervalValue, ShapeValue
from mathdrill.decks.schema import known_kinds
from mathdrill.errors import InputError, MathSyntaxError
from mathdrill.mathlang import Sequence, parse_author
from mathdrill.vocabulary import ANSWER_KINDS

OPTIONS = ("negative", "zero", "positive")


def test_the_registry_has_one_kind_per_name_the_deck_format_knows() -> None:
    assert tuple(KINDS) == ANSWER_KINDS
    assert known_kinds() == ANSWER_KINDS
    assert all(kind.name == name for name, kind in KINDS.items())


def _read(kind: str, text: str, value: Any = None, names: dict[str, Any] | None = None) -> Any:
    """Read a deck reference ``text``; ``value`` is what evaluating it gives."""

    def evaluate() -> Any:
        if value is None:
            raise AssertionError(f"{text!r} should not be evaluated")
        return value

    def read_math(part: str) -> tuple[Any, tuple[Any, ...]]:
        parsed = parse_author(part, names=names or {})
        return parsed.value, parsed.numbers

    return KINDS[kind].read_reference(text, evaluate, read_math, OPTIONS)


def test_a_choice_reference_is_an_option_its_letter_or_an_index() -> None:
    assert _read("choice", "zero") == 1
    assert _read("choice", "c") == 2
    assert _read("choice", "case", sympy.Integer(0)) == 0
    with pytest.raises(InputError, match="not an option index from 0 to 2"):
        _read("choice", "case + 3", sympy.Integer(3))
    assert "nor an expression of the values" in KINDS["choice"].reference_hint("x", OPTIONS)
    assert KINDS["number"].reference_hint("x", ()) is None


def test_a_boolean_reference_is_a_word_or_a_condition() -> None:
    assert _read("boolean", "yes") is True
    assert _read("boolean", "False") is False
    assert _read("boolean", "a > b", sympy.true) is True
    with pytest.raises(InputError, match="not true/false or a comparison"):
        _read("boolean", "a + b", sympy.Integer(3))


def test_a_shape_reference_is_error_or_dimensions() -> None:
    assert _read("shape", "error") == ShapeValue(None, error=True)
    dims = Sequence((sympy.Integer(3), sympy.Integer(4)), "(")
    assert _read("shape", "(m, n)", dims) == ShapeValue((3, 4))
    assert _read("shape", "n", sympy.Integer(5)) == ShapeValue((5,))
    with pytest.raises(InputError, match="not a shape"):
        _read("shape", "(m, -1)", Sequence((sympy.Integer(3), sympy.Integer(-1)), "("))


def test_an_interval_reference_reads_its_endpoints_with_the_values() -> None:
    value = _read("interval", "[0, a)", names={"a": sympy.Integer(2)})
    assert isinstance(value, IntervalValue)
    (piece,) = value.pieces
    assert (piece.lo, piece.hi, piece.lo_closed, piece.hi_closed) == (0, 2, True, False)
    with pytest.raises(MathSyntaxError):
        _read("interval", "[0, a")


def test_other_kinds_evaluate_and_check_the_reference() -> None:
    assert _read("number", "a/2", sympy.Rational(1, 2)) == sympy.Rational(1, 2)
    with pytest.raises(InputError, match="not a single number"):
        _read("number", "x", sympy.Symbol("x"))


def test_eigenpairs_are_typed_as_pairs_and_shown_so_outside_latex() -> None:
    kind = KINDS["eigenpairs"]
    matrix = sympy.ImmutableMatrix([[2, 1], [1, 2]])
    spec = AnswerSpec("eigenpairs", matrix)
    assert kind.answer_text(spec, matrix) == "1: [-1, 1]; 3: [1, 1]"
    assert kind.answer_text(spec, sympy.Matrix([[2, 1], [1, 2]])) == "1: [-1, 1]; 3: [1, 1]"
    assert judge(spec, kind.answer_text(spec, matrix)).correct
    assert [kind.shows_answer_text(f) for f in ("display", "unicode", "latex")] == [
        True,
        True,
        False,
    ]


def test_a_choice_is_typed_as_its_letter() -> None:
    kind = KINDS["choice"]
    spec = AnswerSpec("choice", 2, choices=OPTIONS)
    assert kind.answer_text(spec, 2) == "c"
    assert kind.render(spec, 2, "unicode") == "c) positive"
    assert judge(spec, kind.answer_text(spec, 2)).correct
    assert kind.shows_answer_text("plain")
    assert not kind.shows_answer_text("latex")


@pytest.mark.parametrize("name", ["number", "expression", "vector", "set", "shape", "interval"])
def test_other_kinds_are_shown_in_every_form(name: str) -> None:
    assert not any(KINDS[name].shows_answer_text(f) for f in ("display", "unicode", "plain"))
