"""Canonical forms (``deck check``'s distinct answers): equal for values a kind judges equal."""

from __future__ import annotations

import pytest

from mathdrill.answers import KINDS, AnswerSpec, judge, parse_expected
from mathdrill.answers.kinds import canonical_answer


def spec_of(kind: str, text: str, **options) -> AnswerSpec:
    variables = options.pop("variables", {})
    expected = parse_expected(kind, text, variables)
    return AnswerSpec(kind=kind, expected=expected, variables=variables, **options)


X = {"variables": {"x": (-2.0, 2.0)}}

# (kind, a reference, another way to write the same answer, options)
SAME = [
    ("number", "sqrt(2)/2", "1/sqrt(2)", {}),
    ("number", "log(1024)/log(2)", "10", {}),
    ("number", "3 + 4*I", "(1 + 2*I)**2 + 6", {}),
    ("expression", "sin(x)**2", "1 - cos(x)**2", X),
    ("expression", "x**2 + 3", "x**2 - 7", {**X, "up_to_constant": True}),
    ("vector", "[1/2, 2]", "[0.5, sqrt(4)]", {}),
    ("matrix", "[[1, 2], [3, 4]]", "[[2/2, 2], [3, 2*2]]", {}),
    ("set", "[1, 2, 2]", "[2, 1]", {}),
    ("multiset", "[I, -I]", "[-I, I]", {}),
    ("direction", "[1, -2]", "[-3, 6]", {}),
    ("direction", "[1, I]", "[I, -1]", {}),
    ("eigenpairs", "Matrix([[2, 1], [1, 2]])", "Matrix([[2, 1], [1, 2]])", {}),
    ("shape", "(3, 4)", "(3, 4)", {}),
]

DIFFERENT = [
    ("number", "1/3", "0.333", {}),
    ("expression", "x**2 + 3", "x**2 - 7", X),
    ("multiset", "[1, 2, 2]", "[1, 2]", {}),
    ("direction", "[1, 2, 1]", "[1, 2, 1.01]", {}),
    ("vector", "[1, 2]", "[2, 1]", {}),
    (
        "eigenpairs",
        "Matrix([[2, 0], [0, 3]])",
        "Matrix([[3, 0], [0, 2]]) + Matrix([[0, 1], [0, 0]])",
        {},
    ),
]


@pytest.mark.parametrize(("kind", "one", "other", "options"), SAME)
def test_values_the_kind_judges_equal_share_one_canonical_form(kind, one, other, options):
    first, second = spec_of(kind, one, **options), spec_of(kind, other, **options)
    assert canonical_answer(first) == canonical_answer(second)
    # The premise: the kind does judge them equal (the reference of one, typed, is the other).
    if kind not in ("eigenpairs", "shape"):
        typed = KINDS[kind].answer_text(second, second.expected)
        assert judge(first, typed).correct


@pytest.mark.parametrize(("kind", "one", "other", "options"), DIFFERENT)
def test_different_answers_have_different_canonical_forms(kind, one, other, options):
    first, second = spec_of(kind, one, **options), spec_of(kind, other, **options)
    assert canonical_answer(first) != canonical_answer(second)


def test_every_kind_has_a_canonical_form():
    cases = {
        "number": "2",
        "expression": "x",
        "vector": "[1, 2]",
        "matrix": "[[1]]",
        "set": "[1]",
        "multiset": "[1]",
        "direction": "[1, 2]",
        "eigenpairs": "Matrix([[1, 0], [0, 2]])",
        "boolean": "true",
        "shape": "(2, 3)",
        "interval": "[0, 1)",
    }
    for kind, text in cases.items():
        assert canonical_answer(spec_of(kind, text, **(X if kind == "expression" else {})))
    choice = AnswerSpec(kind="choice", expected=1, choices=("yes", "no"))
    assert canonical_answer(choice) != canonical_answer(
        AnswerSpec(kind="choice", expected=0, choices=("yes", "no"))
    )
