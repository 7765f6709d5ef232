"""Hostile deck files: ids too long to store, prerequisite cycles, slow and greedy templates.

Part of the hostile corpus (issue 16): each case once broke mathdrill or surprised a learner.
"""

from __future__ import annotations

import pytest

from mathdrill.decks.loader import parse_deck
from mathdrill.vocabulary import MAX_ID_LENGTH

LONG = "a" * (MAX_ID_LENGTH + 1)

TEMPLATE = """\
  - id: {tid}
    title: T
    tags: [{tag}]
    prompt: What is 1 + 1?
    answer:
      kind: number
      value: 2
    mistakes:
      - id: {mid}
        value: 3
        feedback: One too many.
"""


def _deck(deck: str = "d", tid: str = "t", tag: str = "x", mid: str = "m") -> bytes:
    text = f"deck: {deck}\ntitle: D\ntemplates:\n" + TEMPLATE.format(tid=tid, tag=tag, mid=mid)
    return text.encode()


def test_ids_of_the_longest_storable_length_load():
    fit = "b" * MAX_ID_LENGTH
    deck, problems = parse_deck(_deck(fit, fit, fit, fit), "fit.yaml")
    assert problems == []
    assert deck is not None


@pytest.mark.parametrize("field", ["deck", "tid", "tag", "mid"])
def test_an_id_longer_than_the_database_column_is_refused_where_it_is(field):
    _, problems = parse_deck(_deck(**{field: LONG}), "long.yaml")
    assert problems, field
    assert any(f"at most {MAX_ID_LENGTH}" in p.message for p in problems), problems
    assert all(p.path == "long.yaml" and p.line > 0 for p in problems), problems
