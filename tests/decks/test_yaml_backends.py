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
