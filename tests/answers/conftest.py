"""Shared helpers for the answer-kind tests: build specs from author text, load the corpus."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mathdrill.answers import AnswerSpec, Judge, Mistake, parse_expected

CORPUS = Path(__file__).with_name("corpus.jsonl")


def make_spec(
    kind: str,
    expected: str,
    *,
    variables: dict[str, tuple[float, float]] | None = None,
    mistakes: list[dict[str, str]] | None = None,
    **options: Any,
) -> AnswerSpec:
    """Build a spec the way ``mathdrill check`` does: the reference read from author text."""
    variables = dict(variables or {})
    return AnswerSpec(
        kind=kind,
        expected=parse_expected(kind, expected, variables),
        variables=variables,
        mistakes=tuple(
            Mistake(m["name"], parse_expected(kind, m["value"], variables), m["feedback"])
            for m in mistakes or []
        ),
        **options,
    )


def corpus_cases() -> list[dict[str, Any]]:
    """Every case of corpus.jsonl, in file order."""
    with CORPUS.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def spec_for_case(case: dict[str, Any]) -> AnswerSpec:
    """The spec for one corpus case (same fields as ``mathdrill check --batch``)."""
    return make_spec(
        case["kind"],
        case["expected"],
        variables={k: (float(v[0]), float(v[1])) for k, v in (case.get("vars") or {}).items()},
        mistakes=case.get("mistakes"),
        rtol=case.get("rtol"),
        atol=case.get("atol"),
        choices=tuple(case.get("choices") or ()),
        up_to_constant=bool(case.get("up_to_constant", False)),
    )


@pytest.fixture(scope="module")
def warm_judge() -> Iterator[Judge]:
    """One capped judge shared by a test module (starting a worker costs ~0.5 s)."""
    judge = Judge(timeout=5.0)
    yield judge
    judge.close()
