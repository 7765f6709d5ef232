"""The light catalogue agrees with the full loader on everything the drill's queue uses.

The drill builds its queue from :mod:`mathdrill.decks.catalog` (no sympy in the main process)
and generates problems in a worker with the real loader, so the two readings must agree.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mathdrill.decks.catalog import DEFAULT_EXPECTED_SECONDS, read_catalog, read_deck_info
from mathdrill.decks.library import builtin_decks_dir, deck_files
from mathdrill.decks.loader import load_deck_file

BUILTIN = deck_files(builtin_decks_dir())


@pytest.mark.parametrize("path", BUILTIN, ids=lambda p: p.stem)
def test_catalogue_matches_the_loader_for_every_builtin_template(path: Path) -> None:
    deck = load_deck_file(path, trial=False)
    info = read_deck_info(path.read_bytes(), str(path))
    assert info.id == deck.id
    assert info.title == deck.title
    assert list(info.templates) == [t.id for t in deck.templates]
    for template in deck.templates:
        light = info.templates[template.id]
        assert light.title == template.title
        assert light.tags == tuple(template.tags)
        assert light.requires == tuple(template.requires)
        assert light.expected_seconds == template.expected_seconds
        assert light.hints == len(template.hints)


def test_missing_or_malformed_values_read_as_the_defaults() -> None:
    text = (
        "deck: d\ntitle: D\ntemplates:\n"
        "  - id: a\n    hints: just one\n    expected_seconds: lots\n    requires: b\n"
        "  - id: b\n    expected_seconds: 20\n    hints: [x, y]\n    requires: [a, other/c]\n"
    )
    info = read_deck_info(text.encode(), "d.yaml")
    a, b = info.templates["a"], info.templates["b"]
    assert (a.hints, a.expected_seconds, a.requires) == (1, DEFAULT_EXPECTED_SECONDS, ())
    assert (b.hints, b.expected_seconds, b.requires) == (2, 20.0, ("a", "other/c"))


def test_the_cache_keeps_the_queue_fields(tmp_path: Path) -> None:
    cache = tmp_path / "catalog.json"
    fresh = read_catalog(BUILTIN, cache=cache)
    cached = read_catalog(BUILTIN, cache=cache)
    assert cache.exists()
    assert cached == fresh
    assert any(t.requires for d in cached.decks.values() for t in d.templates.values())
