"""The ``--json`` keys and the table in docs/data.md ("Statistics") describe the same object."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from mathdrill.decks.catalog import read_catalog
from mathdrill.usecases.progress import build_stats, stats_to_json

DOC = Path(__file__).resolve().parents[2] / "docs" / "data.md"
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))


def documented_keys() -> set[str]:
    section = DOC.read_text(encoding="utf-8").split("## Statistics (`mathdrill stats --json`)")[1]
    section = section.split("\n## ")[0]  # up to the next section (export's tables follow)
    keys: set[str] = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            first = line.split("|")[1]
            keys.update(re.findall(r"`([^`]+)`", first))
    return keys


def paths(value, prefix: str = "") -> set[str]:
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            found.add(path)
            # The three weakest lists share one item shape, documented as weakest.*[].
            found |= paths(item, "weakest.*" if prefix == "weakest" else path)
    elif isinstance(value, list):
        for item in value:
            found |= paths(item, f"{prefix}[]")
    return found


def test_every_json_key_is_documented_and_every_documented_key_exists(db, history, tmp_path):
    card = history.card("d", "t", NOW - timedelta(days=40))
    history.review(card, NOW - timedelta(days=30), kind="learn", interval=30, mistake="m", lapses=1)
    history.review(card, NOW - timedelta(hours=1), correct=False, mistake="m", lapses=2)
    data = stats_to_json(build_stats(db, read_catalog([]), NOW, zone=NOW.tzinfo, rollover_hour=4))
    # tags need a catalogued deck: the item keys are those of decks (documented together).
    data["tags"] = data["decks"]
    produced = paths(data)
    documented = documented_keys()
    assert produced - documented == set()
    assert documented - produced == set()


def test_numbers_are_numbers(db, history):
    card = history.card("d", "t", NOW - timedelta(days=3))
    history.review(card, NOW - timedelta(hours=2), kind="learn", seconds=12.34)
    data = stats_to_json(build_stats(db, read_catalog([]), NOW, zone=NOW.tzinfo, rollover_hour=4))
    assert data["today"]["seconds"] == 12.3
    assert isinstance(data["today"]["reviewed"], int)
    assert data["activity"][-1]["accuracy"] == 1.0
    assert data["retention"][0]["total_rate"] is None
