"""Hostile answers: lines and options that once stopped ``check`` or got the wrong verdict.

Part of the hostile corpus (issue 16): each case once broke mathdrill or surprised a learner.
"""

from __future__ import annotations

import json

import pytest

GOOD = '{"id": "ok", "kind": "expression", "expected": "x", "answer": "x", "vars": ["x"]}'
HOSTILE_LINES = {
    "surrogate-answer": '{"id": 2, "kind": "expression", "expected": "x", "answer": "\\ud800"}',
    "surrogate-expected": '{"id": 3, "kind": "number", "expected": "\\udc00", "answer": "1"}',
    "surrogate-id": '{"id": "\\ud800", "kind": "number", "expected": "1", "answer": "1"}',
    "surrogate-key": '{"\\ud800": 1, "kind": "number", "expected": "1", "answer": "1"}',
    "long-integer": '{"id": 5, "kind": "number", "expected": "1", "answer": "1", "rtol": '
    + "9" * 5000
    + "}",
    "deep-array": '{"id": 6, "kind": "number", "expected": "1", "answer": "1", "x": '
    + "[" * 5000
    + "]" * 5000
    + "}",
    "nan-rtol": '{"id": 7, "kind": "number", "expected": "1", "answer": "1", "rtol": NaN}',
}


@pytest.mark.parametrize("name", sorted(HOSTILE_LINES))
def test_one_hostile_batch_line_costs_that_line_only(md, name):
    lines = [GOOD, HOSTILE_LINES[name], GOOD]
    done = md("check", "--batch", "-", stdin="\n".join(lines) + "\n")
    assert done.code == 0, done.stderr
    results = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(results) == 3, done.stdout
    assert results[0]["correct"] is True
    assert results[2]["correct"] is True
    assert results[1]["line"] == 2
    assert results[1]["error"]
    done.stdout.encode("utf-8")  # the output itself is valid UTF-8


@pytest.mark.parametrize("value", ["inf", "1e300", "nan", "-inf", "0", "100000"])
def test_an_unusable_timeout_is_refused_with_the_range(md, value):
    done = md("check", "-k", "number", "-e", "1", "-a", "1", "--timeout", value)
    assert done.code == 2, (done.stdout, done.stderr)
    assert "--timeout" in done.stderr
    assert "0.1" in done.stderr


@pytest.mark.parametrize("option", ["--rtol", "--atol"])
@pytest.mark.parametrize("value", ["nan", "-1", "inf", "-inf"])
def test_an_unusable_tolerance_is_refused(md, option, value):
    done = md("check", "-k", "number", "-e", "1", "-a", "1.5", option, value)
    assert done.code == 2, (done.stdout, done.stderr)
    assert option in done.stderr
    assert "≥ 0" in done.stderr


def test_the_whole_hostile_batch_through_the_real_process(run_md):
    # The real stdout encodes UTF-8 strictly: a lone surrogate echoed there once ended the batch.
    lines = [GOOD, *HOSTILE_LINES.values(), GOOD]
    done = run_md("check", "--batch", "-", stdin="\n".join(lines) + "\n", timeout=120)
    assert done.returncode == 0, done.stderr
    results = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r.get("line") for r in results[1:-1]] == list(range(2, len(lines)))
    assert all(r["error"] for r in results[1:-1])
    assert results[0]["correct"] is True
    assert results[-1]["correct"] is True


# Numbers far beyond floating point: every comparison here can be decided exactly.
HUGE = [
    ("exp(1000)", "500!", "wrong"),
    ("500!", "exp(1000)", "wrong"),
    ("exp(-1000)", "500!", "wrong"),
    ("1/500!", "500!", "wrong"),
    ("500!", "1/500!", "wrong"),
    ("500!", "exp(-1000)", "wrong"),
    ("exp(1000)", "exp(1000)", "correct"),
    ("500!", "500*499!", "correct"),
    ("-exp(1000)", "exp(1000)", "wrong"),
    ("exp(1000)", "2*exp(1000)", "wrong"),
    ("exp(1000)", "10*exp(1000)", "wrong"),
]


def test_huge_and_tiny_numbers_are_decided(md):
    lines = [
        json.dumps({"id": i, "kind": "number", "expected": e, "answer": a})
        for i, (e, a, _status) in enumerate(HUGE)
    ]
    done = md("check", "--batch", "-", "--timeout", "20", stdin="\n".join(lines) + "\n")
    assert done.code == 0, done.stderr
    results = [json.loads(line) for line in done.stdout.splitlines()]
    got = [(e, a, r["status"]) for (e, a, _), r in zip(HUGE, results, strict=True)]
    assert got == HUGE
    near = {(e, a): r["near_miss"] for (e, a, _), r in zip(HUGE, results, strict=True)}
    assert "sign" in near[("-exp(1000)", "exp(1000)")]
    # A plain number gets no constant-factor near miss: every wrong nonzero number is one.
    assert near[("exp(1000)", "2*exp(1000)")] is None
    assert "10^1" in near[("exp(1000)", "10*exp(1000)")]
    assert near[("500!", "1/500!")] is None
