"""The answer corpus: every case through ``judge``, a sample through the capped ``Judge``."""

from __future__ import annotations

from collections import Counter

import pytest

from mathdrill.answers import KINDS, judge
from tests.answers.conftest import corpus_cases, spec_for_case

CASES = corpus_cases()


def test_corpus_is_large_and_covers_every_kind() -> None:
    assert len(CASES) >= 150
    counts = Counter(case["kind"] for case in CASES)
    assert set(counts) == set(KINDS)
    # Both verdicts appear for every kind, so no kind passes by always saying one thing.
    for kind in KINDS:
        outcomes = {case["correct"] for case in CASES if case["kind"] == kind}
        assert outcomes == {True, False}, kind
    assert len({case["id"] for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_case(case: dict) -> None:
    verdict = judge(spec_for_case(case), case["answer"])
    detail = f"{case['expected']!r} vs {case['answer']!r}: {verdict.status} ({verdict.reason})"
    assert verdict.correct is case["correct"], detail
    if "status" in case:
        assert verdict.status == case["status"], detail
    elif not case["correct"]:
        assert verdict.status == "wrong", detail
    if "mistake" in case:
        assert verdict.mistake == case["mistake"], detail
        assert verdict.feedback
    if "near_miss" in case:
        assert (verdict.near_miss or "").startswith(case["near_miss"]), detail
    if verdict.status in ("correct", "wrong"):
        assert verdict.read_as
        assert verdict.read_as_plain
    if verdict.status == "unreadable":
        assert verdict.error


SAMPLE = CASES[::7]


@pytest.mark.parametrize("case", SAMPLE, ids=[case["id"] for case in SAMPLE])
def test_case_through_worker(case: dict, warm_judge) -> None:
    spec = spec_for_case(case)
    in_process = judge(spec, case["answer"])
    capped = warm_judge.check(spec, case["answer"])
    assert capped == in_process
