"""The ``number`` rule, as README.md states it, one row per case (text, reference, verdict).

README.md ("The number rule") states :data:`RULE_SENTENCE`; the trailing zeros of a whole number
written without a point are not significant (12300 has three figures).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mathdrill.answers import judge
from tests.answers.conftest import make_spec

README = Path(__file__).resolve().parents[2] / "README.md"
RULE_SENTENCE = (
    "A number you type is right when it equals the exact value or, unless that value is a whole"
    " number, when it has at least 3 significant figures and lies within one unit of its last one."
)

RULE = [
    # exact values, whatever their form or figures
    ("1/3", "1/3", "correct"),
    ("0.5", "1/2", "correct"),
    ("50%", "1/2", "correct"),
    ("12345", "12345", "correct"),
    ("12345.0", "12345", "correct"),
    ("1.2345e4", "12345", "correct"),
    # roundings with at least 3 significant figures, within one unit of the last one
    ("0.333", "1/3", "correct"),
    ("0.334", "1/3", "correct"),
    ("33.3%", "1/3", "correct"),
    ("333", "1000/3", "correct"),
    ("333.", "1000/3", "correct"),
    ("333.3", "1000/3", "correct"),
    ("3.33e2", "1000/3", "correct"),
    ("-333", "-1000/3", "correct"),
    ("12300", "123456/10", "correct"),
    ("1.23e4", "123456/10", "correct"),
    ("12346", "123456/10", "correct"),
    # more than one unit away
    ("0.3323", "1/3", "wrong"),
    ("331", "1000/3", "wrong"),
    ("12100", "123456/10", "wrong"),
    ("1.21e4", "123456/10", "wrong"),
    # fewer than 3 significant figures (trailing zeros of a whole number do not count)
    ("0.33", "1/3", "wrong"),
    ("330", "1000/3", "wrong"),
    ("300", "1000/3", "wrong"),
    ("12000", "123456/10", "wrong"),
    ("12000.", "123456/10", "wrong"),  # with a point its zeros count: 5 figures, 346 units off
    # a whole-number value (a count) is not rounded: only the number itself
    ("12300", "12345", "wrong"),
    ("1.23e4", "12345", "wrong"),
    ("333", "334", "wrong"),
    ("333.", "334", "wrong"),
    ("0.999", "1", "wrong"),
]


@pytest.mark.parametrize(("text", "reference", "expected"), RULE)
def test_number_rule(text: str, reference: str, expected: str) -> None:
    assert judge(make_spec("number", reference), text).status == expected


def test_too_few_figures_in_a_whole_number_says_so() -> None:
    result = judge(make_spec("number", "1000/3"), "330")
    assert result.near_miss == "give at least 3 significant figures"
    assert "330 has only 2 significant figures" in result.reason


def test_a_rounded_whole_number_value_says_it_is_not_rounded() -> None:
    result = judge(make_spec("number", "12345"), "1.23e4")
    assert "whole number" in result.reason


def test_readme_states_the_rule_this_table_checks() -> None:
    text = re.sub(r"\s+", " ", README.read_text(encoding="utf-8"))
    assert RULE_SENTENCE in text


def test_a_template_tolerance_replaces_the_rule_and_its_reasons() -> None:
    result = judge(make_spec("number", "100", atol=0.5), "101")
    assert result.status == "wrong"
    assert "tolerance" in result.reason
