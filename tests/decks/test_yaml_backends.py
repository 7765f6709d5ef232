"""libyaml and the pure-Python composer read every deck identically (values, lines, errors)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mathdrill.decks import yamlsafe

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(
    [*ROOT.glob("decks/*.yaml"), *(ROOT / "tests" / "decks" / "fixtures").rglob("*.yaml")]
)


def _read(text: str, fast: bool, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(yamlsafe, "_FAST", fast)
    try:
        document = yamlsafe.parse_yaml(text)
    except yamlsafe.YamlProblem as problem:
        return ("problem", problem.line)
    return ("ok", document.data, _lines(document.data))


def _lines(value) -> list:
    if isinstance(value, yamlsafe.YMap):
        return [value.line, dict(value.key_lines), *(_lines(v) for v in value.values())]
    if isinstance(value, yamlsafe.YList):
        return [[value.line_of(i), _lines(v)] for i, v in enumerate(value)]
    return []


def test_libyaml_is_available_here() -> None:
    # The speed of deck loading (drill start-up) depends on it; PyYAML wheels ship it.
    assert yamlsafe._FAST


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_both_composers_agree(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = path.read_bytes().decode("utf-8", errors="replace")
    assert _read(text, True, monkeypatch) == _read(text, False, monkeypatch)


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 60 + "]" * 60,
        "- " * 60 + "x",
        "a: &x [1, 2]\nb: *x\n",
        "a: [1, 2\n",
        "a: b: c\n",
        "--- 1\n--- 2\n",
    ],
)
def test_both_composers_agree_on_edge_cases(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _read(text, True, monkeypatch) == _read(text, False, monkeypatch)


UNCLOSED_QUOTE = """\
deck: err
title: x
templates:
  - id: one
    title: "One
    prompt: hi
"""


@pytest.mark.parametrize("fast", [True, False], ids=["libyaml", "pure-python"])
def test_a_syntax_error_keeps_the_parsers_location(fast: bool, monkeypatch) -> None:
    # The quote opened on line 5, column 12 is never closed: the parser notices at the end of
    # the stream (line 7 of a 6-line file) and names where the quoted scalar started.
    monkeypatch.setattr(yamlsafe, "_FAST", fast)
    with pytest.raises(yamlsafe.YamlProblem) as caught:
        yamlsafe.parse_yaml(UNCLOSED_QUOTE)
    problem = caught.value
    assert (problem.line, problem.column) == (5, 12)
    assert problem.line <= UNCLOSED_QUOTE.count("\n")
    # Both halves of the parser's message: what it was reading, where, and what went wrong.
    assert "quoted scalar" in problem.message
    assert "line 5, column 12" in problem.message
    assert "end of the file" in problem.message
    assert "line 7" not in problem.message


@pytest.mark.parametrize("fast", [True, False], ids=["libyaml", "pure-python"])
def test_a_problem_inside_the_file_is_reported_where_it_is(fast: bool, monkeypatch) -> None:
    monkeypatch.setattr(yamlsafe, "_FAST", fast)
    text = "deck: x\ntitle: y\nprompt: a: b\n"
    with pytest.raises(yamlsafe.YamlProblem) as caught:
        yamlsafe.parse_yaml(text)
    assert caught.value.line == 3
    assert caught.value.column == 10
    assert "line 3, column 10" in caught.value.message
