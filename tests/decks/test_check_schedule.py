"""How ``deck check`` spreads its templates over worker processes."""

from __future__ import annotations

from pathlib import Path

import pytest

from mathdrill.usecases import authoring

DECK = """\
deck: sched
title: Scheduling
templates:
  - id: plain-number
    title: A number
    params:
      a: integer(2, 99)
    prompt: What is {a} + 1?
    answer: {kind: number, value: a + 1}
  - id: heavy-formula
    title: A derivative with mistakes
    symbols: [x]
    params:
      a: integer(2, 9)
      b: integer(1, 5)
    let:
      f: sin(a*x**2 + b*x)
      df: diff(f, x)
    prompt: Differentiate {f}.
    answer: {kind: expression, value: df}
    mistakes:
      - id: no-inner
        value: cos(a*x**2 + b*x)
        feedback: Multiply by the inner derivative.
      - id: sign
        value: -df
        feedback: The derivative of sin is cos.
"""


def test_the_report_keeps_the_file_order_and_every_seed(tmp_path: Path) -> None:
    path = tmp_path / "sched.yaml"
    path.write_text(DECK, encoding="utf-8")
    started: list[int] = []
    advanced: list[int] = []
    report = authoring.check(
        [path], samples=30, workers=2, on_start=started.append, on_advance=advanced.append
    )
    assert [r.template.id for r in report.templates] == ["plain-number", "heavy-formula"]
    assert [r.samples for r in report.templates] == [30, 30]
    assert started == [60]
    assert advanced == [30, 30]
    assert report.exit_code == 0


@pytest.mark.slow
def test_two_workers_find_what_one_finds(tmp_path: Path) -> None:
    path = tmp_path / "sched.yaml"
    path.write_text(DECK, encoding="utf-8")
    pooled = authoring.check([path], samples=60, workers=2)
    alone = authoring.check([path], samples=60, workers=1)
    assert [(r.template.id, r.samples, r.distinct, r.ok) for r in pooled.templates] == [
        (r.template.id, r.samples, r.distinct, r.ok) for r in alone.templates
    ]


def test_a_deck_is_read_once_per_check(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "sched.yaml"
    path.write_text(DECK, encoding="utf-8")
    reads = []
    real = authoring.parse_deck

    def counting(raw, where, *args, **kwargs):
        reads.append(where)
        return real(raw, where, *args, **kwargs)

    monkeypatch.setattr(authoring, "parse_deck", counting)
    assert authoring.check([path], samples=60, workers=1).exit_code == 0
    assert reads == [str(path)]
