"""Property: ``judge`` never raises on learner text, whatever the kind and the text."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mathdrill.answers import judge
from mathdrill.answers.verdict import STATUSES as STATUSES_FOR_TESTS
from tests.answers.conftest import make_spec

REFERENCES = {
    "number": ("1/3", {}),
    "expression": ("x^2 + sin(x)", {"x": (-2.0, 2.0)}),
    "vector": ("[1, 2]", {}),
    "matrix": ("[[1, 2], [3, 4]]", {}),
    "set": ("{1, 3}", {}),
    "multiset": ("{2, 2, 3}", {}),
    "direction": ("[1, 2]", {}),
    "eigenpairs": ("Matrix([[4, 1], [2, 3]])", {}),
    "choice": ("tanh", {}),
    "boolean": ("yes", {}),
    "shape": ("(3, 4)", {}),
    "interval": ("[0, 1)", {}),
}

SPECS = {
    kind: make_spec(kind, text, variables=variables, choices=("relu", "tanh", "sigmoid"))
    for kind, (text, variables) in REFERENCES.items()
}

# Text built from the characters answers are made of, so the parser gets past the first token
# often enough to reach the comparisons; plus arbitrary unicode.
MATHY = st.text(
    alphabet=st.sampled_from(list("0123456789.+-*/^()[]{},;:x yeπ√²%!∞→λ=<>|\\")),
    max_size=40,
)
WORDS = st.lists(
    st.sampled_from(
        [
            "sqrt",
            "sin",
            "log",
            "exp",
            "sigmoid",
            "oo",
            "inf",
            "U",
            "∪",
            "error",
            "x",
            "1e-3",
            "0.333",
            "[",
            "]",
            "(",
            ")",
            ",",
            ";",
            ":",
            "->",
            "\\frac{1}{2}",
            "\\begin{bmatrix}",
            "&",
            "\\\\",
            "\\end{bmatrix}",
            "yes",
            "b)",
            "3x4",
            "-",
            "^",
            "/",
        ]
    ),
    max_size=12,
).map(" ".join)
TEXT = st.one_of(MATHY, WORDS, st.text(max_size=30))


@pytest.mark.parametrize("kind", sorted(REFERENCES))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXT)
def test_judge_never_raises(kind: str, text: str) -> None:
    verdict = judge(SPECS[kind], text)
    assert verdict.status in STATUSES_FOR_TESTS
    assert isinstance(verdict.reason, str)
    if verdict.status == "unreadable":
        assert verdict.error
    # The judge's last-resort handlers hide internal errors from the learner; they must not be
    # what decided any of these inputs (that would be a bug the catch-all papers over).
    assert verdict.reason != "could not read this answer", text
    assert verdict.reason != "could not decide — simplify your answer", text
