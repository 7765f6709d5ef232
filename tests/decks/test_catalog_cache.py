"""The deck catalogue's cache: unchanged files are not parsed again, changed ones are."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mathdrill.decks import catalog as catalog_module
from mathdrill.decks.catalog import read_catalog

BUILTIN = sorted((Path(__file__).resolve().parents[2] / "decks").glob("*.yaml"))


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every deck file the catalogue parses (the real parser still runs)."""
    seen: list[str] = []
    real = catalog_module.read_deck_info

    def counting(raw: bytes, path: str):
        seen.append(Path(path).name)
        return real(raw, path)

    monkeypatch.setattr(catalog_module, "read_deck_info", counting)
    return seen


def test_a_warm_cache_gives_the_same_catalogue_without_parsing(tmp_path: Path, parses) -> None:
    cache = tmp_path / "cache" / "catalog.json"
    cold = read_catalog(BUILTIN, cache=cache)
    assert len(parses) == len(BUILTIN)
    assert cache.exists()
    parses.clear()
    warm = read_catalog(BUILTIN, cache=cache)
    assert parses == []
    assert warm == cold
    assert warm == read_catalog(BUILTIN)  # and equal to reading without any cache


def test_a_changed_deck_file_is_read_again(tmp_path: Path, parses) -> None:
    deck = tmp_path / "mine.yaml"
    deck.write_text("deck: mine\ntitle: Old title\ntemplates: []\n")
    cache = tmp_path / "catalog.json"
    assert read_catalog([deck], cache=cache).decks["mine"].title == "Old title"
    deck.write_text("deck: mine\ntitle: A new, longer title\ntemplates: []\n")
    stamp = deck.stat().st_mtime_ns + 1_000_000_000
    os.utime(deck, ns=(stamp, stamp))
    parses.clear()
    assert read_catalog([deck], cache=cache).decks["mine"].title == "A new, longer title"
    assert parses == ["mine.yaml"]


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        json.dumps({"format": 999, "files": {}}),
        json.dumps({"format": 1, "files": {"x": {"stamp": 3, "info": 4}}}),
        json.dumps([1, 2]),
    ],
)
def test_a_foreign_or_damaged_cache_is_ignored_and_rewritten(tmp_path: Path, content) -> None:
    cache = tmp_path / "catalog.json"
    cache.write_text(content)
    assert read_catalog(BUILTIN[:2], cache=cache) == read_catalog(BUILTIN[:2])
    assert json.loads(cache.read_text())["format"] == catalog_module.CACHE_FORMAT


def test_a_cache_entry_of_the_wrong_shape_is_parsed_afresh(tmp_path: Path, parses) -> None:
    cache = tmp_path / "catalog.json"
    read_catalog(BUILTIN[:1], cache=cache)
    data = json.loads(cache.read_text())
    (entry,) = data["files"].values()
    entry["info"] = {"id": "broken"}
    cache.write_text(json.dumps(data))
    parses.clear()
    assert read_catalog(BUILTIN[:1], cache=cache) == read_catalog(BUILTIN[:1])
    assert len(parses) == 2  # the damaged entry, then the uncached comparison


def test_an_unwritable_cache_place_is_not_an_error(tmp_path: Path) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder would go")
    catalog = read_catalog(BUILTIN[:1], cache=blocker / "catalog.json")
    assert len(catalog.decks) == 1
