"""The "read as" preview: how a text is read before it is graded, as the verdict reads it."""

from __future__ import annotations

import pytest

from mathdrill.answers.kinds import judge, preview
from mathdrill.answers.verdict import CANNOT_PREVIEW, Preview
from tests.answers.conftest import corpus_cases, make_spec, spec_for_case

CASES = corpus_cases()
X = {"x": (-2.0, 2.0)}


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_the_preview_reads_every_corpus_answer_as_the_verdict_does(case: dict) -> None:
    spec = spec_for_case(case)
    verdict = judge(spec, case["answer"])
    shown = preview(spec, case["answer"], cpu_seconds=10)
    if not case["answer"].strip():
        assert shown.status == "empty"
    elif verdict.status == "unreadable":
        assert shown.status == "unreadable"
        assert shown.error
        assert shown.error in (verdict.error or "")
    else:
        assert shown.status == "read"
        assert (shown.read_as, shown.read_as_plain) == (verdict.read_as, verdict.read_as_plain)
        assert shown.notes == verdict.notes


def test_a_formula_is_read_with_its_notation_made_explicit() -> None:
    spec = make_spec("expression", "2*x*cos(x^2)", variables=X)
    shown = preview(spec, "2x cos(x^2)")
    assert shown == Preview("read", read_as="2·x·cos(x²)", read_as_plain="2*x*cos(x**2)")
    assert preview(spec, "sin x^2").read_as == "sin(x²)"
    assert preview(spec, "sin^2 x").read_as == "sin(x)²"


def test_an_ambiguous_spelling_comes_with_its_note() -> None:
    spec = make_spec("expression", "x/2", variables=X)
    shown = preview(spec, "1/2x")
    assert shown.status == "read"
    assert shown.notes
    assert "1/(2x)" in shown.notes[0]


@pytest.mark.parametrize(
    ("text", "span"),
    [("sinx", (0, 4)), ("2x +* 3", (4, 5)), ("e^-3x", (1, 5))],
)
def test_unreadable_text_gives_the_message_and_where(text: str, span: tuple[int, int]) -> None:
    spec = make_spec("expression", "x", variables=X)
    shown = preview(spec, text)
    assert shown.status == "unreadable"
    assert shown.read_as is None
    assert shown.error
    assert "\n" not in shown.error, "a one-line hint, no caret echo"
    assert (shown.start, shown.end) == span


@pytest.mark.parametrize("text", ["", "   ", "\t"])
def test_blank_text_has_no_preview(text: str) -> None:
    assert preview(make_spec("expression", "x", variables=X), text) == Preview()


@pytest.mark.parametrize(
    ("kind", "expected", "text", "read_as"),
    [
        ("boolean", "true", "yes", "yes"),
        ("choice", "a", "B", "b) bar"),
        ("shape", "(2, 3)", "2x3", "(2, 3)"),
        ("interval", "[0, 1)", "[0,1)", "[0, 1)"),
        ("vector", "[1, 2]", "(1,2)", "(1, 2)"),
    ],
)
def test_kinds_that_are_not_formulas_show_what_their_reader_makes_of_the_text(
    kind: str, expected: str, text: str, read_as: str
) -> None:
    choices = ("foo", "bar") if kind == "choice" else ()
    spec = make_spec(kind, expected, choices=choices)
    shown = preview(spec, text)
    assert shown.status == "read", shown
    assert shown.read_as == judge(spec, text).read_as == read_as


def test_a_preview_over_its_cpu_budget_is_a_quiet_cannot_preview() -> None:
    # A product of many distinct factors: cheap to type, tens of milliseconds or more to
    # build and print (uncached: the offset makes the factors new to sympy's cache).
    offset = 7919
    text = "*".join(f"(x+{offset + i})" for i in range(110))
    shown = preview(make_spec("expression", "x", variables=X), text, cpu_seconds=0.001)
    assert shown == Preview("unknown", error=CANNOT_PREVIEW)
    # The same text, given time, is read: the budget was the only obstacle.
    assert preview(make_spec("expression", "x", variables=X), text, cpu_seconds=30).status == (
        "read"
    )


def test_a_preview_crosses_the_worker_boundary_as_json_and_back() -> None:
    spec = make_spec("expression", "x/2", variables=X)
    for shown in (preview(spec, "1/2x"), preview(spec, "sinx"), Preview(), Preview("unknown")):
        assert Preview.from_dict(shown.to_dict()) == shown


@pytest.mark.parametrize(
    "data",
    [
        {"status": "graded"},
        {"status": "read", "read_as": 3},
        {"status": "unreadable", "start": "0"},
        {"status": "unreadable", "end": True},
        {"status": "read", "notes": "one"},
        {"status": "read", "notes": [1]},
    ],
)
def test_a_malformed_preview_is_refused(data: dict) -> None:
    with pytest.raises(ValueError, match="preview"):
        Preview.from_dict(data)
