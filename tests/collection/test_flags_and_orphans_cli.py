"""``mathdrill flags`` and ``mathdrill card prune-orphans`` on a real SQLite file, in-process.

Orphans are the cards of a user deck file that was deleted; a deck file that cannot be loaded
makes its cards only look orphaned, so the removal is refused then.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from mathdrill.storage import Flag, open_database
from tests.factories import NOW, make_review

ARITH = Path(__file__).resolve().parents[1] / "drill" / "fixtures" / "arith.yaml"


def _home(md_env: dict[str, str]) -> Path:
    return Path(md_env["MATHDRILL_HOME"])


def _with_arith_history(md, md_env) -> Path:
    """A collection whose user deck 'arith' has reviews and a flag; returns the deck file."""
    decks = _home(md_env) / "decks"
    decks.mkdir(parents=True, exist_ok=True)
    deck = decks / "arith.yaml"
    deck.write_text(ARITH.read_text(encoding="utf-8"), encoding="utf-8")
    assert md("due").returncode == 0
    with open_database(str(_home(md_env) / "mathdrill.db")) as db:
        arith = [c for c in db.cards() if c.deck == "arith"]
        other = next(c for c in db.cards() if c.deck != "arith")
        assert arith
        for card in (*arith, other):
            # cram: logged, moves no schedule (the cards stay a fold of their log for doctor)
            db.record_review(make_review(card.id, NOW, kind="cram"))
        db.add_flag(Flag(card_id=arith[0].id, seed=3, flagged_at=NOW, comment="odd"))
        db.add_flag(Flag(card_id=other.id, seed=4, flagged_at=NOW, comment="kept"))
    return deck


def _rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def _folder(path: Path) -> list[str]:
    return sorted(p.name for p in path.iterdir() if p.is_file())


def test_prune_orphans_backs_up_then_removes_them_with_their_history(md, md_env) -> None:
    deck = _with_arith_history(md, md_env)
    db = _home(md_env) / "mathdrill.db"
    cards_before = _rows(db, "SELECT deck, template FROM cards ORDER BY id")
    kept_before = _rows(db, "SELECT * FROM cards WHERE deck != 'arith' ORDER BY id")
    deck.unlink()
    done = md("card", "prune-orphans", "--yes", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    arith = sorted(f"{d}/{t}" for d, t in cards_before if d == "arith")
    assert sorted(report["cards"]) == arith
    assert (report["reviews"], report["flags"], report["dry_run"]) == (len(arith), 1, False)
    assert _rows(db, "SELECT count(*) FROM cards WHERE deck = 'arith'") == [(0,)]
    assert _rows(db, "SELECT * FROM cards WHERE deck != 'arith' ORDER BY id") == kept_before
    assert _rows(db, "SELECT comment FROM flags") == [("kept",)]
    assert _rows(db, "SELECT count(*) FROM reviews") == [(1,)]
    assert _rows(db, "PRAGMA foreign_key_check") == []
    backup = Path(report["backup"])
    assert backup.parent == db.parent
    assert backup.name.startswith("mathdrill.db.bak-v")
    assert _rows(backup, "PRAGMA integrity_check") == [("ok",)]
    assert _rows(backup, "SELECT deck, template FROM cards ORDER BY id") == cards_before
    assert _rows(backup, "SELECT count(*) FROM reviews") == [(len(arith) + 1,)]
    assert _rows(backup, "SELECT count(*) FROM flags") == [(2,)]
    assert md("doctor").returncode == 0
    again = md("card", "prune-orphans", "--yes")
    assert again.returncode == 0
    assert "No orphaned cards" in again.stdout


def test_the_plain_report_names_the_cards_and_the_backup(md, md_env) -> None:
    _with_arith_history(md, md_env).unlink()
    done = md("card", "prune-orphans", "-y")
    assert done.returncode == 0, done.stderr
    assert "Removed 2 orphaned cards with 2 reviews and 1 flag:" in done.stdout
    assert "  arith/" in done.stdout
    assert "Backup of the database before the removal: " in done.stdout


def test_a_dry_run_changes_nothing(md, md_env) -> None:
    _with_arith_history(md, md_env).unlink()
    home = _home(md_env)
    db = home / "mathdrill.db"
    before, files = db.read_bytes(), _folder(home)
    done = md("card", "prune-orphans", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "Would remove 2 orphaned cards (dry run):" in done.stdout
    assert db.read_bytes() == before
    assert _folder(home) == files


def test_a_deck_file_that_cannot_be_loaded_stops_the_removal(md, md_env) -> None:
    deck = _with_arith_history(md, md_env)
    deck.write_text("deck: [unclosed\n", encoding="utf-8")  # its cards now only look orphaned
    home = _home(md_env)
    db = home / "mathdrill.db"
    before, files = db.read_bytes(), _folder(home)
    for args in (["--yes"], ["--dry-run"]):
        done = md("card", "prune-orphans", *args)
        assert done.returncode == 2, done.stdout
        assert "nothing was removed" in done.stderr
        assert "arith.yaml" in done.stderr
        assert "Traceback" not in done.stderr
        assert db.read_bytes() == before
        assert _folder(home) == files


def test_removing_needs_yes_when_not_in_a_terminal(md, md_env) -> None:
    _with_arith_history(md, md_env).unlink()
    db = _home(md_env) / "mathdrill.db"
    before = db.read_bytes()
    done = md("card", "prune-orphans")
    assert done.returncode == 2
    assert "--yes" in done.stderr
    assert db.read_bytes() == before


def test_decks_given_with_decks_are_not_orphans(md, md_env, tmp_path: Path) -> None:
    deck = _with_arith_history(md, md_env)
    elsewhere = tmp_path / "mine.yaml"
    deck.rename(elsewhere)
    done = md("card", "prune-orphans", "--yes", "--decks", str(elsewhere), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["cards"] == []


def test_flags_lists_as_json_and_clears_one(md, md_env) -> None:
    _with_arith_history(md, md_env)
    listed = md("flags", "--json")
    assert listed.returncode == 0, listed.stderr
    flags = json.loads(listed.stdout)["flags"]
    assert [f["comment"] for f in flags] == ["kept", "odd"]  # same time: newest id first
    odd = flags[1]
    assert odd["preview"] == f"mathdrill deck preview {odd['card']} --seed 3"
    assert odd["flagged_at"] == NOW.isoformat()
    cleared = md("flags", "--clear", str(odd["id"]))
    assert cleared.returncode == 0, cleared.stderr
    assert f"cleared flag {odd['id']}: {odd['card']} · seed 3" in cleared.stdout
    assert [f["comment"] for f in json.loads(md("flags", "--json").stdout)["flags"]] == ["kept"]
    missing = md("flags", "--clear", str(odd["id"]))
    assert missing.returncode == 2
    assert "mathdrill flags" in missing.stderr


def test_flags_shows_escapes_instead_of_control_characters(md, md_env) -> None:
    md("due")
    with open_database(str(_home(md_env) / "mathdrill.db")) as db:
        card = db.cards()[0]
        db.add_flag(Flag(card_id=card.id, seed=1, flagged_at=NOW, comment="\x1b[2Jgone\u202e"))
    shown = md("flags")
    assert shown.returncode == 0
    assert "\x1b" not in shown.stdout
    assert "\u202e" not in shown.stdout
    assert "comment: \\u001b[2Jgone\\u202e" in shown.stdout


def test_no_flags_yet(md) -> None:
    md("due")
    done = md("flags")
    assert done.returncode == 0
    assert "No flagged problems" in done.stdout
