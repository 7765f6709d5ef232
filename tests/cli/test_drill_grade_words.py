"""The grade line after an answer describes what happened, not just the number."""

from __future__ import annotations

import io

import pytest

from mathdrill.answers import Verdict
from mathdrill.cli.drill_cmd import PlainUI
from mathdrill.usecases.drill import Outcome
from tests.cli.test_drill_screen_text import _problem

WRONG = Verdict(status="wrong", reason="not equal to the reference")
CLOSE = Verdict(status="wrong", reason="not equal", near_miss="close but not within tolerance")
MISTAKE = Verdict(status="wrong", reason="not equal", mistake="no-chain", feedback="Chain!")
RIGHT = Verdict(status="correct", reason="equal to the reference")


def _grade_line(outcome: Outcome) -> str:
    out = io.StringIO()
    PlainUI(stdin=io.StringIO(), stdout=out).show_outcome(_problem(), outcome)
    lines = [line for line in out.getvalue().splitlines() if line.startswith("grade ")]
    assert len(lines) == 1, out.getvalue()
    return lines[0]


@pytest.mark.parametrize(
    ("verdict", "quality", "words"),
    [
        (WRONG, 1, "grade 1/5 (wrong)"),
        (CLOSE, 2, "grade 2/5 (wrong, but close)"),
        (MISTAKE, 2, "grade 2/5 (wrong: a known mistake)"),
        (RIGHT, 2, "grade 2/5 (correct, with much help)"),
        (RIGHT, 3, "grade 3/5 (correct, with effort)"),
        (RIGHT, 5, "grade 5/5 (perfect)"),
    ],
)
def test_grade_words_describe_the_attempt(verdict: Verdict, quality: int, words: str) -> None:
    outcome = Outcome(verdict=verdict, graded=True, quality=quality, derived_quality=quality)
    assert _grade_line(outcome) == words


def test_a_plain_wrong_answer_is_never_called_almost() -> None:
    # A learner's own grade (--self-grade) is shown as theirs, not described as an attempt.
    outcome = Outcome(verdict=WRONG, graded=True, quality=2, derived_quality=1)
    assert _grade_line(outcome) == "grade 2/5 (your own grade)"
