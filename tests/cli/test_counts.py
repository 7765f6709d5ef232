"""Counts on the screen are in the right grammatical number (``1 lapse``, ``2 lapses``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mathdrill.cli.counts import counted

CLI = Path(__file__).resolve().parents[2] / "mathdrill" / "cli"


@pytest.mark.parametrize(
    ("number", "noun", "plural", "text"),
    [
        (0, "lapse", None, "0 lapses"),
        (1, "lapse", None, "1 lapse"),
        (2, "lapse", None, "2 lapses"),
        (1, "study day", None, "1 study day"),
        (3, "entry", "entries", "3 entries"),
        (1, "entry", "entries", "1 entry"),
    ],
)
def test_counted(number: int, noun: str, plural: str | None, text: str) -> None:
    assert counted(number, noun, plural) == text


def test_no_message_hedges_its_plural_with_parentheses() -> None:
    # "1 problem(s)" reads as unfinished; every count goes through counted().
    hedged = [
        f"{path.name}:{number}"
        for path in sorted(CLI.glob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\}[^\"{]*\w\(s\)", line)
    ]
    assert hedged == []


def test_no_count_is_followed_by_a_fixed_plural() -> None:
    # f"{n} lapses" says "1 lapses"; counted(n, "lapse") does not.
    fixed = [
        f"{path.name}:{number}"
        for path in sorted(CLI.glob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(
            r"\{[^}:]*\}\]?\s+(lapses|reviews|cards|skills|decks|days|templates|problems|files"
            r"|samples|study days|entries|weeks)\b",
            line,
        )
    ]
    assert fixed == []
