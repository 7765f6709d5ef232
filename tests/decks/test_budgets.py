"""CPU-time budgets on deck expressions, and deck check's reuse of repeated draws."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from mathdrill.decks import generate as generate_module
from mathdrill.decks.generate import GenerationError, draw_params, generate, params_key
from mathdrill.decks.loader import load_deck
from mathdrill.decks.soundness import check_seed
from mathdrill.usecases import authoring

# sympy's integrate runs for minutes on this (measured: still running after 120 s), yet every
# size limit is satisfied: only a time bound stops it.
HOSTILE = """\
deck: hostile
title: Hostile
templates:
  - id: endless
    title: Endless
    symbols: [x]
    params:
      a: integer(1, 3)
    let:
      F: integrate(exp(-x^2)*sin(x)^5*log(x+a), x)
    prompt: Integrate to get {F}.
    answer: {kind: expression, value: F}
  - id: fine
    title: Fine
    symbols: [x]
    params:
      a: integer(2, 9)
    prompt: Differentiate {a}x².
    answer: {kind: expression, value: 2*a*x}
"""

SMALL = """\
deck: small
title: Small parameter space
templates:
  - id: few
    title: Few values
    symbols: [x]
    params:
      a: integer(2, 4)
    prompt: Differentiate {a}x².
    answer: {kind: expression, value: 2*a*x}
    mistakes:
      - id: forgot-two
        value: a*x
        feedback: The derivative of x² is 2x.
"""


@pytest.fixture
def short_budget(monkeypatch: pytest.MonkeyPatch) -> float:
    monkeypatch.setattr(generate_module, "GENERATION_CPU_SECONDS", 0.3)
    return 0.3


def test_an_endless_let_expression_fails_generation_with_its_template_named(short_budget):
    template = load_deck(HOSTILE, "hostile.yaml", trial=False).template("endless")
    started = time.process_time()
    with pytest.raises(GenerationError) as caught:
        generate(template, 7)
    assert time.process_time() - started < short_budget + 2
    assert caught.value.stage == "timeout"
    assert caught.value.seed == 7
    problem = caught.value.problem
    assert (problem.path, problem.line, problem.template) == ("hostile.yaml", 4, "endless")
    assert "more than 0.3 s of CPU time" in problem.message


def test_deck_check_reports_the_endless_template_and_still_checks_the_rest(
    tmp_path: Path, short_budget
):
    path = tmp_path / "hostile.yaml"
    path.write_text(HOSTILE)
    started = time.monotonic()
    report = authoring.check([path], samples=40, workers=1)
    elapsed = time.monotonic() - started
    by_id = {t.template.id: t for t in report.templates}
    assert by_id["fine"].ok
    assert by_id["fine"].samples == 40
    endless = by_id["endless"]
    assert not endless.ok
    assert any("CPU time" in p.message and p.line == 4 for p in endless.problems)
    # Sampling stops after a streak of timeouts instead of spending the budget 40 times.
    assert endless.samples < 10
    assert elapsed < 60
    assert report.exit_code == 1


def test_repeated_draws_reuse_the_first_verdicts(tmp_path: Path):
    template = load_deck(SMALL, "small.yaml").template("few")
    calls: list[str] = []

    def counting_judge(spec, text):
        from mathdrill.answers import judge

        calls.append(text)
        return judge(spec, text)

    memo: dict = {}
    results = [check_seed(template, seed, judge=counting_judge, memo=memo) for seed in range(30)]
    distinct = {params_key(draw_params(template, seed)) for seed in range(30)}
    assert len(distinct) == 3  # a ∈ {2, 3, 4}
    assert len(calls) == 2 * len(distinct)  # reference + one mistake, once per distinct draw
    assert [r.seed for r in results] == list(range(30))
    assert all(r.problems == () for r in results)
    for seed, result in enumerate(results):
        assert result.key == generate(template, seed).key


def test_reuse_keeps_failures_for_every_seed_that_draws_them():
    text = SMALL.replace("value: a*x\n", "value: x*a*2\n")  # the "mistake" is the reference
    template = load_deck(text, "small.yaml").template("few")
    memo: dict = {}
    with_memo = [check_seed(template, seed, memo=memo) for seed in range(12)]
    without = [check_seed(template, seed) for seed in range(12)]
    assert with_memo == without
    assert all(r.problems and r.problems[0][2] == "mistake" for r in with_memo)


def test_params_key_tells_types_and_matrices_apart():
    import sympy

    assert params_key({"a": sympy.Integer(2)}) != params_key({"a": sympy.Float(2.0)})
    m1 = sympy.Matrix([[1, 2], [3, 4]])
    m2 = sympy.Matrix([[1, 2, 3, 4]])
    assert params_key({"m": m1}) != params_key({"m": m2})
    assert params_key({"m": m1}) == params_key({"m": sympy.Matrix([[1, 2], [3, 4]])})
    hash(params_key({"m": m1, "p": (0, 2, 1)}))


def test_a_draw_that_cannot_be_hashed_is_checked_without_reuse():
    from mathdrill.decks.soundness import _memo_key

    assert _memo_key({"a": {"unhashable": [1]}}) is None
    assert _memo_key({"a": (0, 2, 1)}) == params_key({"a": (0, 2, 1)})
