"""``mathdrill doctor`` with many orphaned cards or leeches: a summary, not one endless line."""

from __future__ import annotations

import json
from pathlib import Path

from mathdrill.cli.collection_cmd import (
    LEECHES_SHOWN,
    ORPHAN_DECKS_SHOWN,
    leech_lines,
    orphan_lines,
)
from tests.factories import random_history, write_history


def test_orphan_lines_summarise_per_deck() -> None:
    orphaned = tuple(f"d{i % 12:02d}/t{i}" for i in range(600))
    lines = orphan_lines(orphaned)
    assert lines[0].startswith("orphaned cards: 600 in 12 decks")
    assert lines[1] == "  d00: 50 (t0, t12, t24, … 47 more)"
    assert len(lines) == 1 + ORPHAN_DECKS_SHOWN + 1
    assert lines[-1].startswith("  … and 2 more decks")
    assert orphan_lines(("only/one",)) == [
        "orphaned cards: 1 in 1 deck (template no longer in any loaded deck; history kept):",
        "  only: 1 (one)",
    ]
    assert orphan_lines(()) == []


def test_doctor_prints_a_short_summary_of_thousands_of_orphans(md, tmp_path: Path) -> None:
    decks = tuple(f"gone-{i:02d}" for i in range(25))
    history = random_history(5000, 10, decks=decks)
    for card in history.cards:
        card.leech = True  # thousands of leeches too
    db = write_history(tmp_path / "many.db", history)
    done = md("--db", str(db), "doctor")
    assert done.returncode == 1, done.stderr  # orphans are a problem
    lines = done.stdout.splitlines()
    assert "orphaned cards: 5000 in 25 decks" in done.stdout
    assert "  … and 15 more decks (`mathdrill doctor --json` lists every card)" in lines
    assert max(len(line) for line in lines) < 200
    report = json.loads(md("--db", str(db), "doctor", "--json").stdout)
    assert len(report["orphaned"]) == 5000  # --json still lists every card


def test_leech_lines_show_the_worst_few() -> None:
    leeches = [(f"d/t{i}", i % 7) for i in range(30)]
    lines = leech_lines(leeches)
    assert lines[0] == "leeches: 30 (skills that keep slipping; most lapses first):"
    assert lines[1] == "  d/t13 (6 lapses)"
    assert len(lines) == 1 + LEECHES_SHOWN + 1
    assert lines[-1] == "  … and 20 more (`mathdrill doctor --json` lists all)"
    assert leech_lines([]) == []
