"""CPU-time budgets on deck expressions."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from mathdrill.decks import generate as generate_module
from mathdrill.decks.failures import GenerationError
from mathdrill.decks.generate import generate
from mathdrill.decks.loader import load_deck
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


@pytest.mark.slow
def test_deck_check_reports_the_endless_template_and_still_checks_the_rest(
    tmp_path: Path, short_budget
):
    path = tmp_path / "hostile.yaml"
    path.write_text(HOSTILE)
    report = authoring.check([path], samples=40, workers=1)
    by_id = {t.template.id: t for t in report.templates}
    assert by_id["fine"].ok
    assert by_id["fine"].samples == 40
    endless = by_id["endless"]
    assert not endless.ok
    assert any("CPU time" in p.message and p.line == 4 for p in endless.problems)
    # Sampling stops after a streak of timeouts instead of spending the budget 40 times.
    assert endless.samples < 10
    assert report.exit_code == 1


def test_variety_floor_is_50_per_300_samples_and_not_judged_below_30():
    from mathdrill.decks.soundness import variety_floor

    assert variety_floor(300) == 50
    assert variety_floor(200) == 34
    assert variety_floor(100) == 17
    assert variety_floor(30) == 5
    assert variety_floor(29) == 0
    assert variety_floor(600) == 100
