"""Markdown emphasis in deck texts: what is rendered and what stays literal."""

from __future__ import annotations

import pytest

from mathdrill.cli.emphasis import split_emphasis


@pytest.mark.parametrize(
    ("text", "runs"),
    [
        (
            "the posterior *odds* of disease",
            [("the posterior ", ""), ("odds", "italic"), (" of disease", "")],
        ),
        ("**not** the mean", [("not", "bold"), (" the mean", "")]),
        ("*a* and *b*.", [("a", "italic"), (" and ", ""), ("b", "italic"), (".", "")]),
        ("2*x*cos(x^2)", [("2*x*cos(x^2)", "")]),
        ("a * b * c", [("a * b * c", "")]),
        ("x** 2 and 3 **y", [("x** 2 and 3 **y", "")]),
        ("no emphasis", [("no emphasis", "")]),
        ("", []),
    ],
)
def test_emphasis_runs(text: str, runs: list[tuple[str, str]]) -> None:
    assert split_emphasis(text) == runs
