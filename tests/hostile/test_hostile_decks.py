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


def _requiring(deck: str, edges: dict[str, list[str]]) -> str:
    body = "".join(
        TEMPLATE.format(tid=tid, tag="x", mid="m").replace(
            "    title: T\n", f"    title: T\n    requires: [{', '.join(needs)}]\n"
        )
        for tid, needs in edges.items()
    )
    return f"deck: {deck}\ntitle: D\ntemplates:\n{body}"


def test_deck_check_names_a_prerequisite_cycle_as_a_failure(md, tmp_path):
    path = tmp_path / "cyc.yaml"
    path.write_text(_requiring("cyc", {"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}))
    done = md("deck", "check", str(path), "--samples", "1")
    assert done.code == 1, done.stdout + done.stderr
    text = done.stdout + done.stderr
    assert "cycle" in text
    assert "cyc/a → cyc/b → cyc/c → cyc/a" in text
    assert text.count("cycle") == 1  # d only leads into it


def test_deck_check_finds_a_cycle_across_decks(md, tmp_path):
    one = tmp_path / "one.yaml"
    two = tmp_path / "two.yaml"
    one.write_text(_requiring("one", {"p": ["two/q"]}))
    two.write_text(_requiring("two", {"q": ["one/p"]}))
    done = md("deck", "check", str(one), str(two), "--samples", "1")
    assert done.code == 1, done.stdout + done.stderr
    assert "one/p → two/q → one/p" in done.stdout + done.stderr


def test_a_chain_without_a_cycle_is_sound(md, tmp_path):
    path = tmp_path / "chain.yaml"
    path.write_text(_requiring("chain", {"a": [], "b": ["a"], "c": ["a", "b"]}))
    done = md("deck", "check", str(path), "--samples", "1")
    assert done.code == 0, done.stdout + done.stderr
    assert "cycle" not in done.stdout + done.stderr
