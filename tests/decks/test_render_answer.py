"""Rendering a reference or a mistake as its kind shows it, without building a spec per value."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from mathdrill.answers import render_reference
from mathdrill.answers.kinds import STYLES
from mathdrill.decks.answering import answer_text, render_answer
from mathdrill.decks.generate import generate
from mathdrill.decks.loader import load_deck, load_deck_file
from mathdrill.errors import UsageError

FIXTURES = Path(__file__).parent / "fixtures"
CHOICE_WITH_MISTAKES = """deck: t
title: T
templates:
  - id: choice-with-mistakes
    title: Pick the derivative
    params:
      a: integer(2, 9)
    prompt: Which is d/dx x^{a}?
    answer:
      kind: choice
      value: b
      choices:
        - "x^{a}"
        - "{a}x^(n-1) with n = {a}"
        - "0"
    mistakes:
      - value: a
        feedback: That is the function itself.
      - value: c
        feedback: Only a constant has derivative 0.
"""
DECKS = [
    load_deck(CHOICE_WITH_MISTAKES, "t.yaml"),
    load_deck_file(FIXTURES / "good" / "features.yaml"),
    *(load_deck_file(path) for path in sorted(Path("decks").glob("*.yaml"))),
]


def _one_template_per_kind() -> list[object]:
    """The first template of each answer kind, preferring one with authored mistakes."""
    seen: dict[str, object] = {}
    for deck in DECKS:
        for template in deck.templates:
            kind = template.answer.kind
            if kind not in seen or (template.mistakes and not seen[kind].mistakes):
                seen[kind] = template
    return list(seen.values())


TEMPLATES = _one_template_per_kind()


def test_every_answer_kind_is_covered() -> None:
    kinds = {t.answer.kind for t in TEMPLATES}
    assert {"number", "expression", "vector", "matrix", "choice"} <= kinds
    assert all(t.mistakes for t in TEMPLATES if t.answer.kind in ("choice", "matrix"))


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: f"{t.answer.kind}-{t.id}")
def test_a_value_renders_as_the_spec_with_that_value_as_its_reference(template) -> None:
    for seed in (0, 1, 2):
        spec = generate(template, seed).spec
        values = [spec.expected, *(m.value for m in spec.mistakes)]
        for value in values:
            as_reference = replace(spec, expected=value)
            for style in STYLES:
                assert render_answer(spec, value, style) == render_reference(as_reference, style)
            assert answer_text(spec, value) == answer_text(as_reference, value)


def test_an_unknown_style_is_refused() -> None:
    spec = generate(TEMPLATES[0], 0).spec
    with pytest.raises(UsageError):
        render_answer(spec, spec.expected, "braille")
