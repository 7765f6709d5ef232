"""``mathdrill doctor`` exits 1 when it reports a problem; leeches alone are information.

Problems: the database cannot be opened or is damaged, rows out of range, orphaned cards, deck
files that cannot be loaded (docs/commands.md, "mathdrill doctor").
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

ARITH = Path(__file__).resolve().parents[1] / "drill" / "fixtures" / "arith.yaml"


def _user_decks(md_env: dict[str, str]) -> Path:
    folder = Path(md_env["MATHDRILL_HOME"]) / "decks"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_orphaned_cards_are_a_problem(md, md_env) -> None:
    deck = _user_decks(md_env) / "arith.yaml"
    deck.write_text(ARITH.read_text(encoding="utf-8"), encoding="utf-8")
    assert md("due").returncode == 0
    deck.unlink()
    done = md("doctor", "--json")
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["problems"] == ["orphaned"]
    assert report["healthy"] is True  # the database itself is sound
    assert md("doctor").returncode == 1


def test_a_deck_file_that_cannot_be_loaded_is_a_problem(md, md_env) -> None:
    (_user_decks(md_env) / "broken.yaml").write_text("deck: [unclosed\n", encoding="utf-8")
    assert md("due").returncode == 0
    done = md("doctor", "--json")
    assert done.returncode == 1
    assert json.loads(done.stdout)["problems"] == ["deck_problems"]


def test_leeches_alone_are_not_a_problem(md, md_env) -> None:
    assert md("due").returncode == 0
    db = Path(md_env["MATHDRILL_HOME"]) / "mathdrill.db"
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE cards SET leech = 1, lapses = 9 WHERE id = 1")
    conn.close()
    done = md("doctor", "--json")
    assert done.returncode == 0, done.stdout
    report = json.loads(done.stdout)
    assert report["problems"] == []
    assert len(report["leeches"]) == 1
