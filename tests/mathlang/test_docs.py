"""The module docstring documents every function of both tables and the limits in force."""

from __future__ import annotations

import re

import mathdrill.mathlang as mathlang
from mathdrill.mathlang import AUTHOR_FUNCTIONS, AUTHOR_LIMITS, LEARNER_FUNCTIONS, LEARNER_LIMITS

DOC = mathlang.__doc__ or ""


def test_every_function_name_is_documented() -> None:
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", DOC))
    missing = sorted(set(LEARNER_FUNCTIONS) | set(AUTHOR_FUNCTIONS) - words)
    missing = [name for name in missing if name not in words]
    assert missing == []


def test_documented_limits_match_the_defaults() -> None:
    assert f"input length (characters)              {LEARNER_LIMITS.max_length}" in DOC
    assert f"{AUTHOR_LIMITS.max_length}" in DOC
    assert f"``factorial`` argument                 {LEARNER_LIMITS.max_factorial}" in DOC
    assert f"digits of an exact power               {LEARNER_LIMITS.max_power_digits}" in DOC


def test_one_over_2x_decision_is_documented() -> None:
    assert "1/2x was read as (1/2)·x; write 1/(2x) for the other reading" in DOC
