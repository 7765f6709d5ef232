"""How ``deck check`` spreads its work over worker processes."""

from __future__ import annotations

from pathlib import Path

from mathdrill.decks.loader import load_deck
from mathdrill.usecases import authoring

DECK = """\
deck: sched
title: Scheduling
templates:
  - id: plain-number
    title: A number
    params:
      a: integer(2, 9)
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


def test_heavier_templates_weigh_more() -> None:
    deck = load_deck(DECK, "sched.yaml")
    light, heavy = deck.template("plain-number"), deck.template("heavy-formula")
    assert authoring.template_weight(heavy) > authoring.template_weight(light) > 0


def test_heaviest_templates_are_handed_out_first(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "sched.yaml"
    path.write_text(DECK, encoding="utf-8")
    handed: list[tuple[str, list[int]]] = []

    def record_pool(tasks, count, results, on_start, on_advance, total):
        for deck_path, template_id, seeds in tasks:
            handed.append((template_id, seeds))
            results.setdefault((deck_path, template_id), []).extend(
                authoring.check_chunk(deck_path, template_id, seeds)
            )

    monkeypatch.setattr(authoring, "_run_pool", record_pool)
    report = authoring.check([path], samples=120, workers=2)
    # The heavier template goes whole to one worker (its repeated draws share one memo); the
    # lighter one is cut into chunks that even out the end.
    assert [t for t, _ in handed] == ["heavy-formula"] + ["plain-number"] * 3
    assert [len(seeds) for _, seeds in handed] == [120, 50, 50, 20]
    # The report keeps the file's order and every seed.
    assert [r.template.id for r in report.templates] == ["plain-number", "heavy-formula"]
    assert [r.samples for r in report.templates] == [120, 120]
    assert report.exit_code == 0


def test_two_workers_find_what_one_finds(tmp_path: Path) -> None:
    path = tmp_path / "sched.yaml"
    path.write_text(DECK, encoding="utf-8")
    pooled = authoring.check([path], samples=60, workers=2)
    alone = authoring.check([path], samples=60, workers=1)
    assert [(r.template.id, r.samples, r.distinct, r.ok) for r in pooled.templates] == [
        (r.template.id, r.samples, r.distinct, r.ok) for r in alone.templates
    ]


def test_garbage_is_collected_rarely_during_a_check_and_as_before_after(
    tmp_path: Path, monkeypatch
) -> None:
    import gc

    path = tmp_path / "sched.yaml"
    path.write_text(DECK, encoding="utf-8")
    before = gc.get_threshold()
    seen = []
    real = authoring.check_chunk

    def spy(deck_path, template_id, seeds):
        seen.append((gc.get_threshold()[0], gc.get_freeze_count() > 0))
        return real(deck_path, template_id, seeds)

    monkeypatch.setattr(authoring, "check_chunk", spy)
    report = authoring.check([path], samples=10, workers=1)
    assert report.exit_code == 0
    assert seen == [(authoring.BATCH_GC_THRESHOLD, True)] * 2
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


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
